package matchers

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"leakwatch/leak"
)

// Config is what a Set is built from.
type Config struct {
	Hasher   *Hasher // required when there are canaries or fingerprints
	Canaries []leak.Canary
	// Index holds the fingerprints; Fingerprints, if set instead, are
	// indexed in memory.
	Index        Fingerprints
	Fingerprints []leak.Fingerprint
	// Brands are company names, domains, product names and internal host
	// names to look for.
	Brands []string
	// NotBrands are other companies' names that hold a brand word
	// ("Halcyon Pharmaceuticals"): a brand term inside one is not us.
	NotBrands []string
	// Suppliers are the watch-list of subsidiaries and suppliers (names
	// and domains): a leak site listing one of them is high.
	Suppliers []string
	// Profile words describe the company without naming it ("US carrier",
	// "wireless provider"): a sale post that names no company but uses
	// them is flagged for review.
	Profile []string
	// Customers is about how many customers the company has; 0 if unknown.
	// A claimed count far beyond it lowers the sale score, and one near it
	// supports a profile match.
	Customers int64
	// SaleThreshold is the sale-intent score at which a post counts as a
	// sale claim; 0 means DefaultSaleThreshold.
	SaleThreshold float64
	// PhoneRegion is where phone numbers written without a country code
	// are from (ISO 3166; default US). Outside North America the scanner
	// then also reads national formats ("020 7946 0958").
	PhoneRegion string
	// CriticalRows is how many real sample rows make a sale or a free dump
	// critical, HighRows how many make a post without such intent high
	// (0 means 1).
	CriticalRows, HighRows int
	// OursFraction is the share of a sample's rows that must be our
	// customers (or canaries) for the sample to be our data when no brand
	// of ours is its subject; 0 means DefaultOursFraction. Below it the
	// matching rows are customers we share with another company's data.
	OursFraction float64
}

// DefaultSaleThreshold needs, for example, "selling" plus a price or escrow.
const DefaultSaleThreshold = 3

// DefaultOursFraction: one row in five of ours makes a sample our data.
const DefaultOursFraction = 0.2

// dumpRows real rows (or more), most of a post's rows, are a dump of our data even
// without a word of sale or release: the data is out.
const dumpRows = 3

// Set matches post text against everything configured. It is immutable
// after NewSet and safe for concurrent Match calls.
type Set struct {
	hasher    *Hasher
	canaries  map[Digest]leak.Canary
	index     Fingerprints
	auto      *automaton
	brands    []brandInfo
	victims   victimTerms     // leak site victims: whose they are
	ourWords  map[string]bool // the canonical words of our brand terms
	threshold float64
	fraction  float64
	customers int64
	critRows  int
	highRows  int
	region    string
	pool      sync.Pool // *work
	// recBlock keys the record ids of the dataset signature (AES under a
	// key derived from the secret); srcTags caches each import's tag.
	recBlock cipher.Block
	srcTags  sync.Map // uint16 -> [8]byte
}

// work is one Match call's reusable state.
type work struct {
	sc        scanner
	ts        termScanner
	parts     []part
	claim     claimBuilder
	acc       sampleAcc
	brands    brandVerdict
	profile   []string
	nl        []int // newline offsets, for Explain's line numbers
	index     Fingerprints
	rowHits   []rowHit
	what      []string // what each value of the row is, for Explain
	visitFn   func(uint16, uint8, uint64)
	rowDigest [16]Digest
}

// rowHit is one fingerprint entry matched by a value of the row at hand.
type rowHit struct {
	rec recordKey
	typ uint8
	val int8 // the value's index in the row
}

// visit records one fingerprint entry for the value being looked up. It
// is bound once per work (visitFn), so lookups allocate no closure.
func (w *work) visit(src uint16, typ uint8, record uint64) {
	w.rowHits = append(w.rowHits, rowHit{rec: recordKey{src, record}, typ: typ, val: -1})
}

