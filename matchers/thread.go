package matchers

import (
	"bytes"
	"strings"

	"leakwatch/leak"
)

// A post is read in parts: its title, then the text of each message of a
// thread (leak's thread marks), quoted passages apart. The claim (sale
// intent, count, price, data types, contacts) is read from the title and
// the seller's own words only; values are read from every part.

// role says whose words a part holds.
type role uint8

const (
	roleSeller role = iota // the first post's author (a paste: its author)
	roleOther              // a reply by someone else
	roleQuote              // a quoted passage, whoever wrote it
	roleTitle              // the thread or paste title
)

// part is a span of the text (marker lines excluded).
type part struct {
	start, end int
	role       role
	line       int // 0-based line of start in the text
}

// splitThread appends the parts of text to ps: one part per message body
// and per quoted passage, with its role. A text without marks is one part
// by the seller.
func splitThread(text []byte, ps []part) []part {
	// A thread text opens with its first message's mark (leak.ThreadText);
	// any other text is plain, whatever it holds further on: no pass over
	// it is needed to know.
	if len(text) < 2 || text[0] != leak.Mark || text[1] != leak.MarkMessage {
		return append(ps, part{start: 0, end: len(text), role: roleSeller})
	}
	seller := ""
	msg := -1
	cur := roleSeller
	depth := 0
	start, line := 0, 0
	flush := func(end int) {
		if end > start {
			r := cur
			if depth > 0 {
				r = roleQuote
			}
			ps = append(ps, part{start: start, end: end, role: r, line: line})
		}
	}
	ln := 0
	for i := 0; i <= len(text); {
		e := bytes.IndexByte(text[i:], '\n')
		if e < 0 {
			e = len(text)
		} else {
			e += i
		}
		l := text[i:e]
		if len(l) >= 2 && l[0] == leak.Mark {
			flush(i)
			switch l[1] {
			case leak.MarkMessage:
				msg++
				author := strings.TrimSpace(string(l[2:]))
				if msg == 0 {
					seller = author
					cur = roleSeller
				} else if author != "" && strings.EqualFold(author, seller) {
					cur = roleSeller
				} else {
					cur = roleOther
				}
				depth = 0
			case leak.MarkQuote:
				depth++
			case leak.MarkQuoteEnd:
				depth = max(depth-1, 0)
			}
			start, line = min(e+1, len(text)), ln+1
		}
		ln++
		i = e + 1
	}
	flush(len(text))
	return ps
}
