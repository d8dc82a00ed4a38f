package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

func TestRecordFindings(t *testing.T) {
	db := openKeyed(t, filepath.Join(t.TempDir(), "l.db"), textKey(t, 1))
	defer db.Close()
	high := leak.Evidence{Severity: leak.SeverityHigh, Headline: "sale claim"}
	withCanary := leak.Evidence{Severity: leak.SeverityCritical, Headline: "canary", Canaries: []leak.CanaryHit{{ID: "c1", Partition: "billing"}}}
	// /t/1 had a high hit; /t/2 nothing; /t/3 a repost of /t/2's text.
	r1, _ := storetest.Record(db, post("/t/1", "one"), "v", high, true)
	_, _ = storetest.Record(db, post("/t/2", "same"), "v", leak.Evidence{}, false)
	p3 := post("/t/3", "same")
	_, _ = storetest.Record(db, p3, "v", leak.Evidence{}, false)
	before, _ := db.Counts()

	findings := []store.Finding{
		{Post: post("/t/1", "one"), Evidence: high, Alert: true},       // the same: nothing
		{Post: post("/t/1", "one"), Evidence: withCanary, Alert: true}, // stronger: an update
		{Post: post("/t/2", "same"), Evidence: withCanary, Alert: true},
		{Post: p3, Evidence: withCanary, Alert: true},                     // a repost: no alert
		{Post: post("/t/4", "x"), Evidence: leak.Evidence{}, Alert: true}, // nothing found
	}
	dry, err := db.RecordFindings(findings, true)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := db.Counts(); after != before {
		t.Errorf("dry run changed counts: %+v -> %+v", before, after)
	}
	out, err := db.RecordFindings(findings, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if (dry[i].HitID == 0) != (out[i].HitID == 0) || (dry[i].AlertID == 0) != (out[i].AlertID == 0) {
			t.Errorf("finding %d: dry run said %+v, the run did %+v", i, dry[i], out[i])
		}
	}
	if out[0].HitID != 0 {
		t.Errorf("same evidence again made hit %d", out[0].HitID)
	}
	if out[1].HitID == 0 || out[1].UpdateOf != r1.HitID || out[1].AlertID == 0 {
		t.Errorf("stronger evidence: %+v, want a new hit updating %d with an alert", out[1], r1.HitID)
	}
	if out[2].HitID == 0 || out[2].AlertID == 0 || out[2].UpdateOf != 0 {
		t.Errorf("first evidence on /t/2: %+v", out[2])
	}
	if out[3].HitID == 0 || out[3].AlertID == 0 {
		t.Errorf("repost of /t/2: %+v, want a hit alerted in /t/2's thread", out[3])
	}
	if h, _ := db.Hit(out[3].HitID); h.Thread != out[2].HitID || h.RepostOf != "forum//t/2" {
		t.Errorf("repost hit: thread %d repost_of %q", h.Thread, h.RepostOf)
	}
	if out[4] != (store.Outcome{}) {
		t.Errorf("empty evidence: %+v", out[4])
	}
	// Rescanning again finds nothing new: no hit is alerted twice.
	again, _ := db.RecordFindings(findings, false)
	for i, o := range again {
		if o.HitID != 0 {
			t.Errorf("second rescan, finding %d made hit %d", i, o.HitID)
		}
	}
	h, _ := db.Hit(out[1].HitID)
	if !h.Rescan || h.UpdateOf != r1.HitID || len(h.Evidence.Canaries) != 1 {
		t.Errorf("update hit %+v", h)
	}
}

func TestAckSilencesUpdates(t *testing.T) {
	db := openKeyed(t, filepath.Join(t.TempDir(), "l.db"), textKey(t, 1))
	defer db.Close()
	r, _ := storetest.Record(db, post("/t/1", "one"), "v", leak.Evidence{Severity: leak.SeverityInfo, Headline: "mention"}, true)
	h, err := db.Ack(r.HitID, "alice", "known old dump")
	if err != nil || h.Acked.IsZero() || h.AckedBy != "alice" || h.AckNote != "known old dump" {
		t.Fatalf("Ack = %+v, %v", h, err)
	}
	first := h.Acked
	h, _ = db.Ack(r.HitID, "bob", "")
	if !h.Acked.Equal(first) || h.AckedBy != "alice" || h.AckNote != "known old dump" {
		t.Errorf("second ack changed the first: %+v", h)
	}
	out, _ := db.RecordFindings([]store.Finding{{Post: post("/t/1", "one"), Evidence: critical, Alert: true}}, false)
	if out[0].HitID == 0 || out[0].AlertID != 0 || out[0].Quiet != "acknowledged" {
		t.Errorf("stronger evidence on an acknowledged post: %+v, want a hit, no alert", out[0])
	}
	if _, err := db.Ack(999, "x", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Ack of a missing hit = %v", err)
	}
}

