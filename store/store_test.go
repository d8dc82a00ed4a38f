package store_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

func openTemp(t *testing.T) (*store.DB, string) {
	t.Helper()
	return storetest.OpenIn(t, t.TempDir(), store.Options{})
}

func post(key, text string) leak.Post {
	return leak.Post{Source: "forum", Key: key, URL: "http://x.onion" + key, Text: text, Hash: leak.ContentHash(text)}
}

var critical = leak.Evidence{Severity: leak.SeverityCritical, Headline: "h"}

func TestOpenCreatesPrivateFile(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %04o, want 0600", fi.Mode().Perm())
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	_, path := openTemp(t)
	_, err := store.Open(path, store.Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
}

func TestRecordWritesPostHitAndAlertTogether(t *testing.T) {
	db, _ := openTemp(t)
	r, err := storetest.Record(db, post("/t/1", "selling"), "v1", critical, true)
	if err != nil {
		t.Fatal(err)
	}
	if !r.New || r.HitID == 0 || r.AlertID == 0 {
		t.Fatalf("Record = %+v, want new post with hit and alert", r)
	}
	c, _ := db.Counts()
	if c.Posts != 1 || c.Hits != 1 || c.Pending != 1 {
		t.Errorf("counts %+v, want 1 post, 1 hit, 1 pending", c)
	}
	a, err := db.Alert(r.AlertID)
	if err != nil || a.Hit.ID != r.HitID || a.State != leak.AlertPending {
		t.Errorf("alert %+v, %v", a, err)
	}

	// The same content again (a crash after commit, a retry): no new hit.
	r2, err := storetest.Record(db, post("/t/1", "selling"), "v2", critical, true)
	if err != nil || r2.New || r2.HitID != 0 || r2.AlertID != 0 {
		t.Errorf("re-Record of same content = %+v, %v; want nothing new", r2, err)
	}
	// Edited content saying no more: recorded, no new hit.
	r3, err := storetest.Record(db, post("/t/1", "selling, bump"), "v3", critical, true)
	if err != nil || !r3.New || r3.HitID != 0 || r3.AlertID != 0 {
		t.Errorf("Record of an edit with the same evidence = %+v, %v; want no new hit", r3, err)
	}
	// The seller adds a sample with canaries: a new hit in the first one's
	// thread, alerted there.
	stronger := critical
	stronger.Canaries = []leak.CanaryHit{{ID: "c1", Partition: "billing-db"}}
	r3, err = storetest.Record(db, post("/t/1", "selling, sample added"), "v4", stronger, true)
	if err != nil || !r3.New || r3.HitID != r.HitID+1 || r3.AlertID == 0 {
		t.Errorf("Record of an edit with stronger evidence = %+v, %v; want a new hit and alert", r3, err)
	}
	if h, _ := db.Hit(r3.HitID); h.UpdateOf != r.HitID || h.Thread != r.HitID {
		t.Errorf("update hit: update_of %d thread %d, want %d", h.UpdateOf, h.Thread, r.HitID)
	}
	// No evidence: recorded, no hit. Evidence below the alert level: hit, no alert.
	if r4, _ := storetest.Record(db, post("/t/2", "hello"), "v1", leak.Evidence{}, true); !r4.New || r4.HitID != 0 {
		t.Errorf("benign post = %+v", r4)
	}
	if r5, _ := storetest.Record(db, post("/t/3", "halcyon"), "v1", leak.Evidence{Severity: leak.SeverityInfo}, false); r5.HitID == 0 || r5.AlertID != 0 {
		t.Errorf("info post = %+v", r5)
	}
}

func TestUnseen(t *testing.T) {
	db, _ := openTemp(t)
	if _, err := storetest.Record(db, post("/t/1", "a"), "2026-11-01", leak.Evidence{}, false); err != nil {
		t.Fatal(err)
	}
	got, err := db.Unseen("forum", []store.Mark{{Key: "/t/1", Version: "2026-11-01"}, {Key: "/t/1", Version: "2026-11-02"}, {Key: "/t/2"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, true}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Unseen[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	// Another source with the same key is another post.
	if got, _ := db.Unseen("paste", []store.Mark{{Key: "/t/1", Version: "2026-11-01"}}); !got[0] {
		t.Error("a key seen in one source counts as seen in another")
	}
}

func TestOutboxStates(t *testing.T) {
	db, path := openTemp(t)
	var ids []uint64
	for _, k := range []string{"/a", "/b", "/c"} {
		r, err := storetest.Record(db, post(k, k), "v", critical, true)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.AlertID)
	}
	if err := db.MarkSent("C1/1.0", ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed("invalid_auth", true, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed("HTTP 503", false, ids[2]); err != nil {
		t.Fatal(err)
	}
	pending, _ := db.Pending(0)
	if len(pending) != 1 || pending[0].ID != ids[2] || pending[0].Attempts != 1 {
		t.Fatalf("pending %+v; want only the transient failure", pending)
	}
	// Marking sent twice, or failing a sent alert, changes nothing.
	_ = db.MarkSent("other", ids[0])
	_ = db.MarkFailed("late", true, ids[0])
	if a, _ := db.Alert(ids[0]); a.State != leak.AlertSent || a.Ref != "C1/1.0" {
		t.Errorf("sent alert became %+v", a)
	}
	if err := db.MarkSent("", 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkSent(999) = %v, want ErrNotFound", err)
	}
	// State survives a reopen.
	db.Close()
	db2, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	c, _ := db2.Counts()
	if c.Sent != 1 || c.Failed != 1 || c.Pending != 1 {
		t.Errorf("after reopen counts %+v", c)
	}
}

func TestDigestsRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	cs := []leak.Canary{{ID: "c1", Partition: "billing", Type: "email", Digest: [16]byte{1}}}
	if err := db.PutCanaries(cs); err != nil {
		t.Fatal(err)
	}
	if err := db.PutCanaries(cs); err != nil { // idempotent
		t.Fatal(err)
	}
	gotC, _ := db.Canaries()
	if len(gotC) != 1 || gotC[0] != cs[0] {
		t.Errorf("got %+v", gotC)
	}
}

func TestPostTextIsNotStored(t *testing.T) {
	db, path := openTemp(t)
	text := "Dana Whitfield,dana.whitfield@examplemail.test,219-09-9999"
	if _, err := storetest.Record(db, post("/t/1", text), "v", critical, true); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"dana.whitfield", "219-09-9999", "Whitfield"} {
		if bytesContains(raw, v) {
			t.Errorf("database file contains %q from the post text", v)
		}
	}
}

func bytesContains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

func TestRepostIsRecognised(t *testing.T) {
	db, _ := openTemp(t)
	text := "selling acme db, sample below"
	first, err := storetest.Record(db, post("/t/1", text), "v", critical, true)
	if err != nil || first.RepostOf != "" || first.AlertID == 0 {
		t.Fatalf("first = %+v, %v", first, err)
	}
	p := post("/p/9", text)
	p.Source = "paste"
	again, err := storetest.Record(db, p, "v", critical, true)
	if err != nil {
		t.Fatal(err)
	}
	if again.RepostOf != "forum//t/1" || again.HitID == 0 || again.AlertID == 0 {
		t.Errorf("repost = %+v; want a hit naming forum//t/1, alerted in its thread", again)
	}
	hits, _ := db.Hits(store.HitFilter{})
	if len(hits) != 2 || hits[0].RepostOf != "forum//t/1" || hits[0].Thread != first.HitID {
		t.Errorf("hits %+v", hits)
	}
	// A repost of a post that was never alerted stays quiet.
	quiet, _ := storetest.Record(db, post("/t/5", "just chatter"), "v", leak.Evidence{Severity: leak.SeverityInfo, Headline: "m"}, false)
	p = post("/p/10", "just chatter")
	p.Source = "paste"
	if r, _ := storetest.Record(db, p, "v", leak.Evidence{Severity: leak.SeverityInfo, Headline: "m"}, true); r.HitID == 0 || r.AlertID != 0 || quiet.AlertID != 0 {
		t.Errorf("repost of an unalerted post = %+v", r)
	}
}

func TestUpdateSource(t *testing.T) {
	db, _ := openTemp(t)
	before, after, err := db.UpdateSource("forum", func(s *store.SourceState) { s.Crawls++; s.Healthy = false; s.Reason = "login wall" })
	if err != nil || !before.Healthy || after.Healthy || after.Crawls != 1 {
		t.Fatalf("first update: %+v -> %+v, %v", before, after, err)
	}
	before, _, _ = db.UpdateSource("forum", func(s *store.SourceState) { s.Crawls++ })
	if before.Reason != "login wall" || before.Crawls != 1 {
		t.Errorf("state not kept: %+v", before)
	}
	all, _ := db.Sources()
	if len(all) != 1 || all[0].Crawls != 2 {
		t.Errorf("Sources = %+v", all)
	}
}

// TestDatasetRepost: the same customers under other wrapper text on
// another site are the same leak (its first alert's thread, the hit
// naming the one it repeats); a few customers in common are not; a first
// sighting that was never alerted does not silence a stronger one.
func TestDatasetRepost(t *testing.T) {
	db, _ := openTemp(t)
	withRecords := func(sev leak.Severity, ids ...uint64) leak.Evidence {
		return leak.Evidence{Severity: sev, Headline: "h", Sample: &leak.Sample{Rows: len(ids), RealRows: len(ids), Records: ids}}
	}
	first, err := storetest.Record(db, post("/t/1", "selling acme db, sample in csv"), "v", withRecords(leak.SeverityCritical, 11, 12, 13, 14, 15, 16), true)
	if err != nil || first.AlertID == 0 {
		t.Fatalf("first = %+v, %v", first, err)
	}
	p := post("/p/2", "reupload, the sample as a table")
	p.Source = "paste"
	again, err := storetest.Record(db, p, "v", withRecords(leak.SeverityCritical, 12, 13, 14, 15, 99), true)
	if err != nil || again.HitID == 0 || again.AlertID == 0 {
		t.Fatalf("again = %+v, %v", again, err)
	}
	h, _ := db.Hit(again.HitID)
	if h.Thread != first.HitID || h.Repeats != first.HitID || h.RepostOf != "forum//t/1" {
		t.Errorf("the repost's hit: thread %d, repeats %d, repost_of %q; want all naming hit %d", h.Thread, h.Repeats, h.RepostOf, first.HitID)
	}
	// One customer in common out of ten is another dataset.
	other, _ := storetest.Record(db, post("/t/3", "another dump"), "v", withRecords(leak.SeverityCritical, 16, 31, 32, 33, 34, 35, 36, 37, 38, 39), true)
	if h, _ := db.Hit(other.HitID); h.Thread != 0 || h.Repeats != 0 {
		t.Errorf("one shared customer made a repost: %+v", h)
	}
	// A record first seen in a hit below the alert severity, then in a
	// critical dump: the dump alerts as a leak of its own.
	quiet, _ := storetest.Record(db, post("/t/4", "two customers mentioned"), "v", withRecords(leak.SeverityInfo, 71, 72), false)
	dump, _ := storetest.Record(db, post("/t/5", "the dump"), "v", withRecords(leak.SeverityCritical, 71, 72, 73), true)
	if h, _ := db.Hit(dump.HitID); dump.AlertID == 0 || h.Thread != 0 || h.Repeats != quiet.HitID {
		t.Errorf("dump after an unalerted sighting: %+v, hit %+v; want its own alert, repeats %d", dump, h, quiet.HitID)
	}
}

// TestHitSaysItsPostWasReadInPart: a post cut at max_body_bytes or read
// flat gives a hit that says so, for the alert and `hits show`.
func TestHitSaysItsPostWasReadInPart(t *testing.T) {
	db, _ := openTemp(t)
	p := post("/t/9", "selling, the rest cut")
	p.Truncated = true
	r, err := storetest.Record(db, p, "v1", critical, true)
	if err != nil || r.HitID == 0 {
		t.Fatalf("Record = %+v, %v", r, err)
	}
	if h, _ := db.Hit(r.HitID); !h.Truncated || h.Flattened {
		t.Errorf("hit truncated %v flattened %v; want the post's marks", h.Truncated, h.Flattened)
	}
	if a, _ := db.Alert(r.AlertID); !a.Hit.Truncated {
		t.Error("the alert's hit lost the truncated mark")
	}
}
