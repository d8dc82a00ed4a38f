package pipeline_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/pipeline"
)

// gate wraps a real fetcher: it counts listings, can hold them until
// released, and can panic (a bug in a parser, say).
type gate struct {
	pipeline.Fetcher
	lists   atomic.Int32
	hold    chan struct{} // nil: do not hold
	panics  bool
	started chan struct{}
}

func (g *gate) List(ctx context.Context, src crawler.Source) ([]crawler.Ref, error) {
	g.lists.Add(1)
	if g.started != nil {
		select {
		case g.started <- struct{}{}:
		default:
		}
	}
	if g.panics {
		panic("parser bug")
	}
	if g.hold != nil {
		select {
		case <-g.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Fetcher.List(ctx, src)
}

func (g *gate) Fetch(ctx context.Context, src crawler.Source, ref crawler.Ref) (leak.Post, error) {
	return g.Fetcher.Fetch(ctx, src, ref)
}

// waitFor polls cond every 10 ms for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestSchedulerCatchUpPanicAndSkip: sources never crawled crawl at start;
// a panicking source is logged and the other goes on; a source whose crawl
// is still running is skipped, not stacked; Stop waits for a running crawl
// and cancels it at the deadline.
func TestSchedulerCatchUpPanicAndSkip(t *testing.T) {
	f := newFixture(t)
	bad := &gate{Fetcher: f.jobs[0].Fetcher, panics: true}
	slow := &gate{Fetcher: f.jobs[1].Fetcher, hold: make(chan struct{}), started: make(chan struct{}, 1)}
	f.jobs[0].Fetcher, f.jobs[1].Fetcher = bad, slow
	f.jobs[0].Schedule, f.jobs[1].Schedule = "@every 1s", "@every 1s"
	s := pipeline.NewScheduler(nil, pipeline.SchedulerOptions{LastCrawl: func(string) time.Time { return time.Time{} }})
	if err := s.Start(f.p, f.jobs, nil); err != nil {
		t.Fatal(err)
	}
	<-slow.started // the catch-up crawl at start, now held
	waitFor(t, "the panicking source to be tried again", func() bool { return bad.lists.Load() >= 3 })
	if n := slow.lists.Load(); n != 1 {
		t.Errorf("the held source was listed %d times; want 1 (later slots skipped, not stacked)", n)
	}
	// Stop with a short grace: the held crawl is cancelled and returns.
	start := time.Now()
	if s.Stop(200 * time.Millisecond) {
		t.Error("Stop reported everything finished while a crawl was held")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Stop took %s", took)
	}
	after := bad.lists.Load()
	time.Sleep(1500 * time.Millisecond)
	if bad.lists.Load() != after {
		t.Error("crawls started after Stop")
	}
}

// TestSchedulerNoCatchUpWhenRecent: a source crawled in its current slot
// waits for its next one; Replace swaps schedules without stopping.
func TestSchedulerNoCatchUpWhenRecent(t *testing.T) {
	f := newFixture(t)
	g := &gate{Fetcher: f.jobs[0].Fetcher}
	job := f.jobs[0]
	job.Fetcher, job.Schedule = g, "@every 1h"
	s := pipeline.NewScheduler(nil, pipeline.SchedulerOptions{LastCrawl: func(string) time.Time { return time.Now().Add(-time.Minute) }})
	if err := s.Start(f.p, []pipeline.Job{job}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if g.lists.Load() != 0 {
		t.Errorf("a source crawled a minute ago crawled at start")
	}
	job.Schedule = "@every 1s"
	ran := make(chan struct{}, 10)
	if err := s.Replace(f.p, []pipeline.Job{job}, []pipeline.Task{{Name: "t", Schedule: "@every 1s", Run: func(context.Context) { ran <- struct{}{} }}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new schedule to crawl", func() bool { return g.lists.Load() >= 1 })
	<-ran
	// A source the reload adds, never crawled: it crawls at once, not at
	// its first slot an hour away.
	added := &gate{Fetcher: f.jobs[1].Fetcher}
	job2 := f.jobs[1]
	job2.Fetcher, job2.Schedule = added, "@every 1h"
	s2 := pipeline.NewScheduler(nil, pipeline.SchedulerOptions{LastCrawl: func(name string) time.Time {
		if name == job2.Source.Name {
			return time.Time{}
		}
		return time.Now()
	}})
	if err := s2.Start(f.p, []pipeline.Job{job}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s2.Replace(f.p, []pipeline.Job{job, job2}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the added source to crawl", func() bool { return added.lists.Load() == 1 })
	s2.Stop(5 * time.Second)
	if !s.Stop(5 * time.Second) {
		t.Error("Stop did not finish within its grace")
	}
	if time.Since(s.Heartbeat()) > 10*time.Second {
		t.Error("no heartbeat")
	}
}
