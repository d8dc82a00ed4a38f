package matchers

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"leakwatch/leak"
)

// TestCountsAsWritten: the claimed count comes from the seller's words as
// written, never from a year or a sample's size.
func TestCountsAsWritten(t *testing.T) {
	cases := []struct {
		title, text string
		n           int64
		raw         string
	}{
		{"[WTS] Halcyon Wireless 14.8M SSN+DL", "", 14_800_000, "14.8M"},
		{"", "selling 68,000,000 customer records", 68_000_000, "68,000,000"},
		{"Halcyon 8,743,000 subscribers db", "", 8_743_000, "8,743,000"},
		{"", "база 2 млн записей, продаю", 2_000_000, "2 млн"},
		{"", "30kk lines, selling", 30_000_000, "30kk"},
		{"", "selling the 2026 customer database", 0, ""},  // a year
		{"", "selling db, sample of 50 rows below", 0, ""}, // a sample's size
		{"", "selling db, 10 rows below as proof", 0, ""},  // a sample's size
		{"", "selling 3M records, sample (10 rows) below", 3_000_000, "3M"},
		{"Globex $5k 2 BTC", "", 0, ""}, // prices are not counts
	}
	for _, c := range cases {
		s, _ := NewSet(Config{})
		ev := s.MatchPost(leak.Post{Title: c.title, Text: c.text + "\nselling, escrow, 2 btc"})
		var n int64
		raw := ""
		if ev.Claim != nil {
			n, raw = ev.Claim.Records, ev.Claim.RecordsText
		}
		if n != c.n || raw != c.raw {
			t.Errorf("%q / %q: count %d %q, want %d %q", c.title, c.text, n, raw, c.n, c.raw)
		}
	}
}

// TestIntents: the poster's intent, from the title's prefix and the
// seller's words.
func TestIntents(t *testing.T) {
	cases := []struct {
		title, text string
		want        string // the claim's intent, "" for no claim
	}{
		{"[SELLING] Halcyon Wireless db", "dm me", "sale"},
		{"WTS: Halcyon Wireless db", "", "sale"},
		{"[FREE] Halcyon Wireless customers", "enjoy", "release"},
		{"", "leaked for free, here you go", "release"},
		{"", "free leak: old combo list, stealer logs", ""}, // recycled junk, not a release
		{"[WTB] Halcyon Wireless db", "paying 2 BTC, escrow", ""},
		{"", "reportedly hackers are selling the db for 6 BTC, escrow via the forum", ""},
		{"", "we are selling the db for 6 BTC, escrow", "sale"},
		{"[NEWS] breach at Halcyon Wireless", "someone is selling it for 2 btc", ""},
	}
	s, _ := NewSet(Config{Brands: []string{"Halcyon Wireless"}})
	for _, c := range cases {
		ev := s.MatchPost(leak.Post{Title: c.title, Text: c.text})
		got := ""
		if ev.Claim != nil {
			got = ev.Claim.Intent
		}
		if got != c.want {
			t.Errorf("%q / %q: intent %q, want %q (%+v)", c.title, c.text, got, c.want, ev.Claim)
		}
	}
}

