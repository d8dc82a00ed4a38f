package crawler_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/internal/testcert"
)

func TestTelegramGolden(t *testing.T) {
	base, _ := url.Parse("https://t.me/s/n0v4_shop")
	for _, name := range []string{"channel", "channel-before"} {
		tp, err := crawler.ParseTelegram(read(t, "telegram/"+name+".html"), base)
		if err != nil {
			t.Fatal(err)
		}
		before := ""
		if tp.Before != nil {
			before = tp.Before.String()
		}
		golden(t, "telegram/"+name+".golden.json", map[string]any{"messages": tp.Messages, "before": before})
	}
	if _, err := crawler.ParseTelegram(read(t, "telegram/no-preview.html"), base); !errors.Is(err, crawler.ErrNoPreview) || !strings.Contains(err.Error(), "Telegram: Contact @private_drops") {
		t.Errorf("a channel without a preview: %v", err)
	}
}

// telegramSite serves a channel's preview pages as t.me does, under
// t.test, through the demo SOCKS5 proxy.
func telegramSite(t *testing.T) (*site, *[]string) {
	t.Helper()
	h, asked := telegramPages()
	return newSiteAt(t, "t.test:80", h), asked
}

// telegramPages answers as t.me does for two channels: the newest page,
// older pages by ?before=, and a restricted channel redirected to its
// contact page. It records what it was asked.
func telegramPages() (http.Handler, *[]string) {
	var mu sync.Mutex
	var asked []string
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		page := ""
		switch r.URL.RequestURI() {
		case "/s/n0v4_shop":
			page = "channel.html"
		case "/s/n0v4_shop?before=1201":
			page = "channel-before.html"
		case "/s/private_drops":
			http.Redirect(w, r, "/private_drops", http.StatusFound)
			return
		case "/private_drops":
			page = "no-preview.html"
		default:
			http.NotFound(w, r)
			return
		}
		b, _ := os.ReadFile("testdata/telegram/" + page)
		_, _ = w.Write(b)
	}), &asked
}

// TestTelegramChannel lists a channel newest first and back through older
// pages, one post per message with text (media-only ones left out); the
// next listing stops at what it saw; a forwarded message is its origin's;
// a restricted channel is ErrNoPreview.
func TestTelegramChannel(t *testing.T) {
	s, asked := telegramSite(t)
	c := s.client(t, crawler.Options{Hosts: []string{"t.test"}})
	src := crawler.Source{Name: "tg", Kind: crawler.KindTelegram, URLs: []string{"http://t.test/s/n0v4_shop"}, MaxPages: 5}
	refs, err := c.List(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range refs {
		keys = append(keys, r.Key)
	}
	if got := strings.Join(keys, " "); got != "n0v4_shop/1202 n0v4_shop/1201 n0v4_shop/1200 n0v4_shop/1180" {
		t.Errorf("listed %s", got)
	}
	if got := strings.Join(*asked, " "); got != "/s/n0v4_shop /s/n0v4_shop?before=1201" {
		t.Errorf("requests %s", got)
	}
	sale, err := c.Fetch(context.Background(), src, refs[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sale.Text, "[SELLING] Halcyon Wireless customer DB, 68M rows") || sale.Author != "N0v4 Shop" || sale.Posted.IsZero() ||
		len(sale.Links) != 2 || !strings.Contains(sale.Links[0], ".onion/raw/a7Kq2x") {
		t.Errorf("sale message: %+v\n%s", sale, sale.Text)
	}
	fwd, _ := c.Fetch(context.Background(), src, refs[0])
	if fwd.Author != "Breach News" || fwd.Title != "Forwarded from Breach News" {
		t.Errorf("forwarded message: author %q title %q", fwd.Author, fwd.Title)
	}
	// The next listing reads the newest page only: it reaches what it saw.
	*asked = nil
	if refs, err = c.List(context.Background(), src); err != nil || len(refs) != 2 || len(*asked) != 1 {
		t.Errorf("second listing: %d refs, requests %q, %v", len(refs), *asked, err)
	}
	restricted := crawler.Source{Name: "tg2", Kind: crawler.KindTelegram, URLs: []string{"http://t.test/s/private_drops"}, MaxPages: 1}
	if _, err := c.List(context.Background(), restricted); !errors.Is(err, crawler.ErrNoPreview) {
		t.Errorf("restricted channel: %v", err)
	}
}

// newSiteAt is newSite under another host name.
func newSiteAt(t *testing.T, hostPort string, h http.Handler) *site {
	t.Helper()
	s := newSite(t, h)
	p, err := demo.StartProxy(map[string]string{hostPort: s.srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s.proxy = p
	return s
}

// TestTelegramOverTLS reads a channel as the daemon does in production:
// https://t.me/... through the proxy, the name sent to the proxy (never
// resolved here), the certificate verified. A certificate from another
// authority, or for another name, is refused before anything is asked.
func TestTelegramOverTLS(t *testing.T) {
	ca, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	h, asked := telegramPages()
	tme, other := ca.Serve(t, h, "t.me"), ca.Serve(t, h, "telegram.org")
	p, err := demo.StartProxy(map[string]string{"t.me:443": tme.Listener.Addr().String(), "telegram.me:443": other.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	src := crawler.Source{Name: "tg", Kind: crawler.KindTelegram, URLs: []string{"https://t.me/s/n0v4_shop"}, MaxPages: 5}
	client := func(roots *x509.CertPool) *crawler.Client {
		c, err := crawler.NewClient(crawler.Options{Proxy: p.Addr(), Username: "tg", Hosts: []string{"t.me", "telegram.me"},
			Timeout: 5 * time.Second, Retries: -1, RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	c := client(ca.Pool)
	refs, err := c.List(context.Background(), src)
	if err != nil || len(refs) != 4 {
		t.Fatalf("List over TLS: %d refs, %v", len(refs), err)
	}
	sale, err := c.Fetch(context.Background(), src, refs[1])
	if err != nil || !strings.Contains(sale.Text, "Halcyon Wireless customer DB") || !strings.HasPrefix(sale.URL, "https://t.me/n0v4_shop/") {
		t.Errorf("Fetch over TLS: %v %+v", err, sale)
	}
	for _, r := range p.Requests() {
		if r.Host != "t.me" || r.Port != 443 {
			t.Errorf("the proxy was asked for %s:%d, want t.me:443 by name", r.Host, r.Port)
		}
	}
	n := len(*asked)
	var unknown x509.UnknownAuthorityError
	if _, err := client(nil).List(context.Background(), src); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "https://t.me/s/n0v4_shop") {
		t.Errorf("a certificate the system does not trust: %v, want an unknown authority naming the URL", err)
	}
	var host x509.HostnameError
	other2 := crawler.Source{Name: "tg", Kind: crawler.KindTelegram, URLs: []string{"https://telegram.me/s/n0v4_shop"}, MaxPages: 1}
	if _, err := c.List(context.Background(), other2); !errors.As(err, &host) {
		t.Errorf("a certificate for another name: %v, want a hostname error", err)
	}
	if len(*asked) != n {
		t.Errorf("the site was asked %q after a refused certificate", (*asked)[n:])
	}
}
