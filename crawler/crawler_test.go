package crawler_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
)

func TestCheckOnion(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)).Public().(ed25519.PublicKey)
	good := crawler.OnionAddress(pub)
	typo := []byte(good)
	typo[10] = map[bool]byte{true: 'b', false: 'a'}[typo[10] == 'a']
	cases := []struct {
		host    string
		wantErr string
	}{
		{good, ""},
		{"forum." + good, ""},
		{strings.ToUpper(good), ""},
		{"example.com", ""},
		{string(typo), "checksum"},
		{"expyuzz4wqqyqhjn.onion", "v2 address"},
		{"abc.onion", "56"},
		{strings.Repeat("1", 56) + ".onion", "base32"},
	}
	for _, c := range cases {
		err := crawler.CheckOnion(c.host)
		if c.wantErr == "" && err != nil {
			t.Errorf("CheckOnion(%q) = %v, want nil", c.host, err)
		}
		if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, crawler.ErrBadOnion)) {
			t.Errorf("CheckOnion(%q) = %v, want error with %q", c.host, err, c.wantErr)
		}
	}
}

// site is a loopback HTTP server reachable only through a SOCKS5 proxy
// under the name "forum.test".
type site struct {
	srv   *httptest.Server
	proxy *demo.Proxy
	hits  atomic.Int64
}

func newSite(t *testing.T, h http.Handler) *site {
	t.Helper()
	s := &site{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	p, err := demo.StartProxy(map[string]string{"forum.test:80": s.srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s.proxy = p
	return s
}

func (s *site) client(t *testing.T, o crawler.Options) *crawler.Client {
	t.Helper()
	if o.Proxy == "" {
		o.Proxy = s.proxy.Addr()
	}
	if o.Username == "" {
		o.Username = "test"
	}
	if o.Hosts == nil {
		o.Hosts = []string{"forum.test"}
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Backoff == 0 {
		o.Backoff = 5 * time.Millisecond
	}
	c, err := crawler.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestGetGoesThroughProxyWithName(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.UserAgent(), "Mozilla/5.0") {
			t.Errorf("user agent %q", r.UserAgent())
		}
		fmt.Fprint(w, "hello from "+r.Host)
	}))
	c := s.client(t, crawler.Options{Username: "src-a", Password: "p"})
	p, err := c.Get(context.Background(), "http://forum.test/x")
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Body) != "hello from forum.test" {
		t.Errorf("body %q", p.Body)
	}
	reqs := s.proxy.Requests()
	if len(reqs) != 1 || reqs[0].Host != "forum.test" || reqs[0].User != "src-a" {
		t.Errorf("proxy saw %+v; want one CONNECT to the name forum.test as src-a", reqs)
	}
}

func TestProxyDownFailsClosed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	c, err := crawler.NewClient(crawler.Options{Proxy: dead, Hosts: []string{srv.Listener.Addr().String()}, Timeout: 2 * time.Second, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), srv.URL)
	if !errors.Is(err, crawler.ErrProxy) {
		t.Fatalf("Get with the proxy down = %v, want ErrProxy", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the server was reached directly %d times with the proxy down", hits.Load())
	}
}

func TestHostNotAllowed(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://clearnet.example/steal", http.StatusFound)
	}))
	c := s.client(t, crawler.Options{})
	for _, u := range []string{"http://127.0.0.1:9051/", "http://localhost/", "ftp://forum.test/", "http://other.onion/"} {
		if _, err := c.Get(context.Background(), u); !errors.Is(err, crawler.ErrHostNotAllowed) {
			t.Errorf("Get(%s) = %v, want ErrHostNotAllowed", u, err)
		}
	}
	if _, err := c.Get(context.Background(), "http://forum.test/r"); !errors.Is(err, crawler.ErrHostNotAllowed) {
		t.Errorf("redirect to a clearnet host = %v, want ErrHostNotAllowed", err)
	}
	if n := len(s.proxy.Requests()); n != 1 {
		t.Errorf("proxy carried %d connections, want 1 (the allowed host only)", n)
	}
}

