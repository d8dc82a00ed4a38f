package matchers

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"

	"leakwatch/leak"
)

// Verification counts a post's rows as an analyst does. Every value the
// scanner finds is hashed and looked up; then each row is
//   - a canary row, when it holds a planted canary's unique value (never a
//     real customer, whatever else matches);
//   - a real row, when a unique value (email, phone, SSN, IMEI, card,
//     licence, name+ZIP) of a fingerprinted record matches; a date of
//     birth of that record in the row corroborates it, and alone proves
//     nothing;
//   - unmatched otherwise.
//
// Two kinds of line are not rows: the seller's contact line ("Jabber:
// x@y", "email me at ...") and a single value in running prose ("my number
// is ..., call me"), which is a mention. A row repeated (a quote, a
// repost of the sample in a reply) counts once.

// sampleAcc gathers one post's sample over its parts.
type sampleAcc struct {
	sample     leak.Sample
	rich       int
	customers  map[recordKey]bool
	datasets   map[string]bool
	partitions map[string]bool
	types      [8]bool
	seenRows   map[uint64]bool
	canarySeen map[string]bool
	records    []uint64 // one per customer and canary (each added once), see addRecord
	recMax     uint64   // when set, only ids below it can be among the smallest
}

func (a *sampleAcc) reset() {
	if a.customers == nil {
		a.customers, a.datasets, a.partitions = map[recordKey]bool{}, map[string]bool{}, map[string]bool{}
		a.seenRows, a.canarySeen = map[uint64]bool{}, map[string]bool{}
	}
	// Cleared only when used, and dropped when a big dump grew them:
	// clearing a map costs its capacity, and most posts hold no row.
	a.customers = reuse(a.customers)
	a.datasets = reuse(a.datasets)
	a.partitions = reuse(a.partitions)
	a.seenRows = reuse(a.seenRows)
	a.canarySeen = reuse(a.canarySeen)
	a.records, a.recMax = a.records[:0], 0
	a.types = [8]bool{}
	a.sample = leak.Sample{}
	a.rich = 0
}

// maxRecordIDs bounds the record ids a hit keeps (the smallest, a bottom-k
// sketch: two samples of one dataset keep the same smallest ids).
const maxRecordIDs = 256

// rowKind says what a line holding values is.
type rowKind uint8

const (
	rowRecord rowKind = iota
	rowContact
	rowMention
)

// verify reads every part's values and returns the post's sample.
func (s *Set) verify(w *work, text []byte, ev *leak.Evidence, explain *[]Finding) leak.Sample {
	a := &w.acc
	a.reset()
	if w.visitFn == nil {
		w.visitFn = w.visit
	}
	w.index = s.index
	w.sc.region = s.region
	for _, p := range w.parts {
		s.verifyPart(w, text, p, ev, explain)
	}
	sm := a.sample
	sm.Customers = len(a.customers)
	sm.Unmatched = sm.Rows - sm.RealRows - sm.CanaryRows
	for i, t := range Types {
		if a.types[i] {
			sm.Types = append(sm.Types, string(t))
		}
	}
	sm.Datasets = sortedKeys(a.datasets)
	sm.Partitions = sortedKeys(a.partitions)
	if len(a.records) > 0 {
		slices.Sort(a.records)
		sm.Records = slices.Clone(a.records[:min(len(a.records), maxRecordIDs)])
	}
	return sm
}

// verifyPart reads the values of one part.
func (s *Set) verifyPart(w *work, text []byte, p part, ev *leak.Evidence, explain *[]Finding) {
	b := text[p.start:p.end]
	w.sc.scan(b)
	if len(w.sc.found) == 0 && (len(w.sc.anchors) == 0 || s.index.Len() == 0) {
		return
	}
	assignRows(b, w.sc.found)
	if s.index.Len() > 0 {
		w.sc.rowExtras(b)
		w.sc.sortByRow()
	}
	found := w.sc.found
	for i := 0; i < len(found); {
		j := i
		for j < len(found) && found[j].row == found[i].row {
			j++
		}
		s.verifyRow(w, b, p, found[i:j], ev, explain)
		i = j
	}
}

