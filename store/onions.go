package store

import (
	"encoding/json"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Onion is an onion address named in crawled posts: where and how often.
// Never crawled by itself: an analyst reads the list (watcher sources
// suggest) and decides.
type Onion struct {
	Address  string    `json:"address"`  // the v3 host, checksum-valid
	Mentions int       `json:"mentions"` // posts that named it (a post counts once)
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Sources  []string  `json:"sources"`         // where it was seen (at most 10)
	Posts    []string  `json:"posts,omitempty"` // "source/key" of the first posts (at most 5)
}

// NoteOnions records that the post key of source named the addresses;
// a post already counted for an address is not counted again.
func (db *DB) NoteOnions(source, key string, addrs []string, now time.Time) error {
	if len(addrs) == 0 {
		return nil
	}
	post := source + "/" + key
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOnions)
		for _, a := range addrs {
			o := Onion{Address: a, First: now}
			if v := b.Get([]byte(a)); v != nil {
				if err := json.Unmarshal(v, &o); err != nil {
					return err
				}
			}
			if slices.Contains(o.Posts, post) {
				continue
			}
			o.Mentions++
			o.Last = now
			if !slices.Contains(o.Sources, source) && len(o.Sources) < 10 {
				o.Sources = append(o.Sources, source)
			}
			if len(o.Posts) < 5 {
				o.Posts = append(o.Posts, post)
			}
			if err := putJSON(b, []byte(a), o); err != nil {
				return err
			}
		}
		return nil
	})
}

// Onions lists the onion addresses seen, most mentioned first.
func (db *DB) Onions() ([]Onion, error) {
	os, err := listAll[Onion](db, bucketOnions)
	sort.SliceStable(os, func(i, j int) bool {
		if os[i].Mentions != os[j].Mentions {
			return os[i].Mentions > os[j].Mentions
		}
		return os[i].Address < os[j].Address
	})
	return os, err
}
