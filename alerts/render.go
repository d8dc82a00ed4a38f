package alerts

import (
	"strings"

	"github.com/slack-go/slack"
)

// Render writes a message as it reads in Slack: the header, then each
// section's text and fields, dividers as rules, context lines last.
func Render(m Message) string {
	var b strings.Builder
	for _, blk := range m.Blocks {
		switch v := blk.(type) {
		case *slack.HeaderBlock:
			t := v.Text.Text
			b.WriteString("┃ " + t + "\n")
			b.WriteString("┃ " + strings.Repeat("━", min(len([]rune(t)), 72)) + "\n")
		case *slack.SectionBlock:
			if v.Text != nil {
				writeIndented(&b, v.Text.Text)
			}
			for _, f := range v.Fields {
				label, value, _ := strings.Cut(f.Text, "\n")
				writeIndented(&b, label+": "+value)
			}
		case *slack.DividerBlock:
			b.WriteString("┃ " + strings.Repeat("─", 40) + "\n")
		case *slack.ContextBlock:
			for _, e := range v.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					writeIndented(&b, t.Text)
				}
			}
		}
	}
	return b.String()
}

func writeIndented(b *strings.Builder, s string) {
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "*", "").Replace(s)
	for _, l := range strings.Split(s, "\n") {
		b.WriteString("┃ " + l + "\n")
	}
}
