package matchers

import (
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
	// CriticalRows is how many real sample rows make a sale post critical,
	// HighRows how many make a post without sale intent high (0 means 1).
	CriticalRows, HighRows int
}

// DefaultSaleThreshold needs, for example, "selling" plus a price or escrow.
const DefaultSaleThreshold = 3

// Set matches post text against everything configured. It is immutable
// after NewSet and safe for concurrent Match calls.
type Set struct {
	hasher    *Hasher
	canaries  map[Digest]leak.Canary
	index     Fingerprints
	auto      *automaton
	threshold float64
	customers int64
	critRows  int
	highRows  int
	region    string
	pool      sync.Pool // *work
}

// work is one Match call's reusable state.
type work struct {
	sc         scanner
	ts         termScanner
	datasets   map[string]bool
	partitions map[string]bool
	customers  map[recordKey]bool
	perRecord  map[recordKey]int
	// What the fingerprint visitor reports for the value being looked up.
	index   Fingerprints
	types   [8]bool
	real    bool
	matched string // "customer (dataset/partition)" of the last entry
	visitFn func(uint16, uint8, uint64)
}

// visit records one fingerprint entry for the current value. It is bound
// once per work (visitFn), so lookups allocate no closure.
func (w *work) visit(src uint16, typ uint8, record uint64) {
	k := recordKey{src, record}
	w.perRecord[k]++
	w.customers[k] = true
	if int(typ) < len(w.types) {
		w.types[typ] = true
	}
	ds, part := w.index.Source(src)
	w.datasets[ds] = true
	w.partitions[part] = true
	w.matched = ds + "/" + part
	if int(typ) < len(Types) && Types[typ].strong() || w.perRecord[k] >= 2 {
		w.real = true
	}
}

