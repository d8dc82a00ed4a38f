package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// Pending returns up to limit alerts waiting for delivery, oldest first.
// Alerts in the failed state are not returned.
func (db *DB) Pending(limit int) ([]leak.Alert, error) {
	var out []leak.Alert
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			var a leak.Alert
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if a.State == leak.AlertPending {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

// Alert returns one outbox entry.
func (db *DB) Alert(id uint64) (leak.Alert, error) {
	var a leak.Alert
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutbox).Get(u64(id))
		if v == nil {
			return fmt.Errorf("alert %d: %w", id, ErrNotFound)
		}
		return json.Unmarshal(v, &a)
	})
	return a, err
}

// MarkSending records, durably, that a delivery attempt of alert id
// starts: after a crash the alert comes back from Pending with Sending set,
// and the dispatcher asks Slack whether it arrived before sending again.
func (db *DB) MarkSending(id uint64) error {
	return db.updateAlert(id, func(a *leak.Alert) {
		if a.State == leak.AlertPending {
			a.Sending = true
		}
	})
}

// MarkSent records that alert id was delivered to ref. It is idempotent.
func (db *DB) MarkSent(id uint64, ref string) error {
	return db.updateAlert(id, func(a *leak.Alert) {
		if a.State == leak.AlertSent {
			return
		}
		a.State, a.Ref, a.Sent, a.LastError, a.Sending = leak.AlertSent, ref, time.Now().UTC(), "", false
		a.Attempts++
	})
}

// MarkFailed records a failed delivery attempt. A permanent failure moves
// the alert to the failed state, where it stays until an operator acts; a
// transient one leaves it pending.
func (db *DB) MarkFailed(id uint64, reason string, permanent bool) error {
	return db.updateAlert(id, func(a *leak.Alert) {
		if a.State == leak.AlertSent {
			return
		}
		a.Attempts++
		a.LastError, a.Sending = reason, false
		if permanent {
			a.State = leak.AlertFailed
		}
	})
}

func (db *DB) updateAlert(id uint64, f func(*leak.Alert)) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		v := b.Get(u64(id))
		if v == nil {
			return fmt.Errorf("alert %d: %w", id, ErrNotFound)
		}
		var a leak.Alert
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		f(&a)
		return putJSON(b, u64(id), a)
	})
}
