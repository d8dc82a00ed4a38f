package matchers

import (
	"bytes"
	"encoding/binary"
)

// The scanner finds candidate values (emails, phones, SSNs, IMEIs, payment
// cards) in text in one pass without regular expressions: most bytes are
// letters and spaces, which a table lookup skips; at a digit, '+', '(' or
// '@' it reads the value around it, validates it (NANP rules, SSN ranges,
// Luhn) and appends its normalised form to an arena. Nothing is allocated
// per byte, and a validated value costs one append.

const (
	clsNone  = 0
	clsDigit = 1 << iota
	clsAt
	clsPlus
	clsParen
	clsBracket
	clsNewline
	clsLocal  // may appear in an email's local part
	clsDomain // may appear in an email's domain
	clsLetter
)

var class [256]uint16

func init() {
	for c := 'a'; c <= 'z'; c++ {
		class[c] |= clsLocal | clsDomain | clsLetter
		class[c-32] |= clsLocal | clsDomain | clsLetter
	}
	for c := '0'; c <= '9'; c++ {
		class[c] |= clsDigit | clsLocal | clsDomain
	}
	for _, c := range "._%+-" {
		class[c] |= clsLocal
	}
	class['.'] |= clsDomain
	class['-'] |= clsDomain
	class['@'] |= clsAt
	class['+'] |= clsPlus
	class['('] |= clsParen
	class['['] |= clsBracket
	class['{'] |= clsBracket
	class['\n'] |= clsNewline
	for c := 0x80; c < 0x100; c++ {
		class[c] |= clsLetter // a UTF-8 byte of a letter: never a value boundary
	}
}

var newline = []byte{'\n'}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasZero is non-zero when a byte of x is zero.
func hasZero(x uint64) uint64 { return (x - ones) & ^x & highs }

// hasBetween is non-zero when a byte of x lies in [m, n] (m, n < 128;
// bytes of 128 and above never count). Bit Twiddling Hacks, "Determine if
// a word has a byte between m and n".
func hasBetween(x uint64, m, n uint64) uint64 {
	return (ones*(127+n) - (x&(ones*127)) & ^x & (x&(ones*127)+ones*(127-m))) & highs
}

// mayTrigger reports whether any byte of x may start a value: a digit or
// '@' (with ':' to '?', which share their range), '+', '(', '[' or '{'.
func mayTrigger(x uint64) bool {
	return hasBetween(x, '0', '@')|hasZero(x^(ones*'+'))|hasZero(x^(ones*'('))|hasZero(x^(ones*'['))|hasZero(x^(ones*'{')) != 0
}

// trigger marks the bytes at which the scanner stops to look.
var trigger [256]bool

func init() {
	for c := 0; c < 256; c++ {
		trigger[c] = class[c]&(clsDigit|clsAt|clsPlus|clsParen|clsBracket) != 0
	}
}

// found is one candidate: its type, its normalised form (in the arena) and
// where it was.
type found struct {
	t          Type
	norm       [2]int32 // arena[norm[0]:norm[1]]
	line       int32    // 0-based line
	row        int32    // candidate record (see assignRows)
	start, end int32    // byte offsets in the text (an extra: its line's)
	extra      bool     // read from a row's fields (rowvals.go), not found by the scan
}

// scanner holds reusable buffers; one per goroutine (Set keeps a pool).
type scanner struct {
	arena []byte
	found []found
	text  []byte
	// line and lineAt: the line number at byte lineAt, advanced lazily
	// (bytes.Count is vectorised) as values are found.
	line, lineAt int
	// lastEnd is the end of the last value emitted, so a value is not
	// found twice (a phone inside a longer run, say).
	lastEnd int
	groups  []group
	// anchors are where a row may start that holds no value the scan
	// reads (a date, a ZIP code): rowExtras reads their lines' fields for
	// a licence or a name with its ZIP code.
	anchors []anchor
	// region, when not a NANP one, makes the scanner read national phone
	// numbers (trunk prefix 0, 10 or 11 digits) with libphonenumber.
	region string
	// national1: the region writes national numbers with a trunk 0 (not
	// North America), set by reset from region.
	national1 bool
}

