package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/internal/slackserver"
	"leakwatch/leak"
	"leakwatch/store"
)

// testDaemon runs `watcher run --config FILE` in this process until stop.
type testDaemon struct {
	cancel context.CancelFunc
	done   chan struct{}
	code   int
	stderr bytes.Buffer
	mu     sync.Mutex
}

func startDaemon(t *testing.T, configFile string) *testDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &testDaemon{cancel: cancel, done: make(chan struct{})}
	var out bytes.Buffer
	go func() {
		defer close(d.done)
		g := &globals{stdout: &out, stderr: &lockedWriter{w: &d.stderr, mu: &d.mu}, logFormat: "text"}
		cmd := newRootCmd(g)
		cmd.SetArgs([]string{"run", "--config", configFile})
		d.code = exitCode(cmd.ExecuteContext(ctx))
	}()
	cfg, err := config.Load(configFile)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // until the control socket answers: at most 10 s
		c, err := control.Dial(context.Background(), cfg.SocketPath())
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-d.done:
			t.Fatalf("daemon exited %d before serving: %s", d.code, d.log())
		default:
		}
		if i == 200 {
			t.Fatalf("the control socket never answered: %v\n%s", err, d.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *testDaemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

func (d *testDaemon) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon did not stop within 15 s:\n%s", d.log())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// timing hides what differs between two runs of the same command.
var timing = regexp.MustCompile(`in [0-9.]+[µmn]?s \([0-9]+ MB/s\)|in [0-9.]+[µmn]?s$|daemon: .*\n|\([0-9]+ KiB\)|"took": [0-9]+`)

// TestAnalystCommandsWithAndWithoutDaemon runs every analyst command with
// the daemon stopped (they open the database) and running (they talk to
// it through the control socket): the output is the same.
func TestAnalystCommandsWithAndWithoutDaemon(t *testing.T) {
	f := newRunFixture(t)
	if out, stderr, code := execute(t, "run", "--config", f.config, "--once"); code != exitOK {
		t.Fatalf("run --once exit %d: %s %s", code, out, stderr)
	}
	// A canary planted after the crawl: only a rescan can find it in the
	// posts already stored (the demo's sale thread holds this address).
	commands := [][]string{
		{"status", "--config", f.config},
		{"status", "--config", f.config, "--json"},
		{"hits", "list", "--config", f.config},
		{"hits", "list", "--config", f.config, "--severity", "critical", "--json"},
		{"hits", "list", "--config", f.config, "--source", "quietbin", "--since", "1d"},
		{"hits", "show", "1", "--config", f.config},
		{"hits", "show", "99", "--config", f.config},
		{"rescan", "--config", f.config, "--dry-run"},
		{"rescan", "--config", f.config, "--dry-run", "--json", "--source", "quietbin"},
		{"scan", "--config", f.config, "testdata/scan/sale-with-sample.txt"},
		{"canary", "list", "--config", f.config},
	}
	type result struct {
		out  string
		code int
	}
	run := func() []result {
		var rs []result
		for _, args := range commands {
			out, stderr, code := execute(t, args...)
			rs = append(rs, result{out + stderr, code})
		}
		return rs
	}
	stopped := run()
	for i, r := range stopped {
		want := exitOK
		if strings.Join(commands[i][:2], " ") == "hits show" && commands[i][2] == "99" {
			want = exitNotFound
		}
		if r.code != want {
			t.Errorf("%v (no daemon): exit %d, want %d\n%s", commands[i], r.code, want, r.out)
		}
	}
	if !strings.Contains(stopped[0].out, "daemon: not running") || !strings.Contains(stopped[2].out, "Sale claim: 68M Halcyon") ||
		!strings.Contains(stopped[5].out, "link:     hxxp://") || !strings.Contains(stopped[6].out, "hit 99: not found") {
		t.Errorf("outputs without the daemon:\n%s\n%s\n%s\n%s", stopped[0].out, stopped[2].out, stopped[5].out, stopped[6].out)
	}
	if !strings.Contains(stopped[7].out, "scanned 8 posts") || !strings.Contains(stopped[7].out, "new hits: 0") {
		t.Errorf("rescan dry run over what was just crawled:\n%s", stopped[7].out)
	}

	d := startDaemon(t, f.config)
	running := run()
	for i := range commands {
		a, b := timing.ReplaceAllString(stopped[i].out, ""), timing.ReplaceAllString(running[i].out, "")
		if commands[i][0] == "status" && commands[i][len(commands[i])-1] == "--json" {
			a, b = statusJSON(t, stopped[i].out), statusJSON(t, running[i].out)
		}
		if a != b || stopped[i].code != running[i].code {
			t.Errorf("%v: differs with the daemon running (exit %d vs %d)\n--- stopped:\n%s\n--- running:\n%s", commands[i], stopped[i].code, running[i].code, a, b)
		}
	}
	if !strings.Contains(running[0].out, "daemon: running (pid ") {
		t.Errorf("status with the daemon: %s", running[0].out)
	}

	// Acknowledge through the daemon: the daemon names the user.
	out, _, code := execute(t, "hits", "ack", "1", "--config", f.config, "--note", "sent to IR")
	if code != exitOK || !strings.Contains(out, "hit 1 acknowledged") || !strings.Contains(out, fmt.Sprintf("uid %d", os.Getuid())) {
		t.Errorf("ack through the daemon (exit %d): %s", code, out)
	}
	// A backup through the daemon while it runs.
	bk := filepath.Join(t.TempDir(), "backup.db")
	if out, stderr, code := execute(t, "backup", "--config", f.config, bk); code != exitOK {
		t.Fatalf("backup exit %d: %s %s", code, out, stderr)
	}
	// Without the socket, a command finds the database locked and says so.
	other := filepath.Join(f.dir, "other.yaml")
	cfgText, _ := os.ReadFile(f.config)
	mustWrite(t, other, string(cfgText)+"control_socket: elsewhere.sock\n", 0o644)
	_, stderr, code := execute(t, "hits", "list", "--config", other)
	if code != exitError || !strings.Contains(stderr, "in use") || !strings.Contains(stderr, "elsewhere.sock") {
		t.Errorf("hits list with the daemon's socket elsewhere (exit %d): %s", code, stderr)
	}
	// Compaction refuses while the daemon runs.
	if _, stderr, code := execute(t, "compact", "--config", f.config); code == exitOK || !strings.Contains(stderr, "stop it first") {
		t.Errorf("compact with the daemon running (exit %d): %s", code, stderr)
	}
	d.stop(t)
	if d.code != exitOK {
		t.Errorf("daemon exit %d:\n%s", d.code, d.log())
	}
	if _, err := os.Stat(filepath.Join(f.dir, "control.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("control socket left behind after a clean stop: %v", err)
	}

	tk, _ := store.DeriveTextKey(mustKey(t, f))
	db, err := store.Open(bk, store.Options{TextKey: tk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := db.Hit(1)
	if err != nil || h.AckNote != "sent to IR" {
		t.Errorf("backup taken after the ack: hit 1 %+v, %v", h, err)
	}
	if c, _ := db.Counts(); c.Posts != 8 {
		t.Errorf("backup holds %d posts, want 8", c.Posts)
	}
	// And after the daemon stopped, the same commands open the database.
	out, _, code = execute(t, "hits", "list", "--config", f.config, "--unacked")
	if code != exitOK || strings.Contains(out, "\n1 ") {
		t.Errorf("hits list --unacked still lists hit 1:\n%s", out)
	}
	out, _, code = execute(t, "hits", "ack", "2", "--config", f.config, "--note", "duplicate of 1")
	if code != exitOK || !strings.Contains(out, "hit 2 acknowledged") || !strings.Contains(out, fmt.Sprintf("(uid %d)", os.Getuid())) {
		t.Errorf("ack without the daemon (exit %d): %s", code, out)
	}
	bk2 := filepath.Join(t.TempDir(), "offline.db")
	if out, stderr, code := execute(t, "backup", "--config", f.config, bk2); code != exitOK || !strings.Contains(out, "backup: "+bk2) {
		t.Errorf("backup without the daemon (exit %d): %s %s", code, out, stderr)
	}
	out, stderr, code = execute(t, "compact", "--config", f.config)
	if code != exitOK || !strings.Contains(out, "compact: ") {
		t.Errorf("compact (exit %d): %s %s", code, out, stderr)
	}
	db2, err := store.Open(bk2, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if h, _ := db2.Hit(2); h.AckNote != "duplicate of 1" {
		t.Errorf("offline backup lacks the offline ack: %+v", h)
	}
}

func statusJSON(t *testing.T, s string) string {
	t.Helper()
	var st control.Status
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, s)
	}
	st.Daemon, st.PID, st.Started, st.Bytes = false, 0, time.Time{}, 0
	b, _ := json.Marshal(st)
	return string(b)
}

func mustKey(t *testing.T, f *runFixture) []byte {
	t.Helper()
	k, err := config.ReadKey(filepath.Join(f.dir, "hmac.key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRescanFindsLateCanary: posts crawled before a canary was planted; a
// rescan after `canary import` finds it, records a new critical hit with an
// alert, and a second rescan finds nothing new. With the daemon running,
// the import and the rescan go through it (and its matchers reload).
func TestRescanFindsLateCanary(t *testing.T) {
	for _, withDaemon := range []bool{false, true} {
		t.Run(fmt.Sprintf("daemon=%v", withDaemon), func(t *testing.T) {
			f := newRunFixture(t)
			// Forget the canaries the fixture imported: crawl without them.
			if err := dropCanaries(f.db); err != nil {
				t.Fatal(err)
			}
			if out, stderr, code := execute(t, "run", "--config", f.config, "--once"); code != exitOK && code != exitPartial {
				t.Fatalf("run --once exit %d: %s %s", code, out, stderr)
			}
			before := hitsOf(t, f.db)
			if withDaemon {
				startDaemon(t, f.config)
			}
			if out, stderr, code := execute(t, "canary", "import", "--config", f.config, "../../demo/data/canaries.csv"); code != exitOK {
				t.Fatalf("canary import exit %d: %s %s", code, out, stderr)
			}
			if out, _, code := execute(t, "canary", "list", "--config", f.config); code != exitOK || !strings.Contains(out, "billing-db") {
				t.Errorf("canary list (exit %d): %s", code, out)
			}
			out, stderr, code := execute(t, "rescan", "--config", f.config)
			if code != exitOK || !strings.Contains(out, "scanned 8 posts") {
				t.Fatalf("rescan (exit %d): %s %s", code, out, stderr)
			}
			if !strings.Contains(out, "critical") || strings.Contains(out, "alerts queued: 0") {
				t.Errorf("rescan summary:\n%s", out)
			}
			// The command it suggests reads this config, wherever it is run.
			if abs, _ := filepath.Abs(f.config); !strings.Contains(out, "see them with: watcher hits list --unacked --config "+abs+"\n") {
				t.Errorf("rescan's suggestion lacks --config %s:\n%s", abs, out)
			}
			out2, _, _ := execute(t, "rescan", "--config", f.config)
			if !strings.Contains(out2, "new hits: 0") || !strings.Contains(out2, "alerts queued: 0") {
				t.Errorf("second rescan recorded again:\n%s", out2)
			}
			if withDaemon {
				out, _, _ := execute(t, "hits", "list", "--config", f.config, "--json")
				var hs []leak.Hit
				_ = json.Unmarshal([]byte(out), &hs)
				if len(hs) <= len(before) {
					t.Fatalf("hits through the daemon: %d, before the rescan %d", len(hs), len(before))
				}
				return
			}
			after := hitsOf(t, f.db)
			var found []leak.Hit
			for _, h := range after[len(before):] {
				if len(h.Evidence.Canaries) > 0 {
					found = append(found, h)
				}
			}
			if len(found) == 0 || !found[0].Rescan || found[0].Evidence.Severity != leak.SeverityCritical {
				t.Fatalf("rescan output:\n%s\nnew hits %+v; want a critical canary hit found by the rescan", out, after[len(before):])
			}
		})
	}
}

func hitsOf(t *testing.T, path string) []leak.Hit {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hs, err := db.Hits(store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// oldest first
	for i, j := 0, len(hs)-1; i < j; i, j = i+1, j-1 {
		hs[i], hs[j] = hs[j], hs[i]
	}
	return hs
}

// dropCanaries empties the canaries bucket, as before any was imported.
func dropCanaries(path string) error {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("canaries")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("canaries"))
		return err
	})
}

// TestTestAlert sends a test alert with the daemon stopped and running,
// and shows a refusal clearly.
func TestTestAlert(t *testing.T) {
	f := newRunFixture(t)
	out, stderr, code := execute(t, "test-alert", "--config", f.config)
	if code != exitOK || !strings.Contains(out, "test alert 1 (critical) delivered: #leaks/") {
		t.Fatalf("test-alert (exit %d): %s %s", code, out, stderr)
	}
	startDaemon(t, f.config)
	out, stderr, code = execute(t, "test-alert", "--config", f.config, "--severity", "info")
	if code != exitOK || !strings.Contains(out, "(info) delivered") {
		t.Fatalf("test-alert through the daemon (exit %d): %s %s", code, out, stderr)
	}
	msgs := f.slack.Messages()
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0].Text, "[TEST]") || !strings.Contains(msgs[1].Text, "TEST ALERT (INFO)") {
		t.Errorf("slack got %+v", msgs)
	}
	f.slack.Script(slackserver.Response{Error: "channel_not_found"})
	_, stderr, code = execute(t, "test-alert", "--config", f.config)
	if code != exitError || !strings.Contains(stderr, "queued but was not delivered") || !strings.Contains(stderr, "channel_not_found") {
		t.Errorf("test-alert with Slack refusing (exit %d): %s", code, stderr)
	}
}

func TestHitsShowSaysAPostWasReadInPart(t *testing.T) {
	h := leak.Hit{ID: 3, Source: "forum", PostURL: "http://x.onion/t/1", Evidence: leak.Evidence{Severity: leak.SeverityHigh, Headline: "sale"}}
	var whole, part bytes.Buffer
	if err := printHit(&whole, h, alerts.Commands{}); err != nil {
		t.Fatal(err)
	}
	h.Truncated, h.Flattened = true, true
	if err := printHit(&part, h, alerts.Commands{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(whole.String(), "\nread:") || !strings.Contains(part.String(), "over max_body_bytes") || !strings.Contains(part.String(), "as plain text") {
		t.Errorf("whole:\n%s\nin part:\n%s", whole.String(), part.String())
	}
}

func TestStatusDeliveryLine(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if got := deliveryLine(leak.Delivery{}, now); got != "" {
		t.Errorf("before any send: %q", got)
	}
	d := leak.Delivery{LastAttempt: now.Add(-time.Minute), LastSuccess: now.Add(-time.Hour), Failures: 4, Trouble: "rate limited",
		LastError: "slack rate limit exceeded, retry after 30s", SendingSince: now.Add(-40 * time.Second)}
	got := deliveryLine(d, now)
	for _, want := range []string{"last message sent 2026-12-01 11:00 UTC", "waiting for Slack's answer for 40s", "rate limited: 4 sends failed in a row", "retry after 30s"} {
		if !strings.Contains(got, want) {
			t.Errorf("delivery line lacks %q: %s", want, got)
		}
	}
}

// TestFingerprintImportTellsTheDaemon: the help said a restart was
// needed. A running daemon is told to reload its matchers, and says so;
// with none running, the import says the daemon loads them at its start.
func TestFingerprintImportTellsTheDaemon(t *testing.T) {
	f := newRunFixture(t)
	csv := filepath.Join(f.dir, "extra.csv")
	mustWrite(t, csv, "email\nnew.customer@examplemail.test\n", 0o600)
	out, stderr, code := execute(t, "fingerprint", "import", "--config", f.config, "--dataset", "extra", "--partition", "p", "--columns", "email=email", csv)
	if code != exitOK || !strings.Contains(out, "the daemon is not running: it loads them at its start") {
		t.Errorf("import without a daemon (exit %d): %s %s", code, out, stderr)
	}
	d := startDaemon(t, f.config)
	out, stderr, code = execute(t, "fingerprint", "import", "--config", f.config, "--dataset", "extra", "--partition", "p", "--columns", "email=email", "--replace", csv)
	if code != exitOK || !strings.Contains(out, "the running daemon matches them from now on") {
		t.Errorf("import with the daemon running (exit %d): %s %s", code, out, stderr)
	}
	if !strings.Contains(d.log(), "matchers reloaded") {
		t.Errorf("the daemon did not reload:\n%s", d.log())
	}
}

// TestHitsShowLinks: the seller's links are shown defanged, each saying
// whether it was fetched as a sample or only recorded.
func TestHitsShowLinks(t *testing.T) {
	h := leak.Hit{ID: 4, Source: "forum", PostURL: "http://x.onion/t/1", Evidence: leak.Evidence{Severity: leak.SeverityCritical, Headline: "sale"},
		Links: []string{"http://paste.onion/raw/s1", "https://files.example/full.zip"}, Samples: []string{"http://paste.onion/raw/s1"},
		Victim: &leak.Victim{Name: "Halcyon Wireless", Domain: "halcyonwireless.com", Size: "1.2 TB"}}
	var b bytes.Buffer
	if err := printHit(&b, h, alerts.Commands{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"link:     hxxp://paste[.]onion/raw/s1: linked sample, fetched and matched with the post",
		"link:     hxxps://files[.]example/full.zip: recorded, not fetched (not a sample host)",
		"victim:   Halcyon Wireless (domain halcyonwireless[.]com, data 1.2 TB, published -, countdown -): listed on a data-leak site"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("hits show lacks %q:\n%s", want, b.String())
		}
	}
}

// TestSourcesSuggest: onion addresses posts named are listed with a
// config stanza, most named first; the config's own sources are not.
func TestSourcesSuggest(t *testing.T) {
	f := newRunFixture(t)
	cfg, err := config.Load(f.config)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cfg.Sources[0].URLs[0])
	watched := u.Hostname()
	fresh := "527ws2ioq7vduub6melfs4qaqllgelm4ga7demdj7ebgfzouugpdknad.onion"
	db, err := store.Open(f.db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i, key := range []string{"/t/1", "/t/2"} {
		if err := db.NoteOnions("breachbazaar", key, []string{fresh, watched}, now.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, stderr, code := execute(t, "sources", "suggest", "--config", f.config)
	if code != exitOK || !strings.Contains(out, fresh+"  2      2026-12-02 10:00 UTC") || !strings.Contains(out, `urls: ["http://`+fresh+`/"]`) || strings.Contains(out, watched) {
		t.Errorf("sources suggest (exit %d):\n%s%s", code, out, stderr)
	}
	if out, _, _ := execute(t, "sources", "suggest", "--config", f.config, "--min", "3"); !strings.Contains(out, "no onion addresses") {
		t.Errorf("--min 3:\n%s", out)
	}
	var got []store.Onion
	out, _, _ = execute(t, "sources", "suggest", "--config", f.config, "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || got[0].Mentions != 2 {
		t.Errorf("--json: %v %s", err, out)
	}
}
