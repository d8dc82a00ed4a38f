package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"leakwatch/leak"
)

// DefaultCaseWindow is how long after a case was last seen a sample
// sharing its customers (or the same seller's same claim) still joins it.
// Later, the same customers are a new case that recycles the old one's
// data: old data resold is news of its own.
const DefaultCaseWindow = 180 * 24 * time.Hour

// sellerKeys are the sellers bucket's keys for a hit: the poster's handle
// (of a sale or release post) and the contact points the post gives.
func sellerKeys(h leak.Hit) []leak.Contact {
	c := h.Evidence.Claim
	if c == nil {
		return nil
	}
	var ks []leak.Contact
	if a := strings.ToLower(strings.TrimSpace(h.Author)); a != "" {
		ks = append(ks, leak.Contact{Kind: "handle", Value: a})
	}
	return append(ks, c.Points...)
}

func sellerKey(c leak.Contact) []byte { return []byte(c.Kind + "\x00" + c.Value) }

// fileCase decides which case hit (not stored yet) is a sighting of, and
// sets hit.Case, hit.Thread, hit.Recycled and hit.SellerCases. joined is
// the case of the hit it updates or repeats (0: none); how says how. It
// returns the case and how the hit was tied to it ("first" for a new
// case), for addSighting once the hit is stored.
func (db *DB) fileCase(tx *bolt.Tx, hit *leak.Hit, joined uint64, how string, now time.Time) (*leak.Case, string, error) {
	cases := tx.Bucket(bucketCases)
	var c *leak.Case
	if joined != 0 {
		var j leak.Case
		if err := getJSON(cases, u64(joined), &j); err != nil {
			return nil, "", fmt.Errorf("case %d: %w", joined, err)
		}
		if how == "records" && now.Sub(j.Last) > db.caseWindow() {
			// The same customers, long after: a new case, recycled.
			hit.Thread, hit.Repeats, hit.RepostOf = 0, 0, ""
		} else {
			c = &j
		}
	}
	earlier, err := sellerCases(tx, *hit)
	if err != nil {
		return nil, "", err
	}
	if c == nil {
		for i := len(earlier) - 1; i >= 0 && c == nil; i-- { // the newest first
			var e leak.Case
			if err := getJSON(cases, u64(earlier[i]), &e); err != nil {
				return nil, "", fmt.Errorf("case %d: %w", earlier[i], err)
			}
			if now.Sub(e.Last) <= db.caseWindow() && sameClaim(hit.Evidence, e) {
				c, how = &e, "seller"
			}
		}
	}
	if c == nil {
		id, err := cases.NextSequence()
		if err != nil {
			return nil, "", err
		}
		c, how = &leak.Case{ID: id, State: leak.CaseNew, First: now}, "first"
	}
	if c.Thread != 0 && how != "update" {
		hit.Thread = c.Thread
	}
	hit.Case = c.ID
	for _, id := range earlier {
		if id != c.ID {
			hit.SellerCases++
		}
	}
	if hit.Recycled, err = recycled(tx, hit.Evidence, c.ID); err != nil {
		return nil, "", err
	}
	return c, how, nil
}

func (db *DB) caseWindow() time.Duration {
	if db.window > 0 {
		return db.window
	}
	return DefaultCaseWindow
}

