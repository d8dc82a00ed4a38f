package crawler

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"leakwatch/leak"
)

// Text reduces HTML to text that keeps the shape of dumps: each block
// element, <br> and table row starts a line, table cells are separated by
// tabs, and <pre>/<code> keep their line breaks. Scripts, styles and
// comments are dropped. A quoted passage (<blockquote>, or an element of a
// forum engine's quote class) is set between leak.QuoteLine and
// leak.QuoteEndLine marker lines, with the quoted author when the page
// names one; control characters that could forge a marker are replaced.
func Text(s *goquery.Selection) string {
	var b strings.Builder
	for _, n := range s.Nodes {
		writeText(&b, n, false, false)
	}
	return tidyLines(b.String())
}

var blockElems = map[string]bool{
	"p": true, "div": true, "li": true, "ul": true, "ol": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "tr": true, "table": true, "pre": true,
	"section": true, "article": true, "header": true, "footer": true, "dd": true, "dt": true, "hr": true,
	"cite": true, "dl": true, "form": true, "fieldset": true, "details": true, "summary": true,
}

// quoteClasses are the class names forum engines give a quoted post when
// it is not (only) a <blockquote>: vBulletin, IPS/Invision, SMF, others.
var quoteClasses = map[string]bool{
	"quote": true, "bbcode_quote": true, "bbcodequote": true, "mycode_quote": true, "ipsquote": true,
	"quotebox": true, "quote-box": true, "bbcode-quote": true, "bbcodeblock--quote": true,
}

// isQuote reports whether n is a quoted passage.
func isQuote(n *html.Node) bool {
	if n.Data == "blockquote" {
		return true
	}
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(strings.ToLower(a.Val)) {
				if quoteClasses[c] {
					return true
				}
			}
		}
	}
	return false
}

// isAttribution reports whether n is the "alice wrote:" line of a quote
// (a <cite>, XenForo's bbCodeBlock-title, vBulletin's bbcode_postedby).
func isAttribution(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if n.Data == "cite" {
		return true
	}
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(strings.ToLower(a.Val)) {
				if c == "bbcodeblock-title" || c == "bbcode_postedby" || c == "quotetitle" || c == "ipsquote_citation" {
					return true
				}
			}
		}
	}
	return false
}

// quoteAuthor names who a quote quotes: XenForo's data-quote, IPS's
// data-ipsquote-username, or the attribution line ("alice wrote:",
// "Quote from alice", "alice said:").
func quoteAuthor(n *html.Node) string {
	for _, a := range n.Attr {
		if (a.Key == "data-quote" || a.Key == "data-ipsquote-username" || a.Key == "data-author") && strings.TrimSpace(a.Val) != "" {
			return cleanSpace(a.Val)
		}
	}
	var att *html.Node
	var walk func(*html.Node, int)
	walk = func(c *html.Node, depth int) {
		for ; c != nil && att == nil; c = c.NextSibling {
			if isAttribution(c) {
				att = c
				return
			}
			if c.Type == html.ElementNode && depth < 3 && !isQuote(c) {
				walk(c.FirstChild, depth+1)
			}
		}
	}
	walk(n.FirstChild, 0)
	if att == nil {
		return ""
	}
	// The name is the attribution's first link or bold text, or its text
	// up to "wrote"/"said".
	for c := att.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "a" || c.Data == "strong" || c.Data == "b") {
			if t := cleanSpace(nodeText(c)); t != "" {
				return t
			}
		}
	}
	t := cleanSpace(nodeText(att))
	lt := strings.ToLower(t)
	for _, w := range []string{" wrote", " said", " написал", ":"} {
		if i := strings.Index(lt, w); i > 0 {
			t, lt = t[:i], lt[:i]
		}
	}
	for _, p := range []string{"quote from ", "originally posted by ", "quote: ", "цитата: "} {
		if strings.HasPrefix(lt, p) {
			t = t[len(p):]
		}
	}
	return strings.TrimSpace(t)
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// writeText writes n's text; in a quote, its attribution line is left out
// (QuoteLine names the author).
func writeText(b *strings.Builder, n *html.Node, pre, quote bool) {
	switch n.Type {
	case html.TextNode:
		data := leak.StripMarks(n.Data)
		if pre {
			b.WriteString(data)
			return
		}
		if len(data) > 0 && isSpace(data[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(data), " "))
		if len(data) > 1 && isSpace(data[len(data)-1]) {
			b.WriteByte(' ')
		}
		return
	case html.CommentNode:
		return
	case html.ElementNode:
		switch n.Data {
		case "script", "style", "noscript", "template", "head":
			return
		case "br":
			// In preformatted text a <br> followed by a newline (MyBB's code
			// blocks write both) is one line break.
			if !pre || n.NextSibling == nil || n.NextSibling.Type != html.TextNode || !strings.HasPrefix(strings.TrimLeft(n.NextSibling.Data, "\r"), "\n") {
				b.WriteByte('\n')
			}
			return
		case "td", "th":
			b.WriteByte('\t')
		case "pre", "textarea", "xmp", "plaintext", "code":
			// Code blocks keep their white space: a dump's tabs separate
			// its fields.
			pre = true
		}
		if quote && isAttribution(n) {
			return
		}
		if isQuote(n) {
			b.WriteString("\n" + leak.QuoteLine(quoteAuthor(n)) + "\n")
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				writeText(b, c, pre, true)
			}
			b.WriteString("\n" + leak.QuoteEndLine() + "\n")
			return
		}
		if blockElems[n.Data] && n.Data != "tr" {
			b.WriteByte('\n') // a table row needs no blank line before it
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c, pre, quote)
	}
	if n.Type == html.ElementNode && blockElems[n.Data] {
		b.WriteByte('\n')
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// tidyLines trims each line, drops the tab that opens a row, and folds runs
// of blank lines into one.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		l = strings.TrimLeft(l, " ")
		l = strings.TrimPrefix(l, "\t")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}
