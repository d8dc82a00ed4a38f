package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/store"
)

// Fetcher lists and fetches one source's posts (a crawler.Client).
type Fetcher interface {
	List(ctx context.Context, src crawler.Source) ([]crawler.Ref, error)
	Fetch(ctx context.Context, src crawler.Source, ref crawler.Ref) (leak.Post, error)
}

// Matcher reads a post: its title and its text (a matchers.Set).
type Matcher interface {
	MatchPost(p leak.Post) leak.Evidence
}

// Recorder is the part of the store the crawl step needs.
type Recorder interface {
	Unseen(source string, marks []store.Mark) ([]bool, error)
	RecordAll(es []store.Entry) ([]store.Recorded, error)
	UpdateSource(name string, f func(*store.SourceState)) (before, after store.SourceState, err error)
	Source(name string) (store.SourceState, bool, error)
	NoteOnions(source, key string, addrs []string, now time.Time) error
	SetCondition(id string, active bool, reason string, alert bool) (bool, error)
}

var (
	_ Fetcher  = (*crawler.Client)(nil)
	_ Recorder = (*store.DB)(nil)
)

// Pipeline runs crawl cycles.
type Pipeline struct {
	Store   Recorder
	Matcher Matcher
	Log     *slog.Logger
	// AlertAt is the lowest severity that queues an alert; lower hits are
	// recorded only.
	AlertAt leak.Severity
	// Preflight, if set, runs before each crawl cycle (is the proxy up, is
	// Tor bootstrapped?); when it fails the cycle is skipped and reported,
	// never run some other way.
	Preflight func(context.Context) error
	// UnhealthyAfter is how many failed cycles in a row make a source
	// unhealthy (default 3). Login walls, captchas and selectors that match
	// nothing make it unhealthy at once.
	UnhealthyAfter int
	// Observe, if set, sees every crawl cycle's stats (metrics).
	Observe func(st Stats, err error)
	// Now is the clock (nil: time.Now); tests set it.
	Now func() time.Time
}

// Backoff after an anti-bot front: the first wait, doubled for each
// front in a row, up to the most. A person passing the front and
// refreshing the cookie file ends it at once.
const (
	FrontBackoff    = 30 * time.Minute
	MaxFrontBackoff = 6 * time.Hour
)

// Staleness: a source is stale when its listing still reads but nothing
// new has come for StaleFactor times its usual gap between new posts
// (learned once StaleAfterNew crawls brought some), and at least
// MinStaleGap.
const (
	StaleFactor   = 4
	StaleAfterNew = 5
	MinStaleGap   = 6 * time.Hour
)

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Stats is one crawl cycle of one source.
type Stats struct {
	Source  string `json:"source"`
	Listed  int    `json:"listed"`  // entries on the listing pages
	Seen    int    `json:"seen"`    // entries already seen, not fetched
	Fetched int    `json:"fetched"` // entries fetched
	New     int    `json:"new"`     // posts with new content recorded (new posts and edits)
	Added   int    `json:"added"`   // posts never recorded before
	Hits    int    `json:"hits"`    // hits recorded
	Alerts  int    `json:"alerts"`  // alerts queued
	Errors  int    `json:"errors"`  // entries that failed to fetch (retried next cycle)
	// Truncated and Flattened count posts read cut at the size cap, or
	// from a page too deeply nested to parse as it was: read, not dropped.
	Truncated int   `json:"truncated"`
	Flattened int   `json:"flattened"`
	Pages     int64 `json:"pages"` // pages read (listings, threads, raw pastes), retries included
	Bytes     int64 `json:"bytes"` // bytes read
	// BySeverity counts the new hits by severity (index: leak.Severity).
	BySeverity [4]int `json:"by_severity"`
	// Matching is the time spent in the matchers.
	Matching time.Duration `json:"matching_ns"`
	Skipped  bool          `json:"skipped"` // the preflight failed: the source was not crawled
	Took     time.Duration `json:"took_ns"` //
	lastErr  string        // the last fetch error, for the health reason
}

