package alerts

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/leak"
)

// Message is a Slack message: Block Kit blocks plus the plain-text fallback
// shown in notifications.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// Slack's limits: header text 150 characters, section text 3000, a field
// 2000, 10 fields a section, 50 blocks a message.
const (
	maxHeader  = 150
	maxSection = 3000
	maxField   = 2000
)

var severityIcon = map[leak.Severity]string{
	leak.SeverityCritical: "🔴",
	leak.SeverityHigh:     "🟠",
	leak.SeverityInfo:     "🔵",
}

// Format builds the Slack message for an alert.
func Format(a leak.Alert) Message {
	h, ev := a.Hit, a.Hit.Evidence
	head := fmt.Sprintf("%s %s: %s", severityIcon[ev.Severity], strings.ToUpper(ev.Severity.String()), ev.Headline)
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(cut(head, maxHeader))),
	}
	fields := []*slack.TextBlockObject{
		mrkdwn("*Source*\n" + esc(h.Source)),
		mrkdwn("*Thread*\n" + esc(orDash(h.Title))),
		mrkdwn("*Author*\n" + esc(orDash(h.Author))),
		mrkdwn("*Posted / seen*\n" + when(h.Posted) + " / " + when(h.Found)),
	}
	blocks = append(blocks,
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewSectionBlock(mrkdwn("*Link* (defanged)\n`"+cut(Defang(h.PostURL), 500)+"`"), nil, nil),
	)
	if c := ev.Claim; c != nil {
		var lines []string
		if c.Records > 0 {
			lines = append(lines, fmt.Sprintf("Records claimed: *%s*", groupDigits(c.Records)))
		}
		if len(c.DataTypes) > 0 {
			lines = append(lines, "Data types: "+strings.ToUpper(strings.Join(c.DataTypes, ", ")))
		}
		if c.Price != "" {
			lines = append(lines, "Price: "+esc(c.Price))
		}
		if len(c.Contacts) > 0 {
			lines = append(lines, "Contact via: "+strings.Join(c.Contacts, ", "))
		}
		lines = append(lines, fmt.Sprintf("Sale intent score %.1f (%s)", c.Score, strings.Join(c.Phrases, ", ")))
		if len(c.Negative) > 0 {
			lines = append(lines, "Lowered by: "+strings.Join(c.Negative, ", "))
		}
		blocks = append(blocks, section("*Claim*\n"+strings.Join(lines, "\n")))
	}
	if v := verification(ev); v != "" {
		blocks = append(blocks, section("*Verification*\n"+v))
	}
	if len(ev.Brands) > 0 {
		blocks = append(blocks, section("*Brand terms*\n"+esc(strings.Join(ev.Brands, ", "))))
	}
	blocks = append(blocks,
		slack.NewDividerBlock(),
		slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Hit %d · alert %d · next: `watcher hits show %d`, then `watcher hits ack %d --note \"...\"`", h.ID, a.ID, h.ID, h.ID))),
	)
	return Message{
		Text:   cut(fmt.Sprintf("[%s] %s (%s)", strings.ToUpper(ev.Severity.String()), ev.Headline, h.Source), maxSection),
		Blocks: blocks,
	}
}

// verification says how much of the post is proven real.
func verification(ev leak.Evidence) string {
	var lines []string
	if s := ev.Sample; s != nil {
		lines = append(lines, fmt.Sprintf("*%d of %d* sample rows are real customers (%d distinct)", s.RealRows, s.Rows, s.Customers))
		if len(s.Types) > 0 {
			lines = append(lines, "Matched types: "+strings.Join(s.Types, ", "))
		}
		if len(s.Datasets) > 0 {
			lines = append(lines, "Datasets: "+esc(strings.Join(s.Datasets, ", ")))
		}
	}
	if len(ev.Canaries) > 0 {
		byPart := map[string]int{}
		var parts []string
		for _, c := range ev.Canaries {
			if byPart[c.Partition] == 0 {
				parts = append(parts, c.Partition)
			}
			byPart[c.Partition]++
		}
		for _, p := range parts {
			lines = append(lines, fmt.Sprintf("🚨 Canaries from partition *%s*: %d (this partition leaked)", esc(p), byPart[p]))
		}
	}
	return strings.Join(lines, "\n")
}

// Defang makes a URL unclickable: hxxp scheme and [.] in the host.
func Defang(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.ReplaceAll(raw, ".", "[.]")
	}
	scheme := strings.Replace(u.Scheme, "http", "hxxp", 1)
	host := strings.ReplaceAll(u.Host, ".", "[.]")
	rest := u.EscapedPath()
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	return scheme + "://" + host + rest
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, cut(s, maxField), false, false)
}
func section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(s, maxSection), false, false), nil, nil)
}

// esc escapes the three characters Slack's mrkdwn treats as control
// characters, so site-controlled text cannot inject mentions or links.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cut shortens s to at most n runes, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