// NewSet builds a Set.
func NewSet(cfg Config) (*Set, error) {
	if cfg.Hasher == nil && (len(cfg.Canaries) > 0 || len(cfg.Fingerprints) > 0 || cfg.Index != nil) {
		return nil, errors.New("matchers: canaries or fingerprints need a hasher (secret key)")
	}
	s := &Set{
		hasher:    cfg.Hasher,
		canaries:  make(map[Digest]leak.Canary, len(cfg.Canaries)),
		index:     cfg.Index,
		threshold: cfg.SaleThreshold,
		fraction:  cfg.OursFraction,
		customers: cfg.Customers,
		region:    cfg.PhoneRegion,
		critRows:  max(cfg.CriticalRows, 1),
		highRows:  max(cfg.HighRows, 1),
		ourWords:  map[string]bool{},
	}
	if s.threshold == 0 {
		s.threshold = DefaultSaleThreshold
	}
	if s.fraction <= 0 {
		s.fraction = DefaultOursFraction
	}
	if s.hasher != nil {
		k := s.hasher.Sum("record-id-key", "")
		b, err := aes.NewCipher(k[:])
		if err != nil {
			return nil, fmt.Errorf("matchers: %w", err)
		}
		s.recBlock = b
	}
	for _, c := range cfg.Canaries {
		if t, ok := ParseType(c.Type); ok && !t.Unique() {
			// A canary's date of birth identifies nobody: found in another
			// company's dump it would name this partition as leaked.
			continue
		}
		s.canaries[Digest(c.Digest)] = c
	}
	if s.index == nil {
		mi, err := NewMemIndex(cfg.Fingerprints)
		if err != nil {
			return nil, fmt.Errorf("matchers: %w", err)
		}
		s.index = mi
	}
	terms := builtinTerms()
	canon := make([][]byte, len(cfg.Brands))
	for i, b := range cfg.Brands {
		c := canonical(b)
		if len(c) == 0 {
			return nil, fmt.Errorf("matchers: brand term %d (%q) has no letters", i, b)
		}
		canon[i] = c
		for _, w := range strings.Fields(string(c)) {
			s.ourWords[w] = true
		}
	}
	for i, b := range cfg.Brands {
		c := canon[i]
		bare := false
		if !strings.Contains(string(c), " ") && !strings.Contains(b, ".") {
			for j, o := range canon {
				if j != i && slices.Contains(strings.Fields(string(o)), string(c)) {
					bare = true
				}
			}
		}
		s.brands = append(s.brands, brandInfo{name: b, bare: bare})
		s.victims.ours = append(s.victims.ours, newVictimTerm(b, bare))
		terms = append(terms, term{kind: termBrand, name: b, brand: int32(i), text: c})
		// "Halcyon Wireless" is also written "HalcyonWireless".
		if sq := []byte(strings.ReplaceAll(string(c), " ", "")); len(sq) != len(c) {
			terms = append(terms, term{kind: termBrand, name: b, brand: int32(i), text: sq})
		}
	}
	for i, n := range cfg.NotBrands {
		c := canonical(n)
		if len(c) == 0 {
			return nil, fmt.Errorf("matchers: not-brand term %d (%q) has no letters", i, n)
		}
		terms = append(terms, term{kind: termNotBrand, name: n, text: c})
		s.victims.notOurs = append(s.victims.notOurs, newVictimTerm(n, false))
	}
	for i, n := range cfg.Suppliers {
		if len(canonical(n)) == 0 {
			return nil, fmt.Errorf("matchers: supplier %d (%q) has no letters", i, n)
		}
		s.victims.suppliers = append(s.victims.suppliers, newVictimTerm(n, false))
	}
	for i, p := range cfg.Profile {
		c := canonical(p)
		if len(c) == 0 {
			return nil, fmt.Errorf("matchers: profile term %d (%q) has no letters", i, p)
		}
		terms = append(terms, term{kind: termProfile, name: p, text: c})
	}
	if len(terms) > 60000 {
		return nil, errors.New("matchers: too many terms")
	}
	s.auto = newAutomaton(terms)
	s.pool.New = func() any { return new(work) }
	return s, nil
}

// Stats describes the size of a Set: Canaries counts planted people,
// CanaryValues the values they are found by (an email and a phone make
// one canary, two values).
type Stats struct {
	Canaries, CanaryValues, Fingerprints, Terms int
}

// Stats returns the Set's size.
func (s *Set) Stats() Stats {
	ids := make(map[string]bool, len(s.canaries))
	for _, c := range s.canaries {
		ids[c.ID] = true
	}
	return Stats{Canaries: len(ids), CanaryValues: len(s.canaries), Fingerprints: s.index.Len(), Terms: len(s.auto.terms)}
}

type recordKey struct {
	source uint16
	record uint64
}

// MatchPost reads a post: its title and its text, which may be a thread
// text (leak.ThreadText) whose first author is the seller. It may be
// called from many goroutines at once.
func (s *Set) MatchPost(p leak.Post) leak.Evidence {
	w := s.pool.Get().(*work)
	defer s.pool.Put(w)
	// The text is only read, so it can be viewed as bytes without a copy.
	b := unsafe.Slice(unsafe.StringData(p.Text), len(p.Text))
	t := unsafe.Slice(unsafe.StringData(p.Title), len(p.Title))
	ev := s.match(w, t, b, nil)
	if p.Victim != nil {
		s.judgeVictim(&ev, p)
	}
	return ev
}