// Crawl runs one cycle for src with its fetcher. A failure to list is
// returned (the source could not be seen, which is never the same as "no
// new posts"); a failure to fetch one entry is logged, counted, and the
// entry is tried again next cycle since it was not recorded as seen.
func (p *Pipeline) Crawl(ctx context.Context, src crawler.Source, f Fetcher, workers int) (st Stats, err error) {
	start := time.Now()
	st = Stats{Source: src.Name}
	if c, ok := f.(interface{ Counters() (int64, int64) }); ok {
		pages0, bytes0 := c.Counters()
		defer func() {
			pages, bytes := c.Counters()
			st.Pages, st.Bytes = pages-pages0, bytes-bytes0
		}()
	}
	log := p.logger()
	refs, err := f.List(ctx, src)
	st.Listed = len(refs)
	if err != nil {
		st.Took = time.Since(start)
		return st, err
	}
	marks := make([]store.Mark, len(refs))
	for i, r := range refs {
		marks[i] = store.Mark{Key: r.Key, Version: r.Version}
	}
	unseen, err := p.Store.Unseen(src.Name, marks)
	if err != nil {
		return st, fmt.Errorf("crawl %s: read seen: %w", src.Name, err)
	}
	var todo []crawler.Ref
	for i, r := range refs {
		if unseen[i] {
			todo = append(todo, r)
		} else {
			st.Seen++
		}
	}
	// Fetch and match in parallel (the client enforces the source's limits);
	// record here, in batches of what has arrived (one transaction and one
	// fsync per batch; nothing is marked seen before its batch commits).
	var lastErr error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // an early return stops the fetchers
	results := p.fetchAll(ctx, src, f, todo, workers)
	for res := range results {
		batch := []fetched{res}
	drain:
		for len(batch) < recordBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		var es []store.Entry
		var refs []crawler.Ref
		for _, res := range batch {
			if res.err != nil {
				st.Errors++
				lastErr = res.err
				st.lastErr = res.err.Error()
				log.Warn("fetch failed", "source", src.Name, "post_key", res.ref.Key, "error", res.err.Error())
				continue
			}
			st.Fetched++
			st.Matching += res.took
			if res.post.Truncated {
				st.Truncated++
				log.Warn("post cut at the size cap (max_body_bytes): matched as far as read", "source", src.Name, "post_key", res.ref.Key)
			}
			if res.post.Flattened {
				st.Flattened++
				log.Warn("page nested too deep to parse: read without its deepest tags", "source", src.Name, "post_key", res.ref.Key)
			}
			es = append(es, store.Entry{Post: res.post, Version: res.ref.Version, Evidence: res.ev, Alert: res.ev.Severity >= p.alertAt()})
			refs = append(refs, res.ref)
		}
		if len(es) == 0 {
			continue
		}
		recs, err := p.Store.RecordAll(es)
		if err != nil {
			return st, fmt.Errorf("crawl %s: record %d posts: %w", src.Name, len(es), err)
		}
		for i, rec := range recs {
			if rec.New {
				st.New++
			}
			if rec.First {
				st.Added++
			}
			if rec.HitID != 0 {
				st.Hits++
				if sev := es[i].Evidence.Severity; sev >= 0 && int(sev) < len(st.BySeverity) {
					st.BySeverity[sev]++
				}
				log.Info("hit", "source", src.Name, "post_key", refs[i].Key, "hit_id", rec.HitID, "severity", es[i].Evidence.Severity.String())
			}
			if rec.AlertID != 0 {
				st.Alerts++
			}
			// Onion addresses the post names, for watcher sources
			// suggest: collected, never crawled.
			if rec.New {
				post := es[i].Post
				addrs := crawler.Onions(append([]string{post.Text}, post.Links...)...)
				if err := p.Store.NoteOnions(src.Name, post.Key, addrs, p.now()); err != nil {
					log.Error("record onion addresses", "source", src.Name, "error", err.Error())
				}
			}
		}
	}
	st.Took = time.Since(start)
	if ctx.Err() != nil {
		return st, ctx.Err()
	}
	if st.Fetched == 0 && st.Errors > 0 {
		// The listing was readable but no thread was (a login wall on thread
		// pages, say): the source could not be seen.
		return st, fmt.Errorf("crawl %s: all %d fetches failed, the last: %w", src.Name, st.Errors, lastErr)
	}
	return st, nil
}

