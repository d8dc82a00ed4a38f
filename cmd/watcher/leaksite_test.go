package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leakwatch/demo"
	"leakwatch/internal/slackserver"
	"leakwatch/leak"
	"leakwatch/store"
)

// TestLeakSitesEndToEnd runs the daemon on a config with both leak site
// layouts (a card grid, a JSON API) behind the SOCKS5 proxy: the company
// listed is a critical alert, a supplier on the watch-list a high one, a
// company sharing a brand word nothing; the victim's detail page was read
// with the post. It holds the config -> crawler mapping of every field.
func TestLeakSitesEndToEnd(t *testing.T) {
	const cardsHost = "hv5izlmjb2uct2wdqpc5reilfzwsogsvn3fc4hpyjqztf5patiktyuad.onion"
	const apiHost = "527ws2ioq7vduub6melfs4qaqllgelm4ga7demdj7ebgfzouugpdknad.onion"
	files := map[string]string{
		cardsHost + "/":                    "cards.html",
		cardsHost + "/victim/hlcy-2026-11": "victim.html",
		apiHost + "/api/victims":           "api.json",
		apiHost + "/victims/v8842":         "victim.html",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[strings.Split(r.Host, ":")[0]+r.URL.Path]
		if !ok {
			_, _ = w.Write([]byte("<html><body><p>nothing here</p></body></html>"))
			return
		}
		b, _ := os.ReadFile("../../crawler/testdata/leaksite/" + name)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	p, err := demo.StartProxy(map[string]string{cardsHost + ":80": srv.Listener.Addr().String(), apiHost + ":80": srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	slack := slackserver.New("xoxb-test-token")
	t.Cleanup(slack.Close)
	dir := t.TempDir()
	config := writeLeakSiteConfig(t, dir, p.Addr(), "http://"+cardsHost+"/", "http://"+apiHost, slack.APIURL())
	if out, stderr, code := execute(t, "run", "--config", config, "--once"); code != exitOK {
		t.Fatalf("run --once (exit %d): %s %s", code, out, stderr)
	}
	checkLeakSiteHits(t, filepath.Join(dir, "leakwatch.db"), slack)
}

// writeLeakSiteConfig writes dir/config.yaml watching the two leak site
// layouts: a card grid at cards, a JSON API at api (/api/victims, detail
// pages /victims/{key}), through proxy; it returns the file's path.
func writeLeakSiteConfig(t *testing.T, dir, proxy, cards, api, slackAPI string) string {
	t.Helper()
	execute(t, "keygen", filepath.Join(dir, "hmac.key"))
	mustWrite(t, filepath.Join(dir, "slack-token"), "xoxb-test-token\n", 0o600)
	config := filepath.Join(dir, "config.yaml")
	mustWrite(t, config, fmt.Sprintf(`proxy: %s
database: leakwatch.db
secret_key_file: hmac.key
crawl: {timeout: 60s, delay: 0s, jitter: 0s, backoff: 10ms}
matchers:
  brands: [Halcyon Wireless, Halcyon, halcyonwireless.com]
  not_brands: [Halcyon House]
  suppliers: [Ledgerline Billing, ledgerline.io]
alerts: {min_severity: high}
slack: {bot_token_file: slack-token, channel: "#leaks", api_url: %q}
sources:
  - name: nightfall
    kind: leaksite
    urls: ["%s"]
    selectors: {item: ".post-block", link: "a.post-block-link", name: ".post-title", domain: ".post-website", description: ".post-block-text", posted: ".post-published", countdown: ".timer", size: ".post-size"}
  - name: spa-group
    kind: leaksite
    format: json
    urls: ["%s/api/victims"]
    json: {items: data.victims, key: id, name: company.name, domain: company.site, description: about, published: published_at, countdown: deadline, size: volume}
    detail_url: "%s/victims/{key}"
`, proxy, slackAPI, cards, api, api), 0o644)
	return config
}

// checkLeakSiteHits holds what a crawl of the two leak site layouts
// records in db and sends to slack: the company critical on both, the
// supplier high, the not_brands company not alerted, the detail page's
// sample read with the victim.
func checkLeakSiteHits(t *testing.T, dbPath string, slack *slackserver.Server) {
	t.Helper()
	db, err := store.Open(dbPath, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hits, _ := db.Hits(store.HitFilter{})
	db.Close()
	got := map[string]leak.Severity{}
	for _, h := range hits {
		if h.Victim != nil {
			got[h.Source+"/"+h.Victim.Name] = h.Evidence.Severity
		}
	}
	want := map[string]leak.Severity{
		"nightfall/Halcyon Wireless":            leak.SeverityCritical,
		"nightfall/Ledgerline Billing Services": leak.SeverityHigh,
		"spa-group/Halcyon Wireless":            leak.SeverityCritical,
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("%s: %v, want %v (all: %v)", k, got[k], sev, got)
		}
	}
	if sev, ok := got["nightfall/Halcyon House Hotels"]; ok && sev >= leak.SeverityHigh {
		t.Errorf("Halcyon House Hotels alerted %v", sev)
	}
	for _, h := range hits {
		if h.Victim != nil && h.Victim.Name == "Halcyon Wireless" && h.Source == "nightfall" && (h.Evidence.Sample == nil || h.Evidence.Sample.Rows == 0) {
			t.Errorf("the detail page's sample was not read with the victim: %+v", h.Evidence)
		}
	}
	if n := len(slack.Messages()); n < 3 {
		t.Errorf("Slack got %d messages, want the three alerts", n)
	}
}
