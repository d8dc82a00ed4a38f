package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// Outbox reads the outbox's state for the gauges, at scrape time.
type Outbox interface {
	Counts() (store.Counts, error)
}

// New registers the metrics; outbox feeds the outbox gauges.
func New(outbox Outbox) *Metrics {
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
		&outboxCollector{outbox: outbox})
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

// outboxCollector reads the outbox when scraped.
type outboxCollector struct{ outbox Outbox }

var (
	descPending = prometheus.NewDesc("leakwatch_outbox_pending", "Alerts waiting for delivery.", nil, nil)
	descFailed  = prometheus.NewDesc("leakwatch_outbox_failed", "Alerts Slack refused for good, kept for an operator.", nil, nil)
	descOldest  = prometheus.NewDesc("leakwatch_outbox_oldest_pending_age_seconds", "Age of the oldest pending alert (0 when none).", nil, nil)
	descSent    = prometheus.NewDesc("leakwatch_alerts_sent", "Alerts delivered, all time.", nil, nil)
)

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPending
	ch <- descFailed
	ch <- descOldest
	ch <- descSent
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	n, err := c.outbox.Counts()
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