// group is a run of digits inside a number.
type group struct {
	start, end int  // offsets in text
	sep        byte // the separator before this group: 0 (none), ' ', '-', '.', '(' or ')'
}

func (s *scanner) reset(text []byte) {
	s.national1 = s.region != "" && s.region != "US" && s.region != "CA"
	s.arena = s.arena[:0]
	s.found = s.found[:0]
	s.anchors = s.anchors[:0]
	s.text = text
	s.line, s.lineAt = 0, 0
	s.lastEnd = 0
}

func (s *scanner) norm(f found) []byte { return s.arena[f.norm[0]:f.norm[1]] }

// scan finds every candidate in text.
func (s *scanner) scan(text []byte) {
	s.reset(text)
	n := len(text)
	for i := 0; i < n; {
		// Fast path: skip 8 bytes at a time while none can start a value,
		// then byte by byte.
		for i+8 <= n && !mayTrigger(binary.LittleEndian.Uint64(text[i:])) {
			i += 8
		}
		for i < n && !trigger[text[i]] {
			i++
		}
		if i >= n {
			break
		}
		c := text[i]
		cl := class[c]
		switch {
		case cl&clsAt != 0:
			s.email(i, i+1)
			i++
		case cl&clsBracket != 0, cl&clsParen != 0 && obfuscatedAt(text, i) > 0:
			if end := obfuscatedAt(text, i); end > 0 {
				s.email(i, end)
				i = end
			} else if cl&clsParen != 0 {
				i = s.number(i)
			} else {
				i++
			}
		default: // digit, '+', '('
			i = s.number(i)
		}
	}
}

// emit records a candidate whose normalised form is the arena's tail from
// mark.
func (s *scanner) emit(t Type, mark, start, end int) {
	if start > s.lineAt {
		s.line += bytes.Count(s.text[s.lineAt:start], newline)
		s.lineAt = start
	}
	s.found = append(s.found, found{t: t, norm: [2]int32{int32(mark), int32(len(s.arena))}, line: int32(s.line), start: int32(start), end: int32(end)})
	if end > s.lastEnd {
		s.lastEnd = end
	}
}

// ---------------------------------------------------------------- emails

// obfuscatedAt returns the end of an "[at]", "(at)" or "{at}" (any case,
// inner spaces optional) that starts at i, or 0.
func obfuscatedAt(text []byte, i int) int { return bracketed(text, i, "at", false) }

// dotWord returns the end of " [dot] ", "(dot)" or "{dot}" (spaces around
// optional) at k, or 0.
func dotWord(text []byte, k int) int { return bracketed(text, k, "dot", true) }

// bracketed matches a word in brackets at k: "[w]", "(w)" or "{w}", any
// case, a space allowed inside each bracket and, with outer, one space
// before and after. It returns the end, or 0.
func bracketed(text []byte, k int, word string, outer bool) int {
	if outer && k < len(text) && text[k] == ' ' {
		k++
	}
	if k >= len(text) {
		return 0
	}
	var close byte
	switch text[k] {
	case '[':
		close = ']'
	case '(':
		close = ')'
	case '{':
		close = '}'
	default:
		return 0
	}
	j := k + 1
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j+len(word) > len(text) {
		return 0
	}
	for n := 0; n < len(word); n++ {
		if text[j+n]|0x20 != word[n] {
			return 0
		}
	}
	j += len(word)
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j >= len(text) || text[j] != close {
		return 0
	}
	j++
	if outer && j < len(text) && text[j] == ' ' {
		j++
	}
	return j
}

