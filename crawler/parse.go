package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Listing is what one listing page holds.
type Listing struct {
	Refs []Ref
	Next *url.URL // the next listing page, nil on the last
}

// ErrNoMatch is returned when a page's selectors match nothing, which means
// the site changed or served something else (a login wall, an error page):
// never the same as "no new posts".
var ErrNoMatch = errors.New("selectors matched nothing")

// ParseForumListing reads a forum listing page. base is the page's URL, for
// resolving relative links.
func ParseForumListing(body []byte, base *url.URL, sel ForumSelectors) (Listing, error) {
	rs := rowSelectors{row: sel.Thread, link: sel.Link, title: sel.Title, author: sel.Author, when: sel.Updated, what: "thread rows"}
	l, doc, err := parseRows(body, base, rs, func(u *url.URL) (string, string, bool) {
		return threadKey(u), u.String(), true
	})
	if err != nil {
		return l, err
	}
	l.Next = nextLink(doc, base, sel.Next)
	return l, nil
}

// rowSelectors say where a listing's rows and their parts are.
type rowSelectors struct {
	row, link, title, author, when string
	what                           string // for errors: "thread rows"
}

// parseRows reads one Ref per row of a listing page. ref maps the row's
// link to the entry's key and fetch URL; ok false skips the row.
func parseRows(body []byte, base *url.URL, sel rowSelectors, ref func(*url.URL) (key, fetch string, ok bool)) (Listing, *goquery.Document, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return Listing{}, nil, fmt.Errorf("parse html: %w", err)
	}
	var l Listing
	rows := doc.Find(sel.row)
	rows.Each(func(_ int, row *goquery.Selection) {
		link := row
		if sel.link != "" {
			link = row.Find(sel.link).First()
		}
		href, ok := link.Attr("href")
		if !ok {
			return
		}
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil {
			return
		}
		u.Fragment = ""
		key, fetch, ok := ref(u)
		if !ok {
			return
		}
		r := Ref{Key: key, URL: fetch, Title: cleanSpace(link.Text())}
		if sel.title != "" {
			if t := cleanSpace(row.Find(sel.title).First().Text()); t != "" {
				r.Title = t
			}
		}
		if sel.author != "" {
			r.Author = cleanSpace(row.Find(sel.author).First().Text())
		}
		if sel.when != "" {
			r.Version, r.Updated = readTime(row.Find(sel.when).First())
		}
		l.Refs = append(l.Refs, r)
	})
	if rows.Length() == 0 {
		return l, doc, whyNoMatch(doc, sel.what, sel.row)
	}
	return l, doc, nil
}

// ParseThread returns the text of every post body on a thread page, one
// post after another, separated by blank lines.
func ParseThread(body []byte, sel ForumSelectors) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("parse html: %w", err)
	}
	posts := doc.Find(sel.Post)
	if posts.Length() == 0 {
		return "", whyNoMatch(doc, "post bodies", sel.Post)
	}
	var b strings.Builder
	posts.Each(func(i int, s *goquery.Selection) {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(Text(s))
	})
	return b.String(), nil
}

// ParsePasteListing reads a paste site's recent-pastes page.
func ParsePasteListing(body []byte, base *url.URL, sel PasteSelectors) (Listing, error) {
	rs := rowSelectors{row: sel.Item, link: sel.Link, title: sel.Title, author: sel.Author, when: sel.Posted, what: "paste rows"}
	l, _, err := parseRows(body, base, rs, func(u *url.URL) (string, string, bool) {
		key := path.Base(strings.TrimSuffix(u.Path, "/"))
		if key == "" || key == "." || key == "/" {
			return "", "", false
		}
		if sel.Raw == "" {
			return key, u.String(), true
		}
		return key, strings.ReplaceAll(sel.Raw, "{key}", url.PathEscape(key)), true
	})
	return l, err
}

// PasteText returns a raw paste's text: plain text as is, HTML reduced to
// text.
func PasteText(body []byte, contentType string) string {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		if doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body)); err == nil {
			return Text(doc.Selection)
		}
	}
	return string(body)
}

func nextLink(doc *goquery.Document, base *url.URL, sel string) *url.URL {
	if sel == "" {
		return nil
	}
	href, ok := doc.Find(sel).First().Attr("href")
	if !ok {
		return nil
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil || u.String() == base.String() {
		return nil
	}
	u.Fragment = ""
	return u
}

// threadKey is the thread's identity: its path and query, without the host
// (a forum reachable under two onion names is still one forum).
func threadKey(u *url.URL) string {
	k := u.EscapedPath()
	if u.RawQuery != "" {
		k += "?" + u.RawQuery
	}
	return k
}

var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"02.01.2006 15:04",
	"02.01.2006",
	"Jan 2, 2006 at 3:04 PM",
	"Jan 2, 2006",
	"Mon Jan 02, 2006 3:04 pm",
}

// readTime reads a time shown on a page: a datetime attribute (HTML <time>,
// XenForo's data-time epoch) or the text. It returns the shown string as a
// version marker and the time when it parses.
func readTime(s *goquery.Selection) (string, time.Time) {
	raw := ""
	for _, attr := range []string{"datetime", "data-time", "title"} {
		if v, ok := s.Attr(attr); ok && strings.TrimSpace(v) != "" {
			raw = strings.TrimSpace(v)
			break
		}
	}
	if raw == "" {
		raw = cleanSpace(s.Text())
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return raw, t.UTC()
		}
	}
	return raw, time.Time{}
}

func cleanSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
