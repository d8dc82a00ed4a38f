package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

var keyDelivery = []byte("delivery")

// Delivery returns the alert delivery's state (the zero value before the
// first delivery).
func (db *DB) Delivery() (leak.Delivery, error) {
	var d leak.Delivery
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyDelivery)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("delivery state: %w", err)
		}
		return nil
	})
	return d, err
}

// SetDelivery records the alert delivery's state.
func (db *DB) SetDelivery(d leak.Delivery) error {
	return db.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketMeta), keyDelivery, d)
	})
}