// email reads an address around an '@' (at text[at:atEnd], which may be an
// obfuscated " [at] ").
func (s *scanner) email(at, atEnd int) {
	text := s.text
	// Local part, leftwards.
	l := at
	if atEnd-at > 1 { // obfuscated: allow one space before the bracket
		if l > 0 && text[l-1] == ' ' {
			l--
		}
	}
	localEnd := l
	for l > 0 && localEnd-l < 64 && class[text[l-1]]&clsLocal != 0 {
		l--
	}
	for l < localEnd && (text[l] == '.' || text[l] == '-' || text[l] == '+') {
		l++ // a local part does not start with these
	}
	if l == localEnd || l < s.lastEnd {
		return
	}
	if l > 0 && class[text[l-1]]&clsLetter != 0 {
		return // inside a word made of other characters
	}
	// Domain, rightwards: labels separated by '.', or by "[dot]"/"(dot)".
	r := atEnd
	if atEnd-at > 1 && r < len(text) && text[r] == ' ' {
		r++
	}
	mark := len(s.arena)
	s.arena = appendLower(s.arena, text[l:localEnd])
	s.arena = append(s.arena, '@')
	dots, labelLen := 0, 0
	for r < len(text) && r-atEnd < 255 {
		c := text[r]
		if class[c]&clsDomain != 0 && c != '.' {
			s.arena = append(s.arena, lower(c))
			labelLen++
			r++
			continue
		}
		next := 0
		if c == '.' {
			next = r + 1
		} else if d := dotWord(text, r); d > 0 {
			next = d
		}
		if next == 0 || labelLen == 0 || next >= len(text) || class[text[next]]&clsDomain == 0 || text[next] == '.' || text[next] == '-' {
			break
		}
		s.arena = append(s.arena, '.')
		dots++
		labelLen = 0
		r = next
	}
	for labelLen > 0 && s.arena[len(s.arena)-1] == '-' { // a label does not end in '-'
		s.arena = s.arena[:len(s.arena)-1]
		labelLen--
		r--
	}
	if dots == 0 || labelLen < 2 || !allLetters(s.arena[len(s.arena)-labelLen:]) {
		s.arena = s.arena[:mark]
		return
	}
	s.emit(TypeEmail, mark, l, r)
}

func allLetters(b []byte) bool {
	for _, c := range b {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return len(b) > 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func appendLower(dst, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, lower(c))
	}
	return dst
}

// ---------------------------------------------------------------- numbers

// number reads a run of digit groups starting at i (a digit, '+' or '(')
// and emits the phones, SSNs, IMEIs and cards it holds. It returns where
// scanning goes on. The steps, hot ones inline: a run glued to a word or
// a longer number is no value; a lone digit run takes the fast path; else
// the digit groups and their separators are read (groupSep for the rarer
// separators), then values reads what they hold.
func (s *scanner) number(i int) int {
	text := s.text
	n := len(text)
	start := i
	if s.glued(i) {
		return skipNumber(text, i)
	}
	// Fast path: a lone digit run (the common case in logs: PIDs, ports,
	// timestamps) is a value only with 5 or 9-19 digits.
	if class[text[i]]&clsDigit != 0 {
		j := i + 1
		for j < n && class[text[j]]&clsDigit != 0 {
			j++
		}
		if j >= n || !numberSep[text[j]] {
			if l := j - i; l == 5 || l >= 9 && l <= 19 {
				s.loneRun(i, j)
			}
			return j
		}
	}
	plus := false
	if text[i] == '+' {
		plus = true
		i++
		if i >= n || class[text[i]]&clsDigit == 0 {
			return i
		}
	}
	// The digit groups, each with the separator before it, at most 24.
	g := s.groups[:0]
	sep := byte(0)
	for i < n && len(g) < 24 {
		c := text[i]
		if class[c]&clsDigit == 0 {
			if c == '(' && len(g) == 0 && i+1 < n && class[text[i+1]]&clsDigit != 0 {
				sep = '('
				i++
				continue
			}
			break
		}
		j := i
		for j < n && class[text[j]]&clsDigit != 0 {
			j++
		}
		if j-i > 19 {
			s.groups = g
			return j // no value has 20 digits in a group
		}
		g = append(g, group{start: i, end: j, sep: sep})
		if j+1 < n && (text[j] == '-' || text[j] == ' ' || text[j] == '.' || text[j] == '/') && class[text[j+1]]&clsDigit != 0 {
			sep, i = text[j], j+1
			continue
		}
		var more bool
		if sep, i, more = groupSep(text, j); !more {
			break
		}
	}
	s.groups = g
	if len(g) == 0 {
		return max(i, start+1)
	}
	return s.values(start, plus, g)
}