// verifyRow checks one row.
func (s *Set) verifyRow(w *work, b []byte, p part, fs []found, ev *leak.Evidence, explain *[]Finding) {
	a := &w.acc
	// A row is something that can identify a person: a date of birth
	// alone cannot, so a line of only that is no row.
	countable := false
	for _, f := range fs {
		countable = countable || f.t.Unique()
	}
	if !countable && explain == nil {
		return
	}
	kind := rowKindOf(b, fs, explain != nil)
	w.rowHits = w.rowHits[:0]
	nd := 0
	var sig uint64
	canary := false
	what := w.what[:0]
	if explain != nil {
		for range fs {
			what = append(what, "not ours")
		}
	}
	w.what = what
	for k, f := range fs {
		if s.hasher == nil {
			continue
		}
		d := s.hasher.Sum(f.t, unsafeString(w.sc.norm(f)))
		dup := false
		for _, x := range w.rowDigest[:nd] {
			dup = dup || x == d
		}
		if dup {
			if explain != nil {
				what[k] = "repeated in this row"
			}
			continue
		}
		if nd < len(w.rowDigest) {
			w.rowDigest[nd] = d
			nd++
		}
		sig += binary.LittleEndian.Uint64(d[:8])
		if cn, ok := s.canaries[d]; ok && f.t.Unique() {
			canary = true
			if explain != nil {
				what[k] = "canary " + cn.ID + " (" + cn.Partition + ")"
			}
			if !a.canarySeen[cn.ID] {
				a.canarySeen[cn.ID] = true
				ev.Canaries = append(ev.Canaries, leak.CanaryHit{ID: cn.ID, Partition: cn.Partition, Type: cn.Type, Line: p.line + int(f.line) + 1})
				a.records = append(a.records, s.recordID("canary", cn.ID))
			}
			a.partitions[cn.Partition] = true
		}
		n := len(w.rowHits)
		s.index.Lookup(d, w.visitFn)
		for h := n; h < len(w.rowHits); h++ {
			w.rowHits[h].val = int8(min(k, 127))
		}
	}
	// The records this row proves: one of their unique values matched.
	real := false
	richRow := false
	for h, rh := range w.rowHits {
		t := Types[min(int(rh.typ), len(Types)-1)]
		if !t.Unique() || seenBefore(w.rowHits[:h], rh.rec, true) {
			continue
		}
		real = true
		values := 0
		for _, o := range w.rowHits {
			if o.rec == rh.rec {
				values++
				richRow = richRow || Types[min(int(o.typ), len(Types)-1)].strong()
			}
		}
		richRow = richRow || values >= 2
	}
	for _, rh := range w.rowHits {
		t := Types[min(int(rh.typ), len(Types)-1)]
		ds, part := s.index.Source(rh.rec.source)
		proven := t.Unique() || seenBefore(w.rowHits, rh.rec, true)
		k := int(rh.val)
		switch {
		case explain == nil, k < 0 || k >= len(what):
			// What each value is, in words, only for Explain.
		case canary:
		case proven && !t.Unique():
			what[k] = "customer (" + ds + "/" + part + "), corroborates"
		case proven:
			what[k] = "customer (" + ds + "/" + part + ")"
		case what[k] == "not ours":
			what[k] = "weak: a " + string(t) + " some customer has, proves nothing alone"
		}
		if !proven || kind != rowRecord || canary {
			continue
		}
		if int(rh.typ) < len(a.types) {
			a.types[rh.typ] = true
		}
		if !a.customers[rh.rec] {
			a.customers[rh.rec] = true
			if id := s.recordID("record", rh.rec); a.recMax == 0 || id < a.recMax {
				a.addRecord(id)
			}
		}
		a.datasets[ds] = true
		a.partitions[part] = true
	}
	repeated := false
	if kind == rowRecord && nd > 0 {
		sig ^= uint64(nd) << 56
		repeated = a.seenRows[sig]
		a.seenRows[sig] = true
	}
	switch {
	case repeated || !countable:
	case kind == rowContact || kind == rowMention:
		if real && !canary {
			a.sample.Mentions++
		}
	default:
		a.sample.Rows++
		switch {
		case canary:
			a.sample.CanaryRows++
		case real:
			a.sample.RealRows++
			if richRow {
				a.rich++
			}
		}
	}
	if explain != nil {
		note := ""
		switch {
		case repeated:
			note = " (a row repeated, counted once)"
		case kind == rowContact:
			note = " (the seller's contact, not a sample row)"
		case kind == rowMention:
			note = " (in running prose, not a sample row)"
		}
		for k, f := range fs {
			*explain = append(*explain, Finding{Line: p.line + int(f.line) + 1, Kind: string(f.t), What: what[k] + note, Start: p.start + int(f.start)})
		}
	}
}

