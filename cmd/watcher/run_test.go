package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/demo"
	"leakwatch/internal/slackserver"
	"leakwatch/store"
)

// runFixture is a config directory for `watcher run` against the demo
// world, with Slack at a local Slack API server.
type runFixture struct {
	dir, config, db string
	slack           *slackserver.Server
	world           *demo.World
}

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	w, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	s := slackserver.New("xoxb-test-token")
	t.Cleanup(s.Close)
	f := &runFixture{dir: t.TempDir(), slack: s, world: w}
	f.config = filepath.Join(f.dir, "config.yaml")
	f.db = filepath.Join(f.dir, "leakwatch.db")
	srcs := w.Sources()
	head := fmt.Sprintf(`proxy: %s
database: leakwatch.db
crawl:
  timeout: 10s
  delay: 0s
  jitter: 0s
  backoff: 10ms
`, w.Proxy.Addr())
	writeDemoConfig(t, f.config, head, srcs[0].URLs[0], srcs[1].URLs[0], srcs[1].Paste.Raw, s.APIURL())
	return f
}

// writeDemoConfig writes the config at path for the demo company's forum
// and paste site at the given URLs (head: the proxy, database and crawl
// settings), with its key and Slack token files beside it, and imports
// the company's canaries and fingerprints as an analyst would.
func writeDemoConfig(t *testing.T, path, head, forumURL, pasteURL, rawURL, slackAPI string) {
	t.Helper()
	dir := filepath.Dir(path)
	mustWrite(t, filepath.Join(dir, "hmac.key"), hex.EncodeToString(demo.Key())+"\n", 0o600)
	mustWrite(t, filepath.Join(dir, "slack-token"), "xoxb-test-token\n", 0o600)
	cfg := head + "secret_key_file: hmac.key\n" + demo.ConfigYAML(forumURL, pasteURL, rawURL) + fmt.Sprintf(`slack:
  bot_token_file: slack-token
  channel: "#leaks"
  api_url: %q
`, slackAPI)
	mustWrite(t, path, cfg, 0o644)
	if out, stderr, code := execute(t, "canary", "import", "--config", path, "../../demo/data/canaries.csv"); code != exitOK {
		t.Fatalf("canary import exit %d: %s %s", code, out, stderr)
	}
	if out, stderr, code := execute(t, "fingerprint", "import", "--config", path, "--dataset", "crm", "--partition", "crm-prod",
		"--columns", demo.CustomerColumns, "../../demo/data/customers.csv"); code != exitOK {
		t.Fatalf("fingerprint import exit %d: %s %s", code, out, stderr)
	}
}

