package matchers

import (
	"fmt"
	"sort"

	"leakwatch/leak"
)

// Fingerprints is a set of fingerprinted customer values, held as keyed
// digests: a MemIndex for small sets, or the on-disk store of package
// fpstore for hundreds of millions.
type Fingerprints interface {
	// Lookup calls fn for each stored value whose digest is d: the import
	// (source) it came from, its type index in Types, and the record it
	// belongs to. It must be safe for concurrent use.
	Lookup(d [16]byte, fn func(source uint16, typ uint8, record uint64))
	// Source names an import's dataset and partition.
	Source(id uint16) (dataset, partition string)
	// Len is the number of stored values.
	Len() int
}

// TypeIndex returns t's position in Types, as Fingerprints store it.
func TypeIndex(t Type) (uint8, bool) {
	for i, x := range Types {
		if x == t {
			return uint8(i), true
		}
	}
	return 0, false
}

// MemIndex is an in-memory Fingerprints, for small sets and tests.
type MemIndex struct {
	entries map[[16]byte][]memEntry
	sources [][2]string
	n       int
}

type memEntry struct {
	source uint16
	typ    uint8
	record uint64
}

// NewMemIndex indexes fingerprints; each distinct dataset and partition
// pair becomes one source.
func NewMemIndex(fs []leak.Fingerprint) (*MemIndex, error) {
	m := &MemIndex{entries: make(map[[16]byte][]memEntry, len(fs))}
	ids := map[[2]string]uint16{}
	for _, f := range fs {
		t, ok := ParseType(f.Type)
		if !ok {
			return nil, fmt.Errorf("fingerprint of unknown type %q", f.Type)
		}
		ti, _ := TypeIndex(t)
		key := [2]string{f.Dataset, f.Partition}
		id, ok := ids[key]
		if !ok {
			id = uint16(len(m.sources))
			ids[key] = id
			m.sources = append(m.sources, key)
		}
		m.entries[f.Digest] = append(m.entries[f.Digest], memEntry{id, ti, f.Record})
		m.n++
	}
	return m, nil
}

// Lookup implements Fingerprints.
func (m *MemIndex) Lookup(d [16]byte, fn func(uint16, uint8, uint64)) {
	for _, e := range m.entries[d] {
		fn(e.source, e.typ, e.record)
	}
}

// Source implements Fingerprints.
func (m *MemIndex) Source(id uint16) (string, string) {
	if int(id) >= len(m.sources) {
		return "?", "?"
	}
	return m.sources[id][0], m.sources[id][1]
}

// Len implements Fingerprints.
func (m *MemIndex) Len() int { return m.n }

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
