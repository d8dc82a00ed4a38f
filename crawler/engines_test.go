package crawler_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/internal/testcert"
)

// engineSite serves the saved pages of each forum engine the way the
// engine addresses them.
func engineSite(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	pages := map[string]string{
		"/forumdisplay.php?fid=7":                              "mybb/listing.html",
		"/showthread.php?tid=4417":                             "mybb/thread.html",
		"/showthread.php?page=2&tid=4417":                      "mybb/thread-2.html",
		"/forums/databases.7/":                                 "xenforo/listing.html",
		"/threads/halcyon-wireless-68m.4417/":                  "xenforo/thread.html",
		"/threads/halcyon-wireless-68m.4417/page-2":            "xenforo/thread-2.html",
		"/viewforum.php?f=7":                                   "phpbb/listing.html",
		"/viewtopic.php?t=4417":                                "phpbb/thread.html",
		"/viewtopic.php?start=10&t=4417":                       "phpbb/thread-2.html",
		"/forum/7-databases/":                                  "invision/listing.html",
		"/topic/4417-68m-halcyon-wireless-customer-db/":        "invision/thread.html",
		"/topic/4417-68m-halcyon-wireless-customer-db/page/2/": "invision/thread-2.html",
		// The other kinds: a paste archive, a leak site's card grid and
		// its JSON API, each with the page a listed item leads to.
		"/archive":             "paste/recent.html",
		"/leaks":               "leaksite/cards.html",
		"/victim/hlcy-2026-11": "leaksite/victim.html",
		"/api/victims":         "leaksite/api.json",
		"/victims/v8842":       "leaksite/victim.html",
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		key := r.URL.Path
		if q := r.URL.Query(); len(q) > 0 {
			key += "?" + q.Encode()
		}
		name, ok := pages[key]
		if strings.HasPrefix(key, "/raw/") {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("paste " + key[len("/raw/"):] + "\ndana.whitfield@examplemail.test,+1 415 555 0100\n"))
			return
		}
		if !ok {
			name = "mybb/thread-2.html" // any other thread: a one-page thread
		}
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		// Invision writes absolute links: to the host it is served as.
		b = bytes.ReplaceAll(b, []byte("https://board.example"), []byte("http://"+r.Host))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// crawlEngines lists and fetches the first thread of each engine's forum
// through c, whose allowed host is base's.
func crawlEngines(t *testing.T, c *crawler.Client, base string) {
	t.Helper()
	listings := map[string]string{"mybb": "/forumdisplay.php?fid=7", "xenforo": "/forums/databases.7/", "phpbb": "/viewforum.php?f=7", "invision": "/forum/7-databases/"}
	for engine, path := range listings {
		sel, _ := crawler.Preset(engine)
		src := crawler.Source{Name: engine, Kind: crawler.KindForum, URLs: []string{base + path}, MaxPages: 1, MaxThreadPages: 5, Forum: sel}
		refs, err := c.List(context.Background(), src)
		if err != nil || len(refs) != 2 {
			t.Fatalf("%s: List = %d refs, %v", engine, len(refs), err)
		}
		if !strings.Contains(refs[0].Title, "[") || !strings.Contains(refs[0].Title, "68M Halcyon") {
			t.Errorf("%s: title %q lacks its prefix", engine, refs[0].Title)
		}
		post, err := c.Fetch(context.Background(), src, refs[0])
		if err != nil {
			t.Fatalf("%s: Fetch: %v", engine, err)
		}
		// First post, reply, and the second page's post: the whole thread.
		for _, want := range []string{"Selling fresh", "dana.whitfield@examplemail.test", "vouch, legit", "bump, still selling"} {
			if !strings.Contains(post.Text, want) {
				t.Errorf("%s: thread text lacks %q:\n%s", engine, want, post.Text)
			}
		}
		if post.Hash == "" || post.Updated.IsZero() || post.Author != "n0v4_sells" {
			t.Errorf("%s: post metadata %+v", engine, post)
		}
	}
}

func TestEnginesThroughSOCKS(t *testing.T) {
	srv, _ := engineSite(t)
	s := newSiteProxy(t, srv.Listener.Addr().String())
	c := s.client(t, crawler.Options{})
	crawlEngines(t, c, "http://forum.test")
	crawlKinds(t, c, "http://forum.test")
}

// newSiteProxy puts the demo SOCKS5 proxy in front of an existing server
// under the name forum.test.
func newSiteProxy(t *testing.T, backend string) *site {
	t.Helper()
	p, err := demo.StartProxy(map[string]string{"forum.test:80": backend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &site{proxy: p}
}

// TestMicrosocks crawls through Debian's microsocks, a SOCKS5 server that
// is not ours: with a password it enforces, so a fetch that succeeds with
// the right password and fails with a wrong one went through it. CI sets
// LEAKWATCH_REQUIRE_MICROSOCKS=1 so that a missing microsocks fails
// instead of skipping.
func TestMicrosocks(t *testing.T) {
	bin, err := exec.LookPath("microsocks")
	if err != nil {
		if os.Getenv("LEAKWATCH_REQUIRE_MICROSOCKS") != "" {
			t.Fatal("microsocks is required here (apt-get install microsocks)")
		}
		t.Skip("microsocks not installed (apt-get install microsocks)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	cmd := exec.Command(bin, "-i", "127.0.0.1", "-p", port, "-u", "leakwatch-test", "-P", "s3cret")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 100; i++ { // up to 5 s for it to listen
		if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
			c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := crawler.Preflight(context.Background(), crawler.PreflightOptions{Proxy: addr}); err != nil {
		t.Fatalf("preflight against microsocks: %v", err)
	}

	srv, hits := engineSite(t)
	host := srv.Listener.Addr().(*net.TCPAddr)
	base := "http://127.0.0.1:" + strconv.Itoa(host.Port)
	opts := crawler.Options{Proxy: addr, Username: "leakwatch-test", Password: "s3cret", Hosts: []string{srv.Listener.Addr().String()},
		Timeout: 5 * time.Second, Backoff: time.Millisecond}
	good, err := crawler.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	crawlEngines(t, good, base)
	crawlKinds(t, good, base)
	tg := telegramTLS(t)
	tgc, err := crawler.NewClient(crawler.Options{Proxy: addr, Username: "leakwatch-test", Password: "s3cret", Hosts: []string{tg.Listener.Addr().String()},
		Timeout: 5 * time.Second, Backoff: time.Millisecond, RootCAs: tg.roots})
	if err != nil {
		t.Fatal(err)
	}
	defer tgc.Close()
	crawlTelegram(t, tgc, "https://"+tg.Listener.Addr().String())

	before := hits.Load()
	opts.Password = "wrong"
	opts.Retries = -1
	bad, _ := crawler.NewClient(opts)
	defer bad.Close()
	if _, err := bad.Get(context.Background(), base+"/viewforum.php?f=7"); err == nil {
		t.Fatal("a wrong SOCKS password still fetched: the request did not go through microsocks")
	}
	if hits.Load() != before {
		t.Error("the site was reached with the proxy refusing the client")
	}
	// With microsocks gone, nothing is fetched and nothing goes direct.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	opts.Password = "s3cret"
	after, _ := crawler.NewClient(opts)
	defer after.Close()
	if _, err := after.Get(context.Background(), base+"/viewforum.php?f=7"); err == nil {
		t.Fatal("fetched with the proxy down")
	}
	if hits.Load() != before {
		t.Error("the site was reached directly with the proxy down")
	}
}

// crawlKinds lists and fetches an item of each other kind of source
// through c: a paste archive, a leak site's card grid with its victim's
// detail page, and a leak site's JSON API with the same.
func crawlKinds(t *testing.T, c *crawler.Client, base string) {
	t.Helper()
	ctx := context.Background()
	paste := crawler.Source{Name: "paste", Kind: crawler.KindPaste, URLs: []string{base + "/archive"},
		Paste: crawler.PasteSelectors{Item: "table.archive tr", Link: "a", Posted: "td.date", Raw: base + "/raw/{key}"}}
	refs, err := c.List(ctx, paste)
	if err != nil || len(refs) != 3 {
		t.Fatalf("paste: List = %d refs, %v", len(refs), err)
	}
	if p, err := c.Fetch(ctx, paste, refs[0]); err != nil || !strings.Contains(p.Text, "paste a7Kq2x") || !strings.Contains(p.Text, "dana.whitfield@") {
		t.Errorf("paste: Fetch = %v %q", err, p.Text)
	}
	cards := crawler.Source{Name: "cards", Kind: crawler.KindLeakSite, URLs: []string{base + "/leaks"}, MaxPages: 1, LeakSite: cardSelectors}
	api := apiSelectors
	api.Detail = base + "/victims/{key}"
	spa := crawler.Source{Name: "spa", Kind: crawler.KindLeakSite, URLs: []string{base + "/api/victims"}, MaxPages: 1, LeakSite: api}
	for _, src := range []crawler.Source{cards, spa} {
		refs, err := c.List(ctx, src)
		if err != nil || len(refs) < 2 {
			t.Fatalf("%s: List = %d refs, %v", src.Name, len(refs), err)
		}
		p, err := c.Fetch(ctx, src, refs[0])
		if err != nil || p.Victim == nil || p.Victim.Name != "Halcyon Wireless" || !strings.Contains(p.Text, "/crm/customers_full.sql") {
			t.Errorf("%s: Fetch = %v, victim %+v, the detail page not read:\n%s", src.Name, err, p.Victim, p.Text)
		}
	}
}

// tlsSite is a Telegram-like preview served over https with a
// certificate for 127.0.0.1 from a test authority, and that authority.
type tlsSite struct {
	*httptest.Server
	roots *x509.CertPool
}

func telegramTLS(t *testing.T) tlsSite {
	t.Helper()
	ca, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := telegramPages()
	srv := ca.Serve(t, h, "127.0.0.1")
	return tlsSite{srv, ca.Pool}
}

// crawlTelegram lists a channel's preview at base over https and fetches
// its sale message.
func crawlTelegram(t *testing.T, c *crawler.Client, base string) {
	t.Helper()
	src := crawler.Source{Name: "tg", Kind: crawler.KindTelegram, URLs: []string{base + "/s/n0v4_shop"}, MaxPages: 5}
	refs, err := c.List(context.Background(), src)
	if err != nil || len(refs) != 4 {
		t.Fatalf("telegram: List = %d refs, %v", len(refs), err)
	}
	if p, err := c.Fetch(context.Background(), src, refs[1]); err != nil || !strings.Contains(p.Text, "[SELLING] Halcyon Wireless customer DB") {
		t.Errorf("telegram: Fetch = %v %q", err, p.Text)
	}
}
