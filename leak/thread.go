package leak

import "strings"

// Thread text. A forum thread is stored and matched as one text, but who
// wrote what decides what it claims: the seller's posts are the claim, a
// buyer's reply ("escrow or gtfo, 100K?") or a quoted post is not. So the
// crawler writes a thread's text with marker lines:
//
//	\x1eM author        a message by author starts (first post, replies)
//	\x1eQ author        a passage quoting author starts (author may be empty)
//	\x1eE               the quoted passage ends
//
// Marks are whole lines that start with the record separator U+001E. Page
// text never holds that byte (the crawler replaces control characters), so a
// hostile post cannot forge a mark. A text without marks (a paste, a file
// given to watcher scan) is one message by the post's author.

// Mark is the byte that opens a marker line.
const Mark = '\x1e'

// Marker lines' kinds, the byte after Mark.
const (
	MarkMessage  = 'M'
	MarkQuote    = 'Q'
	MarkQuoteEnd = 'E'
)

// Message is one post of a thread: its author and its body, whose quoted
// passages are marked with QuoteLine and QuoteEndLine.
type Message struct {
	Author string
	Body   string
	// Links are the message's links as the page gave them (anchors'
	// targets), absolute; not part of the stored text.
	Links []string `json:",omitempty"`
}

// ThreadText joins a thread's messages into its stored text.
func ThreadText(ms []Message) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(MessageLine(m.Author))
		b.WriteByte('\n')
		b.WriteString(m.Body)
	}
	return b.String()
}

// MessageLine is the marker line (without its newline) that opens a message.
func MessageLine(author string) string {
	return string([]byte{Mark, MarkMessage}) + " " + oneLine(author)
}

// Unquoted is a message body without its quoted passages (QuoteLine to
// QuoteEndLine, nested ones too): what its author wrote.
func Unquoted(body string) string {
	if strings.IndexByte(body, Mark) < 0 {
		return body
	}
	var b strings.Builder
	depth := 0
	for _, l := range strings.Split(body, "\n") {
		switch {
		case len(l) >= 2 && l[0] == Mark && l[1] == MarkQuote:
			depth++
			continue
		case len(l) >= 2 && l[0] == Mark && l[1] == MarkQuoteEnd:
			depth = max(depth-1, 0)
			continue
		}
		if depth == 0 {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// QuoteLine is the marker line that opens a passage quoting author.
func QuoteLine(author string) string {
	return string([]byte{Mark, MarkQuote}) + " " + oneLine(author)
}

// QuoteEndLine is the marker line that closes a quoted passage.
func QuoteEndLine() string { return string([]byte{Mark, MarkQuoteEnd}) }

// StripMarks replaces the control characters a text must not carry into a
// thread text (the mark byte among them) with spaces, so page text cannot
// forge marker lines.
func StripMarks(s string) string {
	if strings.IndexByte(s, Mark) < 0 && strings.IndexByte(s, '\x1c') < 0 && strings.IndexByte(s, '\x1d') < 0 && strings.IndexByte(s, '\x1f') < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '\x1c' && r <= '\x1f' {
			return ' '
		}
		return r
	}, s)
}

// oneLine keeps a name on its marker line.
func oneLine(s string) string {
	s = StripMarks(s)
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}