// Finding is one value or term found by Explain, for the analyst's scan
// command: where it is and what it is, never the value itself.
type Finding struct {
	Line  int    `json:"line"` // 1-based; 0 is the title
	Kind  string `json:"kind"` // email, phone, ..., or brand, sale-phrase, ...
	What  string `json:"what"` // "customer (crm/crm-prod)", "canary cn-1 (billing)", "not ours", a term
	Start int    `json:"-"`
}

// Explain is Match plus the list of findings with their lines.
func (s *Set) Explain(text []byte) (leak.Evidence, []Finding) {
	return s.ExplainPost(nil, text)
}

// ExplainPost is MatchPost with a title, plus the findings.
func (s *Set) ExplainPost(title, text []byte) (leak.Evidence, []Finding) {
	w := s.pool.Get().(*work)
	defer s.pool.Put(w)
	fs := []Finding{}
	ev := s.match(w, title, text, &fs)
	return ev, fs
}

func (s *Set) match(w *work, title, text []byte, explain *[]Finding) leak.Evidence {
	var ev leak.Evidence
	w.parts = splitThread(text, w.parts[:0])
	if explain != nil {
		w.nl = newlineIndex(text, w.nl[:0])
	}
	w.claim.reset()
	w.profile = w.profile[:0]
	w.brands.reset()
	bv := &w.brands
	// Terms: the title and every part; the claim from the title and the
	// seller's own words only.
	read := func(b []byte, r role, off int) {
		w.ts.scan(s.auto, b)
		if r == roleTitle || r == roleSeller {
			w.claim.add(b, s.auto, w.ts.hits, r == roleTitle)
		}
		s.brandsInPart(bv, b, w.ts.hits, r)
		for _, h := range w.ts.hits {
			t := &s.auto.terms[h.term]
			if t.kind == termProfile && (r == roleTitle || r == roleSeller) && !slices.Contains(w.profile, t.name) {
				w.profile = append(w.profile, t.name)
			}
			if explain != nil && t.kind != termNotBrand {
				line := 0
				if r != roleTitle {
					line = lineAt(w.nl, off+h.start)
				}
				kind := termKindName[t.kind]
				if t.kind == termIntent {
					kind = intentKindName[t.class]
				}
				*explain = append(*explain, Finding{Line: line, Kind: kind, What: t.name, Start: off + h.start})
			}
		}
	}
	if len(title) > 0 {
		read(title, roleTitle, -len(title)-1)
	}
	for _, p := range w.parts {
		read(text[p.start:p.end], p.role, p.start)
	}
	claim, intent := w.claim.finish(s.threshold)
	if s.customers > 0 && claim.Records > 20*s.customers {
		claim.Score -= 2
		claim.Negative = append(claim.Negative, "count far beyond our customer base")
		if intent == intentIsSale && claim.Score < s.threshold {
			intent = intentNone
		}
	}
	sale, release := intent == intentIsSale, intent == intentIsRelease
	if sale || release {
		claim.Points = sellerContacts(title, nil)
		for _, p := range w.parts {
			if p.role == roleSeller {
				claim.Points = sellerContacts(text[p.start:p.end], claim.Points)
			}
		}
		claim.Points = slices.DeleteFunc(claim.Points, s.ours)
		ev.Claim = &claim
	}
	// Values: every part.
	sample := s.verify(w, text, &ev, explain)
	if sample.Rows > 0 || sample.Mentions > 0 {
		ev.Sample = &sample
	}
	// Whether a full name without context makes us the subject matters
	// only to a claim or to rows of ours: only then are the seller's words
	// read for another company's name.
	if intent == intentIsSale || intent == intentIsRelease || sample.RealRows > 0 {
		bv.done(s)
	} else if bv.strongSeller && !bv.subject {
		bv.passing = true
	}
	ev.Brands = slices.Clone(bv.names) // bv's buffers are the work's, reused
	f := facts{intent: intent, brand: *bv, sample: sample, canaries: len(ev.Canaries), rich: w.acc.rich}
	ev.Severity, ev.Why = s.severity(f)
	if ev.Severity == leak.SeverityNone && sale && len(w.profile) > 0 && len(bv.names) == 0 && s.plausibleCount(claim.Records) && !bv.readForeign(s) {
		// No company named, no sample of ours, but it fits our profile:
		// worth a human look, at a low severity.
		ev.Severity = leak.SeverityInfo
		ev.Profile = slices.Clone(w.profile)
		ev.Why = append(ev.Why, "a sale naming no company that fits our profile: review")
	}
	if ev.Severity != leak.SeverityNone {
		ev.Headline = headline(ev, bv.subject)
	}
	if explain != nil {
		sort.SliceStable(*explain, func(i, j int) bool { return (*explain)[i].Start < (*explain)[j].Start })
	}
	return ev
}

