package matchers

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// Some identifiers cannot be told from other text on their own: a date of
// birth looks like any date, a licence number like any code, a name like
// any words. They are read only in delimited rows that already hold a
// value (a dump row), field by field: dates of birth, a US state with a
// licence number (dl), and a full name with a ZIP code (name_zip).

// rowExtras appends dob, dl and name_zip candidates for every delimited
// line that holds a value, and for every key-value block that does, with
// their rows.
func (s *scanner) rowExtras(text []byte) {
	n := len(s.found)
	s.anchorRows(text, n)
	lastLine, lastRow, lastKVRow := int32(-1), int32(-1), int32(-1)
	ls, le, spanEnd := 0, 0, 0
	for k := 0; k < n; k++ {
		f := s.found[k]
		if f.line == lastLine && f.row == lastRow {
			continue
		}
		if f.line != lastLine {
			ls, le = lineBounds(text, int(f.start))
		}
		first := f.line != lastLine
		lastLine, lastRow = f.line, f.row
		if isKeyValue(text[ls:le]) {
			if f.row != lastKVRow {
				lastKVRow = f.row
				s.blockExtras(text, ls, le, f.line, f.row)
			}
			continue
		}
		// SQL tuples: each tuple of the line is a row of its own, so its
		// fields are read apart from its neighbours'. The tuples are
		// walked once, from the last one read (a dump puts thousands on a
		// line).
		if first {
			spanEnd = ls
		}
		ts, te := ls, le
		if !first || tupleIndex(text[ls:le]) > 0 {
			ts, te = tupleSpan(text, max(spanEnd, ls), le, int(f.start))
			spanEnd = te
		}
		s.lineExtras(text, ts, te, f.line, f.row)
	}
}

// tupleSpan returns the SQL tuple of the line text[ls:le] that holds
// offset off: from after the separator "),(" before it to the next one.
func tupleSpan(text []byte, ls, le, off int) (int, int) {
	start, end := ls, le
	line := text[ls:le]
	for i := 0; i < len(line); {
		j := bytes.IndexByte(line[i:], ')')
		if j < 0 {
			break
		}
		j += i
		k := j + 1
		for k < len(line) && (line[k] == ' ' || line[k] == ',') {
			k++
		}
		if k < len(line) && line[k] == '(' && bytes.IndexByte(line[j+1:k], ',') >= 0 {
			if ls+j < off {
				start = ls + k
			} else {
				end = ls + j + 1
				break
			}
		}
		i = j + 1
	}
	return start, end
}

// anchorRows reads the lines the scan anchored (a date, a ZIP code) that
// hold no value of their own: a delimited row or a key-value block may
// still identify someone by a licence or by a name with its ZIP code. Each
// gets a row of its own (a block one for all its lines). n is the number
// of scanned values, which come first in s.found.
func (s *scanner) anchorRows(text []byte, n int) {
	if len(s.anchors) == 0 {
		return
	}
	next := int32(0)
	for _, f := range s.found[:n] {
		next = max(next, f.row+1)
	}
	k := 0
	lastBlockEnd := -1
	for _, a := range s.anchors {
		for k < n && s.found[k].line < a.line {
			k++
		}
		if k < n && s.found[k].line == a.line {
			continue // the line holds a value: rowExtras reads it
		}
		ls, le := lineBounds(text, int(a.off))
		if isKeyValue(text[ls:le]) {
			if ls < lastBlockEnd {
				continue // a line of the block read last: one row for the block
			}
			bs := blockStart(text, ls)
			end, has := s.blockHasValue(text, bs, n)
			lastBlockEnd = end
			if has {
				continue
			}
			s.blockExtras(text, ls, le, a.line, next)
		} else {
			s.lineExtras(text, ls, le, a.line, next)
		}
		next++
	}
}

// blockStart is where the key-value block holding the line at ls starts.
func blockStart(text []byte, ls int) int {
	bs := ls
	for bs > 0 {
		ps := bytes.LastIndexByte(text[:bs-1], '\n') + 1
		if !isKeyValue(text[ps : bs-1]) {
			break
		}
		bs = ps
	}
	return bs
}

// blockHasValue returns where the key-value block starting at bs ends
// and whether a scanned value lies in it (then rowExtras reads the block
// with its row).
func (s *scanner) blockHasValue(text []byte, bs, n int) (int, bool) {
	end := bs
	for end < len(text) {
		e := bytes.IndexByte(text[end:], '\n')
		if e < 0 {
			e = len(text)
		} else {
			e += end
		}
		if !isKeyValue(text[end:e]) {
			break
		}
		end = e + 1
	}
	// The first value at or after bs (the values are in text order).
	k, _ := slices.BinarySearchFunc(s.found[:n], int32(bs), func(f found, off int32) int { return int(f.start - off) })
	return end, k < n && int(s.found[k].start) < end
}

