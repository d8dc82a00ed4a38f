package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// HitFilter selects hits.
type HitFilter struct {
	Severity leak.Severity // at least this severity (none: all)
	Since    time.Time     // found at or after
	Source   string        // only this source
	Unacked  bool          // only hits not acknowledged
	Limit    int           // at most this many (0: all)
}

func (f HitFilter) match(h leak.Hit) bool {
	return h.Evidence.Severity >= f.Severity && !h.Found.Before(f.Since) &&
		(f.Source == "" || h.Source == f.Source) && (!f.Unacked || h.Acked.IsZero())
}

// Hits returns the hits f selects, newest first.
func (db *DB) Hits(f HitFilter) ([]leak.Hit, error) {
	var out []leak.Hit
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketHits).Cursor()
		for k, v := c.Last(); k != nil && (f.Limit <= 0 || len(out) < f.Limit); k, v = c.Prev() {
			var h leak.Hit
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("hit %x: %w", k, err)
			}
			if !f.Since.IsZero() && h.Found.Before(f.Since) {
				break // IDs grow with time: everything older follows
			}
			if f.match(h) {
				out = append(out, h)
			}
		}
		return nil
	})
	return out, err
}

// Hit returns one hit.
func (db *DB) Hit(id uint64) (leak.Hit, error) {
	var h leak.Hit
	err := db.view(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketHits), u64(id), &h); err != nil {
			return fmt.Errorf("hit %d: %w", id, err)
		}
		return nil
	})
	return h, err
}

// Ack marks a hit handled by who, with an optional note. Acknowledging
// again keeps the first time and replaces the note. Stronger evidence
// found later on the same post is recorded as a new hit without an alert.
func (db *DB) Ack(id uint64, who, note string) (leak.Hit, error) {
	var h leak.Hit
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHits)
		if err := getJSON(b, u64(id), &h); err != nil {
			return fmt.Errorf("hit %d: %w", id, err)
		}
		if h.Acked.IsZero() {
			h.Acked, h.AckedBy = time.Now().UTC(), who
		}
		if note != "" {
			h.AckNote = note
		}
		return putJSON(b, u64(id), h)
	})
	return h, err
}
