package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"leakwatch/leak"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketMeta     = []byte("meta")
	bucketSeen     = []byte("seen")
	bucketPosts    = []byte("posts")
	bucketHits     = []byte("hits")
	bucketOutbox   = []byte("outbox")
	bucketCanaries = []byte("canaries")
	bucketSources  = []byte("sources")
	bucketContent  = []byte("content")
	bucketText     = []byte("text")
	bucketPostHits = []byte("posthits")
	bucketHitAlert = []byte("hitalerts")
	bucketConds    = []byte("conditions")
	bucketRecords  = []byte("records") // keyed record id (8 bytes) -> the first hit of the leak that held it
	bucketOnions   = []byte("onions")  // onion address -> where and how often posts named it
	bucketCases    = []byte("cases")   // case id -> leak.Case
	bucketSellers  = []byte("sellers") // seller handle or contact point -> the cases and sources it appeared in
	allBuckets     = [][]byte{bucketMeta, bucketSeen, bucketPosts, bucketHits, bucketOutbox, bucketCanaries, bucketSources, bucketContent, bucketText, bucketPostHits, bucketHitAlert, bucketConds, bucketRecords, bucketOnions, bucketCases, bucketSellers}
	keySchema      = []byte("schema_version")
	keyInstance    = []byte("instance")
)

// ErrLocked is returned by Open when another process holds the database
// (normally the running daemon).
var ErrLocked = errors.New("database is in use by another process (is the watcher daemon running?)")

// ErrNotFound is returned when a record asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// DB is leakwatch's database.
type DB struct {
	bolt     *bolt.DB
	path     string
	text     *sealer // nil: post text is neither written nor read
	instance string  // this database's random id (meta "instance")
	window   time.Duration
}

// Options configure Open.
type Options struct {
	// Timeout bounds the wait for another process's lock (default 1s).
	Timeout time.Duration
	// TextKey seals and opens post text (DeriveTextKey). Without it posts
	// are recorded without their text and rescans find nothing to read.
	TextKey []byte
	// CaseWindow is how long after a case was last seen the same
	// customers, or the same seller's same claim, still join it (default
	// DefaultCaseWindow).
	CaseWindow time.Duration
}

// pageSize is the page size of a new database. Sealed post texts are 1-3
// KiB each: with 4 KiB pages most of them take a page (and an overflow
// page) alone; 16 KiB pages, filled (fillPercent), hold several.
const pageSize = 16 << 10

// fillPercent is how full bbolt fills the pages of buckets that grow
// mostly by appending (its default, half, suits random inserts).
const fillPercent = 0.9

// Open opens or creates the database at path with mode 0600, waiting at
// most o.Timeout for another process's lock, and brings its schema up to
// date (in one transaction: all of a migration or none of it).
func Open(path string, o Options) (*DB, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	text, err := newSealer(o.TextKey)
	if err != nil {
		return nil, err
	}
	if err := checkFile(path, timeout); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	var b *bolt.DB
	err = guard(func() error {
		var err error
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, PageSize: pageSize})
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path, text: text, window: o.CaseWindow}
	err = db.update(func(tx *bolt.Tx) error {
		if err := migrate(tx); err != nil {
			return err
		}
		var err error
		db.instance, err = instanceID(tx)
		return err
	})
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// checkFile is Open's check before bbolt maps the file: a database is
// created only where no file exists (in a folder that does), an empty file
// is refused, and an existing one must pass inspect, read under a shared
// lock so that a writer's commit is never read half-done.
func checkFile(path string, timeout time.Duration) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("the folder %s does not exist: create it (install -d -m 0700 %s) or correct the database path; no database is made in a folder that is not there", dir, dir)
		}
		if err := create(path); err != nil {
			return err
		}
		fi, err = os.Stat(path)
	}
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%w: it is not a database, and a new one is only made where no file exists (taking it for new would alert every post again): restore the last backup, or remove the file to start afresh", ErrEmptyFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for deadline := time.Now().Add(timeout); ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("lock: %w", err)
		}
		if time.Now().After(deadline) {
			return ErrLocked
		}
		time.Sleep(50 * time.Millisecond)
	}
	return inspect(path, fi.Size())
}

// create makes a new, empty database at path, which does not exist: built
// in a temporary file and linked into place whole, so that a crash while
// creating leaves no file at path (an empty file there is refused).
func create(path string) error {
	tmp := path + ".creating"
	_ = os.Remove(tmp) // a creation cut short before
	b, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, PageSize: pageSize})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	err = b.Update(migrate)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Link fails if another process created path meanwhile: then its
		// database is the one opened.
		if err = os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
			err = nil
		}
	}
	_ = os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the new name survives a power cut
		d.Close()
	}
	return nil
}

// guard runs f, turning a panic or a memory fault (bbolt reading a damaged
// page of its mapped file) into ErrDamaged: a damaged database is said,
// never crashed on.
func guard(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return f()
}

// view and update are bbolt's View and Update, guarded.
func (db *DB) view(f func(*bolt.Tx) error) error {
	return guard(func() error { return db.bolt.View(f) })
}

func (db *DB) update(f func(*bolt.Tx) error) error {
	return guard(func() error { return db.bolt.Update(f) })
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error { return db.bolt.Close() }

// u64 encodes n big-endian, so that keys sort by number.
func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// postKey is source + 0x00 + key: a source name cannot contain 0x00.
func postKey(source, key string) []byte {
	b := make([]byte, 0, len(source)+1+len(key))
	b = append(b, source...)
	b = append(b, 0)
	return append(b, key...)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// Counts are the database's record counts.
type Counts struct {
	Posts, Hits, Pending, Sent, Failed, Canaries int
	OldestPending                                time.Time // creation of the oldest pending alert
	// PendingOperator and PendingTest are the pending alerts about
	// leakwatch's own health and test messages; the rest are leaks.
	PendingOperator, PendingTest int
}

// Counts returns the number of records in each bucket and the outbox
// states.
func (db *DB) Counts() (Counts, error) {
	var c Counts
	err := db.view(func(tx *bolt.Tx) error {
		c.Posts = tx.Bucket(bucketPosts).Stats().KeyN
		c.Hits = tx.Bucket(bucketHits).Stats().KeyN
		c.Canaries = tx.Bucket(bucketCanaries).Stats().KeyN
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			var a struct {
				State   string
				Kind    leak.AlertKind
				Created time.Time
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			switch a.State {
			case "pending":
				if c.Pending == 0 {
					c.OldestPending = a.Created
				}
				c.Pending++
				switch a.Kind {
				case leak.AlertOperator:
					c.PendingOperator++
				case leak.AlertTest:
					c.PendingTest++
				}
			case "sent":
				c.Sent++
			case "failed":
				c.Failed++
			}
			return nil
		})
	})
	return c, err
}

// Instance is this database's random id, made when it was created: with an
// alert's ID it names the alert uniquely (a restored copy keeps it).
func (db *DB) Instance() string { return db.instance }

func instanceID(tx *bolt.Tx) (string, error) {
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(keyInstance); v != nil {
		return string(v), nil
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b)
	return id, meta.Put(keyInstance, []byte(id))
}