// seenBefore reports whether rec has a unique (unique true) value among hs.
func seenBefore(hs []rowHit, rec recordKey, unique bool) bool {
	for _, h := range hs {
		if h.rec == rec && Types[min(int(h.typ), len(Types)-1)].Unique() == unique {
			return true
		}
	}
	return false
}

// recordID is the keyed id of a matched record or canary, for the
// dataset signature: stable across fingerprint generations (it names the
// record by dataset, partition and number, not by the store's import id)
// and meaningless without the secret key.
func (s *Set) recordID(kind string, v any) uint64 {
	switch x := v.(type) {
	case recordKey:
		// One AES block (AES-NI: a few nanoseconds) keyed from the secret:
		// this runs for every customer record a sample holds.
		var in, out [16]byte
		binary.BigEndian.PutUint64(in[:8], x.record)
		tag := s.sourceTag(x.source)
		copy(in[8:], tag[:])
		s.recBlock.Encrypt(out[:], in[:])
		return binary.BigEndian.Uint64(out[:8])
	case string:
		d := s.hasher.Sum(Type(kind), x)
		return binary.BigEndian.Uint64(d[:8])
	}
	return 0
}

// sourceTag is a keyed tag of an import's dataset and partition, cached.
func (s *Set) sourceTag(id uint16) [8]byte {
	if v, ok := s.srcTags.Load(id); ok {
		return v.([8]byte)
	}
	ds, part := s.index.Source(id)
	d := s.hasher.Sum("record-source", ds+"\x00"+part)
	var t [8]byte
	copy(t[:], d[:8])
	s.srcTags.Store(id, t)
	return t
}

// rowKindOf tells a record row from the seller's contact line and from a
// value in running prose.
//
// A lone value in prose and one in a contact line count alike, so prose
// is asked first (it is cheaper) unless precise asks for the right reason
// (Explain).
func rowKindOf(b []byte, fs []found, precise bool) rowKind {
	first, last := fs[0], fs[0]
	values := 0
	for _, f := range fs {
		if !f.extra {
			if values == 0 {
				first = f
			}
			last = f
			values++
		}
	}
	// The line around the row, read at most rowWindow bytes either way: a
	// dump may put a million tuples on one line.
	lo := max(int(first.start)-rowWindow, 0)
	ls := bytes.LastIndexByte(b[lo:first.start], '\n') + 1 + lo
	if first.line != last.line {
		// A key-value block: a contact block only if every key says so.
		for p := ls; p < int(last.end); {
			e := bytes.IndexByte(b[p:], '\n')
			if e < 0 {
				e = len(b)
			} else {
				e += p
			}
			if k, _ := splitKeyValue(b[p:e]); k != "" && !contactKey(k) {
				return rowRecord
			}
			p = e + 1
		}
		return rowContact
	}
	hi := min(int(first.end)+rowWindow, len(b))
	le := bytes.IndexByte(b[first.start:hi], '\n')
	if le < 0 {
		le = hi
	} else {
		le += int(first.start)
	}
	line := b[ls:le]
	// A line of three fields or more is a dump row: a contact line is
	// "Jabber: x@y", "email me at ...", "TG: @x, or call ...".
	switch values {
	case 1:
		isProse, seps := prose(line, int(first.start)-ls, int(first.end)-ls)
		switch {
		case precise && seps < 2 && contactLine(line):
			return rowContact
		case isProse:
			return rowMention
		case seps < 2 && contactLine(line):
			return rowContact
		}
	case 2:
		if fieldSeps(line) < 2 && contactLine(line) {
			return rowContact
		}
	}
	return rowRecord
}

// rowWindow bounds how much of a row's line rowKindOf reads.
const rowWindow = 512

// contactMarks are words that make a line the poster's contact details.
var contactMarks = setOf(`jabber xmpp telegram tg tox session signal wickr threema element matrix icq skype whatsapp
	contact contacts pgp gpg escrow связь контакт контакты пиши телеграм жабер жаббер тг`)

// contactPhrases are the two-word ways to ask for contact.
var contactPhrases = []string{"pm me", "dm me", "email me", "mail me", "write me", "write to", "reach me", "hit me",
	"call me", "text me", "message me", "contact me", "msg me", "ping me", "pm for", "dm for", "mail to"}

