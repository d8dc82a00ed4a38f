package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/metrics"
	"leakwatch/pipeline"
)

// Run serves the daemon until ctx ends (SIGTERM, SIGINT): it tells
// systemd when it is ready (config valid, database open, proxy
// answering), pings the watchdog while the scheduler lives, reloads the
// config file on SIGHUP, and on stop lets running crawls finish (or
// cancels them at shutdown_grace), delivers what Slack will take, and
// returns. Close releases what New opened.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	cfg, db, set, log := d.cfg, d.db, d.set, d.log
	d.mu.Unlock()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	d.local = &control.Local{DB: db, Matcher: set, Reload: d.reloadMatchers, AlertAt: d.alertAt,
		Daemon: true, Started: time.Now().UTC(), Deliver: d.deliver}
	bg, stopBG := context.WithCancel(context.Background()) // control socket and metrics: until the very end
	defer stopBG()
	stopControl, err := serveControl(bg, cfg, d.local, log)
	if err != nil {
		return err
	}
	defer stopControl()
	loc, _ := cfg.Location()
	d.sched = pipeline.NewScheduler(log, pipeline.SchedulerOptions{
		Location: loc, Jitter: time.Duration(cfg.Crawl.ScheduleJitter), LastCrawl: d.lastCrawl,
		AfterCrawl: func(_ context.Context, st pipeline.Stats) {
			if st.Alerts > 0 {
				d.kickDelivery() // never waits for Slack: the crawl goes on
			}
			if d.sched.Crawling() == 0 {
				// The last crawl of a round: give the pages and matcher
				// garbage back to the system now rather than over minutes
				// (the daemon idles between rounds).
				debug.FreeOSMemory()
			}
		},
	})
	if cfg.MetricsListen != "" {
		addr, done, err := d.met.Serve(bg, cfg.MetricsListen, metrics.Checks{Healthy: d.healthy, Ready: d.ready}, log)
		if err != nil {
			return err
		}
		defer func() { stopBG(); <-done }()
		log.Info("metrics listening", "address", addr)
	}

	// Delivery runs on its own, from now until the stop: a Slack outage
	// delays alerts, never crawls; alerts queued before a Tor outage go
	// out while the daemon waits for the proxy.
	// At the stop, a send in flight may finish (cutting it could repeat
	// it through a webhook) for a few seconds, then it is cancelled.
	flushCtx, cancelFlush := context.WithCancel(context.Background())
	stop, courierDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(courierDone); d.courier(flushCtx, stop) }()
	var once sync.Once
	d.stopCourier = func() {
		once.Do(func() {
			close(stop)
			select {
			case <-courierDone:
			case <-time.After(5 * time.Second):
				d.log.Warn("alert delivery cancelled at the stop; what was being sent is checked or sent again at the next start")
			}
			cancelFlush()
			<-courierDone
		})
	}
	defer d.stopCourier()

	// Watchdog: pinged while the scheduler beats (from here on: waiting
	// for the proxy counts as alive).
	if interval, err := sd.SdWatchdogEnabled(false); err == nil && interval > 0 {
		go d.watchdog(bg, interval)
	}
	if !d.waitProxy(ctx, hup) {
		return d.shutdown(nil) // stopped while waiting: never ready, never started
	}
	// A SIGHUP while waiting may have brought a new config.
	d.mu.Lock()
	cfg, pt := d.cfg, d.parts
	d.mu.Unlock()
	if err := d.sched.Start(pt.p, pt.jobs, d.tasks(cfg)); err != nil {
		return err
	}
	_, _ = sd.SdNotify(false, sd.SdNotifyReady+"\nSTATUS=watching "+fmt.Sprint(len(pt.jobs))+" sources")
	log.Info("watcher started", "sources", len(pt.jobs), "database", db.Path(), "control_socket", cfg.SocketPath())
	if w := cfg.WebhookWarning(); w != "" {
		log.Warn(w)
	}
	for {
		select {
		case <-ctx.Done():
			return d.shutdown(nil)
		case <-hup:
			d.reload(true)
		}
	}
}