// glued says the value at i would continue a word or a longer number.
func (s *scanner) glued(i int) bool {
	if i == 0 {
		return false
	}
	text := s.text
	p := text[i-1]
	return class[p]&(clsLetter|clsDigit) != 0 || p == '_' || p == '/' || p == '.' && i > 1 && class[text[i-2]]&clsDigit != 0
}

// loneRun reads a lone digit run text[i:j] of 5 or 9-19 digits: a value
// with 9-19 digits (a national phone number, or a bare one), a ZIP code
// (an anchor for a row's name+ZIP) with 5.
func (s *scanner) loneRun(i, j int) {
	text := s.text
	n := len(text)
	if l := j - i; l >= 9 && (j >= n || class[text[j]]&clsLetter == 0 && text[j] != '_') {
		if s.national([]group{{start: i, end: j}}) == 0 {
			s.bare(i, j)
		}
	} else if l == 5 && (j >= n || class[text[j]]&clsLetter == 0) {
		s.anchor(i)
	}
}

// groupSep reads the rarer separators after a digit group at i: ")",
// ") ", " - " and " (", each followed by a digit; more is false at the
// number's end, where next is i.
func groupSep(text []byte, i int) (sep byte, next int, more bool) {
	n := len(text)
	if i >= n {
		return 0, i, false
	}
	switch c := text[i]; {
	case c == ')' && i+2 < n && (text[i+1] == ' ' || text[i+1] == '-') && class[text[i+2]]&clsDigit != 0:
		return ')', i + 2, true
	case c == ')' && i+1 < n && class[text[i+1]]&clsDigit != 0:
		return ')', i + 1, true
	case c == ' ' && i+3 < n && (text[i+1] == '-' || text[i+1] == '/' || text[i+1] == '.') && text[i+2] == ' ' && class[text[i+3]]&clsDigit != 0:
		return text[i+1], i + 3, true // "268 - 67 - 9464": spaced separators
	case c == ' ' && i+2 < n && text[i+1] == '(' && class[text[i+2]]&clsDigit != 0:
		return '(', i + 2, true
	}
	return 0, i, false
}

// values emits what the digit groups g of the number at start hold, and
// returns where scanning goes on.
func (s *scanner) values(start int, plus bool, g []group) int {
	text := s.text
	end := g[len(g)-1].end
	if end < len(text) && (class[text[end]]&(clsLetter|clsDigit) != 0 || text[end] == '_') {
		return end // "123abc" is not a value
	}
	if plus {
		s.plusPhone(start, g)
		return end
	}
	if len(g) >= 9 && s.spaced(g) {
		return end // "2 1 9 0 9 9 9 9 9": a value written a digit at a time
	}
	if len(g) == 3 && dateShape(g) || len(g) == 2 && glen(g[0]) == 5 && glen(g[1]) == 4 && g[1].sep == '-' {
		s.anchor(g[0].start) // a date or a ZIP+4: a row's date of birth, name+ZIP or licence
		return end
	}
	// Match patterns at each group; a group no pattern starts at is skipped.
	for k := 0; k < len(g); {
		if used := s.national(g[k:]); used > 0 {
			k += used
			continue
		}
		if used := s.patterns(g[k:]); used > 0 {
			k += used
		} else {
			k++
		}
	}
	return end
}

