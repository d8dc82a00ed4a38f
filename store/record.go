package store

import (
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// Mark identifies a listed post and the version the listing shows of it.
type Mark struct {
	Key     string
	Version string
}

type seenRecord struct {
	Version string    `json:"version"`
	Hash    string    `json:"content_hash"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// Unseen reports, for each mark, whether it is new: never seen, or seen
// with another version (an edited thread). It only reads; Record re-checks
// inside its write transaction.
func (db *DB) Unseen(source string, marks []Mark) ([]bool, error) {
	out := make([]bool, len(marks))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for i, m := range marks {
			v := b.Get(postKey(source, m.Key))
			if v == nil {
				out[i] = true
				continue
			}
			var s seenRecord
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			out[i] = s.Version != m.Version
		}
		return nil
	})
	return out, err
}

// Recorded says what Record did.
type Recorded struct {
	New      bool   // the post's content was new, and was recorded
	HitID    uint64 // the new hit, 0 if none
	AlertID  uint64 // the queued alert, 0 if none
	RepostOf string // "source/key" of the first post with the same text, if another
}

// Record saves a fetched post, its hit (when the evidence is not empty) and
// a pending alert for the hit (when alert is set), all in ONE transaction.
// A post whose content hash matches what was recorded before only has its
// version updated: the same text never makes a second hit. A post whose
// text was first seen under another post is a repost: its hit names the
// original and queues no alert of its own. Record is idempotent.
func (db *DB) Record(p leak.Post, version string, ev leak.Evidence, alert bool) (Recorded, error) {
	var r Recorded
	now := time.Now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		seen := tx.Bucket(bucketSeen)
		key := postKey(p.Source, p.Key)
		var s seenRecord
		if v := seen.Get(key); v != nil {
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
		}
		sameContent := s.Hash == p.Hash && !s.First.IsZero()
		if s.First.IsZero() {
			s.First = now
		}
		s.Version, s.Hash, s.Last = version, p.Hash, now
		if err := putJSON(seen, key, s); err != nil {
			return err
		}
		if sameContent {
			return nil
		}
		r.New = true
		if err := putJSON(tx.Bucket(bucketPosts), key, p); err != nil {
			return err
		}
		content := tx.Bucket(bucketContent)
		hash := []byte(p.Hash)
		if first := content.Get(hash); first != nil && string(first) != string(key) {
			src, k, _ := strings.Cut(string(first), "\x00")
			r.RepostOf = src + "/" + k
		} else if first == nil && p.Hash != "" {
			if err := content.Put(hash, key); err != nil {
				return err
			}
		}
		if ev.Empty() {
			return nil
		}
		hits := tx.Bucket(bucketHits)
		id, err := hits.NextSequence()
		if err != nil {
			return err
		}
		hit := leak.Hit{
			ID: id, Source: p.Source, PostKey: p.Key, PostURL: p.URL, Title: p.Title,
			Author: p.Author, Posted: p.Posted, Found: now, Evidence: ev, RepostOf: r.RepostOf,
		}
		if err := putJSON(hits, u64(id), hit); err != nil {
			return err
		}
		r.HitID = id
		if !alert || r.RepostOf != "" {
			return nil
		}
		out := tx.Bucket(bucketOutbox)
		aid, err := out.NextSequence()
		if err != nil {
			return err
		}
		r.AlertID = aid
		return putJSON(out, u64(aid), leak.Alert{ID: aid, Hit: hit, State: leak.AlertPending, Created: now})
	})
	if err != nil {
		return Recorded{}, err
	}
	return r, nil
}
