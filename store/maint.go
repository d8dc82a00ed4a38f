package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"leakwatch/leak"
)

// Backup writes a consistent copy of the whole database to w from one read
// transaction, while writers go on (a hot backup). It returns the bytes
// written. The copy is a bbolt file: open it like the original.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// WriteBackup writes a backup to path (which must not exist) as
// WriteNewFile does, and verifies the copy (Verify) before it takes the
// name: a damaged database never gives a backup that looks good.
func WriteBackup(path string, write func(io.Writer) (int64, error)) (int64, error) {
	return writeNew(path, write, func(tmp string) error {
		if err := Verify(tmp, time.Second); err != nil {
			return fmt.Errorf("the copy does not verify, so the database itself is likely damaged (watcher check --db, watcher salvage): %w", err)
		}
		return nil
	})
}

// Verify checks the database file at path, read-only: Open's checks (meta
// pages, size, root and freelist pages), then bbolt's consistency check
// over every page, guarded against the faults a damaged file causes.
func Verify(path string, timeout time.Duration) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return ErrEmptyFile
	}
	if err := inspect(path, fi.Size()); err != nil {
		return err
	}
	var b *bolt.DB
	err = guard(func() error {
		var err error
		b, err = bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: timeout})
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return ErrLocked
	}
	if err != nil {
		return err
	}
	defer b.Close()
	return guard(func() error { return b.View(checkTx) })
}

// WriteNewFile creates path (which must not exist) with mode 0600 through
// a temporary file in the same directory, synced and renamed into place.
func WriteNewFile(path string, write func(io.Writer) (int64, error)) (int64, error) {
	return writeNew(path, write, nil)
}

func writeNew(path string, write func(io.Writer) (int64, error), verify func(tmp string) error) (int64, error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("%s already exists", path)
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && verify != nil {
		err = verify(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return n, nil
}

// DropText deletes the text of posts fetched before cutoff; their
// metadata, hits and evidence stay. It works in transactions of at most
// 1000 posts, so the daemon's writers are never held up long. It returns
// the number of texts dropped.
func (db *DB) DropText(cutoff time.Time) (int, error) {
	dropped := 0
	var after []byte
	for {
		n, last, err := db.dropTextBatch(after, cutoff, 1000)
		dropped += n
		if err != nil || last == nil {
			return dropped, err
		}
		after = last
	}
}

func (db *DB) dropTextBatch(after []byte, cutoff time.Time, limit int) (int, []byte, error) {
	n := 0
	var last []byte
	err := db.update(func(tx *bolt.Tx) error {
		text, posts := tx.Bucket(bucketText), tx.Bucket(bucketPosts)
		c := text.Cursor()
		k, _ := c.Seek(after)
		if k != nil && after != nil && string(k) == string(after) {
			k, _ = c.Next()
		}
		var old [][]byte
		seen := 0
		for ; k != nil && seen < limit; k, _ = c.Next() {
			seen++
			last = append(last[:0], k...)
			var p leak.Post
			if err := getJSON(posts, k, &p); err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("post %q: %w", k, err)
			}
			if p.Fetched.Before(cutoff) {
				old = append(old, append([]byte(nil), k...))
			}
		}
		if seen < limit {
			last = nil // the end
		}
		for _, k := range old {
			if err := text.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, last, err
}

// Compact rewrites the database at path into a new file without the free
// pages that deletions (retention) left, and replaces it: the space goes
// back to the file system. It needs the database to itself, so it fails
// with ErrLocked while the daemon runs. It returns the sizes before and
// after.
func Compact(path string, timeout time.Duration) (before, after int64, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	if err := Verify(path, timeout); err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return 0, 0, fmt.Errorf("compact %s: %w", path, ErrLocked)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	defer src.Close()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := guard(func() error { return bolt.Compact(dst, src, 64<<20) }); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil { // bbolt syncs every commit
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	// src is still open and locked: nobody writes the old file while it is
	// replaced.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	nfi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	return fi.Size(), nfi.Size(), nil
}

// Check runs bbolt's consistency check over the whole file.
func (db *DB) Check() error { return db.view(checkTx) }

// checkTx is bbolt's consistency check, its findings as ErrDamaged (at
// most 10 named).
func checkTx(tx *bolt.Tx) error {
	var errs []error
	n := 0
	for err := range tx.Check() {
		if n++; n <= 10 {
			errs = append(errs, err)
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d problems: %w", ErrDamaged, n, errors.Join(errs...))
}