// national reads a phone number in the national format of the scanner's
// region ("020 7946 0958", "07700 900123"): groups from one starting with
// the trunk prefix 0, 10 or 11 digits in all, valid for libphonenumber.
// It returns the groups used, or 0.
func (s *scanner) national(g []group) int {
	if !s.national1 || s.text[g[0].start] != '0' {
		return 0
	}
	mark := len(s.arena)
	n := 0
	for k, gr := range g {
		if k > 0 && gr.sep != ' ' && gr.sep != '-' && gr.sep != '.' && gr.sep != ')' {
			break
		}
		s.arena = append(s.arena, s.text[gr.start:gr.end]...)
		n = len(s.arena) - mark
		if n > 11 {
			break
		}
		if n >= 10 {
			if e, ok := normPhone(string(s.arena[mark:]), s.region); ok {
				s.arena = append(s.arena[:mark], e...)
				start := g[0].start
				if start > 0 && s.text[start-1] == '(' {
					start--
				}
				s.emit(TypePhone, mark, start, gr.end)
				return k + 1
			}
		}
	}
	s.arena = s.arena[:mark]
	return 0
}

// skipNumber skips the digits and digit separators from i.
func skipNumber(text []byte, i int) int {
	for i < len(text) && (class[text[i]]&clsDigit != 0 || text[i] == '+' || text[i] == '(') {
		i++
	}
	return i
}

func glen(gr group) int { return gr.end - gr.start }

// patterns tries the value shapes at the start of g and returns how many
// groups the emitted value used, or 0: each shape is its groups' digit
// counts (one comparison of the packed counts) and the separators between
// them; a group no shape takes may be a bare value.
func (s *scanner) patterns(g []group) int {
	sh := lens(g)
	switch {
	case sh&mask3 == shape3(3, 3, 4) && g[1].sep != 0 && (g[2].sep == g[1].sep || g[1].sep == ')' && g[2].sep != ')' && g[2].sep != '('):
		// (312) 555-0148, 312-555-0148, 312.555.0148, 312 555 0148
		if s.nanp(g[0].start, g[2].end, g[0].start, g[1].start, g[2].start) {
			return 3
		}
	case sh == shape4(1, 3, 3, 4) && s.text[g[0].start] == '1' && g[2].sep != 0:
		// 1-312-555-0148, 1 (312) 555-0148
		if s.nanp(g[0].start, g[3].end, g[1].start, g[2].start, g[3].start) {
			return 4
		}
	case sh&mask3 == shape3(3, 2, 4) && plainSep(g[1].sep) && g[2].sep == g[1].sep:
		// 219-09-9999, 219 09 9999, 043.12.0069, 683/11/5843
		if s.ssn(g[0].start, g[2].end, g[0].start, g[1].start, g[2].start) {
			return 3
		}
	case sh == shape4(2, 6, 6, 1) && g[1].sep == '-' && g[2].sep == '-' && g[3].sep == '-':
		// 49-015420-323751-8
		if s.luhnValue(TypeIMEI, g[0].start, g[3].end, g[:4]) {
			return 4
		}
	case sh == shape4(4, 4, 4, 4) && cardSep(g[1].sep) && g[2].sep == g[1].sep && g[3].sep == g[1].sep:
		// 4111 1111 1111 1111
		if s.luhnValue(TypeCard, g[0].start, g[3].end, g[:4]) {
			return 4
		}
	case sh&mask3 == shape3(4, 6, 5) && cardSep(g[1].sep) && g[2].sep == g[1].sep:
		// 3782 822463 10005
		if s.luhnValue(TypeCard, g[0].start, g[2].end, g[:3]) {
			return 3
		}
	}
	if s.bare(g[0].start, g[0].end) {
		return 1
	}
	return 0
}

// lens packs the digit counts of g's first four groups, a byte each (0
// past its end; a group has at most 19 digits).
func lens(g []group) uint32 {
	var sh uint32
	for k := 0; k < 4 && k < len(g); k++ {
		sh |= uint32(glen(g[k])) << (8 * k)
	}
	return sh
}

// shape3 and shape4 are packed digit counts, as lens packs them; mask3
// keeps the first three.
func shape3(a, b, c uint32) uint32    { return a | b<<8 | c<<16 }
func shape4(a, b, c, d uint32) uint32 { return shape3(a, b, c) | d<<24 }

const mask3 = 0xffffff

// plainSep: a separator that is no bracket (an SSN's).
func plainSep(sep byte) bool { return sep != 0 && sep != ')' && sep != '(' }

