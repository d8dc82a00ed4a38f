package alerts

import (
	"fmt"
	"net/url"
	"strconv"
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
	maxBlocks  = 50
)

var severityIcon = map[leak.Severity]string{
	leak.SeverityCritical: "🔴",
	leak.SeverityHigh:     "🟠",
	leak.SeverityInfo:     "🔵",
}

// Commands writes the commands a message suggests to the analyst, so
// that they run as printed: with --config PATH when the daemon's config
// is not the one every command reads by default (Config ""). Program is
// how the binary is run: "watcher" unless set ("go run ./cmd/watcher").
type Commands struct{ Config, Program string }

// Line is the command line `watcher ARGS [--config PATH]`, ARGS as
// fmt.Sprintf(format, args...).
func (c Commands) Line(format string, args ...any) string {
	prog := c.Program
	if prog == "" {
		prog = "watcher"
	}
	s := prog + " " + fmt.Sprintf(format, args...)
	if c.Config != "" {
		s += " --config " + shellQuote(c.Config)
	}
	return s
}

// cmd is Line as inline code.
func (c Commands) cmd(format string, args ...any) string {
	return "`" + c.Line(format, args...) + "`"
}

// shellQuote quotes p for a POSIX shell when it needs it.
func shellQuote(p string) string {
	if p != "" && strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@,") == "" {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}

// Format builds the Slack message for an outgoing message; c writes the
// commands it suggests.
func Format(o Outgoing, c Commands) Message {
	switch {
	case o.Alert.Kind == leak.AlertOperator:
		return formatOperator(o.Alert, c)
	case o.Alert.Kind == leak.AlertTest:
		return formatTest(o.Alert)
	case o.Kind == MessageUpdate && o.Root != nil:
		return formatUpdate(o, c)
	case o.Kind == MessageBurst:
		return formatList(o, c, "⚠️ Burst: %d more hits at once", "These hits arrived together; each is in "+c.cmd("hits list")+".")
	case o.Kind == MessageDigest:
		return formatList(o, c, "🔵 Digest: %d info-level hits", "Mentions without a sale claim or verified records, collected for review.")
	}
	return formatLeak(o, c)
}

// formatLeak is the message for a new leak: the evidence, and the other
// posts of the same leak folded in.
func formatLeak(o Outgoing, c Commands) Message {
	a := o.Alert
	h, ev := a.Hit, a.Hit.Evidence
	sev := a.Severity()
	head := fmt.Sprintf("%s %s: %s", severityIcon[sev], strings.ToUpper(sev.String()), ev.Headline)
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
	if v := h.Victim; v != nil {
		parts := []string{"*" + esc(v.Name) + "*"}
		for _, x := range []string{Defang(v.Domain), v.Size, v.Published} {
			if x != "" {
				parts = append(parts, esc(x))
			}
		}
		if v.Countdown != "" {
			parts = append(parts, "countdown "+esc(v.Countdown))
		}
		blocks = append(blocks, section(cut("*Leak site victim*\n"+strings.Join(parts, " · "), maxSection)))
	}
	if len(h.Samples) > 0 {
		var us []string
		for _, u := range h.Samples {
			us = append(us, "`"+cut(Defang(u), 300)+"`")
		}
		blocks = append(blocks, section(cut("*Linked samples* (fetched and matched with the post, defanged)\n"+strings.Join(us, "\n"), maxSection)))
	}
	if c := ev.Claim; c != nil {
		var lines []string
		switch {
		case c.Records > 0 && c.RecordsText != "" && c.RecordsText != groupDigits(c.Records):
			lines = append(lines, fmt.Sprintf("Records claimed: *%s* (%s)", esc(c.RecordsText), groupDigits(c.Records)))
		case c.Records > 0:
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
	if p := partly(h); p != "" {
		blocks = append(blocks, section("*Read in part*\n"+p))
	}
	if len(o.Also) > 0 {
		blocks = append(blocks, section(fmt.Sprintf("*Also seen in %d more posts*\n%s", len(o.Also), listHits(o.Also, 10))))
	}
	if a.Shown != leak.SeverityNone {
		blocks = append(blocks, section("_Raised in place by newer evidence: see the thread._"))
	}
	blocks = append(blocks,
		slack.NewDividerBlock(),
		slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Hit %d · alert %d · next: %s, then %s", h.ID, a.ID, c.cmd("hits show %d", h.ID), c.cmd(`hits ack %d --note "..."`, h.ID)))),
	)
	return Message{
		Text:   cut(fmt.Sprintf("[%s] %s (%s)", strings.ToUpper(sev.String()), ev.Headline, h.Source), maxSection),
		Blocks: blocks,
	}
}

// partly says how a post was read in part, or "": the evidence counts
// what was read, and the rest of the page may hold more.
func partly(h leak.Hit) string {
	var why []string
	if h.Truncated {
		why = append(why, "the page was over max_body_bytes and was cut at the cap")
	}
	if h.Flattened {
		why = append(why, "the page was nested too deep to parse and was read as plain text")
	}
	if len(why) == 0 {
		return ""
	}
	return "_" + strings.Join(why, "; ") + ": the counts are of what was read; open the post for the rest._"
}

// formatUpdate is a reply in a leak's thread: stronger evidence on the
// same post, or the leak seen again elsewhere.
func formatUpdate(o Outgoing, c Commands) Message {
	a, root := o.Alert, o.Root
	h, ev := a.Hit, a.Hit.Evidence
	var what string
	switch {
	case (h.RepostOf != "" || h.Repeats != 0) && len(o.Also) == 0:
		what = "Seen again on " + h.Source
	case h.RepostOf != "" || h.Repeats != 0:
		what = fmt.Sprintf("Seen again in %d more places", 1+len(o.Also))
	case h.Rescan:
		what = "A rescan found more evidence"
	default:
		what = "The post changed and says more"
	}
	head := fmt.Sprintf("↳ %s %s: %s", severityIcon[ev.Severity], strings.ToUpper(ev.Severity.String()), what)
	blocks := []slack.Block{slack.NewHeaderBlock(plain(cut(head, maxHeader)))}
	switch {
	case o.Raise:
		blocks = append(blocks, section(fmt.Sprintf("*Severity raised from %s to %s.*", strings.ToUpper(root.Severity().String()), strings.ToUpper(ev.Severity.String()))))
	case o.Broadcast:
		blocks = append(blocks, section(fmt.Sprintf("*Severity now %s (was %s).* The first alert went out in a summary with other hits, left as it was.", strings.ToUpper(ev.Severity.String()), strings.ToUpper(root.Severity().String()))))
	}
	if h.Repeats != 0 && h.RepostOf != "" {
		blocks = append(blocks, section(fmt.Sprintf("The same dataset as hit %d: the post holds the customers that one held, whatever its wrapper text.", h.Repeats)))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		mrkdwn("*Source*\n" + esc(h.Source)),
		mrkdwn("*Thread*\n" + esc(orDash(h.Title))),
	}, nil), slack.NewSectionBlock(mrkdwn("*Link* (defanged)\n`"+cut(Defang(h.PostURL), 500)+"`"), nil, nil))
	if v := verification(ev); v != "" {
		blocks = append(blocks, section("*Verification*\n"+v))
	}
	if len(o.Also) > 0 {
		blocks = append(blocks, section(fmt.Sprintf("*And %d more*\n%s", len(o.Also), listHits(o.Also, 10))))
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Hit %d (follows hit %d) · %s", h.ID, h.Thread, c.cmd("hits show %d", h.ID)))))
	return Message{
		Text:   cut(fmt.Sprintf("[%s] Update: %s", strings.ToUpper(ev.Severity.String()), what)+sourceNote(what, h.Source), maxSection),
		Blocks: blocks,
	}
}

// formatList is a burst summary or a digest: one line per hit.
func formatList(o Outgoing, c Commands, title, intro string) Message {
	all := append([]leak.Alert{o.Alert}, o.Also...)
	head := fmt.Sprintf(title, len(all))
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(cut(head, maxHeader))),
		section(intro),
		section(listHits(all, 25)),
		slack.NewContextBlock("", mrkdwn("Every hit: "+c.cmd("hits list --since 1d")+"; one hit: "+c.cmd("hits show ID"))),
	}
	return Message{Text: cut(head, maxSection), Blocks: blocks}
}

