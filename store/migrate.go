package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// migrations[i] moves a database from schema version i+1 to i+2. Each runs
// inside Open's one write transaction, after every bucket of the current
// layout exists, so a crash mid-migration leaves the old version intact.
var migrations = []func(tx *bolt.Tx) error{
	indexPostHits,  // 1 -> 2: post text bucket; post -> latest hit index
	indexHitAlerts, // 2 -> 3: hit -> alert index (threads); conditions bucket
	noIndex,        // 3 -> 4: the records bucket (dataset reposts); older hits carry no record ids
	noIndex,        // 4 -> 5: the onions bucket (onion addresses seen in posts)
	casesFromHits,  // 5 -> 6: cases and sellers: each alert thread becomes a case
}

// SchemaVersion is the layout this code reads and writes.
const SchemaVersion = 6

// noIndex is a migration that only adds buckets (migrate creates them).
func noIndex(*bolt.Tx) error { return nil }

func init() {
	if SchemaVersion != len(migrations)+1 {
		panic("store: SchemaVersion and migrations disagree")
	}
}

// migrate creates missing buckets and runs the migrations a database
// needs; a new database starts at SchemaVersion.
func migrate(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keySchema)
	if v == nil {
		return meta.Put(keySchema, u64(SchemaVersion))
	}
	from := binary.BigEndian.Uint64(v)
	switch {
	case from > SchemaVersion:
		return fmt.Errorf("schema version %d is newer than this binary's %d: use a newer watcher", from, SchemaVersion)
	case from < 1:
		return fmt.Errorf("schema version %d is not a leakwatch database", from)
	}
	for ver := from; ver < SchemaVersion; ver++ {
		if err := migrations[ver-1](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", ver, ver+1, err)
		}
	}
	return meta.Put(keySchema, u64(SchemaVersion))
}

// indexPostHits fills the post -> latest hit index from the hits.
func indexPostHits(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketPostHits)
	return tx.Bucket(bucketHits).ForEach(func(k, v []byte) error {
		var h leak.Hit
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("hit %x: %w", k, err)
		}
		return idx.Put(postKey(h.Source, h.PostKey), k)
	})
}

// indexHitAlerts fills the hit -> alert index from the outbox.
func indexHitAlerts(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketHitAlert)
	return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var a leak.Alert
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("alert %x: %w", k, err)
		}
		if a.Kind != leak.AlertLeak || a.Hit.ID == 0 {
			return nil
		}
		return idx.Put(u64(a.Hit.ID), k)
	})
}

// casesFromHits files the hits of an older database into cases, oldest
// first: a hit that updates or follows another joins that one's case,
// any other starts one. (The same-seller rule needs the contact points
// older hits never recorded; it applies from now on.)
func casesFromHits(tx *bolt.Tx) error {
	hits, cases := tx.Bucket(bucketHits), tx.Bucket(bucketCases)
	caseOf := map[uint64]uint64{}
	var all []leak.Hit
	if err := hits.ForEach(func(_, v []byte) error {
		var h leak.Hit
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		all = append(all, h)
		return nil
	}); err != nil {
		return err
	}
	for _, h := range all {
		how, from := "first", uint64(0)
		switch {
		case h.UpdateOf != 0:
			how, from = "update", h.UpdateOf
		case h.Thread != 0 && h.RepostOf != "" && h.Repeats == 0:
			how, from = "repost", h.Thread
		case h.Thread != 0:
			how, from = "records", h.Thread
		}
		c := &leak.Case{State: leak.CaseNew}
		if id := caseOf[from]; id != 0 {
			if err := getJSON(cases, u64(id), c); err != nil {
				return err
			}
		} else {
			id, err := cases.NextSequence()
			if err != nil {
				return err
			}
			c.ID, how = id, "first"
		}
		h.Case = c.ID
		caseOf[h.ID] = c.ID
		if err := putJSON(hits, u64(h.ID), h); err != nil {
			return err
		}
		alerted := tx.Bucket(bucketHitAlert).Get(u64(h.ID)) != nil
		if err := addSighting(tx, c, h, how, alerted); err != nil {
			return err
		}
	}
	return nil
}