// contactLine reports whether a line gives the poster's contact details.
// It runs for every row, so it lower-cases the line's first words into
// buffers of its own instead of allocating.
func contactLine(line []byte) bool {
	var cur, prev, pair [40]byte
	np := 0
	i := 0
	for words := 0; words < 16; words++ {
		for i < len(line) && !wordByte(line[i]) {
			i++
		}
		if i == len(line) {
			return false
		}
		s := i
		for i < len(line) && wordByte(line[i]) {
			i++
		}
		w := line[s:i]
		if len(w) < 2 || len(w) > 16 || w[0] >= '0' && w[0] <= '9' {
			np = 0 // no contact word is that long, or a number
			continue
		}
		lw := cur[:0]
		ascii := true
		for _, c := range w {
			ascii = ascii && c < 0x80
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			lw = append(lw, c)
		}
		if !ascii {
			lw = append(cur[:0], strings.ToLower(string(w))...) // Cyrillic: rare
		}
		if !contactFilter[contactKey3(lw)] {
			np = copy(prev[:], lw)
			continue // neither a contact word nor the start of a contact phrase
		}
		if contactMarks[unsafeString(lw)] {
			return true
		}
		if np > 0 && np+1+len(lw) <= len(pair) {
			pp := append(append(append(pair[:0], prev[:np]...), ' '), lw...)
			if slices.Contains(contactPhrases, unsafeString(pp)) {
				return true
			}
		}
		np = copy(prev[:], lw)
	}
	return false
}

// contactKey: a key-value key that names a contact channel.
func contactKey(k string) bool {
	for _, w := range strings.Fields(k) {
		if contactMarks[w] {
			return true
		}
	}
	return false
}

// prose reports whether the line around one value (at line[vs:ve]) is
// running text ("my number is ..., please call") rather than a row: four
// or more words beside the value and few field separators. It also
// returns the separators it counted.
func prose(line []byte, vs, ve int) (bool, int) {
	words, seps := 0, 0
	count := func(b []byte) {
		letters := 0
		for _, c := range b {
			switch proseClass[c] {
			case 1:
				letters++
				continue
			case 2:
				seps++
			}
			if letters >= 2 {
				words++
			}
			letters = 0
		}
		if letters >= 2 {
			words++
		}
	}
	// The sentence around the value decides; a long line is read only
	// near it.
	const window = 160
	count(line[max(vs-window, 0):max(vs, 0)])
	count(line[min(ve, len(line)):min(ve+window, len(line))])
	return words >= 4 && words > 2*seps+1, seps
}

// proseClass: 1 for the bytes of a word (letters, UTF-8, apostrophes), 2
// for field separators.
var proseClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '\'':
			t[c] = 1
		case c == ',' || c == ';' || c == '|' || c == '\t':
			t[c] = 2
		}
	}
	return t
}()

// fieldSeps counts the field separators of a line (, ; | and tab).
func fieldSeps(line []byte) int {
	n := 0
	for _, c := range line {
		if c == ',' || c == ';' || c == '|' || c == '\t' {
			if n++; n == 2 {
				return n // enough to know
			}
		}
	}
	return n
}

// contactFilter marks the keys (contactKey3) of the contact words and of
// both words of the contact phrases: most words of a row fail it, and
// never reach the maps.
var contactFilter = func() (f [1 << 12]bool) {
	for w := range contactMarks {
		f[contactKey3([]byte(w))] = true
	}
	for _, p := range contactPhrases {
		a, b, _ := strings.Cut(p, " ")
		f[contactKey3([]byte(a))] = true
		f[contactKey3([]byte(b))] = true
	}
	return f
}()

// contactKey3 mixes a lower-cased word's length, first and last bytes.
func contactKey3(w []byte) uint16 {
	return uint16((len(w)*31 ^ int(w[0])*7 ^ int(w[len(w)-1])<<3) & (1<<12 - 1))
}

// reuse empties m for the next post: cleared when small, replaced when a
// big post grew it.
func reuse[K comparable, V any](m map[K]V) map[K]V {
	switch n := len(m); {
	case n == 0:
		return m
	case n > 1024:
		return map[K]V{}
	}
	clear(m)
	return m
}

// addRecord keeps the smallest record ids seen (a bottom-k sketch: two
// samples of one dataset keep the same smallest ids, whatever their size),
// in bounded memory.
func (a *sampleAcc) addRecord(id uint64) {
	a.records = append(a.records, id)
	if len(a.records) == 4*maxRecordIDs {
		slices.Sort(a.records)
		a.records = a.records[:maxRecordIDs]
		a.recMax = a.records[maxRecordIDs-1]
	}
}