// listHits is one line per hit, at most n, then how many more.
func listHits(as []leak.Alert, n int) string {
	var lines []string
	for i, a := range as {
		if i == n {
			lines = append(lines, fmt.Sprintf("… and %d more", len(as)-n))
			break
		}
		h := a.Hit
		lines = append(lines, fmt.Sprintf("• %s %s · %s · %s (hit %d)", severityIcon[h.Evidence.Severity],
			esc(cut(h.Evidence.Headline, 120)), esc(h.Source), esc(cut(orDash(h.Title), 80)), h.ID))
	}
	return strings.Join(lines, "\n")
}

// formatOperator reports a condition of leakwatch itself.
func formatOperator(a leak.Alert, c Commands) Message {
	ev := a.Operator
	if ev == nil {
		ev = &leak.OperatorEvent{Condition: "unknown"}
	}
	icon := "⚠️"
	if ev.Cleared {
		icon = "✅"
	}
	head := fmt.Sprintf("%s leakwatch: %s", icon, describeCondition(ev.Condition, ev.Cleared))
	text := "*Since* " + when(ev.Since)
	if ev.Reason != "" {
		text = "*Why*\n" + esc(ev.Reason) + "\n" + text
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(cut(head, maxHeader))),
		section(text),
		slack.NewContextBlock("", mrkdwn("Operator alert "+strconv.FormatUint(a.ID, 10)+" · "+c.cmd("status")+" shows every source and the outbox")),
	}
	return Message{Text: cut(head, maxSection), Blocks: blocks}
}

