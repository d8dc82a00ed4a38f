package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"leakwatch/leak"
	"leakwatch/store"
)

func openCases(t *testing.T, window time.Duration) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{Timeout: time.Second, CaseWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func ids(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i<<40)
	}
	return out
}

func sighting(src, key, author, text string, records []uint64, claimed int64, points ...leak.Contact) store.Entry {
	p := leak.Post{Source: src, Key: key, URL: "http://" + src + ".onion/" + key, Author: author, Text: text, Hash: leak.ContentHash(text)}
	ev := leak.Evidence{Severity: leak.SeverityCritical, Headline: "Sale claim: 30M Acme customer records", Brands: []string{"Acme"},
		Claim: &leak.Claim{Intent: "sale", Records: claimed, RecordsText: "30M", DataTypes: []string{"ssn", "dl"}, Points: points}}
	if len(records) > 0 {
		ev.Sample = &leak.Sample{Rows: len(records), RealRows: len(records), Customers: len(records), Partitions: []string{"billing-db"}, Records: records}
	}
	return store.Entry{Post: p, Version: "v1", Evidence: ev, Alert: true}
}

// Three sightings of one dataset fold into one case: a forum sale with a
// sample, a paste with the same customers under other text, another
// forum's post by the same seller (his Jabber id) with the same claim and
// no sample. A different claim by the same seller is another case.
func TestCasesFoldSightings(t *testing.T) {
	db := openCases(t, 0)
	jid := leak.Contact{Kind: "xmpp", Value: "n0v4@exploit.im"}
	steps := []store.Entry{
		sighting("breachforum", "t/1", "n0v4", "[WTS] 30M Acme customer db, sample below", ids(1, 10), 30_000_000, jid),
		sighting("quietbin", "p/9", "", "acme dump part 1 (other wrapper text)", ids(3, 12), 0),
		sighting("xss", "t/77", "n0v4_sells", "Selling Acme 30M records SSN+DL, jabber n0v4@exploit.im", nil, 29_000_000, jid),
		sighting("xss", "t/78", "n0v4_sells", "Selling Acme employees 40k records, jabber n0v4@exploit.im", nil, 40_000, jid),
	}
	var rec []store.Recorded
	for _, e := range steps {
		r, err := db.RecordAll([]store.Entry{e})
		if err != nil {
			t.Fatal(err)
		}
		rec = append(rec, r[0])
	}
	h := func(i int) leak.Hit {
		x, err := db.Hit(rec[i].HitID)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	first := h(0)
	for i := 1; i < 3; i++ {
		if h(i).Case != first.Case {
			t.Errorf("sighting %d: case %d, want %d", i, h(i).Case, first.Case)
		}
	}
	if other := h(3); other.Case == first.Case || other.SellerCases != 1 {
		t.Errorf("another claim by the same seller: case %d (first %d), seller seen in %d earlier cases, want 1", other.Case, first.Case, other.SellerCases)
	}
	if h(2).Thread != first.ID {
		t.Errorf("the seller's sighting replies in thread %d, want %d", h(2).Thread, first.ID)
	}
	c, err := db.Case(first.Case)
	if err != nil {
		t.Fatal(err)
	}
	hows := ""
	for _, s := range c.Sightings {
		hows += s.How + " "
	}
	if hows != "first records seller " || len(c.Sources) != 3 || c.Claimed != 30_000_000 || c.Customers != 12 || c.VerifiedRows != 20 ||
		len(c.Sellers) != 2 || len(c.Contacts) != 1 || c.State != leak.CaseNew || c.Thread != first.ID {
		t.Errorf("case: hows %q %+v", hows, c)
	}
	if h(1).Recycled.Seen != 0 {
		t.Errorf("a sighting of the same case counted as recycled: %+v", h(1).Recycled)
	}
	// State with who and when.
	c, err = db.SetCaseState(c.ID, leak.CaseConfirmed, "alice", "8 of 10 rows real", "cli")
	if err != nil || c.State != leak.CaseConfirmed || c.StateBy != "alice" || len(c.History) != 1 {
		t.Errorf("set state: %v %+v", err, c)
	}
	if _, err := db.SetCaseState(c.ID, "closed", "alice", "", "cli"); err == nil {
		t.Error("an unknown state was set")
	}
	// The seller's records: by Jabber id, by handle.
	for _, name := range []string{"n0v4@exploit.im", "@N0V4_sells", "n0v4"} {
		rs, err := db.Sellers(name)
		if err != nil || len(rs) != 1 {
			t.Errorf("sellers %s: %v %+v", name, err, rs)
		}
	}
	if rs, _ := db.Sellers("n0v4@exploit.im"); len(rs) == 1 && len(rs[0].Cases) != 2 {
		t.Errorf("the Jabber id's cases: %v", rs[0].Cases)
	}
	open, _ := db.Cases(store.CaseFilter{State: leak.CaseConfirmed})
	if len(open) != 1 || open[0].ID != c.ID {
		t.Errorf("cases filtered by state: %+v", open)
	}
}

// A sample sharing customers with a case seen longer ago than the case
// window is a new case, recycled from the old one; a fresh sample says so.
func TestRecycledSample(t *testing.T) {
	db := openCases(t, time.Nanosecond)
	old, err := db.RecordAll([]store.Entry{sighting("breachforum", "t/1", "a", "2025 dump", ids(1, 10), 0)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	now, err := db.RecordAll([]store.Entry{
		sighting("xss", "t/2", "b", "fresh billing db", append(ids(1, 8), ids(100, 101)...), 0),
		sighting("xss", "t/3", "c", "another", ids(500, 504), 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := db.Hit(old[0].HitID)
	r, _ := db.Hit(now[0].HitID)
	f, _ := db.Hit(now[1].HitID)
	if r.Case == o.Case || r.Recycled == nil || r.Recycled.Seen != 8 || r.Recycled.Matched != 10 || r.Recycled.Percent() != 80 ||
		len(r.Recycled.From) != 1 || r.Recycled.From[0].Case != o.Case {
		t.Errorf("recycled: case %d (old %d) %+v", r.Case, o.Case, r.Recycled)
	}
	if r.Thread != 0 || r.Repeats != 0 {
		t.Errorf("a recycled sample long after is a leak of its own: thread %d repeats %d", r.Thread, r.Repeats)
	}
	if !f.Recycled.Fresh() || f.Recycled.Matched != 5 {
		t.Errorf("fresh sample: %+v", f.Recycled)
	}
}