func (w *work) clear() {
	if w.datasets == nil {
		w.datasets, w.partitions = map[string]bool{}, map[string]bool{}
		w.customers, w.perRecord = map[recordKey]bool{}, map[recordKey]int{}
	}
	clear(w.datasets)
	clear(w.partitions)
	clear(w.customers)
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
		customers: cfg.Customers,
		region:    cfg.PhoneRegion,
		critRows:  max(cfg.CriticalRows, 1),
		highRows:  max(cfg.HighRows, 1),
	}
	if s.threshold == 0 {
		s.threshold = DefaultSaleThreshold
	}
	for _, c := range cfg.Canaries {
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
	for i, b := range cfg.Brands {
		c := canonical(b)
		if len(c) == 0 {
			return nil, fmt.Errorf("matchers: brand term %d (%q) has no letters", i, b)
		}
		terms = append(terms, term{kind: termBrand, name: b, text: c})
		// "Halcyon Wireless" is also written "HalcyonWireless".
		if sq := []byte(strings.ReplaceAll(string(c), " ", "")); len(sq) != len(c) {
			terms = append(terms, term{kind: termBrand, name: b, text: sq})
		}
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

// Stats describes the size of a Set.
type Stats struct {
	Canaries, Fingerprints, Terms int
}

// Stats returns the Set's size.
func (s *Set) Stats() Stats {
	return Stats{Canaries: len(s.canaries), Fingerprints: s.index.Len(), Terms: len(s.auto.terms)}
}

type recordKey struct {
	source uint16
	record uint64
}

// Match reads text and returns the evidence it holds. The zero Evidence
// (Severity none) means nothing of interest. Match may be called from many
// goroutines at once.
func (s *Set) Match(text string) leak.Evidence {
	w := s.pool.Get().(*work)
	defer s.pool.Put(w)
	// The text is only read, so it can be viewed as bytes without a copy.
	b := unsafe.Slice(unsafe.StringData(text), len(text))
	return s.match(w, b, nil)
}

// Finding is one value or term found by Explain, for the analyst's scan
// command: where it is and what it is, never the value itself.
type Finding struct {
	Line  int    `json:"line"` // 1-based
	Kind  string `json:"kind"` // email, phone, ..., or brand, sale-phrase, ...
	What  string `json:"what"` // "customer (crm/crm-prod)", "canary cn-1 (billing)", "not ours", a term
	Start int    `json:"-"`
}

// Explain is Match plus the list of findings with their lines.
func (s *Set) Explain(text []byte) (leak.Evidence, []Finding) {
	w := s.pool.Get().(*work)
	defer s.pool.Put(w)
	var fs []Finding
	ev := s.match(w, text, &fs)
	return ev, fs
}

func (s *Set) match(w *work, text []byte, explain *[]Finding) leak.Evidence {
	var ev leak.Evidence
	w.ts.scan(s.auto, text)
	var profile []string
	for _, h := range w.ts.hits {
		t := &s.auto.terms[h.term]
		switch t.kind {
		case termBrand:
			if !slices.Contains(ev.Brands, t.name) {
				ev.Brands = append(ev.Brands, t.name)
			}
		case termProfile:
			if !slices.Contains(profile, t.name) {
				profile = append(profile, t.name)
			}
		}
		if explain != nil {
			*explain = append(*explain, Finding{Line: lineOf(text, h.start), Kind: termKindName[t.kind], What: t.name, Start: h.start})
		}
	}
	claim := claimFrom(text, s.auto, w.ts.hits)
	if s.customers > 0 && claim.Records > 20*s.customers {
		claim.Score -= 2
		claim.Negative = append(claim.Negative, "count far beyond our customer base")
	}
	sale := claim.Score >= s.threshold
	sample := s.verify(w, text, &ev, explain)
	if sale {
		ev.Claim = &claim
	}
	if sample.Rows > 0 && (sample.Customers > 0 || len(ev.Canaries) > 0) {
		ev.Sample = &sample
	}
	ev.Severity = s.severity(sale, len(ev.Brands) > 0, sample.RealRows, sample.Customers, len(ev.Canaries))
	if ev.Severity == leak.SeverityNone && sale && len(profile) > 0 && s.plausibleCount(claim.Records) {
		// No company named, no sample of ours, but it fits our profile:
		// worth a human look, at a low severity.
		ev.Severity = leak.SeverityInfo
		ev.Profile = profile
	}
	if ev.Severity != leak.SeverityNone {
		ev.Headline = headline(ev)
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

var termKindName = map[termKind]string{
	termBrand: "brand", termIntent: "sale-phrase", termDataType: "data-type", termContact: "contact",
	termNoun: "record-noun", termCurrency: "currency", termProfile: "profile",
}

func lineOf(text []byte, off int) int {
	n := 1
	for _, c := range text[:min(off, len(text))] {
		if c == '\n' {
			n++
		}
	}
	return n
}

// verify treats every line with a candidate value as a row and checks each
// row against canaries and fingerprints. A row is a real record when two of
// its values belong to one fingerprinted customer, when one strong value
// (SSN, IMEI, card) matches, or when it holds a canary.
func (s *Set) verify(w *work, text []byte, ev *leak.Evidence, explain *[]Finding) leak.Sample {
	var sample leak.Sample
	w.sc.region = s.region
	w.sc.scan(text)
	if len(w.sc.found) == 0 {
		return sample
	}
	w.clear()
	w.types = [8]bool{}
	if w.visitFn == nil {
		w.visitFn = w.visit
	}
	w.index = s.index
	datasets, partitions, customers := w.datasets, w.partitions, w.customers
	var canarySeen map[string]bool
	assignRows(text, w.sc.found)
	if s.index.Len() > 0 {
		w.sc.rowExtras(text)
		w.sc.sortByRow()
	}
	found := w.sc.found
	for i := 0; i < len(found); {
		row := found[i].row
		j := i
		for j < len(found) && found[j].row == row {
			j++
		}
		sample.Rows++
		w.real = false
		clear(w.perRecord)
		var rowDigests [16]Digest
		nd := 0
		for _, f := range found[i:j] {
			what := "not ours"
			if s.hasher == nil {
				continue
			}
			d := s.hasher.Sum(f.t, unsafeString(w.sc.norm(f)))
			dup := false
			for _, x := range rowDigests[:nd] {
				dup = dup || x == d
			}
			if dup {
				continue
			}
			if nd < len(rowDigests) {
				rowDigests[nd] = d
				nd++
			}
			if cn, ok := s.canaries[d]; ok {
				w.real = true
				what = "canary " + cn.ID + " (" + cn.Partition + ")"
				if canarySeen == nil {
					canarySeen = map[string]bool{}
				}
				if !canarySeen[cn.ID] {
					canarySeen[cn.ID] = true
					ev.Canaries = append(ev.Canaries, leak.CanaryHit{ID: cn.ID, Partition: cn.Partition, Type: cn.Type, Line: int(f.line) + 1})
				}
				partitions[cn.Partition] = true
			}
			w.matched = ""
			s.index.Lookup(d, w.visitFn)
			if w.matched != "" {
				what = "customer (" + w.matched + ")"
			}
			if explain != nil {
				*explain = append(*explain, Finding{Line: int(f.line) + 1, Kind: string(f.t), What: what, Start: int(f.start)})
			}
		}
		if w.real {
			sample.RealRows++
		}
		i = j
	}
	sample.Customers = len(customers)
	for i, t := range Types {
		if w.types[i] {
			sample.Types = append(sample.Types, string(t))
		}
	}
	sample.Datasets = sortedKeys(datasets)
	sample.Partitions = sortedKeys(partitions)
	return sample
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// severity grades the evidence: critical for a canary, or for real records
// in a sale post; high for a sale claim naming the company, or for real
// records without sale intent; info for a mention or a lone matching value.
// The row counts are the configured thresholds.
func (s *Set) severity(sale, brand bool, realRows, customers, canaries int) leak.Severity {
	switch {
	case canaries > 0, sale && realRows >= s.critRows:
		return leak.SeverityCritical
	case sale && brand, realRows >= s.highRows:
		return leak.SeverityHigh
	case realRows > 0:
		return leak.SeverityInfo
	case brand, customers > 0:
		return leak.SeverityInfo
	}
	return leak.SeverityNone
}

func headline(ev leak.Evidence) string {
	var b strings.Builder
	who := "customer"
	if len(ev.Brands) > 0 {
		// The most specific name: "Halcyon Wireless" over "Halcyon".
		best := ev.Brands[0]
		for _, b := range ev.Brands[1:] {
			if len(b) > len(best) {
				best = b
			}
		}
		who = best + " customer"
	}
	switch {
	case ev.Claim != nil && len(ev.Profile) > 0 && len(ev.Brands) == 0 && ev.Sample == nil:
		b.WriteString("Sale claim fitting our profile (" + strings.Join(ev.Profile, ", ") + "), no company named: review")
		if ev.Claim.Records > 0 {
			b.WriteString(", " + humanCount(ev.Claim.Records) + " records")
		}
	case ev.Claim != nil:
		b.WriteString("Sale claim: ")
		if ev.Claim.Records > 0 {
			b.WriteString(humanCount(ev.Claim.Records) + " ")
		}
		b.WriteString(who + " records")
		if t := sensitiveTypes(ev.Claim.DataTypes); len(t) > 0 {
			b.WriteString(", " + strings.ToUpper(strings.Join(t, "+")))
		}
	case ev.Sample != nil && ev.Sample.RealRows > 0:
		fmt.Fprintf(&b, "%d real %s records posted", ev.Sample.RealRows, who)
	case len(ev.Canaries) > 0:
		b.WriteString("Canary values posted")
	case len(ev.Brands) > 0:
		b.WriteString("Mention of " + strings.Join(ev.Brands, ", "))
	default:
		b.WriteString("Customer values posted")
	}
	if n := len(ev.Canaries); n > 0 {
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
