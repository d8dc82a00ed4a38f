package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SourceState is what the store knows of one source's crawls.
type SourceState struct {
	Name                string    `json:"name"`
	LastCrawl           time.Time `json:"last_crawl,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	LastError           string    `json:"last_error,omitempty"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	// LastListed is how many entries the last successful crawl listed: a
	// source that listed entries before and now matches nothing has changed.
	LastListed int `json:"last_listed"`
	// Healthy is false while the source cannot be seen; Reason says why.
	Healthy bool      `json:"healthy"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since,omitzero"` // when Healthy last changed
	Crawls  int       `json:"crawls"`
	Posts   int       `json:"posts"` // new posts recorded, all time
	Hits    int       `json:"hits"`  // hits recorded, all time
	// LastFetched and LastFetchErrors are the last crawl's fetches that
	// worked and failed (listing read, a thread or paste not);
	// FetchErrors counts the failures of all time.
	LastFetched     int `json:"last_fetched"`
	LastFetchErrors int `json:"last_fetch_errors"`
	FetchErrors     int `json:"fetch_errors"`
	// Truncated and Flattened count posts read cut at the size cap, or
	// from a page nested too deep to parse as it was.
	Truncated int `json:"truncated,omitempty"`
	Flattened int `json:"flattened,omitempty"`
}

// UpdateSource applies f to a source's state (a fresh healthy state the
// first time) and stores it, in one transaction; it returns the state
// before and after.
func (db *DB) UpdateSource(name string, f func(*SourceState)) (before, after SourceState, err error) {
	err = db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		s := SourceState{Name: name, Healthy: true}
		if v := b.Get([]byte(name)); v != nil {
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
		}
		before = s
		f(&s)
		after = s
		return putJSON(b, []byte(name), s)
	})
	return before, after, err
}

// Sources returns every source's state, by name.
func (db *DB) Sources() ([]SourceState, error) { return listAll[SourceState](db, bucketSources) }
