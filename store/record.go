package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
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
	err := db.view(func(tx *bolt.Tx) error {
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
	First    bool   // the post was never recorded before (an edit of a known post is New, not First)
	HitID    uint64 // the new hit, 0 if none
	AlertID  uint64 // the queued alert, 0 if none
	RepostOf string // "source/key" of the first post with the same text, if another
}

// Entry is one fetched post to record, with what the matchers found.
type Entry struct {
	Post     leak.Post
	Version  string        // the listing's version of the post (Mark.Version)
	Evidence leak.Evidence // empty: no hit
	Alert    bool          // queue an alert for the hit
}

// RecordAll saves fetched posts, their text (sealed), their hits (when the
// evidence is not empty) and a pending alert for each hit (when asked),
// all in ONE transaction: one fsync for the batch, and after a crash
// either the whole batch exists or none of it does (and its posts are
// crawled again, since they were not marked seen).
//
// A post whose content hash matches what was recorded before only has its
// version updated: the same text never makes a second hit. A post whose
// text was first seen under another post is a repost: its hit names the
// original and queues no alert of its own. RecordAll is idempotent.
func (db *DB) RecordAll(es []Entry) ([]Recorded, error) {
	// Compression and encryption are the slow part: done before the write
	// transaction, which is the one thing writers share.
	sealed, err := db.sealAll(es)
	if err != nil {
		return nil, err
	}
	out := make([]Recorded, len(es))
	now := time.Now().UTC()
	err = db.update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSeen, bucketPosts, bucketText} {
			tx.Bucket(name).FillPercent = fillPercent
		}
		for i, e := range es {
			r, err := db.recordOne(tx, e, sealed[i], now)
			if err != nil {
				return fmt.Errorf("record %s/%s: %w", e.Post.Source, e.Post.Key, err)
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sealAll seals the entries' texts, on every core for a large batch.
func (db *DB) sealAll(es []Entry) ([][]byte, error) {
	sealed := make([][]byte, len(es))
	if db.text == nil {
		return sealed, nil
	}
	errs := make([]error, len(es))
	workers := min(runtime.GOMAXPROCS(0), (len(es)+7)/8)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(es); i += workers {
				if p := es[i].Post; p.Text != "" {
					sealed[i], errs[i] = db.text.seal(postKey(p.Source, p.Key), p.Text)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("seal post text: %w", err)
	}
	return sealed, nil
}

func (db *DB) recordOne(tx *bolt.Tx, e Entry, sealed []byte, now time.Time) (Recorded, error) {
	var r Recorded
	p := e.Post
	seen := tx.Bucket(bucketSeen)
	key := postKey(p.Source, p.Key)
	var s seenRecord
	if v := seen.Get(key); v != nil {
		if err := json.Unmarshal(v, &s); err != nil {
			return r, err
		}
	}
	sameContent := s.Hash == p.Hash && !s.First.IsZero()
	if s.First.IsZero() {
		s.First = now
		r.First = true
	}
	s.Version, s.Hash, s.Last = e.Version, p.Hash, now
	if err := putJSON(seen, key, s); err != nil {
		return r, err
	}
	if sameContent {
		return r, nil
	}
	r.New = true
	if err := putJSON(tx.Bucket(bucketPosts), key, p); err != nil {
		return r, err
	}
	text := tx.Bucket(bucketText)
	if sealed != nil {
		if err := text.Put(key, sealed); err != nil {
			return r, err
		}
	} else if err := text.Delete(key); err != nil { // the old text is not this post's any more
		return r, err
	}
	var err error
	if r.RepostOf, err = repostOf(tx, key, p.Hash, true); err != nil {
		return r, err
	}
	if e.Evidence.Empty() {
		return r, nil
	}
	o, err := db.newHit(tx, p, e.Evidence, e.Alert, r.RepostOf, false, now)
	r.HitID, r.AlertID = o.HitID, o.AlertID
	return r, err
}

// newHit decides what evidence on a post adds, and records it:
//   - a post without a hit gets one, alerted when alert is set;
//   - a post with a hit gets a new one only for stronger evidence (more
//     severe, more canaries, more real rows), in the first hit's thread,
//     alerted unless the post's hit was acknowledged;
//   - a repost of an alerted post gets a hit in the original's thread,
//     alerted there (as a reply), never as a new leak;
//   - every hit is a sighting of a case (fileCase): its post's, its
//     original's, the same seller's same claim, or a new one.
func (db *DB) newHit(tx *bolt.Tx, p leak.Post, ev leak.Evidence, alert bool, repost string, rescan bool, now time.Time) (Outcome, error) {
	var o Outcome
	repostText := repost
	key := postKey(p.Source, p.Key)
	hit := leak.Hit{
		Source: p.Source, PostKey: p.Key, PostURL: p.URL, Title: p.Title, Author: p.Author,
		Posted: p.Posted, Found: now, Evidence: ev, RepostOf: repost, Rescan: rescan,
		Truncated: p.Truncated, Flattened: p.Flattened, Links: p.Links, Samples: p.Samples, Victim: p.Victim,
	}
	if !alert {
		o.Quiet = "below alert severity"
	}
	hits := tx.Bucket(bucketHits)
	joined, how := uint64(0), ""
	if v := tx.Bucket(bucketPostHits).Get(key); v != nil {
		var prev leak.Hit
		if err := getJSON(hits, v, &prev); err != nil {
			return o, err
		}
		if !Stronger(ev, prev.Evidence) {
			return Outcome{}, nil
		}
		hit.UpdateOf, hit.Thread = prev.ID, threadOf(prev)
		o.UpdateOf = prev.ID
		joined, how = prev.Case, "update"
		if !prev.Acked.IsZero() && alert {
			alert, o.Quiet = false, "acknowledged"
		}
	} else {
		var orig leak.Hit
		if repost != "" {
			src, k, _ := strings.Cut(repost, "/")
			if v := tx.Bucket(bucketPostHits).Get(postKey(src, k)); v != nil {
				if err := getJSON(hits, v, &orig); err != nil {
					return o, err
				}
			}
		} else if id, err := sameDataset(tx, ev); err != nil {
			return o, err
		} else if id != 0 {
			if err := getJSON(hits, u64(id), &orig); err != nil {
				return o, err
			}
			repost = orig.Source + "/" + orig.PostKey
			hit.RepostOf = repost
		}
		if orig.ID != 0 {
			hit.Thread, hit.Repeats = threadOf(orig), orig.ID
			joined, how = orig.Case, "records"
			if repostText != "" && hit.RepostOf == repostText {
				how = "repost"
			}
		}
	}
	c, tied, err := db.fileCase(tx, &hit, joined, how, now)
	if err != nil {
		return o, err
	}
	if how == "records" && hit.Repeats == 0 {
		repost = "" // long after: a case of its own (fileCase)
	}
	if hit.UpdateOf == 0 && repost != "" && (hit.Thread == 0 || tx.Bucket(bucketHitAlert).Get(u64(hit.Thread)) == nil) {
		if hit.Repeats != 0 && hit.RepostOf != repostText {
			// The same customers under other text, first seen without an
			// alert: this post's evidence decides, as a leak of its own.
			hit.Thread = 0
		} else if alert {
			// The same text, never alerted: a repost does not start a
			// leak of its own.
			alert, o.Quiet = false, "repost"
		}
	}
	if o.HitID, o.AlertID, err = addHit(tx, hit, alert, now); err != nil {
		return o, err
	}
	hit.ID = o.HitID
	if err := addSighting(tx, c, hit, tied, o.AlertID != 0); err != nil {
		return o, err
	}
	return o, indexRecords(tx, hit)
}

// sameDataset returns the first hit of the leak whose dataset ev's sample
// repeats, or 0: most of the keyed record ids of the smaller of the two
// samples (at least two, or one each) in common, whatever the wrapper
// text.
func sameDataset(tx *bolt.Tx, ev leak.Evidence) (uint64, error) {
	if ev.Sample == nil || len(ev.Sample.Records) == 0 {
		return 0, nil
	}
	idx := tx.Bucket(bucketRecords)
	count := map[uint64]int{}
	for _, r := range ev.Sample.Records {
		if v := idx.Get(u64(r)); v != nil {
			count[binary.BigEndian.Uint64(v)]++
		}
	}
	best, bestN := uint64(0), 0
	for id, n := range count {
		if n > bestN || n == bestN && id < best {
			best, bestN = id, n
		}
	}
	if best == 0 {
		return 0, nil
	}
	var root leak.Hit
	if err := getJSON(tx.Bucket(bucketHits), u64(best), &root); err != nil {
		return 0, err
	}
	theirs := 0
	if root.Evidence.Sample != nil {
		theirs = len(root.Evidence.Sample.Records)
	}
	mine := len(ev.Sample.Records)
	if bestN >= 2 && 2*bestN >= min(mine, max(theirs, bestN)) || bestN == 1 && mine == 1 && theirs == 1 {
		return best, nil
	}
	return 0, nil
}

// indexRecords points the record ids of hit's sample that no leak holds
// yet at hit's leak (its thread's first hit).
func indexRecords(tx *bolt.Tx, hit leak.Hit) error {
	if hit.Evidence.Sample == nil {
		return nil
	}
	idx := tx.Bucket(bucketRecords)
	root := u64(threadOf(hit))
	for _, r := range hit.Evidence.Sample.Records {
		k := u64(r)
		if idx.Get(k) == nil {
			if err := idx.Put(k, root); err != nil {
				return err
			}
		}
	}
	return nil
}

// threadOf is the hit whose alert thread h belongs to.
func threadOf(h leak.Hit) uint64 {
	if h.Thread != 0 {
		return h.Thread
	}
	return h.ID
}

// repostOf returns "source/key" of the post first recorded with this
// content hash when that is another post; with claim set, an unclaimed
// hash is claimed by this post.
func repostOf(tx *bolt.Tx, key []byte, hash string, claim bool) (string, error) {
	if hash == "" {
		return "", nil
	}
	content := tx.Bucket(bucketContent)
	first := content.Get([]byte(hash))
	switch {
	case first != nil && string(first) != string(key):
		src, k, _ := strings.Cut(string(first), "\x00")
		return src + "/" + k, nil
	case first == nil && claim:
		return "", content.Put([]byte(hash), key)
	}
	return "", nil
}

// addHit stores a new hit (its ID assigned here), points its post at it,
// and queues an alert for it when alert is set.
func addHit(tx *bolt.Tx, hit leak.Hit, alert bool, now time.Time) (hitID, alertID uint64, err error) {
	hits := tx.Bucket(bucketHits)
	if hit.ID, err = hits.NextSequence(); err != nil {
		return 0, 0, err
	}
	if err := putJSON(hits, u64(hit.ID), hit); err != nil {
		return 0, 0, err
	}
	if err := tx.Bucket(bucketPostHits).Put(postKey(hit.Source, hit.PostKey), u64(hit.ID)); err != nil {
		return 0, 0, err
	}
	if !alert {
		return hit.ID, 0, nil
	}
	a, err := enqueue(tx, leak.Alert{Hit: hit}, now)
	if err != nil {
		return 0, 0, err
	}
	alertID = a.ID
	return hit.ID, alertID, tx.Bucket(bucketHitAlert).Put(u64(hit.ID), u64(alertID))
}

// enqueue adds a pending alert to the outbox and returns it as stored
// (its ID, state, creation time and the database's instance id set).
func enqueue(tx *bolt.Tx, a leak.Alert, now time.Time) (leak.Alert, error) {
	out := tx.Bucket(bucketOutbox)
	id, err := out.NextSequence()
	if err != nil {
		return a, err
	}
	a.ID, a.State, a.Created = id, leak.AlertPending, now
	if v := tx.Bucket(bucketMeta).Get(keyInstance); v != nil {
		a.Instance = string(v)
	}
	return a, putJSON(out, u64(id), a)
}
