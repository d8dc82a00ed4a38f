package crawler_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"leakwatch/crawler"
)

// frontPages are anti-bot fronts as they stand before forums (written
// after their common shapes), with the status they answer and the name
// the crawler must give them.
var frontPages = []struct {
	name, want string
	status     int
	body       string
}{
	{"cloudflare", "Cloudflare interstitial", http.StatusForbidden, `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">forum.example</h1><h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '2',cZone: "forum.example",cType: 'managed'};})();</script>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b"></script></body></html>`},
	{"ddos-guard", "DDoS-Guard", http.StatusForbidden, `<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body>
<div id="ddg-captcha"><p>Checking your browser before accessing forum.example.</p></div><script src="/.well-known/ddos-guard/check?context=free_splash"></script></body></html>`},
	{"endgame queue", "access queue", http.StatusOK, `<!DOCTYPE html><html><head><title>Access Queue</title><meta http-equiv="refresh" content="30"></head>
<body><div class="container"><h1>Access Queue</h1><p>Due to high load you have been placed in a queue.</p>
<p>Your position in the queue: <b>14</b>. This page refreshes itself; do not close it.</p></div></body></html>`},
	{"humanity check", "humanity check", http.StatusOK, `<html><head><title>Humanity check</title></head><body>
<form method="post" action="/check"><p>Humanity check: pick the rotated image to continue to the board.</p>
<input type="hidden" name="token" value="a81f"><button>Continue</button></form></body></html>`},
	{"browser check", "browser check", http.StatusServiceUnavailable, `<html><head><title>One moment</title></head><body>
<h2>Verifying your browser, please wait...</h2><p>You will be redirected automatically.</p></body></html>`},
	{"ddos protection", "DDoS protection", http.StatusOK, `<html><head><title>DDoS protection</title></head><body><h1>DDoS protection is active</h1>
<p>Solve the puzzle below to enter.</p><img src="/puzzle.png"></body></html>`},
}

// TestAntiBotFronts: each front is told apart from a changed layout, by
// name, whatever status it answers with (a 403 front is not retried like
// an outage), and the error says what a person must do; a page that
// merely changed its layout is ErrNoMatch.
func TestAntiBotFronts(t *testing.T) {
	sel, _ := crawler.Preset("mybb")
	for _, fp := range frontPages {
		t.Run(fp.name, func(t *testing.T) {
			var n atomic.Int64
			s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				n.Add(1)
				w.WriteHeader(fp.status)
				_, _ = w.Write([]byte(fp.body))
			}))
			c := s.client(t, crawler.Options{Retries: 3})
			src := crawler.Source{Name: "f", Kind: crawler.KindForum, URLs: []string{"http://forum.test/forumdisplay.php?fid=7"}, MaxPages: 1, MaxThreadPages: 1, Forum: sel}
			_, err := c.List(context.Background(), src)
			if !errors.Is(err, crawler.ErrCaptcha) || errors.Is(err, crawler.ErrNoMatch) || !strings.Contains(err.Error(), fp.want) || !strings.Contains(err.Error(), "cookie_file") {
				t.Fatalf("List on a %s: %v; want ErrCaptcha naming %q and the cookie file", fp.name, err, fp.want)
			}
			if n.Load() != 1 {
				t.Errorf("a front was requested %d times: it is not an outage to retry", n.Load())
			}
		})
	}
	// A forum that changed its theme: content, no front, no match.
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<html><body><div class="topics"><div class="topic-row"><a href="/t/1">[WTS] fresh db</a></div></div></body></html>`))
	}))
	c := s.client(t, crawler.Options{})
	_, err := c.List(context.Background(), crawler.Source{Name: "f", Kind: crawler.KindForum, URLs: []string{"http://forum.test/"}, MaxPages: 1, MaxThreadPages: 1, Forum: sel})
	if !errors.Is(err, crawler.ErrNoMatch) || errors.Is(err, crawler.ErrCaptcha) {
		t.Errorf("a changed layout: %v; want ErrNoMatch", err)
	}
}

// TestSessionCookiesKept: cookies a site sets during a crawl (a front's
// pass, a rotated session) are sent back for the rest of the client's
// life, and win over the cookie file's older copy; another source's
// client does not get them.
func TestSessionCookiesKept(t *testing.T) {
	var got []string
	var mu sync.Mutex
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Cookie"))
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "rotated", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "queue_pass", Value: "ok1", Path: "/"})
	}))
	path := filepath.Join(t.TempDir(), "cookie")
	if err := os.WriteFile(path, []byte("sid=from-file; theme=dark\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := s.client(t, crawler.Options{CookieFile: path})
	for range 2 {
		if _, err := c.Get(context.Background(), "http://forum.test/"); err != nil {
			t.Fatal(err)
		}
	}
	other := s.client(t, crawler.Options{})
	if _, err := other.Get(context.Background(), "http://forum.test/"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("requests: %q", got)
	}
	if got[0] != "sid=from-file; theme=dark" {
		t.Errorf("first request sent %q", got[0])
	}
	for _, want := range []string{"theme=dark", "sid=rotated", "queue_pass=ok1"} {
		if !strings.Contains(got[1], want) {
			t.Errorf("second request %q lacks %s", got[1], want)
		}
	}
	if strings.Contains(got[1], "from-file") {
		t.Errorf("second request %q sent the file's old sid beside the rotated one", got[1])
	}
	if got[2] != "" {
		t.Errorf("another source's client sent %q: jars are per source", got[2])
	}
}