// TestWhoseData: the subject of a sale, as an analyst reads it.
func TestWhoseData(t *testing.T) {
	s, err := NewSet(Config{Brands: []string{"Halcyon Wireless", "Halcyon Mobile", "Halcyon", "halcyonwireless.com"},
		NotBrands: []string{"Halcyon House"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		title, text string
		want        leak.Severity
	}{
		{"", "Selling Halcyon Wireless customer db, 3 BTC, escrow", leak.SeverityHigh},
		{"[WTS] Halcyon 30M", "6 BTC escrow", leak.SeverityHigh},                                                    // bare word, in the title
		{"", "Selling the database of Halcyon clients, 3 BTC, escrow", leak.SeverityHigh},                           // "of Halcyon"
		{"", "Selling Globex customer db. Bigger than the Halcyon Wireless leak. 3 BTC, escrow", leak.SeverityInfo}, // in passing
		{"", "Selling Globex customer database, 3 BTC, escrow. Also works for Halcyon Wireless phones", leak.SeverityInfo},
		{"", "Selling Halcyon Pharmaceuticals patient db, 3 BTC, escrow", leak.SeverityNone},          // another company
		{"", "Selling Halcyon Group Inc client files, 3 BTC, escrow", leak.SeverityNone},              // another company
		{"", "Selling Halcyon House clients, 3 BTC, escrow", leak.SeverityNone},                       // not_brands
		{"", "Selling halcyon days memorabilia, 3 BTC, escrow", leak.SeverityNone},                    // an English word
		{"", "Selling Globex users, 3 BTC, escrow\nj.doe@halcyonwireless.com,555", leak.SeverityInfo}, // our domain in an address
	}
	for _, c := range cases {
		if ev := s.MatchPost(leak.Post{Title: c.title, Text: c.text}); ev.Severity != c.want {
			t.Errorf("%q / %q: %s, want %s (%s; %v)", c.title, c.text, ev.Severity, c.want, ev.Headline, ev.Why)
		}
	}
}

// TestThreadRoles: the claim is the seller's; a reply's words and a
// quoted post are not; values are read from every post, a quoted row
// counted once.
func TestThreadRoles(t *testing.T) {
	s := testSet(t)
	thread := func(ms ...leak.Message) string { return leak.ThreadText(ms) }
	quote := func(who, text string) string { return leak.QuoteLine(who) + "\n" + text + "\n" + leak.QuoteEndLine() }
	cases := []struct {
		name string
		text string
		want leak.Severity
		rows int
	}{
		{"a buyer's words are not the claim", thread(
			leak.Message{Author: "curious", Body: "anyone seen the Acme Wireless db around?"},
			leak.Message{Author: "buyer", Body: "selling? 2 btc escrow, pm me"}), leak.SeverityInfo, 0},
		{"a quoted sale is not the thread's claim", thread(
			leak.Message{Author: "curious", Body: quote("seller", "Selling Acme Wireless customer db, 6 BTC, escrow") + "\nis this legit?"}),
			leak.SeverityInfo, 0},
		{"the seller's later post is his", thread(
			leak.Message{Author: "seller", Body: "Acme Wireless customer db"},
			leak.Message{Author: "buyer", Body: "price?"},
			leak.Message{Author: "Seller", Body: "6 BTC, escrow ok, dm me"}), leak.SeverityHigh, 0},
		{"a quoted sample row is one row", thread(
			leak.Message{Author: "seller", Body: "Selling Acme Wireless db, 2 BTC, escrow\nann@mail.test,312-555-0148\nzed@mail.test,415-555-0199"},
			leak.Message{Author: "buyer", Body: quote("seller", "ann@mail.test,312-555-0148") + "\nthis one checks out"}), leak.SeverityCritical, 2},
	}
	for _, c := range cases {
		ev := s.MatchPost(leak.Post{Text: c.text})
		rows := 0
		if ev.Sample != nil {
			rows = ev.Sample.Rows
		}
		if ev.Severity != c.want || rows != c.rows {
			t.Errorf("%s: %s with %d rows, want %s with %d (%s; %v)", c.name, ev.Severity, rows, c.want, c.rows, ev.Headline, ev.Why)
		}
	}
}

// TestRowCounting: rows as an analyst counts them.
func TestRowCounting(t *testing.T) {
	s := testSet(t)
	cases := []struct {
		name                 string
		text                 string
		rows, real, canaries int
		mentions             int
	}{
		{"the seller's contact lines are no rows", "selling acme wireless db\nann@mail.test,312-555-0148\nJabber: seller@xmpp.test\nemail me at seller2@proton.test\nTG: @seller, 702-555-0124", 1, 1, 0, 0},
		{"a canary row is not a real customer", "ann@mail.test\ncanary1@acme-canary.test\nzed@mail.test", 3, 1, 1, 0},
		{"a value in prose is a mention", "Acme Wireless charged me twice, my number is 312-555-0148 please call me back", 0, 0, 0, 1},
		{"SSNs spelled to evade", "zed@mail.test | 219 - 09 - 9999\nyan@mail.test | 219.09.9999\nxi@mail.test | 219/09/9999\nwu@mail.test | 219-09-9998", 4, 3, 0, 0},
		{"digits one by one", "ann 3 1 2 5 5 5 0 1 4 8", 1, 1, 0, 0},
		{"obfuscated emails", "ann [at] mail [dot] test\nbob (at) mail.test\nzed{at}mail{dot}test", 3, 2, 0, 0},
	}
	for _, c := range cases {
		ev := s.Match(c.text)
		var sm leak.Sample
		if ev.Sample != nil {
			sm = *ev.Sample
		}
		if sm.Rows != c.rows || sm.RealRows != c.real || sm.CanaryRows != c.canaries || sm.Mentions != c.mentions {
			t.Errorf("%s: %d rows, %d real, %d canary, %d mentions; want %d, %d, %d, %d", c.name, sm.Rows, sm.RealRows, sm.CanaryRows, sm.Mentions, c.rows, c.real, c.canaries, c.mentions)
		}
	}
}

// TestWeakValuesAreNoEvidence: a date of birth never makes a row real,
// never finds a canary, never makes a hit; it corroborates a unique value
// of the same record in the same row.
func TestWeakValuesAreNoEvidence(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	dob, _ := h.Value(TypeDOB, "1985-03-04")
	email, _ := h.Value(TypeEmail, "ann@mail.test")
	s, _ := NewSet(Config{Hasher: h,
		Fingerprints: []leak.Fingerprint{{Digest: dob, Type: "dob", Dataset: "crm", Partition: "p", Record: 1}, {Digest: email, Type: "email", Dataset: "crm", Partition: "p", Record: 1}},
		Canaries:     []leak.Canary{{ID: "cn-1", Partition: "billing", Type: "dob", Digest: dob}},
	})
	ev := s.Match("x@other.test,1985-03-04\ny@other.test,1985-03-04\n")
	if ev.Severity != leak.SeverityNone || len(ev.Canaries) != 0 || ev.Sample == nil || ev.Sample.RealRows != 0 {
		t.Errorf("birth dates alone: %+v %+v", ev, ev.Sample)
	}
	ev = s.Match("ann@mail.test,1985-03-04\n")
	if ev.Sample == nil || ev.Sample.RealRows != 1 || !slices.Contains(ev.Sample.Types, "dob") || len(ev.Canaries) != 0 {
		t.Errorf("a birth date beside its record's email: %+v", ev.Sample)
	}
}

// TestDatasetSignature: two big samples of one dataset keep mostly the
// same record ids (the smallest keyed ids), so the store can tell a repost;
// another dataset's sample keeps none of them.
func TestDatasetSignature(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	var fs []leak.Fingerprint
	email := func(i int) string { return "c" + strconv.Itoa(i) + "@mail.test" }
	for i := range 3000 {
		d, _ := h.Value(TypeEmail, email(i))
		fs = append(fs, leak.Fingerprint{Digest: d, Type: "email", Dataset: "crm", Partition: "p", Record: uint64(i)})
	}
	s, _ := NewSet(Config{Hasher: h, Fingerprints: fs})
	dump := func(from, to int) []uint64 {
		var b strings.Builder
		for i := from; i < to; i++ {
			b.WriteString(email(i) + ",x\n")
		}
		ev := s.Match(b.String())
		if ev.Sample == nil || ev.Sample.RealRows != to-from || len(ev.Sample.Records) != maxRecordIDs {
			t.Fatalf("dump %d-%d: %+v", from, to, ev.Sample)
		}
		return ev.Sample.Records
	}
	a, b, c := dump(0, 2000), dump(500, 2500), dump(2500, 3000)
	common := func(x, y []uint64) int {
		n := 0
		for _, id := range x {
			if slices.Contains(y, id) {
				n++
			}
		}
		return n
	}
	if n := common(a, b); n < maxRecordIDs/2 {
		t.Errorf("two samples of one dataset share %d of %d ids, want at least half", n, maxRecordIDs)
	}
	if n := common(a, c); n != 0 {
		t.Errorf("disjoint samples share %d ids", n)
	}
}

// TestHostileShapesStayLinear: posts shaped to make row reading quadratic
// (a huge key-value block of dates, a million SQL tuples on one line, a
// long line of fields, thousands of quotes or messages) cost about their
// size: eight times the input may cost at most thirty times the time (a
// quadratic cost would be sixty-four), measured as a ratio in one run.
func TestHostileShapesStayLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing ratios: not in -short")
	}
	h, _ := NewHasher(make([]byte, KeySize))
	d, _ := h.Value(TypeEmail, "ann@mail.test")
	s, _ := NewSet(Config{Hasher: h, Brands: []string{"Halcyon Wireless", "Halcyon"},
		Fingerprints: []leak.Fingerprint{{Digest: d, Type: "email", Dataset: "crm", Partition: "p", Record: 1}}})
	shapes := map[string]func(n int) string{
		"key-value block of dates": func(n int) string { return strings.Repeat("DOB: 1985-03-04\n", n) },
		"SQL tuples on one line": func(n int) string {
			return "INSERT INTO t VALUES " + strings.Repeat("('Dana','Whitfield','60614','ann@mail.test'),", n)
		},
		"one line of fields": func(n int) string { return strings.Repeat("Dana|Whitfield|60614|1985-03-04|", n) },
		"quote marks":        func(n int) string { return strings.Repeat("\x1eQ a\n", n) + "\x1eM x\n" },
		"messages":           func(n int) string { return strings.Repeat("\x1eM a\nann@mail.test selling halcyon wireless db\n", n) },
		"brand terms":        func(n int) string { return strings.Repeat("Halcyon Wireless customers ", n) },
	}
	cost := func(text string) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			t0 := time.Now()
			s.MatchPost(leak.Post{Title: "[WTS] x", Text: text})
			best = min(best, time.Since(t0))
		}
		return best
	}
	for name, f := range shapes {
		small, big := cost(f(2500)), cost(f(20000))
		if r := float64(big) / float64(max(small, time.Microsecond)); r > 30 {
			t.Errorf("%s: 8x the input took %.0fx the time (%v, %v)", name, r, small, big)
		}
	}
}
