package control_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"leakwatch/control"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/store"
)

var secret = bytes.Repeat([]byte{9}, 32)

// world is a database with posts crawled before a canary was planted, and
// a matcher set that knows the canary now.
type world struct {
	db    *store.DB
	local *control.Local
	dir   string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	tk, _ := store.DeriveTextKey(secret)
	db, err := store.Open(filepath.Join(dir, "l.db"), store.Options{Timeout: time.Second, TextKey: tk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, _ := matchers.NewHasher(secret)
	d, _ := h.Value(matchers.TypeEmail, "canary.7731@halcyon-canary.example")
	set, err := matchers.NewSet(matchers.Config{
		Hasher:   h,
		Canaries: []leak.Canary{{ID: "c-1", Partition: "billing-db", Type: "email", Digest: d}},
		Brands:   []string{"halcyon"},
	})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"nothing to see here, weather talk",
		"fresh dump, 2 rows:\nanna smith,canary.7731@halcyon-canary.example,1990-01-01\nbob,bob@example.org,1980-02-02\n",
		"Halcyon is hiring",
	}
	for i, text := range texts {
		p := leak.Post{Source: "forum", Key: fmt.Sprintf("/t/%d", i), URL: fmt.Sprintf("http://x.onion/t/%d", i), Title: fmt.Sprint("thread ", i),
			Text: text, Hash: leak.ContentHash(text), Fetched: time.Now().UTC()}
		if _, err := storetest.Record(db, p, "v", leak.Evidence{}, false); err != nil {
			t.Fatal(err)
		}
	}
	_, _, _ = db.UpdateSource("forum", func(s *store.SourceState) { s.Crawls = 1; s.Posts = 3 })
	return &world{db: db, dir: dir, local: &control.Local{DB: db, Matcher: set, AlertAt: func() leak.Severity { return leak.SeverityHigh }, Daemon: true, Started: time.Now()}}
}

// serve starts the control server on a socket in the world's directory.
func (w *world) serve(t *testing.T) *control.Client {
	t.Helper()
	sock := filepath.Join(w.dir, "control.sock")
	ln, err := control.Listen(sock, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&control.Server{Service: w.local}).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c, err := control.Dial(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestClientSeesWhatLocalSees: every call answers the same through the
// socket as on the open database.
func TestClientSeesWhatLocalSees(t *testing.T) {
	w := newWorld(t)
	c := w.serve(t)
	ctx := context.Background()

	// A dry run through the socket, then the rescan for real, with progress.
	var progress []control.Progress
	dry, err := c.Rescan(ctx, control.RescanRequest{DryRun: true}, func(p control.Progress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if dry.NewHits != 2 || dry.Alerts != 1 || dry.Scanned != 3 || !dry.DryRun {
		t.Errorf("dry run: %+v; want 3 scanned, 2 new hits (canary, brand mention), 1 alert", dry)
	}
	if len(progress) == 0 || progress[len(progress)-1].Examined != 3 || progress[0].Total != 3 {
		t.Errorf("progress: %+v", progress)
	}
	if hs, _ := c.Hits(ctx, store.HitFilter{}); len(hs) != 0 {
		t.Errorf("dry run recorded %d hits", len(hs))
	}
	sum, err := c.Rescan(ctx, control.RescanRequest{}, nil)
	if err != nil || sum.NewHits != 2 || sum.Alerts != 1 || sum.BySev["critical"] != 1 {
		t.Fatalf("rescan: %+v, %v", sum, err)
	}
	again, _ := c.Rescan(ctx, control.RescanRequest{}, nil)
	if again.NewHits != 0 || again.Alerts != 0 {
		t.Errorf("second rescan: %+v; an old hit was recorded again", again)
	}

	for _, f := range []store.HitFilter{{}, {Severity: leak.SeverityCritical}, {Source: "paste"}, {Limit: 1}} {
		remote, err1 := c.Hits(ctx, f)
		local, err2 := w.local.Hits(ctx, f)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(local, remote); diff != "" {
			t.Errorf("Hits(%+v) differ (-local +socket):\n%s", f, diff)
		}
	}
	hs, _ := c.Hits(ctx, store.HitFilter{Severity: leak.SeverityCritical})
	if len(hs) != 1 || len(hs[0].Evidence.Canaries) != 1 || hs[0].Evidence.Canaries[0].Partition != "billing-db" {
		t.Fatalf("critical hits: %+v", hs)
	}
	h1, _ := c.Hit(ctx, hs[0].ID)
	h2, _ := w.local.Hit(ctx, hs[0].ID)
	if diff := cmp.Diff(h2, h1); diff != "" {
		t.Errorf("Hit differs:\n%s", diff)
	}
	if _, err := c.Hit(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Hit(999) through the socket = %v, want ErrNotFound", err)
	}

	acked, err := c.Ack(ctx, hs[0].ID, "mallory", "escalated to IR")
	if err != nil {
		t.Fatal(err)
	}
	if acked.AckNote != "escalated to IR" || strings.Contains(acked.AckedBy, "mallory") ||
		!strings.Contains(acked.AckedBy, fmt.Sprintf("uid %d", os.Getuid())) {
		t.Errorf("ack through the socket: by %q note %q; want the peer's uid, not the client's word", acked.AckedBy, acked.AckNote)
	}

	st1, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := w.local.Status(ctx)
	if diff := cmp.Diff(st2, st1); diff != "" {
		t.Errorf("Status differs:\n%s", diff)
	}
	if !st1.Daemon || st1.PID != os.Getpid() || st1.Outbox.Pending != 1 || st1.Hits != 2 || len(st1.Sources) != 1 {
		t.Errorf("status: %+v", st1)
	}

	var buf bytes.Buffer
	n, err := c.Backup(ctx, &buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tk, _ := store.DeriveTextKey(secret)
	bk, err := store.Open(path, store.Options{TextKey: tk})
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Close()
	if err := bk.Check(); err != nil {
		t.Error(err)
	}
	if h, err := bk.Hit(hs[0].ID); err != nil || h.AckNote != "escalated to IR" {
		t.Errorf("backup lacks the acknowledged hit: %+v, %v", h, err)
	}
}

func TestRescanDatasetAndBusy(t *testing.T) {
	w := newWorld(t)
	c := w.serve(t)
	sum, err := c.Rescan(context.Background(), control.RescanRequest{Dataset: "crm"}, nil)
	if err != nil || sum.NewHits != 0 || sum.Scanned != 3 {
		t.Errorf("rescan for dataset crm: %+v, %v; no evidence came from crm", sum, err)
	}
	// A second rescan while one runs is refused, not queued.
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = w.local.Rescan(context.Background(), control.RescanRequest{DryRun: true}, func(control.Progress) {
			close(started)
			<-release
		})
	}()
	<-started
	_, err = c.Rescan(context.Background(), control.RescanRequest{}, nil)
	close(release)
	if !errors.Is(err, control.ErrBusy) {
		t.Errorf("concurrent rescan = %v, want ErrBusy", err)
	}
}

func TestListenSocket(t *testing.T) {
	w := newWorld(t)
	c := w.serve(t)
	fi, err := os.Stat(c.Path())
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v, %v; want a 0600 socket", fi.Mode(), err)
	}
	if _, err := control.Listen(c.Path(), 0o600); err == nil || !strings.Contains(err.Error(), "another watcher daemon") {
		t.Errorf("second Listen on a live socket = %v", err)
	}
	if _, err := control.Listen(filepath.Join(t.TempDir(), "s"), 0o666); err == nil {
		t.Error("Listen with mode 0666 succeeded")
	}
	// A stale socket file (its daemon died) is replaced.
	stale := filepath.Join(t.TempDir(), "stale.sock")
	ln, err := control.Listen(stale, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := ln.(interface{ SetUnlinkOnClose(bool) }); ok {
		l.SetUnlinkOnClose(false)
	}
	ln.Close()
	if _, err := control.Dial(context.Background(), stale); !errors.Is(err, control.ErrNoDaemon) {
		t.Errorf("Dial of a stale socket = %v, want ErrNoDaemon", err)
	}
	ln, err = control.Listen(stale, 0o600)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	ln.Close()
	if _, err := control.Dial(context.Background(), filepath.Join(t.TempDir(), "none.sock")); !errors.Is(err, control.ErrNoDaemon) {
		t.Errorf("Dial of a missing socket = %v", err)
	}
}

// TestStatusSaysTheWaitingCountNow: the "outbox" problem said the count
// of when it was raised ("3 alerts waiting" with 40 pending); status says
// the count now, and how the last sends went.
func TestStatusSaysTheWaitingCountNow(t *testing.T) {
	w := newWorld(t)
	for i := range 4 {
		if _, err := w.db.Enqueue(leak.Alert{Kind: leak.AlertTest, Hit: leak.Hit{Evidence: leak.Evidence{Severity: leak.SeverityHigh, Headline: fmt.Sprint("t", i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.db.SetCondition("outbox", true, "1 alerts waiting, the oldest since then", false); err != nil {
		t.Fatal(err)
	}
	failed := time.Now().UTC()
	if err := w.db.SetDelivery(leak.Delivery{LastAttempt: failed, Trouble: "rate limited", Failures: 3, LastError: "slack rate limit"}); err != nil {
		t.Fatal(err)
	}
	st, err := w.serve(t).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0].Reason, "4 alerts waiting") {
		t.Errorf("problems %+v; want the outbox saying 4 alerts waiting", st.Problems)
	}
	if st.Delivery.Trouble != "rate limited" || st.Delivery.Failures != 3 {
		t.Errorf("delivery %+v", st.Delivery)
	}
}
