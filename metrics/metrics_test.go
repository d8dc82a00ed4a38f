package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:9464", "[::1]:9464", "localhost:9464", "127.0.0.2:1"} {
		if err := CheckLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"0.0.0.0:9464", ":9464", "10.0.0.5:9464", "[::]:9464", "example.com:80", "9464"} {
		if err := CheckLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// localhost is bound as 127.0.0.1, never looked up: a hosts file that
	// maps it elsewhere must not move the listener off loopback.
	for in, want := range map[string]string{"localhost:9464": "127.0.0.1:9464", "LocalHost:1": "127.0.0.1:1", "[::1]:9464": "[::1]:9464"} {
		if got, err := ListenAddr(in); err != nil || got != want {
			t.Errorf("ListenAddr(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}

type state struct {
	c       store.Counts
	sources []store.SourceState
	conds   []store.Condition
}

func (s state) Counts() (store.Counts, error)          { return s.c, nil }
func (s state) Sources() ([]store.SourceState, error)  { return s.sources, nil }
func (s state) Conditions() ([]store.Condition, error) { return s.conds, nil }

// TestServe scrapes a real listener: crawl counters by result, hits by
// severity, the outbox gauges read at scrape time, and the health checks.
func TestServe(t *testing.T) {
	m := New(state{c: store.Counts{Pending: 3, Failed: 1, Sent: 7, OldestPending: time.Now().Add(-time.Minute)},
		sources: []store.SourceState{{Name: "forum", Healthy: false}, {Name: "paste", Healthy: true}},
		conds:   []store.Condition{{ID: "tor", Active: true}, {ID: "slack", Active: false}}})
	m.Source("forum")
	st := pipeline.Stats{Source: "forum", Pages: 4, Bytes: 1000, New: 2, Took: time.Second}
	st.BySeverity[leak.SeverityCritical] = 1
	m.Crawl(st, nil)
	m.Crawl(pipeline.Stats{Source: "forum", Errors: 5, Truncated: 2, Flattened: 1}, nil)
	m.Crawl(pipeline.Stats{Source: "forum"}, errors.New("login wall"))
	m.Crawl(pipeline.Stats{Source: "forum", Skipped: true}, errors.New("tor"))
	ready := errors.New("the SOCKS proxy or Tor is not ready")
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, err := m.Serve(ctx, "127.0.0.1:0", Checks{Ready: func() error { return ready }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, body := get("/metrics")
	for _, want := range []string{
		`leakwatch_crawls_total{result="ok",source="forum"} 2`,
		`leakwatch_fetch_failures_total{source="forum"} 5`,
		`leakwatch_posts_degraded_total{reason="truncated",source="forum"} 2`,
		`leakwatch_posts_degraded_total{reason="flattened",source="forum"} 1`,
		`leakwatch_crawls_total{result="error",source="forum"} 1`,
		`leakwatch_crawls_total{result="skipped",source="forum"} 1`,
		`leakwatch_pages_fetched_total{source="forum"} 4`,
		`leakwatch_posts_total{source="forum"} 2`,
		`leakwatch_hits_total{severity="critical"} 1`,
		`leakwatch_hits_total{severity="info"} 0`,
		`leakwatch_outbox_pending 3`,
		`leakwatch_outbox_failed 1`,
		`leakwatch_alerts_sent_total 7`,
		`leakwatch_source_healthy{source="forum"} 0`,
		`leakwatch_source_healthy{source="paste"} 1`,
		`leakwatch_problem_active{condition="tor"} 1`,
		`leakwatch_problem_active{condition="slack"} 0`,
		`leakwatch_build_info{goversion="` + runtime.Version() + `"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(body, "leakwatch_outbox_oldest_pending_age_seconds 6") {
		t.Errorf("oldest pending age is not about a minute:\n%s", grep(body, "oldest"))
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, `href="/metrics"`) || !strings.Contains(body, "/readyz") {
		t.Errorf("/ %d: %s", code, body)
	}
	if code, _ := get("/nothing"); code != http.StatusNotFound {
		t.Errorf("/nothing %d, want 404", code)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz %d %q", code, body)
	}
	if _, _, err := m.Serve(ctx, "0.0.0.0:0", Checks{}, nil); err == nil {
		t.Error("Serve on 0.0.0.0 succeeded")
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMetricsFollowTheConventions: promlint (client_golang's testutil)
// finds nothing: counters end in _total, units in base units, help on
// every metric.
func TestMetricsFollowTheConventions(t *testing.T) {
	m := New(state{sources: []store.SourceState{{Name: "forum", Healthy: true}}, conds: []store.Condition{{ID: "tor"}}})
	m.Source("forum")
	m.Crawl(pipeline.Stats{Source: "forum", Took: time.Second}, nil)
	m.Reload(true)
	problems, err := testutil.GatherAndLint(m.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