// blockExtras reads the key-value block around the line text[ls:le] (one
// record, one field per line) for dob, dl and name_zip, by the keys'
// names: "DOB:", "Date of birth:", "DL:", "State:", "ZIP:", "Name:",
// "First name:", "Last name:".
func (s *scanner) blockExtras(text []byte, ls, le int, line, row int32) {
	// The block runs over the key-value lines before and after this one.
	bs := blockStart(text, ls)
	var dob, dl, state, zip, name, first, last string
	for p := bs; p < len(text); {
		e := bytes.IndexByte(text[p:], '\n')
		if e < 0 {
			e = len(text)
		} else {
			e += p
		}
		l := text[p:e]
		if !isKeyValue(l) {
			break
		}
		k, v := splitKeyValue(l)
		switch {
		case strings.Contains(k, "birth") || k == "dob" || k == "birthday":
			dob = v
		case strings.Contains(k, "licen") || k == "dl" || k == "dl#" || k == "driver":
			dl = v
		case k == "state" || k == "dl state" || k == "st":
			state = v
		case strings.Contains(k, "zip") || strings.Contains(k, "postal"):
			zip = v
		case k == "name" || k == "full name" || k == "fullname":
			name = v
		case k == "first name" || k == "first" || k == "firstname":
			first = v
		case k == "last name" || k == "last" || k == "lastname" || k == "surname":
			last = v
		}
		p = e + 1
	}
	if v, ok := normDOB(dob); ok {
		s.extra(TypeDOB, v, ls, le, line, row)
	}
	if dl != "" {
		v, ok := normDL(dl)
		if !ok && state != "" {
			v, ok = normDL(state + " " + dl)
		}
		if ok {
			s.extra(TypeDL, v, ls, le, line, row)
		}
	}
	if name == "" && first != "" && last != "" {
		name = first + " " + last
	}
	if name != "" && zip != "" {
		if v, ok := normNameZip(name + " " + zip); ok {
			s.extra(TypeName, v, ls, le, line, row)
		}
	}
}

// splitKeyValue returns a key-value line's key, lower-cased, and value,
// trimmed.
func splitKeyValue(l []byte) (string, string) {
	i := bytes.IndexAny(l, ":=")
	if i < 0 {
		return "", ""
	}
	k := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(strings.Trim(strings.TrimSpace(string(l[:i])), `"'`), "_", " ")), " "))
	return k, strings.Trim(strings.TrimSpace(string(l[i+1:])), `"',`)
}

