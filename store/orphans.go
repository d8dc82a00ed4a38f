package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// The orphan stage of Salvage: when the tree could not be read whole (a
// file cut short loses its newest pages, the bucket directory and the
// branch pages among them), the leaf pages the walk did not reach still
// hold records. Each such page is given to the bucket its records' shape
// says (keys and values of every bucket differ), and a record is taken
// only where the tree gave none; among several versions of one record
// (pages freed by later writes keep older ones) the most advanced wins:
// an alert sent over one pending, a hit acknowledged over one not, the
// latest crawl. Whatever is taken this way is counted apart, as it may be
// older than what was lost.

// classify says which bucket a record's shape belongs to, or "".
func classify(k, v []byte) string {
	isObject := len(v) > 1 && v[0] == '{' && json.Valid(v)
	has := func(field string) bool { return bytes.Contains(v, []byte(`"`+field+`":`)) }
	switch {
	case string(k) == string(keySchema) || string(k) == string(keyInstance) || string(k) == string(keyDelivery):
		return string(bucketMeta)
	case bytes.IndexByte(k, 0) > 0:
		switch {
		case isObject && has("version") && has("first"):
			return string(bucketSeen)
		case isObject && has("content_hash"):
			return string(bucketPosts)
		case len(v) == 8:
			return string(bucketPostHits)
		case !isObject && len(v) > 1 && v[0] == textVersion:
			return string(bucketText)
		}
	case len(k) == 64 && isHex(k) && bytes.IndexByte(v, 0) > 0:
		return string(bucketContent)
	case len(k) == 8 && isObject && has("state") && has("attempts"):
		return string(bucketOutbox)
	case len(k) == 8 && isObject && has("evidence"):
		return string(bucketHits)
	case len(k) == 8 && len(v) == 8 && k[0] == 0 && k[1] == 0 && k[2] == 0:
		return string(bucketHitAlert) // hit ids: small numbers
	case len(k) == 8 && len(v) == 8:
		return string(bucketRecords) // keyed record ids: random
	case len(k) == 16 && isObject && has("partition"):
		return string(bucketCanaries)
	case isObject && has("active") && has("since"):
		return string(bucketConds)
	case isObject && has("name") && has("healthy"):
		return string(bucketSources)
	case isObject && has("address") && has("mentions"):
		return string(bucketOnions)
	}
	return ""
}

func isHex(b []byte) bool {
	_, err := hex.DecodeString(string(b))
	return err == nil
}

// newer says whether candidate is a later state of the record than
// current, for the buckets whose records move forward.
func newer(bucket string, current, candidate []byte) bool {
	switch bucket {
	case string(bucketOutbox):
		var a, b leak.Alert
		if json.Unmarshal(current, &a) != nil {
			return true
		}
		if json.Unmarshal(candidate, &b) != nil {
			return false
		}
		rank := func(s leak.AlertState) int {
			switch s {
			case leak.AlertSent:
				return 3
			case leak.AlertFailed:
				return 2
			}
			return 1
		}
		if rank(b.State) != rank(a.State) {
			return rank(b.State) > rank(a.State)
		}
		return b.Attempts > a.Attempts
	case string(bucketHits):
		var a, b leak.Hit
		if json.Unmarshal(current, &a) != nil {
			return true
		}
		return json.Unmarshal(candidate, &b) == nil && a.Acked.IsZero() && !b.Acked.IsZero()
	case string(bucketSeen):
		return later(current, candidate, func(s seenRecord) time.Time { return s.Last })
	case string(bucketPosts):
		return later(current, candidate, func(p leak.Post) time.Time { return p.Fetched })
	case string(bucketSources):
		return later(current, candidate, func(s SourceState) time.Time { return s.LastCrawl })
	case string(bucketConds):
		return later(current, candidate, func(c Condition) time.Time { return c.Since })
	case string(bucketOnions):
		return later(current, candidate, func(o Onion) time.Time { return o.Last })
	}
	return false
}

func later[T any](current, candidate []byte, at func(T) time.Time) bool {
	var a, b T
	if json.Unmarshal(current, &a) != nil {
		return true
	}
	return json.Unmarshal(candidate, &b) == nil && at(b).After(at(a))
}

// orphans copies the records of the leaf pages the tree walk did not
// visit into out, where the tree gave none, and returns how many it took.
func (r *pageReader) orphans(out *bolt.DB, visited map[uint64]bool, rep *SalvageReport) error {
	taken := map[string]bool{} // bucket + 0 + key, written by this stage
	type rec struct{ bucket, k, v []byte }
	var batch []rec
	flush := func() error {
		err := out.Update(func(tx *bolt.Tx) error {
			for _, x := range batch {
				b, err := tx.CreateBucketIfNotExists(x.bucket)
				if err != nil {
					return err
				}
				id := string(x.bucket) + "\x00" + string(x.k)
				if cur := b.Get(x.k); cur != nil && (!taken[id] || !newer(string(x.bucket), cur, x.v)) {
					continue // the tree's record, or a later version already taken
				}
				if err := b.Put(x.k, x.v); err != nil {
					return err
				}
				if !taken[id] {
					taken[id] = true
					rep.Orphans++
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for id := uint64(2); int64(id+1)*r.pageSize <= r.size; id++ {
		if visited[id] {
			continue
		}
		p, err := r.page(id)
		if err != nil || le.Uint16(p[8:])&leafPage == 0 {
			continue
		}
		// The page's bucket: what most of its records look like.
		var ks, vs [][]byte
		votes := map[string]int{}
		r.walk(0, p, map[uint64]bool{}, func(k, v []byte, isBucket bool, lost int) {
			if lost == 0 && !isBucket {
				ks, vs = append(ks, k), append(vs, v)
				votes[classify(k, v)]++
			}
		})
		bucket, most := "", 0
		for b, n := range votes {
			if b != "" && n > most {
				bucket, most = b, n
			}
		}
		if bucket == "" {
			continue
		}
		for i := range ks {
			if classify(ks[i], vs[i]) != bucket {
				continue
			}
			batch = append(batch, rec{[]byte(bucket), bytes.Clone(ks[i]), bytes.Clone(vs[i])})
		}
		if len(batch) >= 10000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// markUnsure sets "sending" on every pending alert of a salvaged database:
// its newer state (sent) may have been lost, so the dispatcher asks Slack
// whether it arrived before sending it (bot token), as after a crash.
func markUnsure(out *bolt.DB) (int, error) {
	n := 0
	err := out.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return nil
		}
		type kv struct{ k, v []byte }
		var change []kv
		err := b.ForEach(func(k, v []byte) error {
			var a leak.Alert
			if json.Unmarshal(v, &a) != nil || a.State != leak.AlertPending || a.Sending {
				return nil
			}
			a.Sending = true
			nv, err := json.Marshal(a)
			if err != nil {
				return err
			}
			change = append(change, kv{bytes.Clone(k), nv})
			return nil
		})
		if err != nil {
			return err
		}
		for _, c := range change {
			if err := b.Put(c.k, c.v); err != nil {
				return err
			}
		}
		n = len(change)
		return nil
	})
	return n, err
}
