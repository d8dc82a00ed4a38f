package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"leakwatch/demo"
	"leakwatch/internal/slackserver"
	"leakwatch/store"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// watcherBinary builds the real binary once per test run.
func watcherBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "leakwatch-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "watcher")
		out, err := exec.Command("go", "build", "-ldflags", "-X leakwatch/internal/buildinfo.version="+testVersion, "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// process is the real watcher binary running as a daemon, with a
// NOTIFY_SOCKET the test reads like systemd.
type process struct {
	cmd     *exec.Cmd
	notify  chan string
	mu      sync.Mutex
	log     bytes.Buffer
	done    chan struct{}
	metrics string
}

func startProcess(t *testing.T, config, metricsAddr string, args ...string) *process {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	p := &process{notify: make(chan string, 100), done: make(chan struct{}), metrics: metricsAddr}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			for _, l := range strings.Split(string(buf[:n]), "\n") {
				select {
				case p.notify <- l:
				default:
				}
			}
		}
	}()
	if args == nil {
		args = []string{"--flush-every", "1s"}
	}
	p.cmd = exec.Command(watcherBinary(t), append([]string{"run", "--config", config, "--log-format", "json"}, args...)...)
	p.cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1500000")
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_ = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		conn.Close()
	})
	return p
}

func (p *process) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// expectNotify waits (at most 20 s) for a notify line.
func (p *process) expectNotify(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-p.notify:
			if l == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %s from the daemon in 20 s; log:\n%s", want, p.logText())
		}
	}
}

// waitLog waits (at most 20 s) until the log holds s.
func (p *process) waitLog(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if strings.Contains(p.logText(), s) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("log never said %q:\n%s", s, p.logText())
}

// metric reads one sample from /metrics (0 when absent).
func (p *process) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.metrics + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func (p *process) waitMetric(t *testing.T, name string, atLeast float64) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if p.metric(t, name) >= atLeast {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never reached %v; log:\n%s", name, atLeast, p.logText())
}

func (p *process) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("daemon did not exit within %s; log:\n%s", within, p.logText())
	}
	return p.cmd.ProcessState.ExitCode()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// daemonConfig turns the run fixture's config into a daemon's: crawls
// every 2 s without jitter, metrics on loopback.
func daemonConfig(t *testing.T, f *runFixture, metricsAddr string) string {
	t.Helper()
	b, err := os.ReadFile(f.config)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "crawl:\n", "crawl:\n  schedule: \"@every 2s\"\n  schedule_jitter: 0s\n", 1)
	s += fmt.Sprintf("metrics_listen: %q\nshutdown_grace: 3s\n", metricsAddr)
	mustWrite(t, f.config, s, 0o644)
	return s
}

// TestDaemonLifecycle runs the real binary as systemd would: READY=1 after
// start, WATCHDOG=1 pings, scheduled crawls seen in /metrics, SIGHUP with a
// bad config (rejected, keeps crawling) and a good one (applied), SIGTERM
// exits 0 with STOPPING=1.
func TestDaemonLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	addr := freeAddr(t)
	good := daemonConfig(t, f, addr)
	p := startProcess(t, f.config, addr)
	p.expectNotify(t, "READY=1")
	p.expectNotify(t, "WATCHDOG=1")
	ok := `leakwatch_crawls_total{result="ok",source="breachbazaar"}`
	p.waitMetric(t, ok, 3) // the catch-up crawl and two scheduled ones
	if p.metric(t, `leakwatch_hits_total{severity="critical"}`) < 1 || p.metric(t, `leakwatch_alerts_sent_total`) < 2 {
		t.Errorf("metrics lack the crawl's hits or the sent alerts")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %v %v", path, resp, err)
		}
	}

	// A bad config: rejected, the old one keeps running.
	mustWrite(t, f.config, good+"bogus_field: 1\n", 0o644)
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "config reload rejected")
	before := p.metric(t, ok)
	p.waitMetric(t, ok, before+1)
	if p.metric(t, `leakwatch_config_reloads_total{result="rejected"}`) != 1 {
		t.Error("rejected reload not counted")
	}
	// A good config with one source less: applied without a restart.
	mustWrite(t, f.config, strings.Replace(good, "  - name: quietbin", "  - name: quietbin\n    schedule: \"0 0 1 1 *\"", 1), 0o644)
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, `"msg":"config reloaded"`)
	p.expectNotify(t, "RELOADING=1")
	paste := `leakwatch_crawls_total{result="ok",source="quietbin"}`
	n := p.metric(t, paste)
	time.Sleep(2500 * time.Millisecond)
	if got := p.metric(t, paste); got != n {
		t.Errorf("quietbin crawled %v more times after its schedule moved to January", got-n)
	}

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.expectNotify(t, "STOPPING=1")
	if code := p.waitExit(t, 15*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM; log:\n%s", code, p.logText())
	}
	if !strings.Contains(p.logText(), `"msg":"watcher stopped"`) {
		t.Errorf("no clean stop in the log")
	}
	// The journal never gets a secret or a customer value.
	logText := p.logText()
	for _, v := range append(demoValues, "xoxb-test-token", hex.EncodeToString(demo.Key())) {
		if strings.Contains(logText, v) {
			t.Errorf("the daemon's log contains %q", v)
		}
	}
	if !strings.Contains(logText, `"msg":"crawl","source":"breachbazaar","pages":`) {
		t.Errorf("no per-crawl log line with pages:\n%s", logText)
	}
}

