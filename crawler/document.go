package crawler

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"leakwatch/leak"
)

// A page nested deeper than the HTML parser allows (512 open elements:
// 600 unclosed <span>, <b><i> x 300) fails to parse. Dropping it would let
// a seller hide a post by wrapping it in tags, so such a page is
// flattened: its start tags beyond maxDepth open elements are left out
// (their text stays), and it is parsed again. A page that still fails is
// read as plain text (plainText).

// maxDepth is how many open elements a flattened page keeps, well under
// the parser's limit (which also counts the elements it inserts itself).
const maxDepth = 256

// document parses body. flattened says the page was too deeply nested
// and was parsed without its deepest tags.
func document(body []byte) (doc *goquery.Document, flattened bool, err error) {
	doc, err = goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err == nil {
		return doc, false, nil
	}
	doc, err2 := goquery.NewDocumentFromReader(bytes.NewReader(flatten(body)))
	if err2 != nil {
		return nil, false, fmt.Errorf("parse html: %w (and flattened: %v)", err, err2)
	}
	return doc, true, nil
}

// flatten rewrites a page keeping at most maxDepth open elements: deeper
// start tags (and the end tags that close them) are dropped, text and
// everything else kept.
func flatten(body []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(body))
	var out bytes.Buffer
	out.Grow(len(body))
	var open []atom.Atom // the kept open elements
	dropped := map[atom.Atom]int{}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.Bytes()
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if voidElement(a) {
				out.Write(z.Raw())
				continue
			}
			// Beyond maxDepth, a tag without attributes goes (the padding of
			// such a page); one with attributes (a link, a class a selector
			// reads) stays.
			if len(open) >= maxDepth && !hasAttr(z.Raw()) {
				dropped[a]++
				continue
			}
			open = append(open, a)
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropped[a] > 0 {
				dropped[a]--
				continue
			}
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] == a {
					open = open[:i]
					break
				}
			}
		}
		out.Write(z.Raw())
	}
}

// voidElement: elements that never hold content (and have no end tag).
func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// plainText is a page's text read token by token, without a tree: for a
// page even flattening cannot make parse. Scripts and styles are left out.
func plainText(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.StartTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); {
			case a == atom.Script || a == atom.Style:
				skip++
			case a == atom.Br || blockElems[string(name)]:
				b.WriteByte('\n')
			case a == atom.Td || a == atom.Th:
				b.WriteByte('\t')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); (a == atom.Script || a == atom.Style) && skip > 0 {
				skip--
			} else if blockElems[string(name)] {
				b.WriteByte('\n')
			}
		case html.TextToken:
			if skip == 0 {
				b.WriteString(leak.StripMarks(string(z.Text())))
			}
		}
	}
}

// hasAttr reports whether a raw start tag has attributes.
func hasAttr(raw []byte) bool {
	i := bytes.IndexAny(raw, " \t\n\r\f/")
	return i > 0 && bytes.IndexByte(raw[i:], '=') >= 0
}
