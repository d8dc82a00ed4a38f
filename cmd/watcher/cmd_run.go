package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/pipeline"
	"leakwatch/store"
)

type runOptions struct {
	config      string
	once        bool
	lockTimeout time.Duration
	flushEvery  time.Duration
}

func newRunCmd(g *globals) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --config FILE [--once]",
		Short: "Run the watcher daemon (or one crawl of every source with --once)",
		Long: `run crawls every configured source on its cron schedule through the SOCKS5 proxy
(Tor), records what it finds and delivers alerts to Slack, until SIGINT or SIGTERM.

With --once it crawls every source once, delivers the pending alerts, prints a summary
and exits: exit status 3 when a source could not be crawled or alerts are still queued.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd.Context(), o, g, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "config file (required)")
	f.BoolVar(&o.once, "once", false, "crawl every source once, deliver pending alerts, and exit")
	f.DurationVar(&o.lockTimeout, "lock-timeout", 5*time.Second, "how long to wait for the database lock")
	f.DurationVar(&o.flushEvery, "flush-every", 30*time.Second, "how often the daemon retries queued alerts")
	return cmd
}

func runRun(ctx context.Context, o runOptions, g *globals, out io.Writer) error {
	if o.config == "" {
		return usageError{errors.New("run needs --config FILE")}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	log, err := g.logger(slog.LevelInfo)
	if err != nil {
		return err
	}
	db, set, closeAll, err := openMatchers(cfg, o.lockTimeout)
	if err != nil {
		return err
	}
	defer closeAll()
	st := set.Set().Stats()
	log.Info("matchers loaded", "canaries", st.Canaries, "fingerprints", st.Fingerprints, "terms", st.Terms)
	if st.Fingerprints == 0 {
		log.Warn(fingerprintsWarning(cfg))
	}

	if !o.once {
		return runDaemon(ctx, o, cfg, db, set, log)
	}
	parts, err := build(cfg, db, set, log)
	if err != nil {
		return err
	}
	defer parts.closeClients()
	jobs, p := parts.jobs, parts.p
	flush := func(ctx context.Context) alerts.FlushResult {
		if parts.d == nil {
			return alerts.FlushResult{}
		}
		res, err := parts.d.Flush(ctx)
		if err != nil {
			log.Warn("alert delivery incomplete", "sent", res.Sent, "left", res.Left, "error", err.Error())
		}
		return res
	}

	stats, failed := p.CrawlAll(ctx, jobs)
	res := flush(ctx)
	counts, err := db.Counts()
	if err != nil {
		return err
	}
	var listed, fetched, hits int
	for _, s := range stats {
		listed, fetched, hits = listed+s.Listed, fetched+s.Fetched, hits+s.Hits
	}
	fmt.Fprintf(out, "summary: %d of %d sources crawled, %d posts listed, %d fetched, %d new hits, %d alerts sent, %d queued\n",
		len(stats)-failed, len(stats), listed, fetched, hits, res.Sent, counts.Pending)
	if err := printUnhealthy(out, db, stats); err != nil {
		return err
	}
	switch {
	case failed > 0:
		return partialError{fmt.Sprintf("%d of %d sources could not be crawled (see the log)", failed, len(stats))}
	case counts.Pending > 0 || counts.Failed > 0:
		return partialError{fmt.Sprintf("%d alerts queued, %d failed: not delivered", counts.Pending, counts.Failed)}
	}
	return ctx.Err()
}

// retries maps the config's "0 means none" to the crawler's "negative
// means none".
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// printUnhealthy lists the sources that were skipped or are unhealthy, with
// the reason: "could not see the forum" must never read like "no new posts".
func printUnhealthy(out io.Writer, db *store.DB, stats []pipeline.Stats) error {
	skipped := 0
	for _, s := range stats {
		if s.Skipped {
			skipped++
		}
	}
	if skipped > 0 {
		fmt.Fprintf(out, "skipped: %d sources, the proxy or Tor is not ready (see the log)\n", skipped)
	}
	states, err := db.Sources()
	if err != nil {
		return err
	}
	for _, s := range states {
		if !s.Healthy {
			fmt.Fprintf(out, "unhealthy: %s since %s: %s\n", s.Name, s.Since.Format(time.RFC3339), s.Reason)
		}
	}
	conds, err := db.Conditions()
	if err != nil {
		return err
	}
	for _, c := range conds {
		if c.Active && !strings.HasPrefix(c.ID, "source:") {
			fmt.Fprintf(out, "problem: %s since %s: %s\n", c.ID, c.Since.Format(time.RFC3339), oneLine(c.Reason, 300))
		}
	}
	return nil
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

// reloadReporting is the daemon's matcher reload: a failure keeps the
// matchers it has, and raises the "matchers" operator condition (an
// operator alert) until a reload works again.
func reloadReporting(db *store.DB, set *liveMatchers, log *slog.Logger) func() error {
	return func() error {
		err := set.Reload()
		reason := ""
		if err != nil {
			reason = err.Error()
			log.Error("matchers failed to reload; the previous ones stay in use", "error", reason)
		}
		if _, cerr := db.SetCondition("matchers", err != nil, reason, true); cerr != nil {
			log.Error("record condition", "condition", "matchers", "error", cerr.Error())
		}
		return err
	}
}

// parts is what a config builds around the database and the matchers:
// the crawl clients and jobs, the alert dispatcher, the pipeline.
type parts struct {
	jobs         []pipeline.Job
	closeClients func()
	d            *alerts.Dispatcher // nil without a Slack destination
	p            *pipeline.Pipeline
}

func build(cfg *config.Config, db *store.DB, set *liveMatchers, log *slog.Logger) (*parts, error) {
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
	if sender == nil {
		log.Warn("no Slack destination configured: alerts stay queued in the outbox")
	} else {
		pt.d = alerts.NewDispatcher(db, sender, log, dispatchOptions(cfg))
	}
	pre := crawler.PreflightOptions{Proxy: cfg.Proxy, Control: cfg.TorControl}
	if cfg.TorControlCookie != "" {
		pre.ControlCookie = cfg.Resolve(cfg.TorControlCookie)
	}
	pt.p = &pipeline.Pipeline{Store: db, Matcher: set, Log: log, AlertAt: cfg.MinSeverity(),
		Preflight: func(ctx context.Context) error {
			_, err := crawler.Preflight(ctx, pre)
			return err
		}}
	return pt, nil
}

// crawlOptions are the crawler settings every source's client starts from.
func crawlOptions(c *config.Config) crawler.Options {
	return crawler.Options{
		Proxy:          c.Proxy,
		Timeout:        time.Duration(c.Crawl.Timeout),
		HeaderTimeout:  time.Duration(c.Crawl.HeaderTimeout),
		ConnectTimeout: time.Duration(c.Crawl.ConnectTimeout),
		MaxBody:        c.Crawl.MaxBodyBytes,
		Parallelism:    c.Crawl.Parallelism,
		Delay:          time.Duration(c.Crawl.Delay),
		Jitter:         time.Duration(c.Crawl.Jitter),
		Retries:        retries(c.Crawl.Retries),
		Backoff:        time.Duration(c.Crawl.Backoff),
		MaxRetryAfter:  time.Duration(c.Crawl.MaxRetryAfter),
	}
}
