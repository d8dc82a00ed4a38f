package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

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
	allBuckets     = [][]byte{bucketMeta, bucketSeen, bucketPosts, bucketHits, bucketOutbox, bucketCanaries, bucketSources, bucketContent, bucketText, bucketPostHits, bucketHitAlert, bucketConds, bucketRecords}
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
}

// Options configure Open.
type Options struct {
	// Timeout bounds the wait for another process's lock (default 1s).
	Timeout time.Duration
	// TextKey seals and opens post text (DeriveTextKey). Without it posts
	// are recorded without their text and rescans find nothing to read.
	TextKey []byte
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
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, PageSize: pageSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path, text: text}
	err = b.Update(func(tx *bolt.Tx) error {
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
}

// Counts returns the number of records in each bucket and the outbox
// states.
func (db *DB) Counts() (Counts, error) {
	var c Counts
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c.Posts = tx.Bucket(bucketPosts).Stats().KeyN
		c.Hits = tx.Bucket(bucketHits).Stats().KeyN
		c.Canaries = tx.Bucket(bucketCanaries).Stats().KeyN
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			var a struct {
				State   string
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

// SchemaVersion returns the database's schema version.
func (db *DB) SchemaVersion() uint64 {
	var v uint64
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keySchema); b != nil {
			v = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return v
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
