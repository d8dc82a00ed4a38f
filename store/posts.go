package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// PostFilter selects stored posts.
type PostFilter struct {
	Source string    // only this source's posts ("" for all)
	Since  time.Time // only posts fetched at or after this time (zero for all)
}

// StoredPost is a post read back with its text. TextGone says its text
// was dropped by retention (or never kept): metadata only.
type StoredPost struct {
	leak.Post
	TextGone bool
}

// ScanPosts calls fn with the posts f selects, in key order, batch posts
// at a time, and the number of posts examined for them (those the Since
// filter skipped included: a progress count). Each batch is read in its own short read transaction (a
// long-lived one would stop bbolt from growing the file while the daemon
// writes), and fn runs outside any transaction. Text is opened with the
// database's text key; without one, ScanPosts fails with ErrNoTextKey.
func (db *DB) ScanPosts(ctx context.Context, f PostFilter, batch int, fn func(ps []StoredPost, examined int) error) error {
	if db.text == nil {
		return ErrNoTextKey
	}
	if batch <= 0 {
		batch = 256
	}
	var prefix []byte
	if f.Source != "" {
		prefix = postKey(f.Source, "")
	}
	after := prefix // resume point: the last key read, or the prefix
	first := true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		type raw struct {
			key, meta, sealed []byte
		}
		var rows []raw
		err := db.bolt.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketPosts).Cursor()
			k, v := c.Seek(after)
			if !first && k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			text := tx.Bucket(bucketText)
			for ; k != nil && len(rows) < batch; k, v = c.Next() {
				if prefix != nil && !bytes.HasPrefix(k, prefix) {
					break
				}
				r := raw{key: bytes.Clone(k), meta: bytes.Clone(v)}
				if s := text.Get(k); s != nil {
					r.sealed = bytes.Clone(s)
				}
				rows = append(rows, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		first = false
		after = rows[len(rows)-1].key
		posts := make([]StoredPost, 0, len(rows))
		for _, r := range rows {
			var p StoredPost
			if err := json.Unmarshal(r.meta, &p.Post); err != nil {
				return fmt.Errorf("post %q: %w", r.key, err)
			}
			if !f.Since.IsZero() && p.Fetched.Before(f.Since) {
				continue
			}
			if r.sealed == nil {
				p.TextGone = true
			} else if p.Text, err = db.text.open(r.key, r.sealed); err != nil {
				return fmt.Errorf("post %s/%s: %w", p.Source, p.Key, err)
			}
			posts = append(posts, p)
		}
		if err := fn(posts, len(rows)); err != nil {
			return err
		}
		if len(rows) < batch {
			return nil
		}
	}
}

// PostText returns one stored post with its text.
func (db *DB) PostText(source, key string) (StoredPost, error) {
	if db.text == nil {
		return StoredPost{}, ErrNoTextKey
	}
	var p StoredPost
	var sealed []byte
	k := postKey(source, key)
	err := db.bolt.View(func(tx *bolt.Tx) error {
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

// Finding is new evidence about a stored post, from a rescan.
type Finding struct {
	Post     leak.Post
	Evidence leak.Evidence
	Alert    bool // queue an alert if the evidence makes a new hit
}

// Outcome says what RecordFindings did with one finding.
type Outcome struct {
	HitID    uint64 // the new hit, 0 when the evidence added nothing
	AlertID  uint64 // its alert, 0 if none
	UpdateOf uint64 // the earlier hit on the post it supersedes
	Quiet    string // why no alert was queued for a new hit, if not
}

var errDryRun = errors.New("dry run")

// RecordFindings records a rescan's findings in one transaction. Evidence
// on a post that has no hit makes a new hit; on a post that has one, only
// stronger evidence (higher severity, more canaries, more real rows) makes
// a new hit that supersedes it, and an old hit is never alerted again. A
// hit on an acknowledged post is recorded but not alerted. With dryRun the
// transaction is rolled back: the outcomes say what would have happened.
func (db *DB) RecordFindings(fs []Finding, dryRun bool) ([]Outcome, error) {
	out := make([]Outcome, len(fs))
	now := time.Now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for i, f := range fs {
			o, err := recordFinding(tx, f, now)
			if err != nil {
				return fmt.Errorf("record %s/%s: %w", f.Post.Source, f.Post.Key, err)
			}
			out[i] = o
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return out, nil
}

func recordFinding(tx *bolt.Tx, f Finding, now time.Time) (Outcome, error) {
	var o Outcome
	if f.Evidence.Empty() {
		return o, nil
	}
	p := f.Post
	key := postKey(p.Source, p.Key)
	alert := f.Alert
	if v := tx.Bucket(bucketPostHits).Get(key); v != nil {
		var prev leak.Hit
		if err := getJSON(tx.Bucket(bucketHits), v, &prev); err != nil {
			return o, err
		}
		if !Stronger(f.Evidence, prev.Evidence) {
			return o, nil
		}
		o.UpdateOf = prev.ID
		if !prev.Acked.IsZero() {
			alert, o.Quiet = false, "acknowledged"
		}
	}
	repost, err := repostOf(tx, key, p.Hash, false)
	if err != nil {
		return o, err
	}
	if repost != "" && alert {
		alert, o.Quiet = false, "repost"
	}
	if !f.Alert && o.Quiet == "" {
		o.Quiet = "below alert severity"
	}
	hit := leak.Hit{
		Source: p.Source, PostKey: p.Key, PostURL: p.URL, Title: p.Title, Author: p.Author,
		Posted: p.Posted, Found: now, Evidence: f.Evidence, RepostOf: repost, UpdateOf: o.UpdateOf, Rescan: true,
	}
	o.HitID, o.AlertID, err = addHit(tx, hit, alert, now)
	return o, err
}

// Stronger reports whether evidence a says more than b: a higher severity,
// more canaries, or more real sample rows.
func Stronger(a, b leak.Evidence) bool {
	realRows := func(e leak.Evidence) int {
		if e.Sample == nil {
			return 0
		}
		return e.Sample.RealRows
	}
	return a.Severity > b.Severity || len(a.Canaries) > len(b.Canaries) || realRows(a) > realRows(b)
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

// CountPosts counts the stored posts of one source ("" for all) from their
// keys alone: the total a rescan's progress bar counts towards.
func (db *DB) CountPosts(source string) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPosts)
		if source == "" {
			n = b.Stats().KeyN
			return nil
		}
		prefix := postKey(source, "")
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}
