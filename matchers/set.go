package matchers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"leakwatch/leak"
)

// Config is what a Set is built from.
type Config struct {
	Hasher       *Hasher // required when there are canaries or fingerprints
	Canaries     []leak.Canary
	Fingerprints []leak.Fingerprint
	// Brands are company names, domains and product names to look for.
	Brands []string
	// SaleThreshold is the sale-intent score at which a post counts as a
	// sale claim; 0 means DefaultSaleThreshold.
	SaleThreshold float64
}

// DefaultSaleThreshold needs, for example, "selling" plus a price or escrow.
const DefaultSaleThreshold = 3

type fpRef struct {
	t         Type
	dataset   uint32
	partition uint32
	record    uint64
}

// Set matches post text against everything configured. It is immutable
// after NewSet and safe for concurrent Match calls.
type Set struct {
	hasher     *Hasher
	canaries   map[Digest]leak.Canary
	prints     map[Digest]fpRef
	names      []string // dataset and partition names, indexed by fpRef
	brands     []string // normalised
	brandNames []string // as configured
	threshold  float64
}

// NewSet builds a Set.
func NewSet(cfg Config) (*Set, error) {
	if cfg.Hasher == nil && (len(cfg.Canaries) > 0 || len(cfg.Fingerprints) > 0) {
		return nil, errors.New("matchers: canaries or fingerprints need a hasher (secret key)")
	}
	s := &Set{
		hasher:    cfg.Hasher,
		canaries:  make(map[Digest]leak.Canary, len(cfg.Canaries)),
		prints:    make(map[Digest]fpRef, len(cfg.Fingerprints)),
		threshold: cfg.SaleThreshold,
	}
	if s.threshold == 0 {
		s.threshold = DefaultSaleThreshold
	}
	for _, c := range cfg.Canaries {
		s.canaries[Digest(c.Digest)] = c
	}
	index := map[string]uint32{}
	name := func(n string) uint32 {
		if i, ok := index[n]; ok {
			return i
		}
		index[n] = uint32(len(s.names))
		s.names = append(s.names, n)
		return index[n]
	}
	for _, f := range cfg.Fingerprints {
		t, ok := ParseType(f.Type)
		if !ok {
			return nil, fmt.Errorf("matchers: fingerprint of unknown type %q", f.Type)
		}
		if _, dup := s.prints[Digest(f.Digest)]; dup {
			continue // the first dataset that holds a value names it
		}
		s.prints[Digest(f.Digest)] = fpRef{t: t, dataset: name(f.Dataset), partition: name(f.Partition), record: f.Record}
	}
	for i, b := range cfg.Brands {
		n := strings.TrimSpace(NormalizeText(b))
		if n == "" {
			return nil, fmt.Errorf("matchers: brand term %d is empty", i)
		}
		s.brands = append(s.brands, n)
		s.brandNames = append(s.brandNames, b)
	}
	return s, nil
}

// Stats describes the size of a Set.
type Stats struct {
	Canaries, Fingerprints, Brands int
}

// Stats returns the Set's size.
func (s *Set) Stats() Stats {
	return Stats{Canaries: len(s.canaries), Fingerprints: len(s.prints), Brands: len(s.brands)}
}

type recordKey struct {
	dataset uint32
	record  uint64
}

// Match reads text and returns the evidence it holds. The zero Evidence
// (Severity none) means nothing of interest.
func (s *Set) Match(text string) leak.Evidence {
	norm := NormalizeText(text)
	var ev leak.Evidence

	for i, b := range s.brands {
		if hasWord(norm, b) {
			ev.Brands = append(ev.Brands, s.brandNames[i])
		}
	}
	claim := detectClaim(norm)
	sale := claim.Score >= s.threshold
	sample := s.verify(norm, &ev)

	if sale {
		ev.Claim = &claim
	}
	if sample.Rows > 0 && (sample.Customers > 0 || len(ev.Canaries) > 0) {
		ev.Sample = &sample
	}
	ev.Severity = severity(sale, len(ev.Brands) > 0, sample.RealRows, sample.Customers, len(ev.Canaries))
	if ev.Severity != leak.SeverityNone {
		ev.Headline = headline(ev)
	}
	return ev
}

// verify treats every line with a candidate value as a row and checks each
// row against canaries and fingerprints. A row is a real record when two of
// its values belong to one fingerprinted customer, when one strong value
// (SSN, IMEI) matches, or when it holds a canary.
func (s *Set) verify(norm string, ev *leak.Evidence) leak.Sample {
	var sample leak.Sample
	if s.hasher == nil {
		return sample
	}
	types := map[Type]bool{}
	datasets := map[string]bool{}
	partitions := map[string]bool{}
	customers := map[recordKey]bool{}
	canarySeen := map[string]bool{}
	var cands []candidate
	line := 0
	for rest := norm; len(rest) > 0; line++ {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		cands = extract(l, cands[:0])
		if len(cands) == 0 {
			continue
		}
		sample.Rows++
		real := false
		perRecord := map[recordKey]int{}
		seenDigest := map[Digest]bool{}
		for _, c := range cands {
			d := s.hasher.Sum(c.t, c.norm)
			if seenDigest[d] {
				continue
			}
			seenDigest[d] = true
			if cn, ok := s.canaries[d]; ok {
				real = true
				if !canarySeen[cn.ID] {
					canarySeen[cn.ID] = true
					ev.Canaries = append(ev.Canaries, leak.CanaryHit{ID: cn.ID, Partition: cn.Partition, Type: cn.Type, Line: line + 1})
				}
				partitions[cn.Partition] = true
			}
			f, ok := s.prints[d]
			if !ok {
				continue
			}
			k := recordKey{f.dataset, f.record}
			perRecord[k]++
			customers[k] = true
			types[f.t] = true
			datasets[s.names[f.dataset]] = true
			partitions[s.names[f.partition]] = true
			if f.t.strong() || perRecord[k] >= 2 {
				real = true
			}
		}
		if real {
			sample.RealRows++
		}
	}
	sample.Customers = len(customers)
	for _, t := range Types {
		if types[t] {
			sample.Types = append(sample.Types, string(t))
		}
	}
	sample.Datasets = sortedKeys(datasets)
	sample.Partitions = sortedKeys(partitions)
	return sample
}

// severity grades the evidence: critical for a canary, or for real records
// in a sale post; high for a sale claim naming the company, or for real
// records without sale intent; info for a mention.
func severity(sale, brand bool, realRows, customers, canaries int) leak.Severity {
	switch {
	case canaries > 0, sale && realRows > 0:
		return leak.SeverityCritical
	case sale && brand, realRows > 0:
		return leak.SeverityHigh
	case brand, customers > 0:
		return leak.SeverityInfo
	}
	return leak.SeverityNone
}

func headline(ev leak.Evidence) string {
	var b strings.Builder
	who := "customer"
	if len(ev.Brands) > 0 {
		who = ev.Brands[0] + " customer"
	}
	switch {
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
		for _, have := range types {
			if have == t {
				out = append(out, t)
			}
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

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