// instrument points a pipeline at the metrics and the readiness flag.
func (d *Daemon) instrument(pt *parts) {
	pt.p.Observe = d.met.Crawl
	pre := pt.p.Preflight
	pt.p.Preflight = func(ctx context.Context) error {
		err := pre(ctx)
		if ctx.Err() == nil {
			d.proxyOK.Store(err == nil)
		}
		return err
	}
	for _, j := range pt.jobs {
		d.met.Source(j.Source.Name)
	}
}

// alertAt is the running config's alerts.min_severity.
func (d *Daemon) alertAt() leak.Severity {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.MinSeverity()
}

// tasks are the scheduled work besides crawls (delivery has its own
// loop: courier).
func (d *Daemon) tasks(cfg *config.Config) []pipeline.Task {
	keep := time.Duration(cfg.TextRetention)
	return []pipeline.Task{
		{Name: "retention", Schedule: "@every 6h", Run: func(context.Context) { d.retain(keep) }},
	}
}

// kickDelivery asks the courier to deliver now; it never blocks.
func (d *Daemon) kickDelivery() {
	select {
	case d.kick <- struct{}{}:
	default: // a delivery is already asked for
	}
}

// courier delivers the outbox at start, when a crawl queued alerts, and
// every --flush-every (retries, digests, probing a refused token), on its
// own goroutine: however long Slack takes, no crawl waits for it.
func (d *Daemon) courier(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(d.opts.FlushEvery)
	defer t.Stop()
	for {
		_ = d.deliver(ctx)
		select {
		case <-stop:
			return
		case <-d.kick:
		case <-t.C:
		}
	}
}

// deliver flushes the outbox with the current dispatcher; one flush at a
// time, also across a reload that replaced the dispatcher.
func (d *Daemon) deliver(ctx context.Context) error {
	d.mu.Lock()
	disp := d.parts.d
	d.mu.Unlock()
	if disp == nil {
		return errors.New("no Slack destination is configured: alerts stay queued")
	}
	d.flushMu.Lock()
	defer d.flushMu.Unlock()
	res, err := disp.Flush(ctx)
	if err != nil {
		d.log.Warn("alert delivery incomplete", "sent", res.Sent, "left", res.Left, "error", err.Error())
	}
	return err
}

func (d *Daemon) retain(keep time.Duration) {
	if keep <= 0 {
		return
	}
	n, err := d.db.DropText(time.Now().Add(-keep))
	switch {
	case err != nil:
		d.log.Error("post text retention failed", "error", err.Error())
	case n > 0:
		d.log.Info("post text retention", "dropped", n, "older_than", fmt.Sprintf("%dd", int(keep.Hours()/24)))
	}
}

func (d *Daemon) lastCrawl(source string) time.Time {
	states, err := d.db.Sources()
	if err != nil {
		return time.Time{}
	}
	for _, s := range states {
		if s.Name == source {
			return s.LastCrawl
		}
	}
	return time.Time{}
}

// waitProxy returns true once the SOCKS proxy answers (READY=1 waits for
// it), false when ctx ends first. A SIGHUP while it waits reloads the
// config, so a wrong proxy: is fixed without a restart.
func (d *Daemon) waitProxy(ctx context.Context, hup <-chan os.Signal) bool {
	said := ""
	for {
		d.mu.Lock()
		proxy := d.cfg.Proxy
		d.mu.Unlock()
		_, err := crawler.Preflight(ctx, crawler.PreflightOptions{Proxy: proxy})
		if err == nil {
			d.proxyOK.Store(true)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if said != proxy {
			d.log.Warn("waiting for the SOCKS proxy before starting", "proxy", proxy, "error", err.Error())
			_, _ = sd.SdNotify(false, "STATUS=waiting for the SOCKS proxy at "+proxy)
			said = proxy
		}
		select {
		case <-ctx.Done():
			return false
		case <-hup:
			d.reload(false) // a fixed proxy: address is tried at once
		case <-time.After(2 * time.Second):
		}
	}
}

func (d *Daemon) watchdog(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d.healthy() == nil {
			_, _ = sd.SdNotify(false, sd.SdNotifyWatchdog)
		} else {
			d.log.Error("scheduler stalled: not pinging the watchdog", "last_beat", d.sched.Heartbeat().Format(time.RFC3339))
		}
	}
}

