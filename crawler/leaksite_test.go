package crawler_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"leakwatch/crawler"
)

// The two layouts leak sites mostly take: a card grid with a detail page
// per victim, and a JSON API behind a single-page front end.
var (
	cardSelectors = crawler.LeakSiteSelectors{Item: ".post-block", Link: "a.post-block-link", Name: ".post-title", Domain: ".post-website",
		Description: ".post-block-text", Published: ".post-published", Countdown: ".timer", Size: ".post-size"}
	apiSelectors = crawler.LeakSiteSelectors{Format: "json", Items: "data.victims", Detail: "/victims/{key}",
		JSON: crawler.LeakSiteFields{Key: "id", Name: "company.name", Domain: "company.site", Description: "about", Published: "published_at", Countdown: "deadline", Size: "volume", Link: "url"}}
)

func TestLeakSiteGolden(t *testing.T) {
	base, _ := url.Parse("http://nightfall.onion/")
	l, err := crawler.ParseLeakSite(read(t, "leaksite/cards.html"), base, cardSelectors)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "leaksite/cards.golden.json", toJSON(l))
	l, err = crawler.ParseLeakSite(read(t, "leaksite/api.json"), base, apiSelectors)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "leaksite/api.golden.json", toJSON(l))
	if len(l.Refs) != 2 {
		t.Errorf("the item without an id was listed: %d refs", len(l.Refs))
	}
}

// TestLeakSiteCrawl lists a card grid through the proxy and fetches a
// victim's detail page: the post holds the card's fields, then the file
// tree and sample the page publishes, for the matchers.
func TestLeakSiteCrawl(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := map[string]string{"/": "cards.html", "/victim/hlcy-2026-11": "victim.html"}[r.URL.Path]
		if name == "" {
			http.NotFound(w, r)
			return
		}
		b, _ := os.ReadFile("testdata/leaksite/" + name)
		_, _ = w.Write(b)
	}))
	c := s.client(t, crawler.Options{})
	src := crawler.Source{Name: "nightfall", Kind: crawler.KindLeakSite, URLs: []string{"http://forum.test/"}, MaxPages: 1, LeakSite: cardSelectors}
	refs, err := c.List(context.Background(), src)
	if err != nil || len(refs) != 3 {
		t.Fatalf("List: %d refs, %v", len(refs), err)
	}
	post, err := c.Fetch(context.Background(), src, refs[0])
	if err != nil {
		t.Fatal(err)
	}
	if post.Victim == nil || post.Victim.Name != "Halcyon Wireless" || post.Victim.Domain != "halcyonwireless.com" || post.Title != "Leak site victim: Halcyon Wireless (halcyonwireless.com)" {
		t.Errorf("victim post: %+v %+v", post, post.Victim)
	}
	for _, want := range []string{"Victim: Halcyon Wireless", "Data size: 1.2 TB", "/crm/customers_full.sql", "dana.whitfield@examplemail.test"} {
		if !strings.Contains(post.Text, want) {
			t.Errorf("post text lacks %q:\n%s", want, post.Text)
		}
	}
}