// plausibleCount: a count near our customer base (or no count, or no base
// configured) supports a profile match.
func (s *Set) plausibleCount(n int64) bool {
	if s.customers == 0 || n == 0 {
		return true
	}
	return n >= s.customers/10 && n <= s.customers*5
}

var intentKindName = map[intentClass]string{
	intentSale: "sale-phrase", intentRecycled: "recycled-phrase", intentRelease: "release-phrase",
	intentBuy: "buy-phrase", intentReport: "report-phrase",
}

var termKindName = map[termKind]string{
	termBrand: "brand", termIntent: "sale-phrase", termDataType: "data-type", termContact: "contact",
	termNoun: "record-noun", termCurrency: "currency", termProfile: "profile",
}

// newlineIndex appends the offsets of text's newlines to nl.
func newlineIndex(text []byte, nl []int) []int {
	for i, c := range text {
		if c == '\n' {
			nl = append(nl, i)
		}
	}
	return nl
}

// lineAt is the 1-based line of offset off, by binary search in nl.
func lineAt(nl []int, off int) int {
	i, _ := slices.BinarySearch(nl, off)
	return i + 1
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// facts are what the severity is decided from.
type facts struct {
	intent   claimIntent
	brand    brandVerdict
	sample   leak.Sample
	canaries int
	rich     int // real rows with two values of their record, or a strong one
}

// severity grades the evidence as an analyst would:
//   - critical: a canary (its partition leaked); or our customers' records
//     in a sale or a free dump; or a dump of them without a word;
//   - high: a sale or free dump whose subject is our company, with nothing
//     verifiable; a few real records posted without such intent;
//   - info: a mention (in passing, in a reply, a news discussion); our
//     customers' values in prose; a few of our customers inside another
//     company's data;
//   - none: nothing of ours, another company's sale.
//
// It returns the reasons beside.
func (s *Set) severity(f facts) (leak.Severity, []string) {
	sm := f.sample
	var why []string
	ours := false
	if sm.RealRows > 0 {
		share := float64(sm.RealRows+sm.CanaryRows) / float64(max(sm.Rows, 1))
		ours = share >= s.fraction || f.brand.subject
		if !ours {
			why = append(why, fmt.Sprintf("%d of %d rows are our customers: customers we share with another company's data, not our dataset", sm.RealRows, sm.Rows))
		}
	}
	claimed := f.intent == intentIsSale || f.intent == intentIsRelease
	for _, c := range f.brand.collisions {
		why = append(why, fmt.Sprintf("%q is another company, not us", c))
	}
	switch f.intent {
	case intentIsBuy:
		why = append(why, "a request to buy, not an offer")
	case intentIsReport:
		why = append(why, "reads as news or a discussion of someone else's sale")
	}
	if len(f.brand.names) > 0 && !f.brand.subject {
		if f.brand.foreign && claimed {
			why = append(why, "the sale is of another company's data; we are named in passing")
		} else {
			why = append(why, "our brand is named in passing, not as the data's owner")
		}
	}
	switch {
	case f.canaries > 0:
		why = append(why, "a canary was found: its partition leaked")
		return leak.SeverityCritical, why
	case ours && sm.RealRows >= s.critRows && claimed:
		return leak.SeverityCritical, append(why, fmt.Sprintf("%d of %d rows are our customers, in a %s", sm.RealRows, sm.Rows, map[bool]string{true: "sale", false: "free dump"}[f.intent == intentIsSale]))
	case ours && sm.RealRows >= max(s.critRows, dumpRows) && 2*(sm.RealRows+sm.CanaryRows) >= sm.Rows:
		return leak.SeverityCritical, append(why, fmt.Sprintf("a dump: %d of %d rows are our customers", sm.RealRows, sm.Rows))
	case claimed && f.brand.subject:
		why = append(why, fmt.Sprintf("a %s of our company's data, not verified by its rows", map[bool]string{true: "sale", false: "free dump"}[f.intent == intentIsSale]))
		return leak.SeverityHigh, why
	case ours && sm.RealRows >= s.highRows && (sm.RealRows >= 2 || f.rich > 0):
		return leak.SeverityHigh, append(why, fmt.Sprintf("%d of our customers' records posted", sm.RealRows))
	case sm.RealRows > 0:
		if ours {
			why = append(why, "one customer's value posted: not a dump")
		}
		return leak.SeverityInfo, why
	case sm.Mentions > 0:
		return leak.SeverityInfo, append(why, "our customers' values in running prose, not a dump")
	case len(f.brand.names) > 0:
		return leak.SeverityInfo, why
	}
	if f.intent == intentIsSale && len(f.brand.collisions) == 0 && len(f.brand.names) == 0 {
		why = append(why, "a sale that names no brand of ours, and none of its rows are our customers")
	}
	return leak.SeverityNone, why
}

func headline(ev leak.Evidence, subject bool) string {
	var b strings.Builder
	who := "customer"
	if len(ev.Brands) > 0 && (subject || ev.Sample != nil && ev.Sample.RealRows > 0) {
		// The most specific name: "Halcyon Wireless" over "Halcyon".
		best := ev.Brands[0]
		for _, b := range ev.Brands[1:] {
			if len(b) > len(best) {
				best = b
			}
		}
		who = best + " customer"
	}
	count := func(c *leak.Claim) string {
		if c.RecordsText != "" {
			return c.RecordsText
		}
		return humanCount(c.Records)
	}
	real := ev.Sample != nil && ev.Sample.RealRows > 0
	switch {
	case ev.Claim != nil && len(ev.Profile) > 0 && len(ev.Brands) == 0 && !real:
		b.WriteString("Sale claim fitting our profile (" + strings.Join(ev.Profile, ", ") + "), no company named: review")
		if ev.Claim.Records > 0 {
			b.WriteString(", " + count(ev.Claim) + " records")
		}
	case ev.Claim != nil && ev.Severity >= leak.SeverityHigh:
		if ev.Claim.Intent == "release" {
			b.WriteString("Free dump: ")
		} else {
			b.WriteString("Sale claim: ")
		}
		if ev.Claim.Records > 0 {
			b.WriteString(count(ev.Claim) + " ")
		}
		b.WriteString(who + " records")
		if t := sensitiveTypes(ev.Claim.DataTypes); len(t) > 0 {
			b.WriteString(", " + strings.ToUpper(strings.Join(t, "+")))
		}
	case real && ev.Severity >= leak.SeverityHigh:
		fmt.Fprintf(&b, "%d real %s record%s posted", ev.Sample.RealRows, who, map[bool]string{true: "", false: "s"}[ev.Sample.RealRows == 1])
	case len(ev.Canaries) > 0:
		b.WriteString("Canary values posted")
	case real:
		fmt.Fprintf(&b, "%d of %d rows match our customers", ev.Sample.RealRows, ev.Sample.Rows)
	case ev.Sample != nil && ev.Sample.Mentions > 0:
		b.WriteString("Customer values mentioned")
	case len(ev.Brands) > 0:
		b.WriteString("Mention of " + strings.Join(ev.Brands, ", "))
	default:
		b.WriteString("Customer values posted")
	}
	if s := ev.Sample; s != nil && s.Rows > 0 && (s.RealRows > 0 || s.CanaryRows > 0) && ev.Severity >= leak.SeverityHigh {
		fmt.Fprintf(&b, " (%d of %d rows real", s.RealRows, s.Rows)
		if s.CanaryRows > 0 {
			fmt.Fprintf(&b, ", %d canar%s", s.CanaryRows, map[bool]string{true: "y", false: "ies"}[s.CanaryRows == 1])
		}
		b.WriteString(")")
	} else if n := len(ev.Canaries); n > 0 {
		fmt.Fprintf(&b, " (%d canar%s)", n, map[bool]string{true: "y", false: "ies"}[n == 1])
	}
	return b.String()
}

// sensitiveTypes keeps the data types that make a sale grave (identity
// theft material), in a fixed order, for the headline.
func sensitiveTypes(types []string) []string {
	var out []string
	for _, t := range []string{"ssn", "dl", "imei", "dob", "passport", "card", "fullz"} {
		if slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	return out
}

// humanCount writes 68000000 as "68M" and 30000 as "30K".
func humanCount(n int64) string {
	switch {
	case n >= 1e9 && n%1e8 == 0:
		return trimZero(float64(n)/1e9) + "B"
	case n >= 1e6 && n%1e5 == 0:
		return trimZero(float64(n)/1e6) + "M"
	case n >= 1e3 && n%1e2 == 0:
		return trimZero(float64(n)/1e3) + "K"
	}
	return fmt.Sprint(n)
}

func trimZero(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}