// TestDaemonStopMidCrawl: SIGTERM while a slow onion service is being
// crawled: the daemon exits 0 within its grace, and nothing is lost: the
// next run records the rest, and Slack gets each alert exactly once.
func TestDaemonStopMidCrawl(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	addr := freeAddr(t)
	daemonConfig(t, f, addr)
	f.world.SetLatency(time.Second)
	p := startProcess(t, f.config, addr)
	p.expectNotify(t, "READY=1")
	for i := 0; i < 200 && len(f.world.Served()) < 4; i++ { // listings read, threads being fetched
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	start := time.Now()
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit status %d; log:\n%s", code, p.logText())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	db, err := store.Open(f.db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.Counts()
	db.Close()
	if c.Posts >= 8 || !strings.Contains(p.logText(), "crawls cancelled at the stop deadline") {
		t.Errorf("%d posts recorded before the stop; the test wants a crawl cancelled in flight:\n%s", c.Posts, p.logText())
	}
	f.world.SetLatency(0)
	out, stderr, code := execute(t, "run", "--config", f.config, "--once")
	if code != exitOK {
		t.Fatalf("run --once after the stop (exit %d): %s %s", code, out, stderr)
	}
	db, _ = store.Open(f.db, store.Options{Timeout: time.Second})
	c2, _ := db.Counts()
	db.Close()
	if c2.Posts != 8 || c2.Hits != 5 || c2.Sent != 2 || c2.Pending != 0 {
		t.Errorf("after the stop and a run: %+v (before: %d posts); want 8 posts, 5 hits, 2 alerts sent", c2, c.Posts)
	}
	if n := len(f.slack.Messages()); n != 2 {
		t.Errorf("slack got %d messages, want each of the 2 alerts once", n)
	}
}

// TestDaemonIdleFootprint measures the daemon idle with 20 sources and an
// empty fingerprint set: resident memory after its first crawls, and CPU
// time over 10 idle seconds. The target is under 30 MB.
func TestDaemonIdleFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	b, _ := os.ReadFile(f.config)
	cfg := string(b)
	i := strings.Index(cfg, "sources:\n")
	j := strings.Index(cfg, "matchers:\n")
	srcs := cfg[i+len("sources:\n") : j]
	var many strings.Builder
	for n := range 10 {
		many.WriteString(strings.NewReplacer("name: breachbazaar", fmt.Sprintf("name: forum%02d", n),
			"name: quietbin", fmt.Sprintf("name: paste%02d", n)).Replace(srcs))
	}
	cfg = cfg[:i] + "sources:\n" + many.String() + cfg[j:]
	cfg = strings.Replace(cfg, "crawl:\n", "crawl:\n  schedule: \"0 0 1 1 *\"\n  schedule_jitter: 0s\n", 1)
	// An empty fingerprint set: this test imports none (the fixture did; use another directory).
	cfg += "fingerprints: empty-fingerprints\n"
	mustWrite(t, f.config, cfg, 0o644)
	p := startProcess(t, f.config, "", "--flush-every", "30s") // the default
	p.expectNotify(t, "READY=1")
	t.Logf("at READY: RSS %.1f MB", float64(rssKiB(t, p.cmd.Process.Pid))/1024)
	for k := 0; k < 400 && strings.Count(p.logText(), `"msg":"crawl"`) < 20; k++ {
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(p.logText(), `"msg":"crawl"`); n < 20 {
		t.Fatalf("%d of 20 start-up crawls logged", n)
	}
	time.Sleep(3 * time.Second)
	pid := p.cmd.Process.Pid
	cpu0 := cpuTicks(t, pid)
	time.Sleep(10 * time.Second)
	cpu1 := cpuTicks(t, pid)
	rss := rssKiB(t, pid)
	t.Logf("idle with 20 sources: RSS %.1f MB, CPU %.1f%% of a core over 10 s (%d ticks)", float64(rss)/1024, float64(cpu1-cpu0)/10, cpu1-cpu0)
	if rss > 60*1024 {
		t.Errorf("idle RSS %d KiB: far above the 30 MB target", rss)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitExit(t, 15*time.Second)
}

func rssKiB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no VmRSS")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// cpuTicks is utime+stime of a process, in clock ticks (100 a second).
func cpuTicks(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// TestSlowSlackDoesNotStallCrawls: delivery ran inside the crawl, so with
// Slack not answering a source crawled 0 of 9 slots while status said
// "ok". Here Slack holds each send 8 s: the crawls go on every 2 s
// meanwhile, status says a send is waiting for Slack, and both alerts
// arrive once Slack answers.
func TestSlowSlackDoesNotStallCrawls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	addr := freeAddr(t)
	daemonConfig(t, f, addr)
	f.slack.Script(slackserver.Response{Hang: 8 * time.Second}, slackserver.Response{Hang: 8 * time.Second})
	p := startProcess(t, f.config, addr)
	p.expectNotify(t, "READY=1")
	ok := `leakwatch_crawls_total{result="ok",source="breachbazaar"}`
	p.waitMetric(t, ok, 4)
	if n := len(f.slack.Messages()); n == 2 {
		t.Fatalf("both alerts arrived before the 4th crawl: the test did not hold Slack")
	}
	out, _, code := execute(t, "status", "--config", f.config)
	if code != exitOK || !strings.Contains(out, "a send waiting for Slack's answer") {
		t.Errorf("status while Slack holds a send (exit %d):\n%s", code, out)
	}
	for i := 0; i < 400 && len(f.slack.Messages()) < 2; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(f.slack.Messages()); n != 2 {
		t.Errorf("%d alerts arrived once Slack answered, want 2; log:\n%s", n, p.logText())
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 15*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM; log:\n%s", code, p.logText())
	}
}

// TestDaemonWaitingForTor: while the daemon waits for the SOCKS proxy it
// is not ready. SIGHUP then reloads the config (a fixed proxy: address
// is used at once, no restart); SIGTERM stops it without READY=1 or a
// "watcher started" line.
func TestDaemonWaitingForTor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	good := daemonConfig(t, f, freeAddr(t))
	proxyLine := regexp.MustCompile(`(?m)^proxy: .*$`)
	if !proxyLine.MatchString(good) {
		t.Fatalf("no proxy line in:\n%s", good)
	}
	bad := proxyLine.ReplaceAllString(good, "proxy: "+freeAddr(t)) // nothing listens there

	// SIGTERM while waiting.
	mustWrite(t, f.config, bad, 0o644)
	p := startProcess(t, f.config, "")
	p.waitLog(t, "waiting for the SOCKS proxy")
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("stopped while waiting: exit %d", code)
	}
	if strings.Contains(p.logText(), "watcher started") {
		t.Errorf("a daemon stopped while waiting logged that it started:\n%s", p.logText())
	}
	for len(p.notify) > 0 {
		if l := <-p.notify; l == "READY=1" {
			t.Errorf("READY=1 sent by a daemon that never got its proxy")
		}
	}

	// SIGHUP while waiting, with the proxy fixed.
	p = startProcess(t, f.config, "")
	p.waitLog(t, "waiting for the SOCKS proxy")
	mustWrite(t, f.config, good, 0o644)
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	p.expectNotify(t, "READY=1")
	p.waitLog(t, "watcher started")
	if !strings.Contains(p.logText(), "config reloaded") {
		t.Errorf("no reload logged:\n%s", p.logText())
	}
}

// testVersion is the version the test binary is stamped with, as the
// Makefile stamps git describe.
const testVersion = "v0.0.0-test"

// TestBinaryVersion: a version given at build time is the one printed.
func TestBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(watcherBinary(t), "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "watcher "+testVersion+" (") {
		t.Errorf("watcher --version: %q %v", out, err)
	}
}
