package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/fpstore"
	"leakwatch/metrics"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// Options are what the caller adds to a config.
type Options struct {
	Log         *slog.Logger  // where the daemon logs (nil: nowhere)
	LockTimeout time.Duration // how long New waits for the database lock (0: 5 s)
	FlushEvery  time.Duration // how often Run retries queued alerts (0: 30 s)
	// Console, when set, also gets every alert as it would read in Slack
	// (the demo); with no Slack configured it is the only destination.
	Console io.Writer
	// Program is how the commands printed on Console run the binary
	// ("" is watcher).
	Program string
}

// Daemon is a config assembled: the database, the matchers, a crawl job
// per source, the alert dispatcher and the pipeline between them. Run
// serves it (the systemd service), Once crawls every source once.
type Daemon struct {
	opts Options
	log  *slog.Logger
	db   *store.DB
	set  *liveMatchers
	met  *metrics.Metrics

	sched *pipeline.Scheduler
	local *control.Local

	mu      sync.Mutex // guards cfg, parts, retired
	cfg     *config.Config
	parts   *parts
	retired []func() // crawl clients of replaced configs, closed at Close
	flushMu sync.Mutex
	// stopCourier stops the delivery loop and waits for it (idempotent).
	stopCourier func()
	kick        chan struct{} // a crawl queued alerts: deliver now
	proxyOK     atomic.Bool
	stopping    atomic.Bool
}

// New assembles cfg: the secret key first (a bad key file stops
// everything before the database is touched), the database, the matchers
// from its canaries and the fingerprint store, then the crawl jobs, the
// Slack sender and the dispatcher.
func New(cfg *config.Config, o Options) (*Daemon, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.FlushEvery == 0 {
		o.FlushEvery = 30 * time.Second
	}
	db, set, _, err := openMatchers(cfg, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: o, log: o.Log, db: db, set: set, cfg: cfg, met: metrics.New(db), kick: make(chan struct{}, 1)}
	st := set.Set().Stats()
	d.log.Info("matchers loaded", "canaries", st.Canaries, "canary_values", st.CanaryValues, "fingerprints", st.Fingerprints, "terms", st.Terms)
	if st.Fingerprints == 0 {
		d.log.Warn(FingerprintsWarning(cfg))
	}
	if d.parts, err = d.build(cfg); err != nil {
		set.close()
		db.Close()
		return nil, err
	}
	d.instrument(d.parts)
	return d, nil
}

// Close releases the crawl clients, the matchers and the database.
func (d *Daemon) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.parts != nil {
		d.parts.closeClients()
	}
	for _, f := range d.retired {
		f()
	}
	d.retired = nil
	d.set.close()
	return d.db.Close()
}

// DB is the daemon's database.
func (d *Daemon) DB() *store.DB { return d.db }

// Summary is what Once did.
type Summary struct {
	Stats   []pipeline.Stats
	Failed  int                // sources that could not be crawled
	Flush   alerts.FlushResult // the delivery after the crawl
	Pending int                // alerts still queued after it
	// PendingOperator and PendingTest are the queued alerts about
	// leakwatch's own health and test messages (the rest are leaks).
	PendingOperator, PendingTest int
	// FailedAlerts are alerts Slack refused for good.
	FailedAlerts int
	Sources      []store.SourceState // every source's state after the crawl
	Conditions   []store.Condition   // operator problems, active or not
}

// Once crawls every source once and delivers the pending alerts.
func (d *Daemon) Once(ctx context.Context) (Summary, error) {
	var sum Summary
	d.mu.Lock()
	pt := d.parts
	d.mu.Unlock()
	sum.Stats, sum.Failed = pt.p.CrawlAll(ctx, pt.jobs)
	if pt.d != nil {
		res, err := pt.d.Flush(ctx)
		if err != nil {
			d.log.Warn("alert delivery incomplete", "sent", res.Sent, "left", res.Left, "error", err.Error())
		}
		sum.Flush = res
	}
	counts, err := d.db.Counts()
	if err != nil {
		return sum, err
	}
	sum.Pending, sum.FailedAlerts = counts.Pending, counts.Failed
	sum.PendingOperator, sum.PendingTest = counts.PendingOperator, counts.PendingTest
	if sum.Sources, err = d.db.Sources(); err != nil {
		return sum, err
	}
	if sum.Conditions, err = d.db.Conditions(); err != nil {
		return sum, err
	}
	return sum, nil
}