// sellerCases lists, oldest first, the cases in which the hit's seller
// handle or contact points appeared.
func sellerCases(tx *bolt.Tx, h leak.Hit) ([]uint64, error) {
	var ids []uint64
	b := tx.Bucket(bucketSellers)
	for _, k := range sellerKeys(h) {
		var e SellerRecord
		if err := getJSON(b, sellerKey(k), &e); err == ErrNotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, id := range e.Cases {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// sameClaim: the hit claims what the case claims: the same company (or
// none named by either) and the same count (within a tenth), or, one count
// unsaid, the same kinds of data.
func sameClaim(ev leak.Evidence, c leak.Case) bool {
	if ev.Claim == nil {
		return false
	}
	if len(ev.Brands) > 0 || len(c.Brands) > 0 {
		if !slices.ContainsFunc(ev.Brands, func(b string) bool { return slices.Contains(c.Brands, b) }) {
			return false
		}
	}
	a, b := ev.Claim.Records, c.Claimed
	if a > 0 && b > 0 {
		return math.Abs(float64(a-b)) <= 0.1*float64(max(a, b))
	}
	return len(ev.Claim.DataTypes) > 0 && slices.ContainsFunc(ev.Claim.DataTypes, func(t string) bool { return slices.Contains(c.DataTypes, t) })
}

// recycled counts the sample's customers (keyed record ids) that earlier
// cases than this one held, and which.
func recycled(tx *bolt.Tx, ev leak.Evidence, self uint64) (*leak.Recycled, error) {
	s := ev.Sample
	if s == nil || len(s.Records) == 0 {
		return nil, nil
	}
	idx, hits, cases := tx.Bucket(bucketRecords), tx.Bucket(bucketHits), tx.Bucket(bucketCases)
	r := &leak.Recycled{Matched: len(s.Records)}
	caseOfRoot := map[uint64]uint64{}
	from := map[uint64]int{}
	for _, rec := range s.Records {
		v := idx.Get(u64(rec))
		if v == nil {
			continue
		}
		root := binary.BigEndian.Uint64(v)
		cid, ok := caseOfRoot[root]
		if !ok {
			var h leak.Hit
			if err := getJSON(hits, v, &h); err != nil && err != ErrNotFound {
				return nil, err
			}
			cid, caseOfRoot[root] = h.Case, h.Case
		}
		if cid != 0 && cid != self {
			r.Seen++
			from[cid]++
		}
	}
	for id, n := range from {
		ref := leak.RecycledRef{Case: id, Customers: n}
		var c leak.Case
		if err := getJSON(cases, u64(id), &c); err == nil {
			ref.First = c.First
		}
		r.From = append(r.From, ref)
	}
	slices.SortFunc(r.From, func(a, b leak.RecycledRef) int { return int(b.Customers - a.Customers) })
	return r, nil
}

// addSighting adds the stored hit to c as a sighting tied by how, and
// stores c and the seller records.
func addSighting(tx *bolt.Tx, c *leak.Case, hit leak.Hit, how string, alerted bool) error {
	ev := hit.Evidence
	c.Sightings = append(c.Sightings, leak.Sighting{Hit: hit.ID, Source: hit.Source, PostKey: hit.PostKey, PostURL: hit.PostURL, Found: hit.Found,
		Severity: ev.Severity, How: how, Recycled: hit.Recycled})
	s := &c.Sightings[len(c.Sightings)-1]
	if ev.Claim != nil {
		s.Seller = hit.Author
	}
	if ev.Sample != nil {
		s.RealRows, s.Customers = ev.Sample.RealRows, ev.Sample.Customers
	}
	if c.Root == 0 {
		c.Root = hit.ID
	}
	if alerted && c.Thread == 0 {
		c.Thread = hit.ID
	}
	if c.First.IsZero() || hit.Found.Before(c.First) {
		c.First = hit.Found
	}
	if hit.Found.After(c.Last) {
		c.Last = hit.Found
	}
	if c.StateAt.IsZero() {
		c.StateAt = c.First
	}
	if c.Strongest == 0 || ev.Severity > c.Severity || ev.Severity == c.Severity && s.RealRows > strongestRows(c) {
		c.Strongest, c.Severity, c.Title = hit.ID, max(c.Severity, ev.Severity), ev.Headline
	}
	c.Sources = addUniq(c.Sources, hit.Source)
	c.Brands = addUniq(c.Brands, ev.Brands...)
	if cl := ev.Claim; cl != nil {
		if s.Seller != "" {
			c.Sellers = addUniq(c.Sellers, s.Seller)
		}
		for _, p := range cl.Points {
			if !slices.Contains(c.Contacts, p) {
				c.Contacts = append(c.Contacts, p)
			}
		}
		if cl.Records > c.Claimed {
			c.Claimed, c.ClaimedText = cl.Records, cl.RecordsText
		}
		c.DataTypes = addUniq(c.DataTypes, cl.DataTypes...)
	}
	if sm := ev.Sample; sm != nil {
		c.Partitions = addUniq(c.Partitions, sm.Partitions...)
		c.Records = sketchUnion(c.Records, sm.Records)
	}
	for _, k := range ev.Canaries {
		c.Partitions = addUniq(c.Partitions, k.Partition)
	}
	caseCounts(c)
	if err := putJSON(tx.Bucket(bucketCases), u64(c.ID), c); err != nil {
		return err
	}
	return noteSellers(tx, c.ID, hit)
}

func strongestRows(c *leak.Case) int {
	for _, s := range c.Sightings {
		if s.Hit == c.Strongest {
			return s.RealRows
		}
	}
	return 0
}

// caseCounts recomputes what the sightings add up to: rows verified over
// distinct samples (a post counts by its latest sighting, a repost of the
// same text not at all), customers over all samples.
func caseCounts(c *leak.Case) {
	rows := map[string]int{}
	most := 0
	for _, s := range c.Sightings {
		if s.How != "repost" {
			rows[s.Source+"\x00"+s.PostKey] = s.RealRows
		}
		most = max(most, s.Customers)
	}
	c.VerifiedRows = 0
	for _, n := range rows {
		c.VerifiedRows += n
	}
	n, estimated := sketchCount(c.Records)
	c.Customers, c.CustomersEstimated = max(n, most), estimated && n > most
}

// sketchUnion merges b into the bottom-k sketch a (sorted, at most
// leak.RecordSketch ids).
func sketchUnion(a, b []uint64) []uint64 {
	out := slices.Clone(a)
	for _, v := range b {
		if i, found := slices.BinarySearch(out, v); !found {
			out = slices.Insert(out, i, v)
		}
	}
	if len(out) > leak.RecordSketch {
		out = out[:leak.RecordSketch]
	}
	return out
}

// sketchCount is the distinct count a bottom-k sketch stands for: exact
// below k ids; at k, (k-1) over the k-th smallest id as a fraction of the
// id space (keyed ids are uniform).
func sketchCount(s []uint64) (int, bool) {
	if len(s) < leak.RecordSketch {
		return len(s), false
	}
	frac := float64(s[len(s)-1]) / math.MaxUint64
	if frac <= 0 {
		return len(s), false
	}
	return int(float64(len(s)-1) / frac), true
}

func addUniq(to []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(to, v) {
			to = append(to, v)
		}
	}
	return to
}

// noteSellers adds the case and source to each of the hit's seller
// entries.
func noteSellers(tx *bolt.Tx, caseID uint64, hit leak.Hit) error {
	b := tx.Bucket(bucketSellers)
	for _, k := range sellerKeys(hit) {
		e := SellerRecord{Kind: k.Kind, Value: k.Value, First: hit.Found}
		if err := getJSON(b, sellerKey(k), &e); err != nil && err != ErrNotFound {
			return err
		}
		if !slices.Contains(e.Cases, caseID) {
			e.Cases = append(e.Cases, caseID)
		}
		e.Sources = addUniq(e.Sources, hit.Source)
		e.Posts++
		e.Last = hit.Found
		if err := putJSON(b, sellerKey(k), e); err != nil {
			return err
		}
	}
	return nil
}

// CaseFilter selects cases.
type CaseFilter struct {
	State    leak.CaseState // "": any
	Open     bool           // only new, investigating and confirmed cases
	Severity leak.Severity  // at least
	Limit    int
}

func (f CaseFilter) match(c leak.Case) bool {
	if f.State != "" && c.State != f.State {
		return false
	}
	if f.Open && (c.State == leak.CaseFalsePositive || c.State == leak.CaseResolved) {
		return false
	}
	return c.Severity >= f.Severity
}

// Cases returns the cases f selects, the most recently seen first.
func (db *DB) Cases(f CaseFilter) ([]leak.Case, error) {
	var out []leak.Case
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(_, v []byte) error {
			var c leak.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if f.match(c) {
				out = append(out, c)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b leak.Case) int { return b.Last.Compare(a.Last) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, err
}

// Case returns one case.
func (db *DB) Case(id uint64) (leak.Case, error) {
	var c leak.Case
	err := db.view(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketCases), u64(id), &c) })
	return c, err
}

// CaseOfHit returns the case a hit is a sighting of.
func (db *DB) CaseOfHit(hitID uint64) (leak.Case, error) {
	h, err := db.Hit(hitID)
	if err != nil {
		return leak.Case{}, err
	}
	if h.Case == 0 {
		return leak.Case{}, ErrNotFound
	}
	return db.Case(h.Case)
}

// SetCaseState sets a case's state, recording who set it, when, how (via:
// "cli", "slack") and why.
func (db *DB) SetCaseState(id uint64, state leak.CaseState, who, note, via string) (leak.Case, error) {
	if _, err := leak.ParseCaseState(string(state)); err != nil {
		return leak.Case{}, err
	}
	var c leak.Case
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		if err := getJSON(b, u64(id), &c); err != nil {
			return err
		}
		now := time.Now().UTC()
		c.State, c.StateBy, c.StateAt = state, who, now
		c.History = append(c.History, leak.CaseChange{State: state, By: who, At: now, Note: note, Via: via})
		return putJSON(b, u64(id), c)
	})
	return c, err
}

// SellerRecord is a seller handle or contact point (Kind "handle" or a
// contact kind) and every case and source it appeared in, as the sellers
// bucket keeps it.
type SellerRecord struct {
	Kind    string    `json:"kind"`
	Value   string    `json:"value"`
	Cases   []uint64  `json:"cases"`
	Sources []string  `json:"sources"`
	Posts   int       `json:"posts"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// Sellers returns the seller records whose value is name: a handle, or a
// contact point of any kind ("@" and letter case do not matter).
func (db *DB) Sellers(name string) ([]SellerRecord, error) {
	name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "@")))
	var out []SellerRecord
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSellers).ForEach(func(_, v []byte) error {
			var e SellerRecord
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if strings.ToLower(strings.TrimPrefix(e.Value, "@")) == name {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}
