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
	// FrontAt is when the last crawl met an anti-bot front, FrontStreak
	// how many crawls in a row did, and BackoffUntil when the source is
	// crawled again (sooner if its cookie file changes after FrontAt).
	FrontAt      time.Time `json:"front_at,omitzero"`
	FrontStreak  int       `json:"front_streak,omitempty"`
	BackoffUntil time.Time `json:"backoff_until,omitzero"`
	// LastNew is when a crawl last brought a new post; NewCrawls counts
	// the crawls that did, and Gap is the usual time between them (an
	// average that weighs recent gaps more). Stale is set while the
	// listing still reads but has brought nothing new for far longer than
	// Gap: a parser that quietly returns nothing.
	LastNew   time.Time     `json:"last_new,omitzero"`
	NewCrawls int           `json:"new_crawls,omitempty"`
	Gap       time.Duration `json:"gap,omitempty"`
	Stale     bool          `json:"stale,omitempty"`
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

// Source returns one source's state; ok is false before its first crawl.
func (db *DB) Source(name string) (s SourceState, ok bool, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get([]byte(name))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &s)
	})
	return s, ok, err
}

// Sources returns every source's state, by name.
func (db *DB) Sources() ([]SourceState, error) { return listAll[SourceState](db, bucketSources) }
