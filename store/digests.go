package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// PutCanaries stores canary digests, keyed by digest; putting the same
// canary twice is harmless.
func (db *DB) PutCanaries(cs []leak.Canary) error {
	return putAll(db, bucketCanaries, cs, func(c leak.Canary) []byte { return c.Digest[:] })
}

// Canaries returns every stored canary.
func (db *DB) Canaries() ([]leak.Canary, error) { return listAll[leak.Canary](db, bucketCanaries) }

// putAll writes items as JSON under key(item), in one transaction.
func putAll[T any](db *DB, bucket []byte, items []T, key func(T) []byte) error {
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, it := range items {
			if err := putJSON(b, key(it), it); err != nil {
				return err
			}
		}
		return nil
	})
}

// listAll decodes every value of a bucket, in key order.
func listAll[T any](db *DB, bucket []byte) ([]T, error) {
	var out []T
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, v []byte) error {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	})
	return out, err
}
