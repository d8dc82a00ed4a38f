package crawler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/crawler"
)

func TestSlowDripIsCutAtTheTimeout(t *testing.T) {
	gone := make(chan struct{})
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		w.WriteHeader(200)
		for i := 0; i < 400; i++ { // at most 20 s, far past the client's limit
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	c := s.client(t, crawler.Options{Timeout: 400 * time.Millisecond, Retries: -1})
	start := time.Now()
	_, err := c.Get(context.Background(), "http://forum.test/drip")
	if err == nil {
		t.Fatal("slow drip returned a page")
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow server still holds the connection 5 s after the client's 400 ms limit")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("slow drip held the worker for %v", d)
	}
}

func TestRedirectLoopIsBounded(t *testing.T) {
	var n atomic.Int64
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n.Load()), http.StatusFound)
	}))
	c := s.client(t, crawler.Options{})
	_, err := c.Get(context.Background(), "http://forum.test/loop/0")
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop = %v, want a bounded failure", err)
	}
	if n.Load() != crawler.DefaultMaxRedirects {
		t.Errorf("followed %d redirects, want %d", n.Load(), crawler.DefaultMaxRedirects)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var n atomic.Int64
	var first time.Time
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			if time.Since(first) < time.Second {
				t.Errorf("retried %v after a Retry-After of 1 s", time.Since(first))
			}
			fmt.Fprint(w, "ok")
		}
	}))
	c := s.client(t, crawler.Options{})
	p, err := c.Get(context.Background(), "http://forum.test/")
	if err != nil || string(p.Body) != "ok" || n.Load() != 2 {
		t.Fatalf("Get = %v, %v after %d requests; want ok after 2", p, err, n.Load())
	}

	// A Retry-After longer than a cycle should wait fails at once.
	var m atomic.Int64
	s2 := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	_, err = s2.client(t, crawler.Options{}).Get(context.Background(), "http://forum.test/")
	var se *crawler.StatusError
	if !errors.As(err, &se) || se.Status != 429 || m.Load() != 1 {
		t.Errorf("Retry-After 3600 = %v after %d requests; want 429 after 1", err, m.Load())
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	var n atomic.Int64
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			http.Error(w, "busy", []int{http.StatusBadGateway, http.StatusInternalServerError}[n.Load()-1])
			return
		}
		fmt.Fprint(w, "ok")
	}))
	if _, err := s.client(t, crawler.Options{Retries: 2}).Get(context.Background(), "http://forum.test/"); err != nil || n.Load() != 3 {
		t.Fatalf("Get after two 5xx = %v (%d requests), want success on the 3rd", err, n.Load())
	}
	n.Store(0)
	if _, err := s.client(t, crawler.Options{Retries: -1}).Get(context.Background(), "http://forum.test/"); err == nil || n.Load() != 1 {
		t.Fatalf("Get without retries = %v (%d requests)", err, n.Load())
	}
	// 404 is not retried.
	s404 := newSite(t, http.NotFoundHandler())
	if _, err := s404.client(t, crawler.Options{Retries: 3}).Get(context.Background(), "http://forum.test/"); s404.hits.Load() != 1 || err == nil {
		t.Errorf("404 was retried: %d requests", s404.hits.Load())
	}
}

func TestEnvironmentProxyIsIgnored(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "via socks") }))
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"} {
		t.Setenv(k, "http://127.0.0.1:1")
	}
	p, err := s.client(t, crawler.Options{}).Get(context.Background(), "http://forum.test/")
	if err != nil || string(p.Body) != "via socks" {
		t.Fatalf("Get with proxy variables set = %v, %v", p, err)
	}
}

func TestLargeAndLatin1Pages(t *testing.T) {
	big := bytes.Repeat([]byte("<p>row,data</p>\n"), 5<<20/16)
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write(big)
		case "/latin1":
			w.Header().Set("Content-Type", "text/plain; charset=ISO-8859-1")
			_, _ = w.Write([]byte("caf\xe9 cr\xe8me"))
		}
	}))
	c := s.client(t, crawler.Options{})
	p, err := c.Get(context.Background(), "http://forum.test/big")
	if err != nil || len(p.Body) != len(big) {
		t.Fatalf("5 MB page: %v, %d bytes", err, len(p.Body))
	}
	p, err = c.Get(context.Background(), "http://forum.test/latin1")
	if err != nil || string(p.Body) != "café crème" {
		t.Fatalf("ISO-8859-1 page = %q, %v", p.Body, err)
	}
}

