package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/config"
	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/internal/slackserver"
	"leakwatch/internal/testcert"
	"leakwatch/store"
)

// The real-Tor integration test: ../shared/tools/tornet starts a private
// Tor network on 127.0.0.1 (directory authorities, relays, exits, a v3
// onion service in front of a backend served here, a client SocksPort) and
// `watcher` crawls the demo forum and paste site through it. It runs when
// LEAKWATCH_TORNET is set (.ci/run sets it after installing tor).

// onionBackend serves both demo sites on one host, as the onion service's
// backend; it can be slowed, stopped and started again on the same address.
type onionBackend struct {
	addr    string
	latency atomic.Int64
	mu      sync.Mutex
	paths   []string
	srv     *http.Server
	done    chan struct{}
}

func (b *onionBackend) start(t *testing.T) {
	t.Helper()
	h, err := demo.SingleHost(func() time.Duration { return time.Duration(b.latency.Load()) }, func(p string) {
		b.mu.Lock()
		b.paths = append(b.paths, p)
		b.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	// The leak site's pages (a card grid at /leaks with its victims' detail
	// pages, a JSON API) beside the demo forum and paste site.
	leaks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.paths = append(b.paths, r.URL.Path)
		b.mu.Unlock()
		name := map[string]string{"/leaks": "cards.html", "/victim/hlcy-2026-11": "victim.html", "/api/victims": "api.json", "/victims/v8842": "victim.html"}[r.URL.Path]
		if name == "" {
			_, _ = w.Write([]byte("<html><body><p>nothing here</p></body></html>"))
			return
		}
		page, _ := os.ReadFile("../../crawler/testdata/leaksite/" + name)
		_, _ = w.Write(page)
	})
	mux := http.NewServeMux()
	for _, p := range []string{"/leaks", "/victim/", "/api/victims", "/victims/"} {
		mux.Handle(p, leaks)
	}
	mux.Handle("/", h)
	addr := b.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	for i := 0; i < 50; i++ { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	b.done = make(chan struct{})
	go func() { defer close(b.done); _ = b.srv.Serve(ln) }()
}

func (b *onionBackend) stop() {
	if b.srv != nil {
		_ = b.srv.Close()
		<-b.done
		b.srv = nil
	}
}

func (b *onionBackend) served() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.paths)
}

// tornet brings the private network up in dir and registers its teardown
// (also when the test fails); it returns DIR/env as a map.
func tornet(t *testing.T, backend string) map[string]string {
	t.Helper()
	script, err := filepath.Abs("../../../shared/tools/tornet/tornet.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("tornet: %v", err)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("leakwatch-tornet-%d", os.Getpid()))
	base := os.Getenv("TORNET_BASE_PORT")
	if base == "" {
		base = "15000"
	}
	env := append(os.Environ(), "TORNET_BACKEND="+backend, fmt.Sprintf("TORNET_OWNER_PID=%d", os.Getpid()), "TORNET_BASE_PORT="+base)
	t.Cleanup(func() {
		cmd := exec.Command(script, "down", dir)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("tornet down: %v\n%s", err, out)
		}
		_ = os.RemoveAll(dir)
	})
	start := time.Now()
	cmd := exec.Command(script, "up", dir)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tornet up: %v\n%s", err, out)
	}
	t.Logf("tornet up in %s", time.Since(start).Round(time.Second))
	b, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			vars[k] = strings.Trim(strings.TrimSpace(strings.SplitN(v, "#", 2)[0]), `"'`)
		}
	}
	for _, k := range []string{"TORNET_SOCKS", "TORNET_ONION", "TORNET_CONTROL_PORT", "TORNET_CONTROL_COOKIE"} {
		if vars[k] == "" {
			t.Fatalf("tornet env lacks %s:\n%s", k, b)
		}
	}
	return vars
}

