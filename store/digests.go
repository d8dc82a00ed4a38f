package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// PutCanaries stores canary digests, keyed by digest; putting the same
// canary twice is harmless.
func (db *DB) PutCanaries(cs []leak.Canary) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCanaries)
		for _, c := range cs {
			if err := putJSON(b, c.Digest[:], c); err != nil {
				return err
			}
		}
		return nil
	})
}

// Canaries returns every stored canary.
func (db *DB) Canaries() ([]leak.Canary, error) {
	var out []leak.Canary
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCanaries).ForEach(func(_, v []byte) error {
			var c leak.Canary
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// PutFingerprints stores fingerprint digests, keyed by digest.
func (db *DB) PutFingerprints(fs []leak.Fingerprint) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFingerprints)
		for _, f := range fs {
			if err := putJSON(b, f.Digest[:], f); err != nil {
				return err
			}
		}
		return nil
	})
}

// Fingerprints returns every stored fingerprint.
func (db *DB) Fingerprints() ([]leak.Fingerprint, error) {
	var out []leak.Fingerprint
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFingerprints).ForEach(func(_, v []byte) error {
			var f leak.Fingerprint
			if err := json.Unmarshal(v, &f); err != nil {
				return err
			}
			out = append(out, f)
			return nil
		})
	})
	return out, err
}