// serveControl serves the analyst's commands on the control socket until
// the returned stop is called (which waits for the server to finish).
func serveControl(ctx context.Context, cfg *config.Config, svc control.Service, log *slog.Logger) (func(), error) {
	mode, err := cfg.SocketMode()
	if err != nil {
		return nil, err
	}
	ln, err := control.Listen(cfg.SocketPath(), mode)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv := &control.Server{Service: svc, Log: log}
		if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket stopped", "error", err.Error())
		}
	}()
	return func() { cancel(); <-done }, nil
}

// reloadMatchers rebuilds the matchers (new canaries, a new fingerprint
// generation): a failure keeps the ones in use, and raises the
// "matchers" operator condition (an operator alert) until a reload works
// again.
func (d *Daemon) reloadMatchers() error {
	err := d.set.Reload()
	reason := ""
	if err != nil {
		reason = err.Error()
		d.log.Error("matchers failed to reload; the previous ones stay in use", "error", reason)
	}
	if _, cerr := d.db.SetCondition("matchers", err != nil, reason, true); cerr != nil {
		d.log.Error("record condition", "condition", "matchers", "error", cerr.Error())
	}
	return err
}

// parts is what a config builds around the database and the matchers:
// the crawl clients and jobs, the alert dispatcher, the pipeline.
type parts struct {
	jobs         []pipeline.Job
	closeClients func()
	d            *alerts.Dispatcher // nil without a Slack destination
	p            *pipeline.Pipeline
}

func (d *Daemon) build(cfg *config.Config) (*parts, error) {
	db, set, log := d.db, d.set, d.log
	jobs, closeClients, err := crawlJobs(jobSpecs(cfg), crawlOptions(cfg))
	if err != nil {
		return nil, err
	}
	sender, err := slackSender(cfg)
	if err != nil {
		closeClients()
		return nil, err
	}
	pt := &parts{jobs: jobs, closeClients: closeClients}
	if d.opts.Console != nil {
		var console alerts.Sender = &printOnce{w: d.opts.Console, commands: alerts.Commands{Config: cfg.Flag(), Program: d.opts.Program}}
		if sender != nil {
			console = alerts.Multi{console, sender}
		}
		sender = console
	}
	if sender == nil {
		log.Warn("no Slack destination configured: alerts stay queued in the outbox")
	} else {
		pt.d = alerts.NewDispatcher(db, sender, log, dispatchOptions(cfg))
	}
	pre := preflightOptions(cfg)
	pt.p = &pipeline.Pipeline{Store: db, Matcher: set, Log: log, AlertAt: cfg.MinSeverity(),
		Preflight: func(ctx context.Context) error {
			_, err := crawler.Preflight(ctx, pre)
			return err
		}}
	return pt, nil
}

// FingerprintsWarning says when there are no fingerprints to verify a
// posted sample against (the folder missing, or no dataset imported):
// every verified critical would then drop to high without a word.
func FingerprintsWarning(c *config.Config) string {
	dir := c.FingerprintsDir()
	if _, err := os.Stat(dir); err != nil {
		return fmt.Sprintf("fingerprints: the folder %s does not exist: no posted sample can be checked against your customers, so a real sale alerts high, never critical (import them: %s)", dir, commands(c).Line("fingerprint import ..."))
	}
	fp, err := fpstore.Open(dir)
	if err != nil {
		return fmt.Sprintf("fingerprints: %v", err)
	}
	defer fp.Close()
	if fp.Len() == 0 {
		return fmt.Sprintf("fingerprints: %s holds none: no posted sample can be checked against your customers, so a real sale alerts high, never critical (import them: %s)", dir, commands(c).Line("fingerprint import ..."))
	}
	return ""
}

// printOnce prints each alert once, even when a Slack retry sends it again.
type printOnce struct {
	w        io.Writer
	commands alerts.Commands
	mu       sync.Mutex
	done     map[uint64]bool
}

func (p *printOnce) Send(ctx context.Context, o alerts.Outgoing) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done[o.Alert.ID] {
		return "console", nil
	}
	if p.done == nil {
		p.done = map[uint64]bool{}
	}
	p.done[o.Alert.ID] = true
	return alerts.Console{W: p.w, Commands: p.commands}.Send(ctx, o)
}