// cardSep: a card number's group separator.
func cardSep(sep byte) bool { return sep == ' ' || sep == '-' }

// numberSep marks the bytes that may continue a number into another
// digit group.
var numberSep = [256]bool{' ': true, '-': true, '.': true, ')': true, '/': true}

// bare tries the shapes of a run of digits with no separators.
func (s *scanner) bare(a, b int) bool {
	switch b - a {
	case 9:
		return s.ssn(a, b, a, a+3, a+5)
	case 10:
		return s.nanp(a, b, a, a+3, a+6)
	case 11:
		return s.text[a] == '1' && s.nanp(a, b, a+1, a+4, a+7)
	case 15:
		return s.luhnRun(amexOrIMEI(s.text[a:b]), a, b)
	case 13, 14, 16, 17, 18, 19:
		return s.luhnRun(TypeCard, a, b)
	}
	return false
}

// luhnRun emits text[a:b] as type t if it passes Luhn.
func (s *scanner) luhnRun(t Type, a, b int) bool {
	return s.luhnValue(t, a, b, []group{{start: a, end: b}})
}

// amexOrIMEI tells a 15-digit Amex card (34, 37) from an IMEI.
func amexOrIMEI(d []byte) Type {
	if d[0] == '3' && (d[1] == '4' || d[1] == '7') {
		return TypeCard
	}
	return TypeIMEI
}

// nanp emits a North American number whose area code, exchange and line
// start at a, e and l (3, 3 and 4 digits).
func (s *scanner) nanp(start, end, a, e, l int) bool {
	t := s.text
	if t[a] < '2' || t[e] < '2' {
		return false
	}
	if start > 0 && t[start-1] == '(' {
		start-- // the value starts at the area code's parenthesis
	}
	mark := len(s.arena)
	s.arena = append(s.arena, '+', '1')
	s.arena = append(s.arena, t[a:a+3]...)
	s.arena = append(s.arena, t[e:e+3]...)
	s.arena = append(s.arena, t[l:l+4]...)
	s.emit(TypePhone, mark, start, end)
	return true
}

// ssn emits a US SSN whose area, group and serial start at a, g and sr,
// unless it is in a range never issued.
func (s *scanner) ssn(start, end, a, g, sr int) bool {
	t := s.text
	area := t[a : a+3]
	if string(area) == "000" || string(area) == "666" || area[0] == '9' || t[g] == '0' && t[g+1] == '0' ||
		t[sr] == '0' && t[sr+1] == '0' && t[sr+2] == '0' && t[sr+3] == '0' {
		return false
	}
	mark := len(s.arena)
	s.arena = append(s.arena, area...)
	s.arena = append(s.arena, t[g:g+2]...)
	s.arena = append(s.arena, t[sr:sr+4]...)
	s.emit(TypeSSN, mark, start, end)
	return true
}

// luhnValue emits the digits of groups as type t if they pass Luhn.
func (s *scanner) luhnValue(t Type, start, end int, groups []group) bool {
	mark := len(s.arena)
	for _, gr := range groups {
		s.arena = append(s.arena, s.text[gr.start:gr.end]...)
	}
	d := s.arena[mark:]
	if t == TypeCard && (d[0] < '2' || d[0] > '6') || !luhn(d) {
		s.arena = s.arena[:mark]
		return false
	}
	s.emit(t, mark, start, end)
	return true
}

