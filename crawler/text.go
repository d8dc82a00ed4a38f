package crawler

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Text reduces HTML to text that keeps the shape of dumps: each block
// element, <br> and table row starts a line, table cells are separated by
// tabs, and <pre>/<code> keep their line breaks. Scripts, styles and
// comments are dropped.
func Text(s *goquery.Selection) string {
	var b strings.Builder
	for _, n := range s.Nodes {
		writeText(&b, n, false)
	}
	return tidyLines(b.String())
}

var blockElems = map[string]bool{
	"p": true, "div": true, "li": true, "ul": true, "ol": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "tr": true, "table": true, "pre": true,
	"section": true, "article": true, "header": true, "footer": true, "dd": true, "dt": true, "hr": true,
	"cite": true, "dl": true, "form": true, "fieldset": true, "details": true, "summary": true,
}

func writeText(b *strings.Builder, n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		if pre {
			b.WriteString(n.Data)
			return
		}
		if len(n.Data) > 0 && isSpace(n.Data[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(n.Data), " "))
		if len(n.Data) > 1 && isSpace(n.Data[len(n.Data)-1]) {
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
			b.WriteByte('\n')
			return
		case "td", "th":
			b.WriteByte('\t')
		case "pre", "textarea", "xmp", "plaintext":
			pre = true
		}
		if blockElems[n.Data] && n.Data != "tr" {
			b.WriteByte('\n') // a table row needs no blank line before it
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c, pre)
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
