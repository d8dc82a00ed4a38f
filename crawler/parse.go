package crawler

import (
	"errors"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"leakwatch/leak"
)

// Listing is what one listing page holds.
type Listing struct {
	Refs []Ref
	Next *url.URL // the next listing page, nil on the last
	// Flattened: the page was nested too deep to parse as it was, and
	// was read without its deepest tags.
	Flattened bool
}

// ErrNoMatch is returned when a page's selectors match nothing, which means
// the site changed or served something else (a login wall, an error page):
// never the same as "no new posts".
var ErrNoMatch = errors.New("selectors matched nothing")

// ParseForumListing reads a forum listing page. base is the page's URL, for
// resolving relative links.
func ParseForumListing(body []byte, base *url.URL, sel ForumSelectors) (Listing, error) {
	rs := rowSelectors{row: sel.Thread, link: sel.Link, title: sel.Title, prefix: sel.Prefix, author: sel.Author, when: sel.Updated, what: "thread rows"}
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
	row, link, title, prefix, author, when string
	what                                   string // for errors: "thread rows"
}

// rowLink is a listing row's link (the row itself when css is "") and
// its target, resolved against base and cleaned of session ids.
func rowLink(row *goquery.Selection, css string, base *url.URL) (*goquery.Selection, *url.URL, bool) {
	link := row
	if css != "" {
		link = find(row, css).First()
	}
	href, ok := link.Attr("href")
	if !ok {
		return nil, nil, false
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil, nil, false
	}
	cleanURL(u)
	return link, u, true
}

// parseRows reads one Ref per row of a listing page. ref maps the row's
// link to the entry's key and fetch URL; ok false skips the row.
func parseRows(body []byte, base *url.URL, sel rowSelectors, ref func(*url.URL) (key, fetch string, ok bool)) (Listing, *goquery.Document, error) {
	doc, flat, err := document(body)
	if err != nil {
		return Listing{}, nil, err
	}
	l := Listing{Flattened: flat}
	rows := find(doc.Selection, sel.row)
	rows.Each(func(_ int, row *goquery.Selection) {
		link, u, ok := rowLink(row, sel.link, base)
		if !ok {
			return
		}
		key, fetch, ok := ref(u)
		if !ok {
			return
		}
		r := Ref{Key: key, URL: fetch, Title: cleanSpace(link.Text())}
		if sel.title != "" {
			if t := cleanSpace(find(row, sel.title).First().Text()); t != "" {
				r.Title = t
			}
		}
		if sel.prefix != "" {
			// Thread prefixes ([WTS], [SELLING]) say what a thread is: keep
			// them with the title.
			var pre []string
			find(row, sel.prefix).Each(func(_ int, p *goquery.Selection) {
				if t := cleanSpace(p.Text()); t != "" && !strings.Contains(r.Title, t) {
					if !strings.HasPrefix(t, "[") {
						t = "[" + t + "]"
					}
					pre = append(pre, t)
				}
			})
			if len(pre) > 0 {
				r.Title = strings.Join(pre, " ") + " " + r.Title
			}
		}
		if sel.author != "" {
			r.Author = cleanSpace(find(row, sel.author).First().Text())
		}
		if sel.when != "" {
			r.Version, r.Updated = readTime(find(row, sel.when).First())
		}
		l.Refs = append(l.Refs, r)
	})
	if rows.Length() == 0 {
		return l, doc, whyNoMatch(doc, sel.what, sel.row)
	}
	return l, doc, nil
}

// ThreadPage is what one page of a thread holds.
type ThreadPage struct {
	Posts []leak.Message // each post: its author and its text (quotes marked), in page order
	Next  *url.URL       // the thread's next page, nil on the last
	// Flattened: the page was nested too deep to parse as it was: it was
	// read without its deepest tags, or (Plain) as plain text, one post.
	Flattened, Plain bool
}

