package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"leakwatch/internal/buildinfo"
	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// Metrics are the daemon's Prometheus metrics.
type Metrics struct {
	reg         *prometheus.Registry
	crawls      *prometheus.CounterVec
	pages       *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	posts       *prometheus.CounterVec
	hits        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	crawlTime   *prometheus.HistogramVec
	matchTime   prometheus.Counter
	reloads     *prometheus.CounterVec
	fetchFails  *prometheus.CounterVec
	degraded    *prometheus.CounterVec
}

// State reads what the gauges show at scrape time: the outbox, each
// source's health, the operator conditions.
type State interface {
	Counts() (store.Counts, error)
	Sources() ([]store.SourceState, error)
	Conditions() ([]store.Condition, error)
}

// New registers the metrics; state feeds the gauges read at scrape time.
func New(state State) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		crawls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_crawls_total",
			Help: "Crawl cycles per source, by result: ok, error, skipped (the proxy or Tor was not ready)."}, []string{"source", "result"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_pages_fetched_total",
			Help: "Pages read through the proxy per source."}, []string{"source"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_fetched_bytes_total",
			Help: "Bytes read through the proxy per source."}, []string{"source"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_posts_total",
			Help: "Posts with new content recorded per source."}, []string{"source"}),
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_hits_total",
			Help: "Hits recorded by the crawls, by severity."}, []string{"severity"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "leakwatch_last_success_timestamp_seconds",
			Help: "Unix time of the last successful crawl per source."}, []string{"source"}),
		crawlTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "leakwatch_crawl_duration_seconds",
			Help: "Crawl cycle duration per source.", Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800}}, []string{"source"}),
		matchTime: prometheus.NewCounter(prometheus.CounterOpts{Name: "leakwatch_matcher_seconds_total",
			Help: "Time spent in the matchers."}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_config_reloads_total",
			Help: "Config reloads (SIGHUP), by result: ok or rejected."}, []string{"result"}),
		fetchFails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_fetch_failures_total",
			Help: "Listed threads and pastes that could not be read, per source (tried again next crawl)."}, []string{"source"}),
		degraded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leakwatch_posts_degraded_total",
			Help: "Posts read in part, per source, by reason: truncated (over max_body_bytes) or flattened (nested too deep to parse)."}, []string{"source", "reason"}),
	}
	reg.MustRegister(m.crawls, m.pages, m.bytes, m.posts, m.hits, m.lastSuccess, m.crawlTime, m.matchTime, m.reloads, m.fetchFails, m.degraded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{state: state}, buildInfo())
	for _, s := range []leak.Severity{leak.SeverityInfo, leak.SeverityHigh, leak.SeverityCritical} {
		m.hits.WithLabelValues(s.String())
	}
	return m
}

// Source makes a source's series exist (at zero) before its first crawl.
func (m *Metrics) Source(name string) {
	for _, r := range []string{"ok", "error", "skipped"} {
		m.crawls.WithLabelValues(name, r)
	}
	m.pages.WithLabelValues(name)
	m.bytes.WithLabelValues(name)
	m.posts.WithLabelValues(name)
	m.fetchFails.WithLabelValues(name)
	m.degraded.WithLabelValues(name, "truncated")
	m.degraded.WithLabelValues(name, "flattened")
}

// Crawl records one crawl cycle (pipeline.Pipeline.Observe).
func (m *Metrics) Crawl(st pipeline.Stats, err error) {
	result := "ok"
	switch {
	case st.Skipped:
		result = "skipped"
	case err != nil:
		result = "error"
	}
	m.crawls.WithLabelValues(st.Source, result).Inc()
	if st.Skipped {
		return
	}
	m.pages.WithLabelValues(st.Source).Add(float64(st.Pages))
	m.bytes.WithLabelValues(st.Source).Add(float64(st.Bytes))
	m.posts.WithLabelValues(st.Source).Add(float64(st.New))
	m.fetchFails.WithLabelValues(st.Source).Add(float64(st.Errors))
	m.degraded.WithLabelValues(st.Source, "truncated").Add(float64(st.Truncated))
	m.degraded.WithLabelValues(st.Source, "flattened").Add(float64(st.Flattened))
	for sev, n := range st.BySeverity {
		if n > 0 {
			m.hits.WithLabelValues(leak.Severity(sev).String()).Add(float64(n))
		}
	}
	m.crawlTime.WithLabelValues(st.Source).Observe(st.Took.Seconds())
	m.matchTime.Add(st.Matching.Seconds())
	if err == nil {
		m.lastSuccess.WithLabelValues(st.Source).SetToCurrentTime()
	}
}

// Reload counts a config reload.
func (m *Metrics) Reload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("rejected").Inc()
	}
}

