package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"leakwatch/internal/wait"
)

// Task is work the scheduler runs besides crawls (alert delivery,
// retention), on its own cron schedule.
type Task struct {
	Name     string
	Schedule string
	Run      func(ctx context.Context)
}

// SchedulerOptions tune a Scheduler.
type SchedulerOptions struct {
	// Location is the time zone cron schedules are read in (default UTC).
	Location *time.Location
	// Jitter delays each crawl by a random time up to this, so that
	// sources do not all reach Tor in the same second.
	Jitter time.Duration
	// LastCrawl tells when a source last crawled: a source that missed
	// its slot while the daemon was down crawls soon after start. Nil:
	// no catch-up.
	LastCrawl func(source string) time.Time
	// AfterCrawl runs after each crawl (alert delivery when it queued
	// alerts).
	AfterCrawl func(ctx context.Context, st Stats)
}

// Scheduler runs every source on its own cron schedule, and tasks on
// theirs. A source whose previous crawl still runs is skipped, not stacked
// (also across a Replace); a panic in one crawl is recovered and logged
// with its source and does not stop the others.
type Scheduler struct {
	log  *slog.Logger
	opts SchedulerOptions

	runCtx     context.Context // crawls and tasks; cancelled at the stop deadline
	cancelRuns context.CancelFunc
	waitCtx    context.Context // cancelled by Stop: crawls waiting out their jitter give up
	stopWaits  context.CancelFunc
	running    sync.WaitGroup
	beat       atomic.Int64 // unix nanoseconds of the scheduler's last heartbeat
	crawling   atomic.Int32 // crawls in progress

	mu      sync.Mutex
	cron    *cron.Cron
	busy    map[string]*atomic.Bool
	known   map[string]bool // sources scheduled so far
	stopped bool
}

// NewScheduler returns a scheduler; Start starts it. A nil log discards.
func NewScheduler(log *slog.Logger, opts SchedulerOptions) *Scheduler {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wctx, wcancel := context.WithCancel(ctx)
	return &Scheduler{log: log, opts: opts, runCtx: ctx, cancelRuns: cancel, waitCtx: wctx, stopWaits: wcancel,
		busy: map[string]*atomic.Bool{}, known: map[string]bool{}}
}

// Heartbeat is when the scheduler last showed it is alive (it beats every
// few seconds while it runs): the systemd watchdog and /healthz use it.
func (s *Scheduler) Heartbeat() time.Time { return time.Unix(0, s.beat.Load()) }

// Crawling is the number of crawls in progress.
func (s *Scheduler) Crawling() int { return int(s.crawling.Load()) }

// Start schedules p's jobs and the tasks, and crawls at once (after the
// jitter) every source that missed its slot while the daemon was down.
func (s *Scheduler) Start(p *Pipeline, jobs []Job, tasks []Task) error {
	return s.Replace(p, jobs, tasks)
}