// plusPhone emits an international number written with a leading '+'.
func (s *scanner) plusPhone(start int, g []group) {
	mark := len(s.arena)
	s.arena = append(s.arena, '+')
	end := start
	for _, gr := range g {
		s.arena = append(s.arena, s.text[gr.start:gr.end]...)
		end = gr.end
	}
	// E.164 is "+" and the digits. Import validated every stored number
	// with libphonenumber; here a plausible length is enough, since a
	// number that is not in the set cannot match anyway.
	d := s.arena[mark+1:]
	ok := len(d) >= 8 && len(d) <= 15 && d[0] != '0'
	if ok && d[0] == '1' {
		ok = len(d) == 11 && d[1] >= '2' && d[4] >= '2'
	}
	if !ok && len(d) > 11 && d[0] == '1' {
		// "+1 386 579 2296 4099 Spring Ave": in a row separated by spaces
		// the number ends where its eleven digits do, at a group's end.
		n := 0
		for _, gr := range g {
			n += gr.end - gr.start
			if n == 11 {
				end = gr.end
				s.arena = s.arena[:mark+12]
				d = s.arena[mark+1:]
				ok = d[1] >= '2' && d[4] >= '2'
				break
			}
			if n > 11 {
				break
			}
		}
	}
	if ok {
		s.emit(TypePhone, mark, start, end)
		return
	}
	s.arena = s.arena[:mark]
}

// spaced reads a run of single digits separated by single spaces ("3 1 2
// 5 5 5 0 1 4 8", a spelling that gets past pattern scrapers) as the value
// its digits make: an SSN (9), a phone (10, or 11 from 1), an IMEI or
// Amex card (15) or a card (16).
func (s *scanner) spaced(g []group) bool {
	if len(g) > 16 {
		return false
	}
	for k, gr := range g {
		if gr.end-gr.start != 1 || k > 0 && gr.sep != ' ' {
			return false
		}
	}
	mark := len(s.arena)
	for _, gr := range g {
		s.arena = append(s.arena, s.text[gr.start])
	}
	d := s.arena[mark:]
	start, end := g[0].start, g[len(g)-1].end
	ok := false
	t := TypePhone
	switch len(d) {
	case 9:
		t = TypeSSN
		a := string(d[:3])
		ok = a != "000" && a != "666" && d[0] != '9' && string(d[3:5]) != "00" && string(d[5:]) != "0000"
	case 10, 11:
		if len(d) == 11 {
			if d[0] != '1' {
				break
			}
			d = d[1:]
		}
		if d[0] >= '2' && d[3] >= '2' {
			var buf [10]byte
			copy(buf[:], d) // d is the arena's tail, about to be rewritten
			s.arena = append(append(s.arena[:mark], '+', '1'), buf[:]...)
			ok = true
		}
	case 15:
		t, ok = amexOrIMEI(d), luhn(d)
	case 16:
		t, ok = TypeCard, d[0] >= '2' && d[0] <= '6' && luhn(d)
	}
	if !ok {
		s.arena = s.arena[:mark]
		return false
	}
	s.emit(t, mark, start, end)
	return true
}

// anchor is a line that may hold a row of fields only: its first
// anchoring offset and its 0-based line.
type anchor struct {
	off, line int32
}

// anchor records the line of offset i, once, when the number there is a
// field (after a separator, a quote, or "key: "): a timestamp that opens a
// log line, "port=44321", is none.
func (s *scanner) anchor(i int) {
	if i == 0 {
		return
	}
	switch p := s.text[i-1]; p {
	case ',', ';', '|', '\t', '\'', '"':
	case ' ':
		if i < 2 || s.text[i-2] != ':' && s.text[i-2] != ',' && s.text[i-2] != '|' && s.text[i-2] != ';' {
			return
		}
	default:
		return
	}
	if i > s.lineAt {
		s.line += bytes.Count(s.text[s.lineAt:i], newline)
		s.lineAt = i
	}
	if n := len(s.anchors); n > 0 && s.anchors[n-1].line == int32(s.line) {
		return
	}
	s.anchors = append(s.anchors, anchor{off: int32(i), line: int32(s.line)})
}

// dateShape: three groups written as a date, 1985-03-04, 03/04/1985 or
// 04.03.1985.
func dateShape(g []group) bool {
	if g[1].sep != g[2].sep || g[1].sep != '-' && g[1].sep != '/' && g[1].sep != '.' {
		return false
	}
	a, b, c := glen(g[0]), glen(g[1]), glen(g[2])
	return a == 4 && b <= 2 && c <= 2 || a <= 2 && b <= 2 && c == 4
}
