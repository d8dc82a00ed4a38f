package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// clock is a fake time the pipeline reads.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// frontFetcher meets an anti-bot front while front is set, else lists
// one new entry per cycle; changed is its cookie file's time.
type frontFetcher struct {
	front   bool
	lists   int
	changed time.Time
}

func (f *frontFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	f.lists++
	if f.front {
		return nil, &crawler.FrontError{What: "HTTP 403", Front: "access queue"}
	}
	return []crawler.Ref{{Key: fmt.Sprintf("/t/%d", f.lists), URL: "http://x.onion/t", Version: "v"}}, nil
}

func (f *frontFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	return leak.Post{Source: src.Name, Key: r.Key, Text: "post " + r.Key, Hash: leak.ContentHash(r.Key)}, nil
}

func (f *frontFetcher) CookieChanged() time.Time { return f.changed }

// TestBackoffAfterAntiBotFront: a front makes the source wait (30 min,
// then doubling), without a request to the site; the source is unhealthy
// with advice; a refreshed cookie file ends the wait; a good crawl resets.
func TestBackoffAfterAntiBotFront(t *testing.T) {
	db := storetest.Open(t, store.Options{})
	clk := &clock{t: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}, Now: clk.now}
	f := &frontFetcher{front: true}
	job := pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: f}
	run := func() error { _, err := p.RunJob(context.Background(), job); return err }

	if err := run(); !errors.Is(err, crawler.ErrCaptcha) {
		t.Fatalf("first crawl: %v", err)
	}
	st, _, _ := db.Source("forum")
	if st.Healthy || st.BackoffUntil != clk.t.Add(30*time.Minute) {
		t.Fatalf("after a front: %+v", st)
	}
	clk.advance(10 * time.Minute)
	if err := run(); !errors.Is(err, pipeline.ErrBackingOff) || f.lists != 1 {
		t.Fatalf("10 min later: %v, %d lists; want a skip without a request", err, f.lists)
	}
	clk.advance(25 * time.Minute)
	if err := run(); !errors.Is(err, crawler.ErrCaptcha) || f.lists != 2 {
		t.Fatalf("after the wait: %v, %d lists", err, f.lists)
	}
	st, _, _ = db.Source("forum")
	if st.FrontStreak != 2 || st.BackoffUntil != clk.t.Add(time.Hour) {
		t.Errorf("second front in a row: %+v; want a 1 h wait", st)
	}
	// A person passed the front and refreshed the cookie file.
	clk.advance(5 * time.Minute)
	f.changed, f.front = clk.t, false
	if err := run(); err != nil || f.lists != 3 {
		t.Fatalf("after the cookie refresh: %v, %d lists", err, f.lists)
	}
	st, _, _ = db.Source("forum")
	if !st.Healthy || st.FrontStreak != 0 || !st.BackoffUntil.IsZero() {
		t.Errorf("after a good crawl: %+v", st)
	}
}

// yieldFetcher lists one new entry per cycle while fresh, else the same
// old one: a listing that still parses and brings nothing.
type yieldFetcher struct {
	fresh bool
	n     int
}

func (f *yieldFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	if f.fresh {
		f.n++
	}
	return []crawler.Ref{{Key: fmt.Sprintf("/t/%d", f.n), URL: "http://x.onion/t", Version: "v"}}, nil
}

func (f *yieldFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	return leak.Post{Source: src.Name, Key: r.Key, Text: "post " + r.Key, Hash: leak.ContentHash(r.Key)}, nil
}

// TestStaleSource: a source that brought a new post every hour and then
// nothing for far longer (its listing still reads) is flagged stale once,
// with one operator alert, and cleared when posts come again.
func TestStaleSource(t *testing.T) {
	db := storetest.Open(t, store.Options{})
	clk := &clock{t: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}, Now: clk.now}
	f := &yieldFetcher{fresh: true}
	job := pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: f}
	crawl := func() {
		t.Helper()
		if _, err := p.RunJob(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Hour)
	}
	stale := func() (bool, int) {
		conds, _ := db.Conditions()
		for _, c := range conds {
			if c.ID == "stale:forum" {
				n, _ := db.Counts()
				return c.Active, n.PendingOperator
			}
		}
		return false, 0
	}
	for range 8 {
		crawl()
	}
	f.fresh = false
	for range 6 { // 6 h with nothing new: not yet (the floor is 6 h)
		crawl()
	}
	if s, _ := stale(); s {
		t.Fatal("stale after 6 quiet hours")
	}
	for range 4 {
		crawl()
	}
	s, alerts := stale()
	st, _, _ := db.Source("forum")
	if !s || !st.Stale || alerts != 1 || st.Gap != time.Hour {
		t.Fatalf("after 10 quiet hours: stale %v, %d operator alerts, state %+v", s, alerts, st)
	}
	for range 3 { // still stale: no more alerts
		crawl()
	}
	if _, alerts := stale(); alerts != 1 {
		t.Errorf("%d operator alerts while it stays stale, want 1", alerts)
	}
	f.fresh = true
	crawl()
	if s, alerts := stale(); s || alerts != 2 {
		t.Errorf("after a new post: stale %v, %d operator alerts (want the clearing one)", s, alerts)
	}
}

// onionFetcher lists the posts it has, each naming onion addresses.
type onionFetcher struct{ posts map[string]string }

func (f *onionFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	var refs []crawler.Ref
	for _, k := range []string{"/t/1", "/t/2"} {
		if _, ok := f.posts[k]; ok {
			refs = append(refs, crawler.Ref{Key: k, URL: "http://x.onion" + k, Version: "v"})
		}
	}
	return refs, nil
}

func (f *onionFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	text := f.posts[r.Key]
	return leak.Post{Source: src.Name, Key: r.Key, Text: text, Hash: leak.ContentHash(text)}, nil
}

// TestOnionDiscovery: onion addresses named in posts are collected with
// where and how often; a post counts once, however often it is crawled.
func TestOnionDiscovery(t *testing.T) {
	a := "527ws2ioq7vduub6melfs4qaqllgelm4ga7demdj7ebgfzouugpdknad.onion"
	b := "nisuiq5mh6v2j2qgu3hko72wrxn3twwyxwyzfas7t2prnvreloy2zoqd.onion"
	db := storetest.Open(t, store.Options{})
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}}
	f := &onionFetcher{posts: map[string]string{"/t/1": "our new board: http://" + a + "/ and " + b}}
	job := pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: f}
	for range 2 { // the second crawl sees the post as seen
		if _, err := p.RunJob(context.Background(), job); err != nil {
			t.Fatal(err)
		}
	}
	f.posts["/t/2"] = "mirror " + strings.Replace(a, ".onion", "[.]onion", 1)
	if _, err := p.RunJob(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	os, err := db.Onions()
	if err != nil || len(os) != 2 {
		t.Fatalf("onions %+v, %v", os, err)
	}
	if os[0].Address != a || os[0].Mentions != 2 || len(os[0].Posts) != 2 || os[0].Sources[0] != "forum" {
		t.Errorf("most named: %+v; want %s in 2 posts", os[0], a)
	}
	if os[1].Address != b || os[1].Mentions != 1 {
		t.Errorf("second: %+v", os[1])
	}
}