// healthy: the scheduler beats (or has not started yet: waiting for the
// proxy is alive).
func (d *Daemon) healthy() error {
	if d.sched == nil {
		return nil
	}
	beat := d.sched.Heartbeat()
	if beat.Unix() > 0 && time.Since(beat) > 30*time.Second {
		return fmt.Errorf("scheduler stalled since %s", beat.UTC().Format(time.RFC3339))
	}
	return nil
}

// ready: the daemon can do its job (not stopping, the proxy answered at
// the last check).
func (d *Daemon) ready() error {
	switch {
	case d.stopping.Load():
		return errors.New("stopping")
	case !d.proxyOK.Load():
		return errors.New("the SOCKS proxy or Tor is not ready (see the log)")
	}
	return nil
}

// reload re-reads the config file (SIGHUP), for Reload; a file that
// does not load is rejected and the running config stays.
func (d *Daemon) reload(started bool) {
	if started {
		// Only a started daemon tells systemd it is reloading, then
		// ready: while it waits for the proxy it is not ready yet.
		_, _ = sd.SdNotify(false, sd.SdNotifyReloading)
		defer func() { _, _ = sd.SdNotify(false, sd.SdNotifyReady) }()
	}
	d.mu.Lock()
	path := d.cfg.Path()
	d.mu.Unlock()
	cfg, err := config.Load(path)
	if err == nil {
		err = d.Reload(cfg)
	}
	if err != nil {
		d.met.Reload(false)
		d.log.Error("config reload rejected; the running config stays", "error", err.Error())
		return
	}
	d.met.Reload(true)
}

// Reload replaces sources, schedules, matcher settings and Slack settings
// with cfg's, without a restart; on an error the running config stays.
// Fields that only a restart applies (the database, the socket, the key)
// are said in the log.
func (d *Daemon) Reload(cfg *config.Config) error {
	d.mu.Lock()
	old := d.cfg
	d.mu.Unlock()
	for _, f := range []struct{ name, was, now string }{
		{"database", old.Resolve(old.Database), cfg.Resolve(cfg.Database)},
		{"control_socket", old.SocketPath(), cfg.SocketPath()},
		{"metrics_listen", old.MetricsListen, cfg.MetricsListen},
		{"secret_key_file", old.Secret(old.SecretKeyFile), cfg.Secret(cfg.SecretKeyFile)},
		{"crawl.timezone", old.Crawl.TimeZone, cfg.Crawl.TimeZone},
	} {
		if f.was != f.now {
			d.log.Warn("config change needs a restart to apply", "field", f.name)
		}
	}
	pt, err := d.build(cfg)
	if err != nil {
		return err
	}
	d.instrument(pt)
	d.set.setConfig(cfg)
	if err := d.reloadMatchers(); err != nil {
		d.log.Error("matchers did not reload; the previous ones stay", "error", err.Error())
	}
	if d.sched != nil {
		if err := d.sched.Replace(pt.p, pt.jobs, d.tasks(cfg)); err != nil {
			pt.closeClients()
			return err
		}
	}
	d.mu.Lock()
	d.retired = append(d.retired, d.parts.closeClients)
	d.cfg, d.parts = cfg, pt
	d.mu.Unlock()
	d.log.Info("config reloaded", "sources", len(pt.jobs))
	return nil
}

// shutdown stops taking work, lets crawls finish within shutdown_grace
// (then cancels them), delivers what Slack takes within 10 s, and returns
// cause (nil for a clean stop).
func (d *Daemon) shutdown(cause error) error {
	d.stopping.Store(true)
	_, _ = sd.SdNotify(false, sd.SdNotifyStopping)
	d.mu.Lock()
	grace := time.Duration(d.cfg.ShutdownGrace)
	d.mu.Unlock()
	d.log.Info("stopping: waiting for running crawls", "grace", grace.String())
	if d.sched != nil && !d.sched.Stop(grace) {
		d.log.Warn("crawls cancelled at the stop deadline; their posts are fetched again next time")
	}
	if d.stopCourier != nil {
		d.stopCourier()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = d.deliver(ctx)
	d.log.Info("watcher stopped")
	return cause
}