func TestHitsFilter(t *testing.T) {
	db := openKeyed(t, filepath.Join(t.TempDir(), "l.db"), textKey(t, 1))
	defer db.Close()
	sev := []leak.Severity{leak.SeverityInfo, leak.SeverityHigh, leak.SeverityCritical}
	for i := range 9 {
		p := post(fmt.Sprintf("/t/%d", i), fmt.Sprint(i))
		if i%3 == 0 {
			p.Source = "paste"
		}
		if _, err := storetest.Record(db, p, "v", leak.Evidence{Severity: sev[i%3], Headline: "h"}, false); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := db.Hits(store.HitFilter{})
	if len(all) != 9 || all[0].ID != 9 || all[8].ID != 1 {
		t.Fatalf("all hits: %d, first %d; want 9 newest first", len(all), all[0].ID)
	}
	if hs, _ := db.Hits(store.HitFilter{Severity: leak.SeverityHigh}); len(hs) != 6 {
		t.Errorf("high and above: %d, want 6", len(hs))
	}
	if hs, _ := db.Hits(store.HitFilter{Source: "paste"}); len(hs) != 3 || hs[0].Source != "paste" {
		t.Errorf("paste: %d", len(hs))
	}
	if hs, _ := db.Hits(store.HitFilter{Limit: 2}); len(hs) != 2 || hs[1].ID != 8 {
		t.Errorf("limit 2: %+v", hs)
	}
	if hs, _ := db.Hits(store.HitFilter{Since: time.Now().Add(time.Hour)}); len(hs) != 0 {
		t.Errorf("since the future: %d", len(hs))
	}
	_, _ = db.Ack(5, "a", "")
	if hs, _ := db.Hits(store.HitFilter{Unacked: true}); len(hs) != 8 {
		t.Errorf("unacked: %d, want 8", len(hs))
	}
}

// TestHotBackup takes backups while a writer records posts as fast as it
// can: every backup is a valid database that passes bbolt's consistency
// check and holds every post committed before it began.
func TestHotBackup(t *testing.T) {
	dir := t.TempDir()
	db := openKeyed(t, filepath.Join(dir, "l.db"), textKey(t, 1))
	defer db.Close()
	var committed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := storetest.Record(db, post(fmt.Sprintf("/w/%05d", i), fmt.Sprint("text ", i)), "v", critical, true); err != nil {
				t.Error(err)
				return
			}
			committed.Store(int64(i + 1))
		}
	}()
	for b := range 3 {
		for committed.Load() < int64(50*(b+1)) {
			time.Sleep(time.Millisecond)
		}
		floor := committed.Load()
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", b))
		n, err := store.WriteNewFile(path, db.Backup)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		if fi.Size() != n || fi.Mode().Perm() != 0o600 {
			t.Errorf("backup %d: size %d (wrote %d), mode %04o", b, fi.Size(), n, fi.Mode().Perm())
		}
		bk := openKeyed(t, path, textKey(t, 1))
		c, _ := bk.Counts()
		if int64(c.Posts) < floor || c.Hits != c.Posts || c.Pending != c.Posts {
			t.Errorf("backup %d: %+v, want at least %d posts each with hit and alert", b, c, floor)
		}
		if err := bk.Check(); err != nil {
			t.Errorf("backup %d: %v", b, err)
		}
		if p, err := bk.PostText("forum", "/w/00010"); err != nil || p.Text != "text 10" {
			t.Errorf("backup %d: post text %q, %v", b, p.Text, err)
		}
		bk.Close()
	}
	close(stop)
	wg.Wait()
	if _, err := store.WriteNewFile(filepath.Join(dir, "backup-0.db"), db.Backup); err == nil {
		t.Error("backup over an existing file succeeded")
	}
}

func TestRetentionAndCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	db := openKeyed(t, path, textKey(t, 1))
	rnd := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 50_000) // text zstd cannot shrink much
	for i := range raw {
		raw[i] = 'a' + byte(rnd.IntN(26))
	}
	big := string(raw)
	old := time.Now().Add(-100 * 24 * time.Hour)
	for i := range 30 {
		p := post(fmt.Sprintf("/t/%02d", i), big+fmt.Sprint(i))
		p.Fetched = time.Now()
		if i < 20 {
			p.Fetched = old
		}
		ev := leak.Evidence{}
		if i == 3 {
			ev = critical
		}
		if _, err := storetest.Record(db, p, "v", ev, true); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.DropText(time.Now().Add(-90 * 24 * time.Hour))
	if err != nil || n != 20 {
		t.Fatalf("DropText = %d, %v; want 20", n, err)
	}
	if p, err := db.PostText("forum", "/t/03"); err != nil || !p.TextGone || p.Title != "" && p.Key != "/t/03" {
		t.Errorf("old post: %+v, %v; want metadata without text", p.Post.Key, err)
	}
	if p, _ := db.PostText("forum", "/t/25"); p.TextGone || p.Text != big+"25" {
		t.Errorf("recent post lost its text")
	}
	if hs, _ := db.Hits(store.HitFilter{}); len(hs) != 1 {
		t.Errorf("hits after retention: %d, want 1", len(hs))
	}
	if _, _, err := store.Compact(path, 50*time.Millisecond); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Compact while open = %v, want ErrLocked", err)
	}
	db.Close()
	before, after, err := store.Compact(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("compaction: %d -> %d bytes", before, after)
	}
	t.Logf("compaction: %d -> %d bytes", before, after)
	db = openKeyed(t, path, textKey(t, 1))
	defer db.Close()
	if c, _ := db.Counts(); c.Posts != 30 || c.Hits != 1 {
		t.Errorf("after compaction: %+v", c)
	}
	if p, _ := db.PostText("forum", "/t/25"); p.Text != big+"25" {
		t.Error("compaction lost text")
	}
}
