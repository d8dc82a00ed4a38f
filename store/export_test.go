package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// What only tests ask of a database.

// PostText returns one stored post with its text.
func (db *DB) PostText(source, key string) (StoredPost, error) {
	if db.text == nil {
		return StoredPost{}, ErrNoTextKey
	}
	var p StoredPost
	var sealed []byte
	k := postKey(source, key)
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPosts).Get(k)
		if v == nil {
			return fmt.Errorf("post %s/%s: %w", source, key, ErrNotFound)
		}
		if s := tx.Bucket(bucketText).Get(k); s != nil {
			sealed = bytes.Clone(s)
		}
		return json.Unmarshal(v, &p.Post)
	})
	if err != nil {
		return p, err
	}
	if sealed == nil {
		p.TextGone = true
		return p, nil
	}
	p.Text, err = db.text.open(k, sealed)
	return p, err
}

// SchemaVersion returns the database's schema version.
func (db *DB) SchemaVersion() uint64 {
	var v uint64
	_ = db.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keySchema); b != nil {
			v = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return v
}
