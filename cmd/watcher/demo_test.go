package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"

	"leakwatch/demo"
	"leakwatch/leak"
	"leakwatch/store"
)

// demoValues are plaintext values of the demo company's customers and
// canaries, which must never appear in output or in the database.
var demoValues = []string{
	"dana.whitfield@examplemail.test", "219-09-9999", "219099999", "490154203237518",
	"w.marsh@halcyon-canary.test", "318-42-7765", "k.oduya@halcyon-canary.test", "(312) 555-0148", "3125550148",
}

func TestDemoAlertsTheSalePost(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	out, stderr, code := execute(t, "demo", "--db", dbPath)
	if code != exitOK {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"🔴 CRITICAL: Sale claim: 68M Halcyon Wireless customer records, SSN+DL+IMEI+DOB",
		"Source: breachbazaar",
		"7 of 10 sample rows are real customers (7 distinct) · 1 canary row · 2 match nothing of ours",
		"Canaries from partition billing-db: 1",
		"Canaries from partition crm-prod: 1",
		"[.]onion/threads/4417-halcyon-68m.html",
		"summary: 2 sources crawled, 8 posts listed (8 fetched, 0 already seen, 0 failed), 5 hits, 2 alerts sent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q\n%s", want, out)
		}
	}
	for _, v := range demoValues {
		if strings.Contains(out+stderr, v) {
			t.Errorf("demo output contains the customer value %q", v)
		}
	}

	db, err := store.Open(dbPath, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hits, _ := db.Hits(store.HitFilter{})
	c, _ := db.Counts()
	db.Close()
	// Five hits: the sale and its repost (alerted), two mentions and a
	// sale fitting the company's profile without naming it (info).
	if c.Sent != 2 || c.Pending != 0 || c.Hits != 5 {
		t.Errorf("database counts %+v; want 5 hits, 2 sent, none pending", c)
	}
	var sale leak.Hit
	for _, h := range hits {
		if h.Source == "breachbazaar" && strings.Contains(h.Title, "68M") {
			sale = h
		}
	}
	ev := sale.Evidence
	if ev.Severity != leak.SeverityCritical || ev.Claim == nil || ev.Claim.Records != 68_000_000 ||
		ev.Sample == nil || ev.Sample.RealRows != 7 || ev.Sample.CanaryRows != 1 || len(ev.Canaries) != 1 {
		t.Errorf("sale hit evidence %+v", ev)
	}
	raw, _ := os.ReadFile(dbPath)
	for _, v := range demoValues {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("database file contains the customer value %q", v)
		}
	}
}

// TestDemoLeavesAConfig: the demo is the daemon run on a config it
// writes beside the database, so the analyst's commands it suggests work
// on what it found.
func TestDemoLeavesAConfig(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := execute(t, "demo", "--db", filepath.Join(dir, "demo.db")); code != exitOK {
		t.Fatalf("demo (exit %d): %s", code, stderr)
	}
	out, stderr, code := execute(t, "hits", "list", "--config", filepath.Join(dir, "demo.yaml"))
	if code != exitOK || !strings.Contains(out, "Sale claim: 68M Halcyon Wireless customer records") || strings.Count(out, "\n") != 6 {
		t.Errorf("hits list on the demo's config (exit %d): %s %s", code, out, stderr)
	}
	fi, err := os.Stat(filepath.Join(dir, "demo.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo key file: %v, %v", fi, err)
	}
}

func TestDemoTwiceAlertsOnce(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	first, _, code := execute(t, "demo", "--db", dbPath)
	if code != exitOK || !strings.Contains(first, "2 alerts sent") {
		t.Fatalf("first run (exit %d):\n%s", code, first)
	}
	second, _, code := execute(t, "demo", "--db", dbPath)
	if code != exitOK {
		t.Fatalf("second run exit %d:\n%s", code, second)
	}
	if strings.Contains(second, "CRITICAL") || !strings.Contains(second, "0 alerts sent") ||
		!strings.Contains(second, "8 already seen") || !strings.Contains(second, "already seen in") {
		t.Errorf("second run should report every post as seen and send nothing:\n%s", second)
	}
}

// TestDemoNextStepsRunAsPrinted: without --db the demo keeps what it
// found in its own folder, and every command it suggests (in the alerts
// and after the summary) runs as printed, --config included. The next
// run starts the folder afresh (it alerts again).
func TestDemoNextStepsRunAsPrinted(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	out, stderr, code := execute(t, "demo")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	conf := filepath.Join(state, "leakwatch-demo", "demo.yaml")
	_, next, ok := strings.Cut(out, "next, as printed:\n")
	if !ok || !strings.Contains(out, " --config "+conf+"`") {
		t.Fatalf("no next steps with the demo's config in the output:\n%s", out)
	}
	want := []string{"Sale claim: 68M Halcyon Wireless", ": CRITICAL: Sale claim: 68M Halcyon Wireless", "daemon: not running"}
	lines := strings.Split(strings.TrimSpace(next), "\n")
	if len(lines) != len(want) {
		t.Fatalf("next steps %q", lines)
	}
	for i, l := range lines {
		args := strings.Fields(l)
		if args[0] != "watcher" || args[len(args)-2] != "--config" || args[len(args)-1] != conf {
			t.Errorf("step %q: not watcher ... --config %s", l, conf)
			continue
		}
		got, stderr, code := execute(t, args[1:]...)
		if code != exitOK || !strings.Contains(got, want[i]) {
			t.Errorf("%s: exit %d, want %q in:\n%s%s", l, code, want[i], got, stderr)
		}
	}
	again, _, code := execute(t, "demo")
	if code != exitOK || !strings.Contains(again, "2 alerts sent") || strings.Contains(again, "already seen in") {
		t.Errorf("the second demo without --db should start afresh (exit %d):\n%s", code, again)
	}
}

// TestDemoProxyRefusesOtherHosts: like Tor with no exit to the clearnet,
// the demo's proxy carries connections to the demo sites only.
func TestDemoProxyRefusesOtherHosts(t *testing.T) {
	w, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if !strings.HasPrefix(w.Proxy.Addr(), "127.0.0.1:") {
		t.Errorf("proxy listens on %s", w.Proxy.Addr())
	}
	d, err := proxy.SOCKS5("tcp", w.Proxy.Addr(), &proxy.Auth{User: "t", Password: "t"}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"example.com:80", "127.0.0.1:22", w.ForumHost + ":443"} {
		if c, err := d.Dial("tcp", target); err == nil {
			c.Close()
			t.Errorf("the demo proxy carried a connection to %s", target)
		}
	}
	c, err := d.Dial("tcp", w.ForumHost+":80")
	if err != nil {
		t.Fatalf("the demo proxy refused its own forum: %v", err)
	}
	c.Close()
}
