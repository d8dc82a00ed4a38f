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
	err := db.view(func(tx *bolt.Tx) error {
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
	err := db.view(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketOutbox), u64(id), &a); err != nil {
			return fmt.Errorf("alert %d: %w", id, err)
		}
		return nil
	})
	return a, err
}

// AlertForHit returns the alert queued for a hit (the root of its thread,
// for a hit others follow up); found is false when the hit had none.
func (db *DB) AlertForHit(hitID uint64) (a leak.Alert, found bool, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketHitAlert).Get(u64(hitID))
		if v == nil {
			return nil
		}
		found = true
		return getJSON(tx.Bucket(bucketOutbox), v, &a)
	})
	return a, found, err
}

// Enqueue queues an alert that reports no hit (an operator or test
// alert) and returns it with its ID.
func (db *DB) Enqueue(a leak.Alert) (leak.Alert, error) {
	err := db.update(func(tx *bolt.Tx) error {
		var err error
		a, err = enqueue(tx, a, time.Now().UTC())
		return err
	})
	return a, err
}

// MarkSending records, durably, that a delivery attempt of the alerts
// starts: after a crash they come back from Pending with Sending set, and
// the dispatcher asks Slack whether they arrived before sending again.
func (db *DB) MarkSending(ids ...uint64) error {
	return db.updateAlerts(ids, func(a *leak.Alert) {
		if a.State == leak.AlertPending {
			a.Sending = true
		}
	})
}

// MarkSent records that the alerts were delivered, in one message, to ref.
// It is idempotent.
func (db *DB) MarkSent(ref string, ids ...uint64) error { return db.markSent(ref, false, ids) }

// MarkSentShared is MarkSent for a message that carries several alerts (a
// burst summary, a digest, posts of one leak folded together): each is
// marked Shared, so that no update ever edits that message for one of
// them.
func (db *DB) MarkSentShared(ref string, ids ...uint64) error { return db.markSent(ref, true, ids) }

func (db *DB) markSent(ref string, shared bool, ids []uint64) error {
	now := time.Now().UTC()
	return db.updateAlerts(ids, func(a *leak.Alert) {
		if a.State == leak.AlertSent {
			return
		}
		a.State, a.Ref, a.Sent, a.LastError, a.Sending = leak.AlertSent, ref, now, "", false
		a.Shared = shared
		a.Attempts++
	})
}

// MarkFailed records a failed delivery attempt. A permanent failure moves
// the alerts to the failed state, where they stay until an operator acts;
// a transient one leaves them pending.
func (db *DB) MarkFailed(reason string, permanent bool, ids ...uint64) error {
	return db.updateAlerts(ids, func(a *leak.Alert) {
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

// MarkShown records the severity an alert's message shows after an
// update raised it in place.
func (db *DB) MarkShown(id uint64, sev leak.Severity) error {
	return db.updateAlerts([]uint64{id}, func(a *leak.Alert) { a.Shown = max(a.Shown, sev) })
}

func (db *DB) updateAlerts(ids []uint64, f func(*leak.Alert)) error {
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		for _, id := range ids {
			var a leak.Alert
			if err := getJSON(b, u64(id), &a); err != nil {
				return fmt.Errorf("alert %d: %w", id, err)
			}
			f(&a)
			if err := putJSON(b, u64(id), a); err != nil {
				return err
			}
		}
		return nil
	})
}

// Condition is a state of leakwatch itself that an operator should know
// of: a source unhealthy, Tor unreachable, Slack refusing, the outbox
// backing up, the matchers failing to load.
type Condition struct {
	ID     string    `json:"id"` // e.g. "source:breachbazaar", "tor", "slack", "outbox", "matchers"
	Active bool      `json:"active"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
}

// SetCondition records whether a condition holds. A change is recorded
// (when it starts and when it clears) and then, with alert set, an
// operator alert is queued in the same transaction; changed says whether
// this call changed it. While it holds, a new reason replaces the old one
// (status shows it current) without a new alert.
func (db *DB) SetCondition(id string, active bool, reason string, alert bool) (changed bool, err error) {
	// Most calls change nothing (every flush, every crawl): a read
	// transaction says so without a write and its fsync.
	same := false
	err = db.view(func(tx *bolt.Tx) error {
		var c Condition
		if v := tx.Bucket(bucketConds).Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
		}
		same = c.Active == active && (!active || c.Reason == reason)
		return nil
	})
	if err != nil || same {
		return false, err
	}
	err = db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConds)
		var c Condition
		if v := b.Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
		}
		if c.Active == active {
			if active && c.Reason != reason {
				c.Reason = reason
				return putJSON(b, []byte(id), c)
			}
			return nil
		}
		now := time.Now().UTC()
		c = Condition{ID: id, Active: active, Reason: reason, Since: now}
		changed = true
		if err := putJSON(b, []byte(id), c); err != nil {
			return err
		}
		if !alert {
			return nil
		}
		_, err := enqueue(tx, leak.Alert{Kind: leak.AlertOperator, Operator: &leak.OperatorEvent{
			Condition: id, Reason: reason, Cleared: !active, Since: now,
		}}, now)
		return err
	})
	return changed, err
}

// Conditions returns every condition recorded, active or cleared.
func (db *DB) Conditions() ([]Condition, error) { return listAll[Condition](db, bucketConds) }
