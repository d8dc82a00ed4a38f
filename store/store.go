package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this code reads and writes.
const SchemaVersion = 1

var (
	bucketMeta     = []byte("meta")
	bucketSeen     = []byte("seen")
	bucketPosts    = []byte("posts")
	bucketHits     = []byte("hits")
	bucketOutbox   = []byte("outbox")
	bucketCanaries = []byte("canaries")
	bucketSources  = []byte("sources")
	bucketContent  = []byte("content")
	allBuckets     = [][]byte{bucketMeta, bucketSeen, bucketPosts, bucketHits, bucketOutbox, bucketCanaries, bucketSources, bucketContent}
	keySchema      = []byte("schema_version")
)

// ErrLocked is returned by Open when another process holds the database
// (normally the running daemon).
var ErrLocked = errors.New("database is in use by another process (is the watcher daemon running?)")

// ErrNotFound is returned when a record asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// DB is leakwatch's database.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens or creates the database at path with mode 0600, waiting at
// most timeout for another process's lock.
func Open(path string, timeout time.Duration) (*DB, error) {
	if timeout <= 0 {
		timeout = time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keySchema)
		switch {
		case v == nil:
			return meta.Put(keySchema, u64(SchemaVersion))
		case binary.BigEndian.Uint64(v) > SchemaVersion:
			return fmt.Errorf("schema version %d is newer than this binary's %d", binary.BigEndian.Uint64(v), SchemaVersion)
		}
		return nil
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
			var a struct{ State string }
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			switch a.State {
			case "pending":
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