// buildInfo is leakwatch_build_info: 1, labelled with the build.
func buildInfo() prometheus.Collector {
	in := buildinfo.Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "leakwatch_build_info",
		Help:        "The running build: always 1, with its version, commit and Go toolchain as labels.",
		ConstLabels: prometheus.Labels{"version": in.Version, "revision": in.Revision, "goversion": in.GoVersion}})
	g.Set(1)
	return g
}

// stateCollector reads the database's state when scraped.
type stateCollector struct{ state State }

var (
	descPending = prometheus.NewDesc("leakwatch_outbox_pending", "Alerts waiting for delivery.", nil, nil)
	descFailed  = prometheus.NewDesc("leakwatch_outbox_failed", "Alerts Slack refused for good, kept for an operator.", nil, nil)
	descOldest  = prometheus.NewDesc("leakwatch_outbox_oldest_pending_age_seconds", "Age of the oldest pending alert (0 when none).", nil, nil)
	descSent    = prometheus.NewDesc("leakwatch_alerts_sent_total", "Alerts delivered, all time.", nil, nil)
	descHealthy = prometheus.NewDesc("leakwatch_source_healthy", "1 while a source is healthy, 0 while it is not (a login wall, a captcha, selectors that stopped matching, failures in a row): watcher status says why.", []string{"source"}, nil)
	descProblem = prometheus.NewDesc("leakwatch_problem_active", "1 while an operator condition holds (tor, slack, outbox, matchers, source:NAME), 0 once it cleared.", []string{"condition"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPending, descFailed, descOldest, descSent, descHealthy, descProblem} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if srcs, err := c.state.Sources(); err != nil {
		ch <- prometheus.NewInvalidMetric(descHealthy, err)
	} else {
		for _, s := range srcs {
			ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, bool01(s.Healthy), s.Name)
		}
	}
	if conds, err := c.state.Conditions(); err != nil {
		ch <- prometheus.NewInvalidMetric(descProblem, err)
	} else {
		for _, p := range conds {
			ch <- prometheus.MustNewConstMetric(descProblem, prometheus.GaugeValue, bool01(p.Active), p.ID)
		}
	}
	n, err := c.state.Counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descPending, err)
		return
	}
	age := 0.0
	if !n.OldestPending.IsZero() {
		age = time.Since(n.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(n.Pending))
	ch <- prometheus.MustNewConstMetric(descFailed, prometheus.GaugeValue, float64(n.Failed))
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(n.Sent))
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Checks answer /healthz (the process works: the scheduler beats) and
// /readyz (it can do its job: the database is open, the proxy answers).
type Checks struct {
	Healthy func() error
	Ready   func() error
}

// CheckLoopback refuses a listen address that is not on a loopback
// interface: the metrics name sources and counts, nothing for a network.
func CheckLoopback(addr string) error {
	_, err := ListenAddr(addr)
	return err
}

// ListenAddr is the address the metrics listener binds for addr: a
// loopback IP literal as written, and "localhost" as 127.0.0.1, never
// resolved (a hosts file may map the name anywhere).
func ListenAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("metrics listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("metrics listen address %q: must be a loopback address (127.0.0.1, [::1])", addr)
	}
	return addr, nil
}

// Serve serves /metrics, /healthz and /readyz on addr (loopback only)
// until ctx ends. It returns once listening, with the address it listens
// on (addr may have port 0), and a channel closed when the server stops.
func (m *Metrics) Serve(ctx context.Context, addr string, checks Checks, log *slog.Logger) (string, <-chan struct{}, error) {
	bind, err := ListenAddr(addr)
	if err != nil {
		return "", nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return "", nil, fmt.Errorf("metrics: %w", err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return "", nil, fmt.Errorf("metrics listen address %q: bound %s, not a loopback address", addr, ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	check := func(f func() error) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			if f != nil {
				if err := f(); err != nil {
					http.Error(w, err.Error(), http.StatusServiceUnavailable)
					return
				}
			}
			_, _ = w.Write([]byte("ok\n"))
		}
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, indexPage)
	})
	mux.Handle("GET /healthz", check(checks.Healthy))
	mux.Handle("GET /readyz", check(checks.Ready))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), done, nil
}

// indexPage says where things are, as Prometheus exporters do.
const indexPage = `<!DOCTYPE html>
<html><head><title>leakwatch</title></head><body>
<h1>leakwatch</h1>
<ul>
<li><a href="/metrics">/metrics</a>: Prometheus metrics (leakwatch_*, Go, process)</li>
<li><a href="/healthz">/healthz</a>: 200 while the scheduler beats</li>
<li><a href="/readyz">/readyz</a>: 200 while the proxy and Tor answered the last check</li>
</ul>
<p>Sources, hits and the outbox: <code>watcher status</code> on this host.</p>
</body></html>
`