// ParseThread reads one page of a thread: every post (first post and
// replies) with its author and its text, and the link to the next page.
func ParseThread(body []byte, base *url.URL, sel ForumSelectors) (ThreadPage, error) {
	doc, flat, err := document(body)
	if err != nil {
		// Never dropped: a page no parser takes is read as plain text.
		return ThreadPage{Posts: []leak.Message{{Body: plainText(body)}}, Flattened: true, Plain: true}, nil
	}
	posts := find(doc.Selection, sel.Post)
	if posts.Length() == 0 {
		return ThreadPage{}, whyNoMatch(doc, "post bodies", sel.Post)
	}
	tp := ThreadPage{Flattened: flat}
	posts.Each(func(_ int, s *goquery.Selection) {
		tp.Posts = append(tp.Posts, leak.Message{Author: postAuthor(s, sel), Body: Text(s), Links: postLinks(s, base)})
	})
	tp.Next = nextLink(doc, base, sel.ThreadNext)
	return tp, nil
}

// postAuthor finds who wrote the post whose body is s: the nearest
// enclosing element that matches sel.PostAuthor and has a data-author
// attribute (XenForo's article.message), or the first element matching it
// inside the nearest enclosing element that has one (MyBB's .post_author,
// phpBB's .postprofile), outside the body itself. It stops at an element
// that holds more than one post body (the page's post list), so a post
// without an author is never given its neighbour's.
func postAuthor(s *goquery.Selection, sel ForumSelectors) string {
	if sel.PostAuthor == "" {
		return ""
	}
	m, err := matcher(sel.PostAuthor)
	if err != nil {
		return ""
	}
	body := s.Get(0)
	for anc, depth := s.Parent(), 0; anc.Length() > 0 && depth < 16; anc, depth = anc.Parent(), depth+1 {
		if anc.IsMatcher(m) {
			if v, ok := anc.Attr("data-author"); ok && strings.TrimSpace(v) != "" {
				return cleanSpace(v)
			}
		}
		if depth > 0 && find(anc, sel.Post).Length() > 1 {
			return ""
		}
		var name string
		anc.FindMatcher(m).EachWithBreak(func(_ int, a *goquery.Selection) bool {
			if inside(a.Get(0), body) {
				return true
			}
			if v, ok := a.Attr("data-author"); ok && strings.TrimSpace(v) != "" {
				name = cleanSpace(v)
			} else {
				name = cleanSpace(a.Text())
			}
			return name == ""
		})
		if name != "" {
			return name
		}
	}
	return ""
}

// postLinks are the absolute http(s) targets of the anchors in a post
// body, outside its quoted passages, without repeats.
func postLinks(s *goquery.Selection, base *url.URL) []string {
	var out []string
	seen := map[string]bool{}
	body := s.Get(0)
	s.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		for n := a.Get(0).Parent; n != nil && n != body; n = n.Parent {
			if isQuote(n) {
				return
			}
		}
		href, _ := a.Attr("href")
		if href = strings.TrimSpace(href); href == "" || strings.HasPrefix(href, "#") {
			return // a link within the page ("Select all", a footnote)
		}
		u, err := base.Parse(href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return
		}
		u.Fragment = ""
		if v := u.String(); !seen[v] && len(out) < 50 {
			seen[v] = true
			out = append(out, v)
		}
	})
	return out
}

// inside reports whether n is within (or is) root.
func inside(n, root *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == root {
			return true
		}
	}
	return false
}

// PageTitle returns a page's <title>, its white space folded.
func PageTitle(body []byte) string {
	doc, _, err := document(body)
	if err != nil {
		return ""
	}
	return leak.StripMarks(cleanSpace(doc.Find("title").First().Text()))
}

