package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"leakwatch/leak"
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

// Record saves one fetched post as a crawl would: RecordAll with one
// entry.
func Record(db *store.DB, p leak.Post, version string, ev leak.Evidence, alert bool) (store.Recorded, error) {
	rs, err := db.RecordAll([]store.Entry{{Post: p, Version: version, Evidence: ev, Alert: alert}})
	if err != nil {
		return store.Recorded{}, err
	}
	return rs[0], nil
}

// PostText reads one stored post with its text, as a rescan reads it.
func PostText(db *store.DB, source, key string) (store.StoredPost, error) {
	var out *store.StoredPost
	err := db.ScanSealed(context.Background(), store.PostFilter{Source: source}, 256, func(ps []store.SealedPost, _ int) error {
		for i := range ps {
			if ps[i].Key == key && out == nil {
				sp, err := db.OpenText(&ps[i])
				if err != nil {
					return err
				}
				out = &sp
			}
		}
		return nil
	})
	if err != nil {
		return store.StoredPost{}, err
	}
	if out == nil {
		return store.StoredPost{}, fmt.Errorf("post %s/%s: %w", source, key, store.ErrNotFound)
	}
	return *out, nil
}
