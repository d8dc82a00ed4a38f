package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
	"leakwatch/store"
)

// damagedFixture writes a database of n posts with hits and alerts, in
// transactions of batch posts, and returns its path, closed.
func damagedFixture(t *testing.T, n, batch int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d.db")
	tk, _ := store.DeriveTextKey([]byte("0123456789abcdef0123456789abcdef"))
	db, err := store.Open(path, store.Options{Timeout: time.Second, TextKey: tk})
	if err != nil {
		t.Fatal(err)
	}
	var es []store.Entry
	for i := range n {
		text := fmt.Sprintf("selling post %d: %s", i, strings.Repeat("row;", 100))
		p := leak.Post{Source: "forum", Key: fmt.Sprintf("/t/%05d", i), Title: "t", Text: text, Hash: leak.ContentHash(text), Fetched: time.Now()}
		es = append(es, store.Entry{Post: p, Version: "v", Alert: true, Evidence: leak.Evidence{Severity: leak.SeverityHigh, Headline: fmt.Sprint("sale ", i)}})
		if len(es) == batch {
			if _, err := db.RecordAll(es); err != nil {
				t.Fatal(err)
			}
			es = es[:0]
		}
	}
	if _, err := db.RecordAll(es); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// usedBytes is how much of the database file its pages take (bbolt
// grows the file ahead of its pages): damage must fall there to be damage.
func usedBytes(t *testing.T, path string) int64 {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int64
	_ = b.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedDatabaseIsSaidNotCrashedOn: a truncated file made bbolt
// fault (SIGSEGV in status) or panic ("page expected to be: 695, but self
// identifies as 0"); an empty file was taken for a new database. Open
// now says ErrDamaged or ErrEmptyFile and touches nothing; a page
// overwritten in the middle passes the cheap check but Verify (and a read
// that reaches it) says ErrDamaged, never a panic.
func TestDamagedDatabaseIsSaidNotCrashedOn(t *testing.T) {
	good := damagedFixture(t, 3000, 500)
	dir := filepath.Dir(good)
	used := usedBytes(t, good)

	truncated := filepath.Join(dir, "truncated.db")
	copyFile(t, good, truncated)
	if err := os.Truncate(truncated, used*6/10); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(truncated, store.Options{}); !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("open a truncated file: %v", err)
	}
	if after, _ := os.Stat(truncated); after.Size() != used*6/10 {
		t.Errorf("opening the truncated file changed its size to %d", after.Size())
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(empty, store.Options{}); !errors.Is(err, store.ErrEmptyFile) {
		t.Errorf("open a 0-byte file: %v", err)
	}
	if after, _ := os.Stat(empty); after.Size() != 0 {
		t.Errorf("the 0-byte file became a %d-byte database", after.Size())
	}
	if _, err := store.Open(filepath.Join(dir, "no-such-folder", "x.db"), store.Options{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("open in a folder that does not exist: %v", err)
	}

	// Pages in the middle overwritten with random bytes.
	scribbled := filepath.Join(dir, "scribbled.db")
	copyFile(t, good, scribbled)
	f, _ := os.OpenFile(scribbled, os.O_WRONLY, 0)
	junk := make([]byte, 64<<10)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(rnd.Uint32())
	}
	if _, err := f.WriteAt(junk, used/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := store.Verify(scribbled, time.Second); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("verify a scribbled file: %v", err)
	}
	if db, err := store.Open(scribbled, store.Options{}); err == nil {
		// The cheap check passes; reading every hit reaches the junk.
		_, herr := db.Hits(store.HitFilter{})
		_, cerr := db.Counts()
		if herr == nil && cerr == nil {
			t.Log("reads did not reach the scribbled pages")
		} else if !errors.Is(herr, store.ErrDamaged) && !errors.Is(cerr, store.ErrDamaged) {
			t.Errorf("reads of a scribbled file: %v / %v; want ErrDamaged", herr, cerr)
		}
		db.Close()
	} else if !errors.Is(err, store.ErrDamaged) {
		t.Errorf("open a scribbled file: %v", err)
	}
	if err := store.Verify(good, time.Second); err != nil {
		t.Errorf("verify the good file: %v", err)
	}
}

// TestSalvageCopiesWhatCanBeRead: a whole file salvages to the same
// records; a truncated and a scribbled one give a database that opens,
// verifies, and holds what the damage spared.
func TestSalvageCopiesWhatCanBeRead(t *testing.T) {
	good := damagedFixture(t, 3000, 10)
	dir := filepath.Dir(good)
	used := usedBytes(t, good)
	counts := func(path string) store.Counts {
		t.Helper()
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("open the salvaged copy: %v", err)
		}
		defer db.Close()
		c, err := db.Counts()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	whole := filepath.Join(dir, "whole.db")
	rep, err := store.Salvage(good, whole)
	if err != nil || rep.LostPages() != 0 {
		t.Fatalf("salvage of a good file: %+v, %v", rep, err)
	}
	if c := counts(whole); c.Posts != 3000 || c.Hits != 3000 || c.Pending != 3000 {
		t.Errorf("salvaged whole file: %+v", c)
	}

	truncated := filepath.Join(dir, "truncated.db")
	copyFile(t, good, truncated)
	if err := os.Truncate(truncated, used*6/10); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "from-truncated.db")
	rep, err = store.Salvage(truncated, out)
	if err != nil {
		t.Fatalf("salvage of a truncated file: %v", err)
	}
	c := counts(out)
	t.Logf("truncated to 60%%: %s; %d records from the tree, %d from pages outside it, %d pages lost, %d pending alerts marked unsure; %+v",
		rep.Meta, rep.Records(), rep.Orphans, rep.LostPages(), rep.Unsure, c)
	if rep.LostPages() == 0 || c.Posts == 0 || c.Posts > 3000 || rep.Unsure != c.Pending {
		t.Errorf("salvage of a truncated file: %+v; counts %+v", rep, c)
	}
	if _, err := store.Salvage(truncated, out); err == nil {
		t.Error("salvage over an existing file succeeded")
	}

	scribbled := filepath.Join(dir, "scribbled.db")
	copyFile(t, good, scribbled)
	f, _ := os.OpenFile(scribbled, os.O_WRONLY, 0)
	if _, err := f.WriteAt(make([]byte, 256<<10), used/3); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out = filepath.Join(dir, "from-scribbled.db")
	rep, err = store.Salvage(scribbled, out)
	if err != nil {
		t.Fatalf("salvage of a scribbled file: %v", err)
	}
	c = counts(out)
	t.Logf("256 KiB zeroed: %d records from the tree, %d from pages outside it, %d pages lost; %+v", rep.Records(), rep.Orphans, rep.LostPages(), c)
	if rep.LostPages() == 0 || c.Posts == 0 {
		t.Errorf("salvage of a scribbled file: %+v; counts %+v", rep, c)
	}
}
