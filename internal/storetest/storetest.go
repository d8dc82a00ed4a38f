package storetest

import (
	"path/filepath"
	"testing"
	"time"

	"leakwatch/store"
)

// Open opens a new database in a folder of its own for the test, closed
// when the test ends. A zero Timeout is one second.
func Open(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	db, _ := OpenIn(t, t.TempDir(), o)
	return db
}

// OpenIn opens (or makes) the database t.db in dir, closed when the test
// ends, and returns it with its path.
func OpenIn(t testing.TB, dir string, o store.Options) (*store.DB, string) {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	path := filepath.Join(dir, "t.db")
	db, err := store.Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}
