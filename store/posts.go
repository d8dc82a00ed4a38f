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

// SealedPost is a stored post whose text is still sealed; OpenText opens
// it, from any goroutine, so that a rescan decrypts and decompresses on
// every core.
type SealedPost struct {
	leak.Post
	key, sealed []byte
}

// ScanSealed calls fn with the posts f selects, in key order, batch posts
// at a time, and the number of posts examined for them (those the Since
// filter skipped included: a progress count). Each batch is read in its
// own short read transaction (a long-lived one would stop bbolt from
// growing the file while the daemon writes), and fn runs outside any
// transaction. Without a text key it fails with ErrNoTextKey.
func (db *DB) ScanSealed(ctx context.Context, f PostFilter, batch int, fn func(ps []SealedPost, examined int) error) error {
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
		var posts []SealedPost
		examined := 0
		err := db.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketPosts).Cursor()
			k, v := c.Seek(after)
			if !first && k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			text := tx.Bucket(bucketText)
			for ; k != nil && examined < batch; k, v = c.Next() {
				if prefix != nil && !bytes.HasPrefix(k, prefix) {
					break
				}
				examined++
				after = append(after[:0:0], k...)
				var p SealedPost
				if err := json.Unmarshal(v, &p.Post); err != nil {
					return fmt.Errorf("post %q: %w", k, err)
				}
				if !f.Since.IsZero() && p.Fetched.Before(f.Since) {
					continue
				}
				p.key = after
				if s := text.Get(k); s != nil {
					p.sealed = bytes.Clone(s)
				}
				posts = append(posts, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if examined == 0 {
			return nil
		}
		first = false
		if err := fn(posts, examined); err != nil {
			return err
		}
		if examined < batch {
			return nil
		}
	}
}

// OpenText opens a scanned post's text (TextGone when retention dropped
// it). It decrypts in place: call it once per post.
func (db *DB) OpenText(p *SealedPost) (StoredPost, error) {
	sp := StoredPost{Post: p.Post}
	if p.sealed == nil {
		sp.TextGone = true
		return sp, nil
	}
	var err error
	if sp.Text, err = db.text.open(p.key, p.sealed); err != nil {
		return sp, fmt.Errorf("post %s/%s: %w", p.Source, p.Key, err)
	}
	return sp, nil
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
	err := db.update(func(tx *bolt.Tx) error {
		for i, f := range fs {
			o, err := db.recordFinding(tx, f, now)
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

func (db *DB) recordFinding(tx *bolt.Tx, f Finding, now time.Time) (Outcome, error) {
	if f.Evidence.Empty() {
		return Outcome{}, nil
	}
	p := f.Post
	repost, err := repostOf(tx, postKey(p.Source, p.Key), p.Hash, false)
	if err != nil {
		return Outcome{}, err
	}
	return db.newHit(tx, p, f.Evidence, f.Alert, repost, true, now)
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
	err := db.view(func(tx *bolt.Tx) error {
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