// TestRedirectToAnotherPortRefused: the allow-list is host and port, so a
// site cannot send the crawler to another service on its own host (an
// onion's control port, a local admin page) by a redirect.
func TestRedirectToAnotherPortRefused(t *testing.T) {
	var other atomic.Int32
	side := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer side.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://forum.test:8080/admin", http.StatusFound)
	}))
	defer site.Close()
	p, err := demo.StartProxy(map[string]string{"forum.test:80": site.Listener.Addr().String(), "forum.test:8080": side.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := crawler.NewClient(crawler.Options{Proxy: p.Addr(), Username: "test", Hosts: []string{"forum.test:80"}, Timeout: 5 * time.Second, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Get(context.Background(), "http://forum.test/"); !errors.Is(err, crawler.ErrHostNotAllowed) {
		t.Errorf("redirect to forum.test:8080 = %v, want ErrHostNotAllowed", err)
	}
	if _, err := c.Get(context.Background(), "http://forum.test:8080/"); !errors.Is(err, crawler.ErrHostNotAllowed) {
		t.Errorf("Get forum.test:8080 = %v, want ErrHostNotAllowed", err)
	}
	if other.Load() != 0 || len(p.Requests()) != 1 {
		t.Errorf("the other port was reached %d times, the proxy carried %d connections; want 0 and 1", other.Load(), len(p.Requests()))
	}
	src := crawler.Source{URLs: []string{"http://Forum.test/list", "https://forum.test/x", "http://forum.test:8080/y"}}
	if got := strings.Join(src.Hosts(), " "); got != "forum.test:80 forum.test:443 forum.test:8080" {
		t.Errorf("Source.Hosts = %s", got)
	}
}

func TestBodyCapAfterDecompression(t *testing.T) {
	bomb := new(bytes.Buffer)
	zw := gzip.NewWriter(bomb)
	_, _ = zw.Write(bytes.Repeat([]byte("A"), 4<<20))
	_ = zw.Close()
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write(bomb.Bytes())
		case "/endless":
			for i := 0; i < 10_000 && r.Context().Err() == nil; i++ {
				if _, err := w.Write(bytes.Repeat([]byte("x"), 4096)); err != nil {
					return
				}
			}
		}
	}))
	c := s.client(t, crawler.Options{MaxBody: 64 << 10})
	for _, path := range []string{"/bomb", "/endless"} {
		// Cut at the cap, not dropped: what was read is matched.
		p, err := c.Get(context.Background(), "http://forum.test"+path)
		if err != nil || !p.Truncated || len(p.Body) != 64<<10 {
			t.Errorf("%s: %v; want the first 64 KiB, marked truncated", path, err)
		}
	}
	if bomb.Len() > 64<<10 {
		t.Fatalf("fixture: compressed bomb (%d bytes) must be under the cap", bomb.Len())
	}
}

func TestStatusAndCharset(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cp1251":
			w.Header().Set("Content-Type", "text/html; charset=windows-1251")
			_, _ = w.Write([]byte{0xcf, 0xf0, 0xee, 0xe4, 0xe0, 0xfe}) // "Продаю"
		case "/broken":
			_, _ = w.Write([]byte("ok \xff\xfe bytes"))
		default:
			http.NotFound(w, r)
		}
	}))
	c := s.client(t, crawler.Options{})
	p, err := c.Get(context.Background(), "http://forum.test/cp1251")
	if err != nil || string(p.Body) != "Продаю" {
		t.Errorf("windows-1251 page = %q, %v", p.Body, err)
	}
	p, err = c.Get(context.Background(), "http://forum.test/broken")
	if err != nil || !strings.HasPrefix(string(p.Body), "ok ") || !strings.Contains(string(p.Body), "bytes") {
		t.Errorf("invalid UTF-8 page = %q, %v", p.Body, err)
	}
	var se *crawler.StatusError
	if _, err := c.Get(context.Background(), "http://forum.test/missing"); !errors.As(err, &se) || se.Status != 404 {
		t.Errorf("404 page = %v", err)
	} else if msg := err.Error(); msg != "GET http://forum.test/missing: HTTP 404" {
		t.Errorf("404 error %q, want the URL named once", msg)
	}
}