func describeCondition(c string, cleared bool) string {
	pick := func(bad, good string) string {
		if cleared {
			return good
		}
		return bad
	}
	switch {
	case strings.HasPrefix(c, "source:"):
		name := strings.TrimPrefix(c, "source:")
		return pick("source "+name+" is unhealthy", "source "+name+" is healthy again")
	case c == "tor":
		return pick("Tor is unreachable: crawls are skipped", "Tor is reachable again")
	case c == "outbox":
		return pick("the alert outbox is backing up", "the alert outbox has drained")
	case c == "matchers":
		return pick("the matchers failed to reload", "the matchers reload again")
	case c == "delivery":
		return pick("Slack delivery is degraded: alerts are delayed", "Slack delivery has recovered")
	case c == "slack":
		return pick("Slack refuses leakwatch's messages", "Slack accepts leakwatch's messages again")
	}
	return pick(c+" started", c+" cleared")
}

// formatTest is watcher test-alert's message: marked as a test all over.
func formatTest(a leak.Alert) Message {
	sev := a.Hit.Evidence.Severity
	head := fmt.Sprintf("🧪 TEST ALERT (%s): no leak, this checks the alert path", strings.ToUpper(sev.String()))
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(cut(head, maxHeader))),
		section("This message was sent by `watcher test-alert` through leakwatch's outbox and Slack delivery, as a real alert would be. *Nothing was found; no action is needed.*"),
		slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Test alert %d · sent %s", a.ID, when(a.Created)))),
	}
	return Message{Text: cut("[TEST] "+head, maxSection), Blocks: blocks}
}

// withMention opens a message with a mention (in the notification text
// and in the first block, where Slack notifies from).
func withMention(m Message, mention string) Message {
	m.Text = mention + " " + m.Text
	m.Blocks = append([]slack.Block{section(mention + " new critical leak alert")}, m.Blocks...)
	if len(m.Blocks) > maxBlocks {
		m.Blocks = m.Blocks[:maxBlocks]
	}
	return m
}

// verification says how much of the post is proven real.
func verification(ev leak.Evidence) string {
	var lines []string
	if s := ev.Sample; s != nil && (s.Rows > 0 || s.Mentions > 0) {
		line := fmt.Sprintf("*%d of %d* sample rows are real customers (%d distinct)", s.RealRows, s.Rows, s.Customers)
		if s.CanaryRows > 0 {
			line += fmt.Sprintf(" · %d canary row%s", s.CanaryRows, plural(s.CanaryRows))
		}
		if s.Unmatched > 0 {
			line += fmt.Sprintf(" · %d match%s nothing of ours", s.Unmatched, map[bool]string{true: "es", false: ""}[s.Unmatched == 1])
		}
		if s.Rows == 0 && s.Mentions > 0 {
			line = fmt.Sprintf("%d customer value%s written in running text (not a dump)", s.Mentions, plural(s.Mentions))
		}
		lines = append(lines, line)
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

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// sourceNote names the source after an update's summary, unless it does.
func sourceNote(what, source string) string {
	if strings.Contains(what, source) {
		return ""
	}
	return " (" + source + ")"
}