// Replace swaps the schedule for a new one (a reloaded config): crawls in
// progress finish; new slots follow the new schedule and pipeline. A
// source still crawling under the old schedule is not started twice; a
// source the reload added crawls soon if it missed its slot (never
// crawled, say).
func (s *Scheduler) Replace(p *Pipeline, jobs []Job, tasks []Task) error {
	c := cron.New(cron.WithLocation(s.opts.Location), cron.WithLogger(cronLogger{s.log}))
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return fmt.Errorf("scheduler stopped")
	}
	known := maps.Clone(s.known)
	s.mu.Unlock()
	now := time.Now()
	var catchUp []Job
	for _, j := range jobs {
		sched, err := cron.ParseStandard(j.Schedule)
		if err != nil {
			return fmt.Errorf("schedule %s: %q: %w", j.Source.Name, j.Schedule, err)
		}
		c.Schedule(sched, cron.FuncJob(func() { s.crawl(p, j) }))
		// At start, and for a source a reload added: catch up a missed slot.
		if !known[j.Source.Name] && s.opts.LastCrawl != nil {
			last := s.opts.LastCrawl(j.Source.Name)
			if last.IsZero() || sched.Next(last.In(s.opts.Location)).Before(now) {
				catchUp = append(catchUp, j)
			}
		}
	}
	for _, t := range tasks {
		if _, err := c.AddFunc(t.Schedule, func() { s.task(t) }); err != nil {
			return fmt.Errorf("schedule %s: %q: %w", t.Name, t.Schedule, err)
		}
	}
	if _, err := c.AddFunc("@every 5s", func() { s.beat.Store(time.Now().UnixNano()) }); err != nil {
		return err
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return fmt.Errorf("scheduler stopped")
	}
	old := s.cron
	s.cron = c
	for _, j := range jobs {
		s.known[j.Source.Name] = true
	}
	s.beat.Store(time.Now().UnixNano())
	c.Start()
	s.mu.Unlock()
	if old != nil {
		old.Stop() // its running jobs finish on their own
	}
	for _, j := range catchUp {
		s.log.Info("crawl missed its slot while stopped: crawling soon", "source", j.Source.Name)
		s.goRun(func() { s.crawl(p, j) })
	}
	return nil
}

// goRun runs f as scheduled work, unless the scheduler is stopping.
func (s *Scheduler) goRun(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		f()
	}()
}

func (s *Scheduler) guard(name string) *atomic.Bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.busy[name]
	if b == nil {
		b = new(atomic.Bool)
		s.busy[name] = b
	}
	return b
}

// enter starts a run of name (a source or a task) unless the scheduler is
// stopping or name is still running (then it says so in the log); leave
// ends it, recovering a panic and logging it as key=name with its stack.
func (s *Scheduler) enter(name, what, key string) (leave func(), ok bool) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil, false
	}
	s.running.Add(1)
	s.mu.Unlock()
	busy := s.guard(name)
	if !busy.CompareAndSwap(false, true) {
		if what == "crawl" {
			s.log.Info("crawl skipped: the previous one is still running", key, name)
		}
		s.running.Done()
		return nil, false
	}
	return func() {
		if r := recover(); r != nil {
			s.log.Error(what+" panicked; the others go on", key, strings.TrimPrefix(name, "task:"),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		busy.Store(false)
		s.running.Done()
	}, true
}

// crawl runs one source's cycle: skipped if one is still running,
// delayed by the jitter, recovered from a panic.
func (s *Scheduler) crawl(p *Pipeline, j Job) {
	leave, ok := s.enter(j.Source.Name, "crawl", "source")
	if !ok {
		return
	}
	defer leave()
	if s.opts.Jitter > 0 {
		if err := wait.Sleep(s.waitCtx, rand.N(s.opts.Jitter)); err != nil {
			return // stopping: a crawl not yet started is not started
		}
	}
	st := func() Stats {
		s.crawling.Add(1)
		defer s.crawling.Add(-1) // also when the crawl panics
		st, _ := p.RunJob(s.runCtx, j)
		return st
	}()
	if s.opts.AfterCrawl != nil && s.runCtx.Err() == nil {
		s.opts.AfterCrawl(s.runCtx, st)
	}
}

func (s *Scheduler) task(t Task) {
	leave, ok := s.enter("task:"+t.Name, "task", "task")
	if !ok {
		return
	}
	defer leave()
	t.Run(s.runCtx)
}

// Stop takes no new work, waits up to grace for running crawls and tasks
// to finish, then cancels them and waits for them to return. It reports
// whether everything finished within grace.
func (s *Scheduler) Stop(grace time.Duration) bool {
	s.mu.Lock()
	s.stopped = true
	c := s.cron
	s.mu.Unlock()
	if c != nil {
		c.Stop()
	}
	s.stopWaits()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		s.cancelRuns()
		return true
	case <-time.After(grace):
	}
	s.log.Warn("stop deadline reached: cancelling the crawls still running")
	s.cancelRuns()
	<-done
	return false
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err.Error())...)
}
