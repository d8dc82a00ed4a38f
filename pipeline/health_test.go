package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"leakwatch/crawler"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// scriptedFetcher is the pipeline's own test double: List returns the
// scripted error of each cycle in turn, or one entry.
type scriptedFetcher struct {
	listErrs []error
	fetchErr error
	cycle    int
}

func (f *scriptedFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	i := f.cycle
	f.cycle++
	if i < len(f.listErrs) && f.listErrs[i] != nil {
		return nil, f.listErrs[i]
	}
	return []crawler.Ref{{Key: fmt.Sprintf("/t/%d", i), URL: "http://x.onion/t", Version: "v"}}, nil
}

func (f *scriptedFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	if f.fetchErr != nil {
		return leak.Post{}, f.fetchErr
	}
	text := "post " + r.Key
	return leak.Post{Source: src.Name, Key: r.Key, Text: text, Hash: leak.ContentHash(text)}, nil
}

type nothing struct{}

func (nothing) MatchPost(leak.Post) leak.Evidence { return leak.Evidence{} }

func healthRun(t *testing.T, f *scriptedFetcher, cycles int) []store.SourceState {
	t.Helper()
	db := storetest.Open(t, store.Options{})
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}}
	job := pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: f}
	var states []store.SourceState
	for range cycles {
		_, _ = p.RunJob(context.Background(), job)
		all, _ := db.Sources()
		states = append(states, all[0])
	}
	return states
}

func TestSourceHealth(t *testing.T) {
	timeout := fmt.Errorf("GET: %w", context.DeadlineExceeded)
	cases := []struct {
		name     string
		f        *scriptedFetcher
		healthy  []bool
		reasonIn string // in the reason of the first unhealthy state
	}{
		{"transient failures need three in a row", &scriptedFetcher{listErrs: []error{nil, timeout, timeout, timeout, nil}},
			[]bool{true, true, true, false, true}, "3 runs in a row"},
		{"login wall at once", &scriptedFetcher{listErrs: []error{nil, fmt.Errorf("x: %w", crawler.ErrLoginWall)}},
			[]bool{true, false}, "login wall"},
		{"captcha at once", &scriptedFetcher{listErrs: []error{fmt.Errorf("x: %w", crawler.ErrCaptcha)}},
			[]bool{false}, "captcha"},
		{"selectors stop matching", &scriptedFetcher{listErrs: []error{nil, fmt.Errorf("x: %w", crawler.ErrNoMatch)}},
			[]bool{true, false}, "listed 1 entries before"},
		{"listing fine, every thread walled", &scriptedFetcher{fetchErr: fmt.Errorf("x: %w", crawler.ErrLoginWall)},
			[]bool{false}, "login wall"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			states := healthRun(t, c.f, len(c.healthy))
			reason := ""
			for i, s := range states {
				if s.Healthy != c.healthy[i] {
					t.Errorf("cycle %d healthy=%v, want %v (%+v)", i, s.Healthy, c.healthy[i], s)
				}
				if !s.Healthy && reason == "" {
					reason = s.Reason
				}
			}
			if !strings.Contains(reason, c.reasonIn) {
				t.Errorf("reason %q, want it to mention %q", reason, c.reasonIn)
			}
		})
	}
}

func TestPreflightFailureSkipsTheCycle(t *testing.T) {
	db := storetest.Open(t, store.Options{})
	f := &scriptedFetcher{}
	down := fmt.Errorf("%w at 127.0.0.1:9050: connection refused", crawler.ErrProxyDown)
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}, Preflight: func(context.Context) error { return down }}
	jobs := []pipeline.Job{{Source: crawler.Source{Name: "a"}, Fetcher: f}, {Source: crawler.Source{Name: "b"}, Fetcher: f}}
	stats, failed := p.CrawlAll(context.Background(), jobs)
	if failed != 2 || !stats[0].Skipped || !stats[1].Skipped {
		t.Fatalf("stats %+v, failed %d; want both skipped", stats, failed)
	}
	if f.cycle != 0 {
		t.Errorf("the fetcher was used %d times with the preflight failing", f.cycle)
	}
	if _, err := p.RunJob(context.Background(), jobs[0]); !errors.Is(err, crawler.ErrProxyDown) {
		t.Errorf("RunJob = %v, want the preflight's error", err)
	}
	if all, _ := db.Sources(); len(all) != 0 {
		t.Errorf("a skipped cycle changed source health: %+v", all)
	}
}

