package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
)

type fixture struct {
	world *demo.World
	db    *store.DB
	p     *pipeline.Pipeline
	jobs  []pipeline.Job
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	db := storetest.Open(t, store.Options{})
	h, _ := matchers.NewHasher(demo.Key())
	canaries, prints, err := demo.Dataset(h)
	if err != nil {
		t.Fatal(err)
	}
	set, err := matchers.NewSet(matchers.Config{Hasher: h, Canaries: canaries, Fingerprints: prints, Brands: demo.Brands})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{world: w, db: db, p: &pipeline.Pipeline{Store: db, Matcher: set, AlertAt: leak.SeverityHigh}}
	for _, src := range w.Sources() {
		c, err := crawler.NewClient(crawler.Options{Proxy: w.Proxy.Addr(), Username: "lw-" + src.Name, Hosts: src.Hosts(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		f.jobs = append(f.jobs, pipeline.Job{Source: src, Fetcher: c, Schedule: "@every 1h"})
	}
	return f
}

func TestCrawlGoesThroughProxyOnly(t *testing.T) {
	f := newFixture(t)
	stats, failed := f.p.CrawlAll(context.Background(), f.jobs)
	if failed != 0 {
		t.Fatalf("%d sources failed: %+v", failed, stats)
	}
	served := f.world.Served()
	if len(served) < 10 {
		t.Fatalf("demo sites served only %d requests", len(served))
	}
	// Every request the sites answered arrived on a connection the SOCKS
	// proxy made: its peer address is one of the proxy's outgoing sockets.
	viaProxy := map[string]demo.ProxyRequest{}
	for _, r := range f.world.Proxy.Requests() {
		viaProxy[r.LocalAddr] = r
	}
	users := map[string]string{} // host -> SOCKS user
	for _, s := range served {
		r, ok := viaProxy[s.RemoteAddr]
		if !ok {
			t.Errorf("request for %s%s came from %s, not through the proxy", s.Host, s.Path, s.RemoteAddr)
			continue
		}
		if !strings.HasSuffix(r.Host, ".onion") || r.Host != s.Host {
			t.Errorf("proxy was asked for %q but the site got Host %q", r.Host, s.Host)
		}
		users[r.Host] = r.User
	}
	// Stream isolation: each source used its own SOCKS username.
	if users[f.world.ForumHost] != "lw-breachbazaar" || users[f.world.PasteHost] != "lw-quietbin" {
		t.Errorf("SOCKS users per host %v, want one per source", users)
	}
}

func TestCrawlRecordsHitsAndSkipsSeen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	forum := f.jobs[0]
	st, err := f.p.Crawl(ctx, forum.Source, forum.Fetcher, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Two listing pages: 3 threads on page 1, 2 on page 2.
	if st.Listed != 5 || st.Fetched != 5 || st.New != 5 || st.Seen != 0 {
		t.Errorf("first crawl %+v; want 5 listed, fetched and new", st)
	}
	if st.Alerts != 1 {
		t.Errorf("first crawl queued %d alerts, want 1 (the sale post)", st.Alerts)
	}
	hits, _ := f.db.Hits(store.HitFilter{})
	var sale *leak.Hit
	for i := range hits {
		if strings.Contains(hits[i].Title, "68M Halcyon") {
			sale = &hits[i]
		}
	}
	if sale == nil {
		t.Fatalf("no hit for the sale thread among %d hits", len(hits))
	}
	ev := sale.Evidence
	// 10 sample rows: 7 real customers, 1 canary (never counted as a
	// real customer), 2 strangers.
	if ev.Severity != leak.SeverityCritical || ev.Sample == nil || ev.Sample.RealRows != 7 || ev.Sample.CanaryRows != 1 || ev.Sample.Rows != 10 {
		t.Errorf("sale evidence %+v, sample %+v", ev, ev.Sample)
	}
	if len(ev.Canaries) != 1 || ev.Canaries[0].Partition != "billing-db" {
		t.Errorf("canaries %+v, want one from billing-db", ev.Canaries)
	}

	before := len(f.world.Served())
	st2, err := f.p.Crawl(ctx, forum.Source, forum.Fetcher, 3)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Seen != 5 || st2.Fetched != 0 || st2.Hits != 0 || st2.Alerts != 0 {
		t.Errorf("second crawl %+v; want all 5 seen, nothing fetched", st2)
	}
	if got := len(f.world.Served()) - before; got != 2 {
		t.Errorf("second crawl made %d requests, want 2 (the listing pages only)", got)
	}
}

func TestScheduleRunsAndStops(t *testing.T) {
	f := newFixture(t)
	for i := range f.jobs {
		f.jobs[i].Schedule = "@every 1s"
	}
	flushed := make(chan struct{}, 100)
	flush := func(context.Context) { flushed <- struct{}{} }
	s := pipeline.NewScheduler(nil, pipeline.SchedulerOptions{AfterCrawl: func(ctx context.Context, st pipeline.Stats) {
		if st.Alerts > 0 {
			flush(ctx)
		}
	}})
	if err := s.Start(f.p, f.jobs, []pipeline.Task{{Name: "alerts", Schedule: "@every 1s", Run: flush}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	s.Stop(5 * time.Second)
	c, _ := f.db.Counts()
	if c.Posts != 8 || c.Pending != 2 {
		t.Errorf("after scheduled crawls counts %+v; want 8 posts, 2 alerts", c)
	}
	if len(flushed) == 0 {
		t.Error("the outbox was never flushed")
	}
}