func (s *scanner) lineExtras(text []byte, ls, le int, line, row int32) {
	l := text[ls:le]
	sep := byte(0)
	best := 0
	for _, c := range []byte{',', ';', '|', '\t'} {
		if n := bytes.Count(l, []byte{c}); n > best {
			sep, best = c, n
		}
	}
	if sep == 0 || best > 64 {
		return // not a delimited row, or too wide to be one record
	}
	// Fields are views of the text (no copies): they live only as long as
	// this call, and only new strings made from them are kept.
	var states, zips, numbers, names []string
	prevName := ""
	for rest := l; rest != nil; {
		raw := rest
		if i := bytes.IndexByte(rest, sep); i >= 0 {
			raw, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		f := unsafeString(bytes.Trim(raw, " \t\r'\"()[]{};"))
		word := isNameField(f)
		switch {
		case f == "":
		case len(f) == 2 && usStates[upper2(f)]:
			states = append(states, upper2(f))
		case len(f) == 5 && allDigits(f), len(f) == 10 && f[5] == '-' && allDigits(f[:5]) && allDigits(f[6:]):
			zips = append(zips, f[:5])
		case hasWDL(f) && licenceOK(f, s, ls, le, line, row):
			// "WA WDLYVRMRPEJD": a Washington licence, all letters, reads
			// like two words.
		case word:
			if prevName != "" && !strings.Contains(prevName, " ") && !strings.Contains(f, " ") {
				names = append(names, prevName+" "+f) // "first", "last"
			}
			if strings.Contains(f, " ") {
				names = append(names, f) // "first last"
			}
		default:
			if dob, ok := normDOB(f); ok {
				s.extra(TypeDOB, dob, ls, le, line, row)
			} else if isLicenceNumber(f) && len(numbers) < 4 {
				numbers = append(numbers, strings.ToUpper(f))
			} else if dl, ok := licenceField(f); ok {
				s.extra(TypeDL, dl, ls, le, line, row) // "WA WDLJ5CBC312S", "FL W426-545-30-761-0"
			}
		}
		if word {
			prevName = f
		} else {
			prevName = ""
		}
	}
	for _, st := range states[:min(len(states), 2)] {
		for _, num := range numbers {
			s.extra(TypeDL, st+":"+num, ls, le, line, row)
		}
	}
	for _, z := range zips[:min(len(zips), 2)] {
		for _, nm := range names[:min(len(names), 4)] {
			if v, ok := normNameZip(nm + " " + z); ok {
				s.extra(TypeName, v, ls, le, line, row)
			}
		}
	}
}

func (s *scanner) extra(t Type, norm string, ls, le int, line, row int32) {
	mark := len(s.arena)
	s.arena = append(s.arena, norm...)
	s.found = append(s.found, found{t: t, norm: [2]int32{int32(mark), int32(len(s.arena))}, line: line, row: row, start: int32(ls), end: int32(le), extra: true})
}

// sortByRow puts the extras beside the values of their rows.
func (s *scanner) sortByRow() {
	slices.SortStableFunc(s.found, func(a, b found) int { return int(a.row) - int(b.row) })
}

// isNameField: letters (any script), spaces, hyphens, apostrophes and
// dots, 2 to 40 bytes, with at least two letters.
func isNameField(f string) bool {
	if len(f) < 2 || len(f) > 40 {
		return false
	}
	letters := 0
	for _, r := range f {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r > 0x7f:
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return false
		}
	}
	return letters >= 2
}

// isLicenceNumber: 5 to 16 letters and digits, at least one digit, and not
// a value of another type (those were found already).
func isLicenceNumber(f string) bool {
	if len(f) < 5 || len(f) > 16 {
		return false
	}
	hasDigit := len(f) == 12 && hasWDL(f[:3]) // Washington's may be all letters
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c >= '0' && c <= '9':
			hasDigit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return hasDigit
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// licenceField reads a field holding a licence with its state ("IL
// K920-4487-6283", "NY-123456789", "D1234567 (CA)").
func licenceField(f string) (string, bool) {
	if len(f) < 7 || len(f) > 40 || !strings.ContainsAny(f, "0123456789*") && !hasWDL(f) {
		return "", false
	}
	// Cheap first: a state code at either end, or a state's name.
	first, last := f[:2], f[len(f)-2:]
	if !(usStates[upper2(first)] && !isAlnum(f[2])) && !(usStates[upper2(last)] && !isAlnum(f[len(f)-3])) &&
		!hasWDL(f[:3]) && !startsWithStateName(f) {
		return "", false
	}
	return normDL(f)
}

func upper2(s string) string {
	if s[0] >= 'a' && s[0] <= 'z' || s[1] >= 'a' && s[1] <= 'z' {
		return strings.ToUpper(s)
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// startsWithStateName: "New York 123456789", "Texas 12345678".
func startsWithStateName(f string) bool {
	if f[0] < 'A' || f[0] > 'Z' && f[0] < 'a' || f[0] > 'z' {
		return false
	}
	w := f
	if i := strings.IndexAny(f, " 0123456789"); i > 0 {
		w = f[:i]
	}
	if len(w) < 4 || len(w) > 13 {
		return false // "Iowa" to "Massachusetts"
	}
	var buf [13]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		buf[i] = c
	}
	return stateFirstWords()[unsafeString(buf[:len(w)])]
}

// stateFirstWords are the first words of the states' names, upper case
// (made on first use: stateNames is filled by an init function).
var stateFirstWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for name := range stateNames {
		w, _, _ := strings.Cut(name, " ")
		m[w] = true
	}
	return m
})

// licenceOK emits f as a licence when it reads as one.
func licenceOK(f string, s *scanner, ls, le int, line, row int32) bool {
	dl, ok := normDL(f)
	if ok {
		s.extra(TypeDL, dl, ls, le, line, row)
	}
	return ok
}

// hasWDL reports whether f holds "WDL" in any case (Washington's licence
// prefix), without allocating.
func hasWDL(f string) bool {
	for i := 0; i+3 <= len(f); i++ {
		if f[i]|0x20 == 'w' && f[i+1]|0x20 == 'd' && f[i+2]|0x20 == 'l' {
			return true
		}
	}
	return false
}