// editingFetcher lists one thread whose version and text change every
// cycle: an edited post, fetched again.
type editingFetcher struct{ cycle int }

func (f *editingFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	f.cycle++
	return []crawler.Ref{{Key: "/t/1", URL: "http://x.onion/t/1", Version: fmt.Sprint(f.cycle)}}, nil
}

func (f *editingFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	text := "post edited " + r.Version
	return leak.Post{Source: src.Name, Key: r.Key, Text: text, Hash: leak.ContentHash(text)}, nil
}

// TestEditsAreNotMorePosts: a thread edited three times is one post, in
// the source's count as in the database's.
func TestEditsAreNotMorePosts(t *testing.T) {
	db := storetest.Open(t, store.Options{})
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}}
	job := pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: &editingFetcher{}}
	for range 3 {
		st, err := p.RunJob(context.Background(), job)
		if err != nil || st.New != 1 {
			t.Fatalf("cycle: %+v, %v; want the edit recorded", st, err)
		}
	}
	srcs, _ := db.Sources()
	c, _ := db.Counts()
	if len(srcs) != 1 || srcs[0].Posts != 1 || c.Posts != 1 {
		t.Errorf("source counts %d posts, the database %d; want 1 and 1", srcs[0].Posts, c.Posts)
	}
}

// flakyFetcher lists 24 threads of which 20 fail to fetch.
type flakyFetcher struct{}

func (flakyFetcher) List(context.Context, crawler.Source) ([]crawler.Ref, error) {
	var refs []crawler.Ref
	for i := range 24 {
		refs = append(refs, crawler.Ref{Key: fmt.Sprintf("/t/%d", i), URL: "http://x.onion/t", Version: "v"})
	}
	return refs, nil
}

func (flakyFetcher) Fetch(_ context.Context, src crawler.Source, r crawler.Ref) (leak.Post, error) {
	var n int
	fmt.Sscanf(r.Key, "/t/%d", &n)
	if n >= 4 {
		return leak.Post{}, errors.New("GET http://x.onion/t: HTTP 502")
	}
	text := "post " + r.Key
	return leak.Post{Source: src.Name, Key: r.Key, Text: text, Hash: leak.ContentHash(text), Truncated: n == 0, Flattened: n == 1}, nil
}

// TestMostFetchesFailingIsUnhealthy: a source whose listing reads but 20
// of whose 24 threads fail was "ok, FAILS 0": the failures are counted in
// the source's state and the cycle's stats, and past half of the fetches
// the source is unhealthy, saying why; cut and flattened posts are counted.
func TestMostFetchesFailingIsUnhealthy(t *testing.T) {
	db := storetest.Open(t, store.Options{})
	p := &pipeline.Pipeline{Store: db, Matcher: nothing{}}
	st, err := p.RunJob(context.Background(), pipeline.Job{Source: crawler.Source{Name: "forum"}, Fetcher: flakyFetcher{}})
	if err != nil || st.Errors != 20 || st.Fetched != 4 || st.Truncated != 1 || st.Flattened != 1 {
		t.Fatalf("cycle %+v, %v", st, err)
	}
	srcs, _ := db.Sources()
	s := srcs[0]
	if s.Healthy || !strings.Contains(s.Reason, "20 of 24 fetches failed") || s.LastFetchErrors != 20 || s.FetchErrors != 20 ||
		s.Truncated != 1 || s.Flattened != 1 {
		t.Errorf("source state %+v; want unhealthy with 20 of 24 fetches failed", s)
	}
}