func (p *Pipeline) alertAt() leak.Severity {
	if p.AlertAt == leak.SeverityNone {
		return leak.SeverityInfo
	}
	return p.AlertAt
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// minFailedFetches is how many failed fetches, more than half of a
// crawl's, make a source unhealthy.
const minFailedFetches = 3

// recordBatch is the most posts recorded in one transaction.
const recordBatch = 64

// fetched is one entry after fetching and matching.
type fetched struct {
	ref  crawler.Ref
	post leak.Post
	ev   leak.Evidence
	took time.Duration // matching
	err  error
}

// fetchAll fetches and matches refs with up to workers goroutines. The
// channel closes when all are done or ctx ends; every goroutine has
// returned by then.
func (p *Pipeline) fetchAll(ctx context.Context, src crawler.Source, f Fetcher, refs []crawler.Ref, workers int) <-chan fetched {
	out := make(chan fetched)
	in := make(chan crawler.Ref)
	var wg sync.WaitGroup
	for range max(1, min(workers, len(refs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range in {
				post, err := f.Fetch(ctx, src, r)
				res := fetched{ref: r, post: post, err: err}
				if err == nil {
					t0 := time.Now()
					res.ev = p.Matcher.MatchPost(post)
					res.took = time.Since(t0)
				}
				select {
				case out <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(out)
		defer wg.Wait()
		defer close(in)
		for _, r := range refs {
			select {
			case in <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Job is a source with its fetcher and schedule.
type Job struct {
	Source   crawler.Source
	Fetcher  Fetcher
	Schedule string // cron expression
	Workers  int    // entries fetched in parallel (the client limits requests too)
}

// CrawlAll runs one cycle of every job in turn and returns the stats of
// each and how many failed; a source that fails is logged and does not stop
// the others. When the preflight fails, every source is skipped.
func (p *Pipeline) CrawlAll(ctx context.Context, jobs []Job) ([]Stats, int) {
	var all []Stats
	failed := 0
	pre := p.preflight(ctx)
	for _, j := range jobs {
		var st Stats
		var err error
		if pre != nil {
			st, err = p.skip(j, pre)
		} else {
			st, err = p.runJob(ctx, j)
		}
		if err != nil {
			failed++
		}
		all = append(all, st)
	}
	return all, failed
}

// RunJob runs one source's cycle: the preflight, the crawl, the health
// bookkeeping and the log line.
func (p *Pipeline) RunJob(ctx context.Context, j Job) (Stats, error) {
	if err := p.preflight(ctx); err != nil {
		return p.skip(j, err)
	}
	return p.runJob(ctx, j)
}

func (p *Pipeline) runJob(ctx context.Context, j Job) (Stats, error) {
	if why := p.backingOff(j); why != nil {
		return p.skip(j, why)
	}
	st, err := p.Crawl(ctx, j.Source, j.Fetcher, j.Workers)
	p.noteHealth(j.Source.Name, st, err)
	p.logCycle(st, err)
	if p.Observe != nil {
		p.Observe(st, err)
	}
	return st, err
}

// backingOff says why the source waits after an anti-bot front (nil when
// it does not): requests at a front only get the circuit banned, and a
// person has to pass it. A cookie file changed since the front ends the
// wait.
func (p *Pipeline) backingOff(j Job) error {
	st, ok, err := p.Store.Source(j.Source.Name)
	if err != nil || !ok || st.BackoffUntil.IsZero() || !p.now().Before(st.BackoffUntil) {
		return nil
	}
	if c, ok := j.Fetcher.(interface{ CookieChanged() time.Time }); ok && c.CookieChanged().After(st.FrontAt) {
		return nil
	}
	return fmt.Errorf("%w: backing off after an anti-bot front until %s (%s)", ErrBackingOff, st.BackoffUntil.Format(time.RFC3339), crawler.FrontAdvice)
}

// ErrBackingOff is a cycle skipped while a source waits after an anti-bot
// front.
var ErrBackingOff = errors.New("source backing off")

// skip reports a cycle not run because the preflight failed. It does not
// count against the source's health: Tor being down is not the site's
// fault.
func (p *Pipeline) skip(j Job, why error) (Stats, error) {
	st := Stats{Source: j.Source.Name, Skipped: true}
	p.logger().Warn("crawl skipped", "source", j.Source.Name, "reason", why.Error())
	err := fmt.Errorf("crawl %s skipped: %w", j.Source.Name, why)
	if p.Observe != nil {
		p.Observe(st, err)
	}
	return st, err
}

// noteHealth updates the source's state after a cycle and logs when it
// becomes unhealthy or recovers.
func (p *Pipeline) noteHealth(name string, st Stats, crawlErr error) {
	now := p.now()
	limit := p.UnhealthyAfter
	if limit <= 0 {
		limit = 3
	}
	var front *crawler.FrontError
	before, after, err := p.Store.UpdateSource(name, func(s *store.SourceState) {
		s.Crawls++
		s.LastCrawl = now
		healthy, reason := true, ""
		s.LastFetched, s.LastFetchErrors = st.Fetched, st.Errors
		s.FetchErrors += st.Errors
		s.Truncated += st.Truncated
		s.Flattened += st.Flattened
		// Any captcha or front backs off; a FrontError also names it.
		isFront := errors.Is(crawlErr, crawler.ErrCaptcha)
		if isFront {
			// Wait before the front again: 30 min, doubling, at most 6 h.
			s.FrontAt, s.FrontStreak = now, s.FrontStreak+1
			s.BackoffUntil = now.Add(min(FrontBackoff<<min(s.FrontStreak-1, 8), MaxFrontBackoff))
		}
		if crawlErr == nil {
			s.FrontStreak, s.BackoffUntil = 0, time.Time{}
			noteYield(s, st, now)
			s.LastSuccess, s.LastError, s.ConsecutiveFailures, s.LastListed = now, "", 0, st.Listed
			s.Posts += st.Added // an edit re-fetched is not another post
			s.Hits += st.Hits
			if tried := st.Fetched + st.Errors; st.Errors >= minFailedFetches && 2*st.Errors > tried {
				// The listing reads, most of its posts do not: the source
				// is mostly unseen, never "ok".
				healthy, reason = false, fmt.Sprintf("%d of %d fetches failed in the last crawl (the posts are tried again next time): %s",
					st.Errors, tried, st.lastErr)
			}
		} else {
			s.ConsecutiveFailures++
			s.LastError = crawlErr.Error()
			switch {
			case errors.Is(crawlErr, crawler.ErrLoginWall):
				healthy, reason = false, "login wall: the session cookie is missing or expired"
			case errors.As(crawlErr, &front):
				healthy, reason = false, fmt.Sprintf("an anti-bot front (%s) instead of content: %s", front.Front, crawler.FrontAdvice)
			case isFront:
				healthy, reason = false, "captcha or anti-bot page instead of content: "+crawler.FrontAdvice
			case errors.Is(crawlErr, crawler.ErrNoPreview):
				healthy, reason = false, "the Telegram channel has no public web preview: it is restricted, removed or private, or the name is wrong"
			case errors.Is(crawlErr, crawler.ErrNoMatch) && s.LastListed > 0:
				healthy, reason = false, fmt.Sprintf("selectors matched nothing where they listed %d entries before: the site changed", s.LastListed)
			case errors.Is(crawlErr, crawler.ErrNoMatch):
				healthy, reason = false, "selectors matched nothing: check the source's selectors or preset"
			case s.ConsecutiveFailures >= limit:
				healthy, reason = false, fmt.Sprintf("failed %d runs in a row", s.ConsecutiveFailures)
			case !s.Healthy:
				healthy, reason = false, s.Reason // still failing: stays unhealthy until a success
			}
		}
		if healthy != s.Healthy {
			s.Since = now
		}
		s.Healthy, s.Reason = healthy, reason
	})
	switch {
	case err != nil:
		p.logger().Error("record source state", "source", name, "error", err.Error())
	case before.Healthy && !after.Healthy:
		p.logger().Error("source unhealthy", "source", name, "reason", after.Reason, "error", after.LastError)
	case !before.Healthy && after.Healthy:
		p.logger().Info("source recovered", "source", name)
	}
	if err == nil {
		p.condition("source:"+name, !after.Healthy, after.Reason)
		if after.Stale != before.Stale {
			reason := ""
			if after.Stale {
				reason = fmt.Sprintf("nothing new since %s, though new posts came every %s or so: the listing still reads, but the parser may be quietly returning nothing (the site changed, or shows a different page to this circuit); check it in Tor Browser", after.LastNew.Format(time.RFC3339), after.Gap.Round(time.Minute))
				p.logger().Warn("source stale", "source", name, "last_new", after.LastNew.Format(time.RFC3339), "usual_gap", after.Gap.String())
			}
			p.condition("stale:"+name, after.Stale, reason)
		}
	}
}

// noteYield learns a source's usual gap between crawls that bring new
// posts and marks it stale when nothing new has come for far longer.
func noteYield(s *store.SourceState, st Stats, now time.Time) {
	if st.Added > 0 {
		if !s.LastNew.IsZero() {
			gap := now.Sub(s.LastNew)
			if s.Gap == 0 {
				s.Gap = gap
			} else {
				s.Gap = (3*s.Gap + gap) / 4
			}
		}
		s.LastNew, s.NewCrawls, s.Stale = now, s.NewCrawls+1, false
		return
	}
	if s.NewCrawls >= StaleAfterNew && s.Gap > 0 {
		limit := max(StaleFactor*s.Gap, MinStaleGap)
		s.Stale = now.Sub(s.LastNew) > limit
	}
}

// condition records an operator condition; the store queues an operator
// alert when it starts and when it clears, never every cycle.
func (p *Pipeline) condition(id string, active bool, reason string) {
	if _, err := p.Store.SetCondition(id, active, reason, true); err != nil {
		p.logger().Error("record condition", "condition", id, "error", err.Error())
	}
}

// preflight runs the preflight, if any, and records the "tor" condition.
func (p *Pipeline) preflight(ctx context.Context) error {
	if p.Preflight == nil {
		return nil
	}
	err := p.Preflight(ctx)
	if ctx.Err() != nil {
		return err // stopping, not Tor's fault
	}
	reason := ""
	if err != nil {
		reason = err.Error()
	}
	p.condition("tor", err != nil, reason)
	return err
}

func (p *Pipeline) logCycle(st Stats, err error) {
	args := []any{"source", st.Source, "pages", st.Pages, "bytes", st.Bytes, "listed", st.Listed, "seen", st.Seen, "fetched", st.Fetched,
		"new", st.New, "hits", st.Hits, "alerts", st.Alerts, "errors", st.Errors, "truncated", st.Truncated, "flattened", st.Flattened,
		"took", st.Took.Round(time.Millisecond).String()}
	if err != nil {
		p.logger().Warn("crawl failed", append(args, "error", err.Error())...)
		return
	}
	p.logger().Info("crawl", args...)
}