// ParsePasteListing reads a paste site's recent-pastes page.
func ParsePasteListing(body []byte, base *url.URL, sel PasteSelectors) (Listing, error) {
	rs := rowSelectors{row: sel.Item, link: sel.Link, title: sel.Title, author: sel.Author, when: sel.Posted, what: "paste rows"}
	l, _, err := parseRows(body, base, rs, func(u *url.URL) (string, string, bool) {
		key := pasteKey(u.Path)
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

// pasteKey is a paste's key: the last segment of its link's path, without
// a page extension (/p/a7Kq2x.html is a7Kq2x, as raw_url's {key} wants it).
func pasteKey(p string) string {
	key := path.Base(strings.TrimSuffix(p, "/"))
	for _, ext := range []string{".html", ".htm", ".php", ".aspx", ".asp", ".txt"} {
		if k, ok := strings.CutSuffix(key, ext); ok && k != "" {
			return k
		}
	}
	return key
}

// PasteText returns a raw paste's text: plain text as is, HTML reduced to
// text.
func PasteText(body []byte, contentType string) string {
	t, _ := pasteText(body, contentType)
	return t
}

// pasteText is PasteText, and whether an HTML page had to be flattened
// (or read as plain text) to be read at all.
func pasteText(body []byte, contentType string) (string, bool) {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		doc, flat, err := document(body)
		if err != nil {
			return plainText(body), true
		}
		return Text(doc.Selection), flat
	}
	return leak.StripMarks(string(body)), false
}

func nextLink(doc *goquery.Document, base *url.URL, sel string) *url.URL {
	if sel == "" {
		return nil
	}
	href, ok := find(doc.Selection, sel).First().Attr("href")
	if !ok {
		return nil
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil
	}
	cleanURL(u)
	if u.String() == base.String() {
		return nil
	}
	return u
}

// sessionParams are query parameters that carry a session, not an
// identity: phpBB's sid, vBulletin's s, PHP's PHPSESSID.
var sessionParams = map[string]bool{"sid": true, "s": true, "phpsessid": true, "sessionid": true, "session_id": true}

// navParams are query parameters that only say where in a thread to jump
// (phpBB view=unread, MyBB action=lastpost).
var navParams = map[string]map[string]bool{
	"view":   {"unread": true, "next": true, "previous": true},
	"action": {"lastpost": true, "newpost": true},
}

// navSuffixes are path endings that only say where in a thread to jump
// (XenForo /unread and /latest).
var navSuffixes = []string{"/unread", "/latest"}

// cleanURL drops the fragment, session parameters and jump-to-post
// navigation, so the same thread has the same URL and key on every crawl.
func cleanURL(u *url.URL) {
	u.Fragment = ""
	for _, suf := range navSuffixes {
		if strings.HasSuffix(u.Path, suf) {
			u.Path = strings.TrimSuffix(u.Path, suf) + "/"
			u.RawPath = ""
		}
	}
	if u.RawQuery == "" {
		return
	}
	q := u.Query()
	changed := false
	for k, vs := range q {
		lk := strings.ToLower(k)
		if sessionParams[lk] || len(vs) == 1 && navParams[lk][strings.ToLower(vs[0])] {
			q.Del(k)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
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
	"2006-01-02T15:04:05-0700",
	"01-02-2006, 03:04 PM",
	"01-02-2006 03:04 PM",
	"Mon Jan 02, 2006 3:04 pm",
	"Mon Jan 2, 2006 3:04 pm",
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
	return raw, parseTime(raw)
}

// parseTime reads a time in one of the common forum formats, or a Unix
// epoch (XenForo's data-time). Trailing words ("Last Post: bob") are
// ignored. It returns the zero time when nothing parses.
func parseTime(raw string) time.Time {
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 1e9 && n < 1e11 {
		return time.Unix(n, 0).UTC()
	}
	fields := strings.Fields(raw)
	for k := min(len(fields), 6); k >= 1; k-- {
		last := strings.ToLower(fields[k-1])
		if k < len(fields) && !endsLikeTime(last) {
			continue // "Last", "Post:": a time does not end there
		}
		s := strings.Join(fields[:k], " ")
		digit := s[0] >= '0' && s[0] <= '9'
		for _, layout := range timeLayouts {
			if (layout[0] >= '0' && layout[0] <= '9') != digit {
				continue // time.Parse would fail, after allocating its error
			}
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}

// endsLikeTime reports whether a word can end a date or time: a digit, or
// am/pm.
func endsLikeTime(w string) bool {
	c := w[len(w)-1]
	return c >= '0' && c <= '9' || strings.HasSuffix(w, "am") || strings.HasSuffix(w, "pm")
}

func cleanSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// SavedThread reads a thread page saved from a forum (no network) as the
// crawler reads a fetched one: its title, and its posts as one thread
// text (leak.ThreadText: each post with its author, quotes marked).
func SavedThread(page []byte, sel ForumSelectors) (title, thread string, err error) {
	base, _ := url.Parse("http://saved.invalid/")
	tp, err := ParseThread(page, base, sel)
	if err != nil {
		return "", "", err
	}
	return PageTitle(page), leak.ThreadText(tp.Posts), nil
}
