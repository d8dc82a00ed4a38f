package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"leakwatch/crawler"
)

// TestDeeplyNestedPagesAreRead: a page nested deeper than the HTML
// parser's 512 open elements (600 unclosed <span>, <b><i> x 300) used to
// be dropped, which let a seller hide a post from leakwatch. Its posts are
// read: by their selectors when the nesting can be flattened, as plain
// text otherwise, and the page says which.
func TestDeeplyNestedPagesAreRead(t *testing.T) {
	sel, _ := crawler.Preset("mybb")
	base, _ := url.Parse("http://forum.onion/showthread.php?tid=1")
	sale := "Selling Halcyon Wireless db, canary w.marsh@halcyon-canary.test"
	pages := map[string]string{
		"600 spans": `<html><body><div class="post"><div class="post_author"><a>seller</a></div><div class="post_body">` +
			strings.Repeat("<span>", 600) + sale + `</div></div></body></html>`,
		"600 classed spans": `<html><body><div class="post"><div class="post_author"><a>seller</a></div><div class="post_body">` +
			strings.Repeat(`<span class="x">`, 600) + sale + `</div></div></body></html>`,
		"b i x 300": `<html><body><div class="post"><div class="post_author"><a>seller</a></div><div class="post_body">` +
			strings.Repeat("<b><i>", 300) + sale + `</div></div></body></html>`,
	}
	for name, page := range pages {
		tp, err := crawler.ParseThread([]byte(page), base, sel)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(tp.Posts) == 0 || !strings.Contains(tp.Posts[0].Body, sale) || !tp.Flattened {
			t.Errorf("%s: posts %+v (flattened %v); want the sale read and the page marked", name, tp.Posts, tp.Flattened)
		}
		text := crawler.PasteText([]byte(page), "text/html")
		if !strings.Contains(text, sale) {
			t.Errorf("%s: as a paste: %q", name, text)
		}
		l, err := crawler.ParseForumListing([]byte(`<table><tr class="inline_row"><td>`+strings.Repeat("<span>", 700)+`<span id="tid_9"><a href="showthread.php?tid=9">[WTS] db</a></span></td></tr></table>`), base, sel)
		if err != nil || len(l.Refs) != 1 || !l.Flattened {
			t.Errorf("%s: a deep listing: %+v, %v", name, l.Refs, err)
		}
	}
}

// TestPostsOverTheCapAreCutNotDropped: a paste and a thread over
// max_body_bytes (a canary near the top of a 3 MiB page, cap 1 MiB) used
// to be dropped whole: now what was read is the post, marked truncated;
// a page too deep to parse is marked flattened.
func TestPostsOverTheCapAreCutNotDropped(t *testing.T) {
	canary := "w.marsh@halcyon-canary.test"
	big := canary + "\n" + strings.Repeat("filler line of a dump\n", 3<<20/22)
	deep := `<div class="post"><div class="post_author"><a>seller</a></div><div class="post_body">` + strings.Repeat("<b><i>", 300) + canary + `</div></div>`
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/archive":
			fmt.Fprint(w, `<table class="archive"><tr><td><a href="/big">big</a></td></tr><tr><td><a href="/deep">deep</a></td></tr></table>`)
		case "/raw/big":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, big)
		case "/raw/deep":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, deep)
		case "/thread":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<div class="post"><div class="post_author"><a>seller</a></div><div class="post_body">`+canary+strings.Repeat("<p>padding</p>", 1<<20/14+100)+`</div></div>`)
		default:
			http.NotFound(w, r)
		}
	}))
	c := s.client(t, crawler.Options{MaxBody: 1 << 20})
	src := crawler.Source{Name: "p", Kind: crawler.KindPaste, URLs: []string{"http://forum.test/archive"},
		Paste: crawler.PasteSelectors{Item: "table.archive tr", Link: "a", Raw: "http://forum.test/raw/{key}"}}
	refs, err := c.List(context.Background(), src)
	if err != nil || len(refs) != 2 {
		t.Fatalf("list: %v %+v", err, refs)
	}
	for _, r := range refs {
		p, err := c.Fetch(context.Background(), src, r)
		if err != nil || !strings.Contains(p.Text, canary) {
			t.Fatalf("%s: %v; the canary was not read", r.Key, err)
		}
		if r.Key == "big" && (!p.Truncated || p.Bytes > 1<<20) || r.Key == "deep" && (!p.Flattened || p.Truncated) {
			t.Errorf("%s: truncated %v, flattened %v, %d bytes", r.Key, p.Truncated, p.Flattened, p.Bytes)
		}
	}
	sel, _ := crawler.Preset("mybb")
	forum := crawler.Source{Name: "f", Kind: crawler.KindForum, Forum: sel}
	p, err := c.Fetch(context.Background(), forum, crawler.Ref{Key: "/thread", URL: "http://forum.test/thread"})
	if err != nil || !p.Truncated || !strings.Contains(p.Text, canary) {
		t.Errorf("a thread over the cap: %v, truncated %v", err, p.Truncated)
	}
}