func mustWrite(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestRunOnceCrawlsMatchesAndAlerts(t *testing.T) {
	f := newRunFixture(t)
	out, stderr, code := execute(t, "run", "--config", f.config, "--once", "--log-format", "json")
	if code != exitOK {
		t.Fatalf("run --once exited %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if !strings.Contains(out, "2 of 2 sources crawled, 8 posts listed, 8 fetched, 5 new hits, 2 alerts sent, nothing queued") {
		t.Errorf("summary: %s", out)
	}
	msgs := f.slack.Messages()
	if len(msgs) != 2 {
		t.Fatalf("slack got %d messages, want 2", len(msgs))
	}
	if !strings.Contains(msgs[0].Text, "[CRITICAL] Sale claim: 68M Halcyon Wireless customer records") || msgs[0].Channel != "#leaks" {
		t.Errorf("first message %q to %q", msgs[0].Text, msgs[0].Channel)
	}
	if !strings.Contains(string(msgs[0].Blocks), "7 of 10") {
		t.Errorf("blocks lack the verification: %s", msgs[0].Blocks)
	}
	for _, v := range append(demoValues, "xoxb-test-token") {
		for _, m := range msgs {
			if strings.Contains(m.Text+string(m.Blocks), v) {
				t.Errorf("slack message contains %q", v)
			}
		}
		if strings.Contains(stderr, v) {
			t.Errorf("log contains %q", v)
		}
	}
	if !strings.Contains(stderr, `"msg":"crawl"`) {
		t.Errorf("no per-source crawl log line in:\n%s", stderr)
	}

	// A second run fetches nothing new and sends nothing.
	before := len(f.world.Served())
	out, _, code = execute(t, "run", "--config", f.config, "--once")
	if code != exitOK || !strings.Contains(out, "0 fetched, 0 new hits, 0 alerts sent") {
		t.Errorf("second run (exit %d): %s", code, out)
	}
	if len(f.slack.Messages()) != 2 {
		t.Errorf("second run sent again: %d messages", len(f.slack.Messages()))
	}
	if got := len(f.world.Served()) - before; got != 3 {
		t.Errorf("second run made %d requests, want 3 (listing pages only)", got)
	}
}

func TestRunOnceKeepsAlertsThroughSlackOutage(t *testing.T) {
	f := newRunFixture(t)
	f.slack.Script(slackserver.Response{Error: "invalid_auth"})
	out, _, code := execute(t, "run", "--config", f.config, "--once")
	if code != exitPartial {
		t.Fatalf("run --once with Slack refusing exited %d, want %d: %s", code, exitPartial, out)
	}
	if len(f.slack.Messages()) != 0 {
		t.Fatalf("slack accepted messages it refused")
	}
	db, err := store.Open(f.db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.Counts()
	db.Close()
	if c.Pending != 2 || c.Failed != 0 || c.Hits != 5 {
		t.Errorf("counts %+v; want both alerts kept queued, 5 hits", c)
	}
	if !strings.Contains(out, "problem: slack") || !strings.Contains(out, "invalid_auth") {
		t.Errorf("run --once does not say Slack refuses:\n%s", out)
	}
	if !strings.Contains(out, "5 new hits, 0 alerts sent, 2 leak alerts queued\n") {
		t.Errorf("run --once does not say what is queued:\n%s", out)
	}
	st, _, _ := execute(t, "status", "--config", f.config)
	if !strings.Contains(st, "problem: slack") || !strings.Contains(st, "2 pending") {
		t.Errorf("status does not show the Slack problem:\n%s", st)
	}
	// The token works again: the next run delivers both, and the problem clears.
	out, _, code = execute(t, "run", "--config", f.config, "--once")
	if code != exitOK || len(f.slack.Messages()) != 2 || strings.Contains(out, "problem: slack") {
		t.Errorf("run after the fix (exit %d), %d messages:\n%s", code, len(f.slack.Messages()), out)
	}
}

func TestRunRefusesOpenKeyFile(t *testing.T) {
	f := newRunFixture(t)
	if err := os.Chmod(filepath.Join(f.dir, "hmac.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := execute(t, "run", "--config", f.config, "--once")
	if code != exitError || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("exit %d, stderr %s; want a refusal", code, stderr)
	}
	if len(f.world.Served()) != 0 {
		t.Error("crawled with an unusable key")
	}
}

func TestRunOnceProxyDown(t *testing.T) {
	f := newRunFixture(t)
	f.world.Proxy.Close()
	out, _, code := execute(t, "run", "--config", f.config, "--once")
	if code != exitPartial || !strings.Contains(out, "0 of 2 sources crawled") || !strings.Contains(out, "skipped: 2 sources") {
		t.Errorf("exit %d, out %s; want both sources failed", code, out)
	}
	if n := len(f.world.Served()); n != 0 {
		t.Errorf("sites were reached %d times with the proxy down", n)
	}
}

func TestStatusShowsSourceHealth(t *testing.T) {
	f := newRunFixture(t)
	if _, _, code := execute(t, "run", "--config", f.config, "--once"); code != exitOK {
		t.Fatalf("run exit %d", code)
	}
	out, _, code := execute(t, "status", "--config", f.config)
	if code != exitOK {
		t.Fatalf("status exit %d", code)
	}
	for _, want := range []string{"breachbazaar", "quietbin", "outbox: 0 pending, 0 failed, 2 sent", "FETCH FAILS", "0 of 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "UNHEALTHY") {
		t.Errorf("healthy sources shown unhealthy:\n%s", out)
	}

	// The forum's layout changes: its thread rows no longer match.
	cfg, _ := os.ReadFile(f.config)
	mustWrite(t, f.config, strings.Replace(string(cfg), `thread: "tr.inline_row"`, `thread: "li.topic-row"`, 1), 0o644)
	out, _, code = execute(t, "run", "--config", f.config, "--once")
	if code != exitPartial || !strings.Contains(out, "unhealthy: breachbazaar") || !strings.Contains(out, "the site changed") {
		t.Errorf("run after the layout change (exit %d):\n%s", code, out)
	}
	out, _, _ = execute(t, "status", "--config", f.config, "--json")
	var rep control.Status
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	var forum store.SourceState
	for _, s := range rep.Sources {
		if s.Name == "breachbazaar" {
			forum = s
		}
	}
	if forum.Healthy || forum.LastListed != 5 || forum.ConsecutiveFailures != 1 {
		t.Errorf("forum state %+v; want unhealthy after listing 5 before", forum)
	}
}

func TestCheckOnline(t *testing.T) {
	f := newRunFixture(t)
	out, stderr, code := execute(t, "check", "--config", f.config, "--online")
	if code != exitOK || !strings.Contains(out, "proxy "+f.world.Proxy.Addr()+": ok") || !strings.Contains(out, "slack: ok (token accepted") || !strings.Contains(out, "source breachbazaar: ok (HTTP 200") || !strings.Contains(out, "source quietbin: ok") ||
		!strings.Contains(out, "tor: not checked") || !strings.Contains(out, "source breachbazaar: 3 entries listed, the first read") ||
		!strings.Contains(out, "source quietbin: 3 entries listed, the first read") {
		t.Errorf("check --online (exit %d):\n%s%s", code, out, stderr)
	}
	// A raw_url that leads nowhere fails the check, naming the URL once.
	cfg, _ := os.ReadFile(f.config)
	bad := strings.Replace(string(cfg), "/raw/{key}", "/raw/{key}.txt", 1)
	mustWrite(t, f.config, bad, 0o644)
	out, stderr, code = execute(t, "check", "--config", f.config, "--online")
	if code != exitError || !strings.Contains(out, "source quietbin: FAILED: first of 3 entries: fetch quietbin: GET http://") ||
		strings.Count(out, ".txt") != 1 || !strings.Contains(out, "HTTP 404") {
		t.Errorf("check --online with a raw_url that 404s (exit %d):\n%s%s", code, out, stderr)
	}
	mustWrite(t, f.config, string(cfg), 0o644)
	f.world.Proxy.Close()
	mustWrite(t, filepath.Join(f.dir, "slack-token"), "xoxb-revoked\n", 0o600)
	out, stderr, code = execute(t, "check", "--config", f.config, "--online")
	if code != exitError || !strings.Contains(out, "FAILED: socks proxy not answering") || !strings.Contains(out, "slack: FAILED") ||
		!strings.Contains(stderr, "online check failed: proxy, slack") {
		t.Errorf("check --online with the proxy down and a bad token (exit %d):\n%s%s", code, out, stderr)
	}
}

// TestCheckWarnsOfWebhookRepeats: webhook mode repeated messages cut short
// by a kill (30 over 48 kills) with only a comment in the example config
// to say so: check says it when a webhook is configured, not for a bot.
func TestCheckWarnsOfWebhookRepeats(t *testing.T) {
	f := newRunFixture(t)
	_, stderr, code := execute(t, "check", "--config", f.config)
	if code != exitOK || strings.Contains(stderr, "webhook") {
		t.Errorf("check of a bot-token config (exit %d): %s", code, stderr)
	}
	cfg, _ := os.ReadFile(f.config)
	hook := regexp.MustCompile(`(?m)^  bot_token_file: slack-token\n  channel: .*\n`).ReplaceAllString(string(cfg), "  webhook_url_file: slack-token\n")
	if hook == string(cfg) {
		t.Fatal("the fixture's slack section changed; fix the test")
	}
	mustWrite(t, f.config, hook, 0o644)
	_, stderr, code = execute(t, "check", "--config", f.config)
	if code != exitOK || !strings.Contains(stderr, "warning: slack: an incoming webhook cannot be asked what it received") {
		t.Errorf("check of a webhook config (exit %d): %s", code, stderr)
	}
}

// TestCheckWarnsWithoutFingerprints: a fingerprints folder that did not
// exist was accepted by check and read as an empty store, so every
// verified critical dropped to high without a word. check says so, and
// the daemon's start log does too.
func TestCheckWarnsWithoutFingerprints(t *testing.T) {
	f := newRunFixture(t)
	_, stderr, code := execute(t, "check", "--config", f.config)
	if code != exitOK || strings.Contains(stderr, "fingerprints") {
		t.Errorf("check with fingerprints imported (exit %d): %s", code, stderr)
	}
	cfg, _ := os.ReadFile(f.config)
	mustWrite(t, f.config, string(cfg)+"fingerprints: elsewhere/fp\n", 0o644)
	_, stderr, code = execute(t, "check", "--config", f.config)
	want := "warning: fingerprints: the folder " + filepath.Join(f.dir, "elsewhere", "fp") + " does not exist: no posted sample can be checked against your customers"
	if code != exitOK || !strings.Contains(stderr, want) {
		t.Errorf("check with no fingerprints folder (exit %d): %s", code, stderr)
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "elsewhere", "fp"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, stderr, _ = execute(t, "check", "--config", f.config)
	if !strings.Contains(stderr, "fp holds none: no posted sample can be checked") {
		t.Errorf("check with an empty fingerprints folder: %s", stderr)
	}
	_, stderr, _ = execute(t, "--log-format", "text", "run", "--once", "--config", f.config)
	if !strings.Contains(stderr, "level=WARN msg=\"fingerprints: ") {
		t.Errorf("run --once without fingerprints logged no warning:\n%s", stderr)
	}
}

// TestControlSocketTrust: check refuses a control socket in a folder
// others can write (another user could bind it first), and an analyst
// command sends nothing to, and does not work around, a socket path that
// is not the daemon's socket.
func TestControlSocketTrust(t *testing.T) {
	f := newRunFixture(t)
	open := filepath.Join(f.dir, "shared")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777)
	cfg, _ := os.ReadFile(f.config)
	mustWrite(t, f.config, string(cfg)+"control_socket: shared/control.sock\n", 0o644)
	_, stderr, code := execute(t, "check", "--config", f.config)
	if code != exitError || !strings.Contains(stderr, "control_socket: control socket folder "+open+": "+open+" is writable by other users (mode 0777)") {
		t.Errorf("check with the socket in a world-writable folder (exit %d): %s", code, stderr)
	}
	os.Chmod(open, 0o700)
	if _, stderr, code = execute(t, "check", "--config", f.config); code != exitOK {
		t.Errorf("check with the socket in a private folder (exit %d): %s", code, stderr)
	}
	// Something that is not a socket at the path: status says so, and does
	// not read the database behind it as if no daemon ran.
	mustWrite(t, filepath.Join(open, "control.sock"), "", 0o600)
	_, stderr, code = execute(t, "status", "--config", f.config)
	if code != exitError || !strings.Contains(stderr, "the control socket is not the daemon's: "+filepath.Join(open, "control.sock")+" is not a socket") {
		t.Errorf("status with a regular file at the socket path (exit %d): %s", code, stderr)
	}
}

// TestQueuedSaysWhat: what waits in the outbox is told by kind, so an
// operator alert after a crawl with no hits does not read as a leak.
func TestQueuedSaysWhat(t *testing.T) {
	for _, c := range []struct {
		sum  daemon.Summary
		want string
	}{
		{daemon.Summary{}, "nothing queued"},
		{daemon.Summary{Pending: 1, PendingOperator: 1}, "1 operator alert queued"},
		{daemon.Summary{Pending: 4, PendingOperator: 1, PendingTest: 1}, "2 leak alerts, 1 operator alert, 1 test message queued"},
		{daemon.Summary{Pending: 3, PendingTest: 3}, "3 test messages queued"},
	} {
		if got := queued(c.sum); got != c.want {
			t.Errorf("queued(%+v) = %q, want %q", c.sum, got, c.want)
		}
	}
}

// TestJSONEverywhere: every command that reports has --json, and lists
// are [] when empty, never null.
func TestJSONEverywhere(t *testing.T) {
	f := newRunFixture(t)
	decode := func(args ...string) map[string]any {
		t.Helper()
		out, stderr, code := execute(t, append(args, "--config", f.config, "--json")...)
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil || (code != exitOK && code != exitError) {
			t.Fatalf("%v --json (exit %d): %v\n%s%s", args, code, err, out, stderr)
		}
		return m
	}
	st := decode("status")
	if st["sources"] == nil || st["problems"] == nil {
		t.Errorf("status --json before any crawl: %v; want [] for sources and problems", st)
	}
	run := decode("run", "--once")
	if run["new_hits"] != 5.0 || run["alerts_sent"] != 2.0 || run["queued"].(map[string]any)["leak"] != 0.0 || len(run["per_source"].([]any)) != 2 {
		t.Errorf("run --once --json: %v", run)
	}
	if src := run["per_source"].([]any)[0].(map[string]any); src["source"] == "" || src["fetched"] == nil {
		t.Errorf("per-source stats have no snake_case names: %v", src)
	}
	if c := decode("check"); c["ok"] != true || len(c["errors"].([]any)) != 0 || c["config"] != f.config || len(c["sources"].([]any)) != 2 {
		t.Errorf("check --json: %v", c)
	}
	if err := os.Chmod(filepath.Join(f.dir, "hmac.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := decode("check"); c["ok"] != false || len(c["errors"].([]any)) != 1 {
		t.Errorf("check --json with a key readable by others: %v", c)
	}
	_ = os.Chmod(filepath.Join(f.dir, "hmac.key"), 0o600)
	if fp := decode("fingerprint", "stats"); fp["values"].(float64) < 1 || len(fp["sources"].([]any)) != 1 {
		t.Errorf("fingerprint stats --json: %v", fp)
	}
	if h := decode("hits", "ack", "1", "--note", "done"); h["id"] != 1.0 || h["ack_note"] != "done" {
		t.Errorf("hits ack --json: %v", h)
	}
	if a := decode("test-alert"); a["kind"] != "test" || a["state"] != "sent" {
		t.Errorf("test-alert --json: %v", a)
	}
	if b := decode("backup", filepath.Join(f.dir, "copy.db")); b["bytes"].(float64) < 4096 {
		t.Errorf("backup --json: %v", b)
	}
}

// TestExitCodesForScripts: scan --exit-code N exits N when the verdict
// reaches --exit-at, 0 below it; status exits 3 while a problem is
// active and 0 when it clears.
func TestExitCodesForScripts(t *testing.T) {
	f := newRunFixture(t)
	sale := filepath.Join(f.dir, "sale.txt")
	mustWrite(t, sale, "[SELLING] Halcyon Wireless customer database, 2M rows, SSN+DL, price 3 BTC, escrow ok\n", 0o600)
	plain := filepath.Join(f.dir, "plain.txt")
	mustWrite(t, plain, "a recipe for bread: flour, water, salt\n", 0o600)
	for _, c := range []struct {
		file, at string
		want     int
	}{
		{sale, "info", 7}, {sale, "high", 7}, {sale, "critical", exitOK}, {plain, "info", exitOK},
	} {
		if _, stderr, code := execute(t, "scan", "--config", f.config, "--exit-code", "7", "--exit-at", c.at, c.file); code != c.want {
			t.Errorf("scan %s --exit-at %s: exit %d, want %d (%s)", filepath.Base(c.file), c.at, code, c.want, stderr)
		}
	}
	if _, _, code := execute(t, "scan", "--config", f.config, "--exit-code", "2", sale); code != exitUsage {
		t.Errorf("--exit-code 2 (the bad-flags code) accepted: exit %d", code)
	}

	// Slack refuses: a problem is active, status exits 3; it clears, 0.
	f.slack.Script(slackserver.Response{Error: "invalid_auth"})
	execute(t, "run", "--config", f.config, "--once")
	if out, _, code := execute(t, "status", "--config", f.config); code != exitPartial || !strings.Contains(out, "problem: slack") {
		t.Errorf("status with Slack refusing: exit %d\n%s", code, out)
	}
	execute(t, "run", "--config", f.config, "--once")
	if out, stderr, code := execute(t, "status", "--config", f.config); code != exitOK {
		t.Errorf("status once Slack takes the alerts: exit %d\n%s%s", code, out, stderr)
	}
}