func TestLoginWallAndCaptchaAreNamed(t *testing.T) {
	pages := map[string]string{
		"/login":   `<html><form action="/member.php"><input name="username"><input type="password" name="password"></form></html>`,
		"/captcha": `<html><h1>DDoS protection</h1><p>Checking your browser, solve the captcha</p><img class="captcha" src="/c.png"></html>`,
		"/changed": `<html><div class="new-layout">threads moved</div></html>`,
	}
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/401" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	c := s.client(t, crawler.Options{})
	src := crawler.Source{Name: "f", Kind: crawler.KindForum, Forum: crawler.ForumSelectors{Thread: "tr.thread", Link: "a", Post: ".post"}}
	cases := map[string]error{"/login": crawler.ErrLoginWall, "/captcha": crawler.ErrCaptcha, "/changed": crawler.ErrNoMatch, "/401": crawler.ErrLoginWall}
	for path, want := range cases {
		src.URLs = []string{"http://forum.test" + path}
		if _, err := c.List(context.Background(), src); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
	}
}

func TestSessionCookieFileIsReReadWhenChanged(t *testing.T) {
	var got []string
	var mu sync.Mutex
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Cookie"))
		mu.Unlock()
	}))
	path := filepath.Join(t.TempDir(), "cookie")
	if err := os.WriteFile(path, []byte("# forum session\nmybbuser=1_abc\nsid=xyz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := s.client(t, crawler.Options{CookieFile: path})
	if _, err := c.Get(context.Background(), "http://forum.test/"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("Cookie: mybbuser=2_new; sid=fresh"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(2 * time.Second)
	_ = os.Chtimes(path, future, future)
	if _, err := c.Get(context.Background(), "http://forum.test/"); err != nil {
		t.Fatal(err)
	}
	want := []string{"mybbuser=1_abc; sid=xyz", "mybbuser=2_new; sid=fresh"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("cookies sent %q, want %q", got, want)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "http://forum.test/"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable cookie file = %v, want a refusal", err)
	}
}

func TestParallelismAndDelay(t *testing.T) {
	var inFlight, peak atomic.Int64
	var mu sync.Mutex
	var starts []time.Time
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		inFlight.Add(-1)
	}))
	c := s.client(t, crawler.Options{Parallelism: 2})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Get(context.Background(), fmt.Sprintf("http://forum.test/%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d requests in flight, limit 2", peak.Load())
	}

	d := s.client(t, crawler.Options{Delay: 150 * time.Millisecond})
	// A first request opens the connection through the proxy: the server
	// would see it late by that setup and the next one closer than the
	// delay. Gaps are measured between requests on the open connection.
	if _, err := d.Get(context.Background(), "http://forum.test/warm"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	starts = nil
	mu.Unlock()
	for i := range 3 {
		if _, err := d.Get(context.Background(), fmt.Sprintf("http://forum.test/d%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 130*time.Millisecond {
			t.Errorf("requests %d and %d started %v apart, delay is 150ms", i-1, i, gap)
		}
	}
}

func TestMalformedHTMLDoesNotBreakParsing(t *testing.T) {
	html := `<table><tr class="row"><td><a class="t" href="/t/1">one<tr class="row"><td><a class="t" href="/t/2">two</b></i></div>
<<<>>> <script>never closed`
	base, _ := url.Parse("http://f.onion/")
	l, err := crawler.ParseForumListing([]byte(html), base, crawler.ForumSelectors{Thread: "tr.row", Link: "a.t"})
	if err != nil || len(l.Refs) != 2 {
		t.Fatalf("malformed listing: %v, %+v", err, l.Refs)
	}
}

// TestConnectTimeout: a "proxy" that accepts but never answers (a stuck Tor)
// cannot hold a fetch past ConnectTimeout.
func TestConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	c, err := crawler.NewClient(crawler.Options{Proxy: ln.Addr().String(), Hosts: []string{"x.onion"},
		ConnectTimeout: 300 * time.Millisecond, Timeout: time.Minute, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Get(context.Background(), "http://x.onion/"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("fetched through a silent proxy")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a silent proxy held the fetch for 10 s; ConnectTimeout is 300 ms")
	}
}
