package fpstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func digest(i int) [16]byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	s := sha256.Sum256(b[:])
	var d [16]byte
	copy(d[:], s[:16])
	return d
}

type hit struct {
	src    uint16
	typ    uint8
	record uint64
}

func lookup(s *Store, d [16]byte) []hit {
	var out []hit
	s.Lookup(d, func(src uint16, typ uint8, rec uint64) { out = append(out, hit{src, typ, rec}) })
	return out
}

func TestImportAndLookup(t *testing.T) {
	dir := t.TempDir()
	im, err := NewImport(dir, "crm", "crm-prod", "/exports/crm.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		if err := im.Add(digest(i), uint8(i%5), uint64(i/5)); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	// A second import: billing holds some of the same values.
	im2, err := NewImport(dir, "billing", "billing-db", "billing.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := 9000; i < 12000; i++ {
		_ = im2.Add(digest(i), 0, uint64(i))
	}
	_ = im2.Add(digest(9000), 0, 9000) // a duplicate row
	if err := im2.Commit(context.Background(), 2); err != nil {
		t.Fatal(err)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 13000 {
		t.Errorf("Len = %d, want 13000 (10000 + 3000, duplicate dropped)", s.Len())
	}
	if got := lookup(s, digest(42)); len(got) != 1 || got[0] != (hit{0, 2, 8}) {
		t.Errorf("lookup(42) = %v", got)
	}
	if got := lookup(s, digest(9500)); len(got) != 2 {
		t.Errorf("lookup(9500) = %v, want one entry per dataset", got)
	}
	if got := lookup(s, digest(11999)); len(got) != 1 || got[0].src != 1 {
		t.Errorf("lookup(11999) = %v", got)
	}
	for i := 20000; i < 120000; i++ {
		if got := lookup(s, digest(i)); len(got) != 0 {
			t.Fatalf("lookup of an absent digest %d = %v", i, got)
		}
	}
	if ds, p := s.Source(1); ds != "billing" || p != "billing-db" {
		t.Errorf("Source(1) = %s, %s", ds, p)
	}
	srcs := s.Sources()
	if len(srcs) != 2 || srcs[0].File != "crm.csv" || srcs[0].Values != 10000 {
		t.Errorf("sources %+v", srcs)
	}
	f, d := s.Memory()
	if f == 0 || d != 13000*entrySize {
		t.Errorf("memory %d filter, %d data", f, d)
	}
	// Every file is private, and only the current generation remains.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o", p, fi.Mode().Perm())
		}
		return nil
	})
	if _, err := os.Stat(genDir(dir, 1)); !os.IsNotExist(err) {
		t.Errorf("old generation left behind: %v", err)
	}
}

func TestAbortedImportChangesNothing(t *testing.T) {
	dir := t.TempDir()
	im, _ := NewImport(dir, "crm", "p", "a.csv")
	_ = im.Add(digest(1), 0, 1)
	if err := im.Commit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	im2, _ := NewImport(dir, "crm", "p", "b.csv")
	_ = im2.Add(digest(2), 0, 2)
	im2.Abort() // as a crash before Commit would leave it
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 1 || len(lookup(s, digest(2))) != 0 || len(lookup(s, digest(1))) != 1 {
		t.Errorf("after an aborted import: len %d", s.Len())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "manifest.json" && e.Name() != "gen-1" && e.Name() != "lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestEmptyStore(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 0 || len(lookup(s, digest(1))) != 0 {
		t.Error("empty store not empty")
	}
}

// BenchmarkLookup measures lookups per second of absent and present
// digests against a store of 2 million values (set LEAKWATCH_BIG=1 for
// 100 million).
func BenchmarkLookup(b *testing.B) {
	n := 2_000_000
	if os.Getenv("LEAKWATCH_BIG") != "" {
		n = 100_000_000
	}
	dir := b.TempDir()
	im, _ := NewImport(dir, "crm", "p", "x.csv")
	for i := range n {
		_ = im.Add(digest(i), 0, uint64(i%MaxRecord))
	}
	if err := im.Commit(context.Background(), 2); err != nil {
		b.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f, _ := s.Memory()
	probes := make([][16]byte, 1<<16)
	for i := range probes {
		probes[i] = digest(n + i) // absent, as almost every candidate is
		if i%100 == 0 {
			probes[i] = digest(i) // present
		}
	}
	found := 0
	count := func(uint16, uint8, uint64) { found++ }
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Lookup(probes[i&(1<<16-1)], count)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlookups/s")
	b.ReportMetric(float64(f)/float64(n), "filter-bytes/value")
}

func TestOneImportAtATime(t *testing.T) {
	dir := t.TempDir()
	a, err := NewImport(dir, "crm", "p", "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewImport(dir, "crm", "p", "b.csv"); err != ErrImportRunning {
		t.Fatalf("second concurrent import: %v, want ErrImportRunning", err)
	}
	_ = a.Add(digest(1), 0, 1)
	if err := a.Commit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	b, err := NewImport(dir, "crm", "p", "b.csv")
	if err != nil {
		t.Fatalf("import after the first finished: %v", err)
	}
	b.Abort()
}

// TestCommitStoppedChangesNothing: a commit whose context ends leaves the
// store as it was, and no work or generation folder behind.
func TestCommitStoppedChangesNothing(t *testing.T) {
	dir := t.TempDir()
	im, err := NewImport(dir, "crm", "crm-prod", "crm.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		_ = im.Add(digest(i), 0, uint64(i))
	}
	if err := im.Commit(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	im, err = NewImport(dir, "billing", "billing-db", "billing.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1000; i < 2000; i++ {
		_ = im.Add(digest(i), 0, uint64(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := im.Commit(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("commit with an ended context: %v", err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 1000 || len(s.Sources()) != 1 {
		t.Errorf("after a stopped commit: %d values, %d sources; want the first import only", s.Len(), len(s.Sources()))
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 3 { // gen-1, lock, manifest.json
		t.Errorf("folder after a stopped commit: %v", names)
	}
}

// TestRootImportKeepsTheOwner: root importing into a store folder the
// daemon's user owns (systemd's DynamicUser, while it runs) leaves every
// new file to that user, so the daemon can read what it is told to load.
func TestRootImportKeepsTheOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the case is root writing into another user's folder")
	}
	const nobody = 65534
	dir := filepath.Join(t.TempDir(), "fp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	im, err := NewImport(dir, "crm", "crm-prod", "crm.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		_ = im.Add(digest(i), 0, uint64(i))
	}
	if err := im.Commit(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(path)
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != nobody {
			t.Errorf("%s is owned by uid %d, want %d", path, uid, nobody)
		}
		n++
		return nil
	})
	if err != nil || n < 3 {
		t.Fatalf("walked %d files: %v", n, err)
	}
	s, err := Open(dir)
	if err != nil || s.Len() != 100 {
		t.Fatalf("open: %v", err)
	}
	s.Close()
}