// circuitUsers asks Tor's control port which SOCKS usernames its open
// circuits were built for, and returns circuit ids per username.
func circuitUsers(t *testing.T, controlPort, cookiePath string) map[string][]string {
	t.Helper()
	cookie, err := os.ReadFile(cookiePath)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+controlPort, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "AUTHENTICATE %s\r\nGETINFO circuit-status\r\nQUIT\r\n", hex.EncodeToString(cookie))
	users := map[string][]string{}
	re := regexp.MustCompile(`^(\d+) BUILT .*SOCKS_USERNAME="([^"]+)"`)
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if m := re.FindStringSubmatch(strings.TrimPrefix(sc.Text(), "250+circuit-status=")); m != nil {
			users[m[2]] = append(users[m[2]], m[1])
		}
	}
	return users
}

func TestTorNetwork(t *testing.T) {
	if os.Getenv("LEAKWATCH_TORNET") == "" {
		t.Skip("set LEAKWATCH_TORNET=1 to run against a private Tor network (needs tor)")
	}
	if _, err := exec.LookPath("tor"); err != nil {
		t.Fatal("LEAKWATCH_TORNET is set but tor is not installed")
	}
	b := &onionBackend{}
	b.start(t)
	t.Cleanup(b.stop)
	tn := tornet(t, b.addr)
	onion := "http://" + tn["TORNET_ONION"]

	slack := slackserver.New("xoxb-test-token")
	t.Cleanup(slack.Close)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.yaml")
	// The crawl settings are config.example.yaml's: this test is what they
	// are tuned by.
	example, err := config.Load("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cr := example.Crawl
	head := fmt.Sprintf(`proxy: %s
tor_control: 127.0.0.1:%s
tor_control_cookie: %s
database: leakwatch.db
crawl:
  timeout: %s
  connect_timeout: %s
  header_timeout: %s
  retries: %d
  backoff: %s
  delay: 0s
  jitter: 0s
`, tn["TORNET_SOCKS"], tn["TORNET_CONTROL_PORT"], tn["TORNET_CONTROL_COOKIE"],
		time.Duration(cr.Timeout), time.Duration(cr.ConnectTimeout), time.Duration(cr.HeaderTimeout), cr.Retries, time.Duration(cr.Backoff))
	writeDemoConfig(t, cfgFile, head, onion+"/forums/databases/", onion+"/", onion+"/raw/{key}", slack.APIURL())

	// check --online: the proxy, Tor's bootstrap, each onion source.
	out, stderr, code := execute(t, "check", "--config", cfgFile, "--online")
	if code != exitOK || !strings.Contains(out, "ok (bootstrapped 100%)") || !strings.Contains(out, "source breachbazaar: ok (HTTP 200") {
		t.Fatalf("check --online (exit %d):\n%s%s", code, out, stderr)
	}

	// One crawl through Tor: everything found, the sale alerted.
	start := time.Now()
	out, stderr, code = execute(t, "run", "--config", cfgFile, "--once", "--log-format", "json")
	t.Logf("first run through Tor: %s", time.Since(start).Round(time.Millisecond))
	if code != exitOK || !strings.Contains(out, "2 of 2 sources crawled, 8 posts listed, 8 fetched, 5 new hits, 2 alerts sent") {
		t.Fatalf("run --once through Tor (exit %d):\n%s\n%s", code, out, stderr)
	}
	msgs := slack.Messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Sale claim: 68M Halcyon Wireless customer records") {
		t.Errorf("slack messages: %+v", msgs)
	}
	// Stream isolation, observed: each source's SOCKS username got its own circuits.
	users := circuitUsers(t, tn["TORNET_CONTROL_PORT"], tn["TORNET_CONTROL_COOKIE"])
	forum, paste := users["leakwatch-breachbazaar"], users["leakwatch-quietbin"]
	if len(forum) == 0 || len(paste) == 0 {
		t.Errorf("circuits by SOCKS username: %v; want circuits for both sources", users)
	}
	for _, c := range forum {
		for _, d := range paste {
			if c == d {
				t.Errorf("circuit %s carried both sources", c)
			}
		}
	}
	t.Logf("circuits: breachbazaar %v, quietbin %v", forum, paste)

	// Nothing fetched twice.
	before := b.served()
	out, _, code = execute(t, "run", "--config", cfgFile, "--once")
	if code != exitOK || !strings.Contains(out, "0 fetched, 0 new hits, 0 alerts sent") || b.served()-before != 3 {
		t.Errorf("second run (exit %d, %d requests; want the 3 listing pages):\n%s", code, b.served()-before, out)
	}

	// A slow onion service (answers after 3 s) is still crawled within the
	// example's timeouts.
	b.latency.Store(int64(3 * time.Second))
	start = time.Now()
	out, stderr, code = execute(t, "run", "--config", cfgFile, "--once")
	t.Logf("run against a slow onion service: %s", time.Since(start).Round(time.Millisecond))
	if code != exitOK {
		t.Errorf("slow onion service (exit %d):\n%s%s", code, out, stderr)
	}
	b.latency.Store(0)

	// A leak site on the onion service, both layouts, into its own
	// database: the company critical, the supplier high, the detail page's
	// sample read.
	leakDir := filepath.Join(dir, "leaks")
	if err := os.Mkdir(leakDir, 0o700); err != nil {
		t.Fatal(err)
	}
	leakSlack := slackserver.New("xoxb-test-token")
	t.Cleanup(leakSlack.Close)
	leakCfg := writeLeakSiteConfig(t, leakDir, tn["TORNET_SOCKS"], onion+"/leaks", onion, leakSlack.APIURL())
	start = time.Now()
	out, stderr, code = execute(t, "run", "--config", leakCfg, "--once")
	t.Logf("leak sites through Tor: %s", time.Since(start).Round(time.Millisecond))
	if code != exitOK || !strings.Contains(out, "2 of 2 sources crawled") {
		t.Fatalf("leak sites through Tor (exit %d):\n%s%s", code, out, stderr)
	}
	checkLeakSiteHits(t, filepath.Join(leakDir, "leakwatch.db"), leakSlack)

	// A Telegram-like preview over https on a clearnet address, reached
	// through an exit (the exits here may reach 127.0.0.0/8 only), its
	// certificate verified end to end.
	telegramThroughExit(t, tn)

	// The onion service vanishes mid-crawl: a second database, so that
	// every thread is fetched again; the backend answers after 1 s and
	// stops once the listings are read. The run fails, bounded and
	// reported; the next one, with the service back, records the rest.
	second := filepath.Join(dir, "second.yaml")
	first, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, second, strings.Replace(string(first), "database: leakwatch.db", "database: second/leakwatch.db\nfingerprints: fingerprints", 1), 0o644)
	if err := os.Mkdir(filepath.Join(dir, "second"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := execute(t, "canary", "import", "--config", second, "../../demo/data/canaries.csv"); code != exitOK {
		t.Fatalf("canary import: %s %s", out, stderr)
	}
	b.latency.Store(int64(time.Second))
	before = b.served()
	type result struct {
		out  string
		code int
		took time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		out, stderr, code := execute(t, "run", "--config", second, "--once")
		done <- result{out + stderr, code, time.Since(start)}
	}()
	for i := 0; i < 600 && b.served()-before < 5; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	b.stop()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the run did not end within 5 minutes of the onion service vanishing")
	}
	t.Logf("run with the onion service vanishing mid-crawl: %s", r.took.Round(time.Millisecond))
	if r.code != exitPartial || !strings.Contains(r.out, "could not be crawled") && !strings.Contains(r.out, "0 of 2 sources crawled") {
		t.Errorf("onion service gone mid-crawl (exit %d):\n%s", r.code, r.out)
	}
	out, _, code = execute(t, "check", "--config", second, "--online")
	if code != exitError || !strings.Contains(out, "source breachbazaar: FAILED") {
		t.Errorf("check --online with the onion service gone (exit %d):\n%s", code, out)
	}
	// It comes back: the next cycle recovers and records what was missed.
	b.latency.Store(0)
	b.start(t)
	out, stderr, code = execute(t, "run", "--config", second, "--once")
	if code != exitOK || !strings.Contains(out, "2 of 2 sources crawled") {
		t.Errorf("after the onion service came back (exit %d):\n%s%s", code, out, stderr)
	}
	db, err := store.Open(filepath.Join(dir, "second", "leakwatch.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.Counts()
	db.Close()
	if c.Posts != 8 || c.Hits != 5 {
		t.Errorf("after the recovery: %+v; want all 8 posts and 5 hits", c)
	}

	// Tor gone (its client stopped): the cycle is skipped with the reason,
	// check --online says the SOCKS port is closed, and the backend sees
	// nothing.
	down := exec.Command("../../../shared/tools/tornet/tornet.sh", "down", tn["TORNET_DIR"])
	if out, err := down.CombinedOutput(); err != nil {
		t.Fatalf("tornet down: %v\n%s", err, out)
	}
	before = b.served()
	out, _, code = execute(t, "run", "--config", cfgFile, "--once")
	if code != exitPartial || !strings.Contains(out, "skipped: 2 sources") {
		t.Errorf("Tor down (exit %d):\n%s", code, out)
	}
	out, _, code = execute(t, "check", "--config", cfgFile, "--online")
	if code != exitError || !strings.Contains(out, "FAILED: socks proxy not answering") {
		t.Errorf("check --online with Tor down (exit %d):\n%s", code, out)
	}
	if n := b.served() - before; n != 0 {
		t.Errorf("the backend was reached %d times with Tor down", n)
	}
}

// telegramThroughExit reads a channel preview served over https on
// 127.0.0.1 through Tor's exits, as a real crawl reads t.me: the channel
// listed back through its older page and its sale message read, on a
// circuit of its own SOCKS username; with the system's roots (which do not
// hold the test's authority) the same request is refused.
func telegramThroughExit(t *testing.T, tn map[string]string) {
	t.Helper()
	ca, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int64
	srv := ca.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		page := map[string]string{"/s/n0v4_shop": "channel.html", "/s/n0v4_shop?before=1201": "channel-before.html"}[r.URL.RequestURI()]
		if page == "" {
			http.NotFound(w, r)
			return
		}
		b, _ := os.ReadFile("../../crawler/testdata/telegram/" + page)
		_, _ = w.Write(b)
	}), "127.0.0.1")
	src := crawler.Source{Name: "tg", Kind: crawler.KindTelegram, URLs: []string{"https://" + srv.Listener.Addr().String() + "/s/n0v4_shop"}, MaxPages: 5}
	client := func(roots *x509.CertPool) *crawler.Client {
		c, err := crawler.NewClient(crawler.Options{Proxy: tn["TORNET_SOCKS"], Username: "leakwatch-telegram", Hosts: []string{srv.Listener.Addr().String()},
			Timeout: 90 * time.Second, Backoff: time.Second, RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	c := client(ca.Pool)
	start := time.Now()
	refs, err := c.List(context.Background(), src)
	if err != nil || len(refs) != 4 {
		t.Fatalf("telegram through an exit: %d messages, %v", len(refs), err)
	}
	sale, err := c.Fetch(context.Background(), src, refs[1])
	if err != nil || !strings.Contains(sale.Text, "[SELLING] Halcyon Wireless customer DB, 68M rows") {
		t.Errorf("telegram sale message: %v %q", err, sale.Text)
	}
	t.Logf("telegram preview through an exit: %s", time.Since(start).Round(time.Millisecond))
	if users := circuitUsers(t, tn["TORNET_CONTROL_PORT"], tn["TORNET_CONTROL_COOKIE"]); len(users["leakwatch-telegram"]) == 0 {
		t.Errorf("no circuit for leakwatch-telegram: %v", users)
	}
	n := asked.Load()
	var unknown x509.UnknownAuthorityError
	if _, err := client(nil).List(context.Background(), src); !errors.As(err, &unknown) {
		t.Errorf("a certificate the system does not trust, through Tor: %v, want an unknown authority", err)
	}
	if asked.Load() != n {
		t.Error("the site was asked something over a refused certificate")
	}
}
