package matchers

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// Terms (brand names, sale phrases, data-type words...) are found by one
// Aho-Corasick automaton, compiled to a DFA, over a canonical form of the
// text: lower case; leetspeak digits and look-alike letters (Cyrillic,
// Greek, full-width forms) folded to the Latin letter they imitate; every
// run of punctuation and white space reduced to one space; zero-width
// characters dropped. So "Ha1cyon", "HАLCYON" (Cyrillic А), "ｈａｌｃｙｏｎ",
// "hal\u200bcyon" and "halcyon!!" all read "haicyon" ('l' and 'i' fold
// together, as "1" and "|" imitate both). Words spaced out letter by letter
// ("h a l c y o n") are squeezed and read again. Matches must start and end
// on word boundaries.

// termKind says what a term means.
type termKind uint8

const (
	termBrand termKind = iota
	termIntent
	termDataType
	termContact
	termNoun
	termCurrency
	termProfile
)

type term struct {
	kind   termKind
	name   string  // what to report: the brand as configured, the data type, ...
	weight float64 // intent weight (negative lowers the score)
	text   []byte  // canonical form
}

// canonASCII maps an ASCII byte to its canonical byte; ' ' means a
// separator and 0 means "drop".
var canonASCII [128]byte

func init() {
	for c := 0; c < 128; c++ {
		canonASCII[c] = ' '
	}
	for c := 'a'; c <= 'z'; c++ {
		canonASCII[c] = byte(c)
		canonASCII[c-32] = byte(c)
	}
	for c := '0'; c <= '9'; c++ {
		canonASCII[c] = byte(c)
	}
	canonASCII['l'], canonASCII['L'], canonASCII['|'] = 'i', 'i', 'i'
	canonASCII['\''] = 0 // "driver's" reads "drivers"
	for from, to := range map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't'} {
		leetDigit[from] = to
	}
}

// leetDigit maps the digits leetspeak uses for letters. They are read as
// letters only inside a word ("ha1cyon"); a digit that starts a word stays
// a digit, so "0.5btc" still reads as an amount and a currency.
var leetDigit [128]byte

// isLetterByte: canonical bytes of letters (ASCII, or UTF-8 of others).
func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 0x80 }

// lookAlike maps non-Latin letters that imitate Latin ones.
var lookAlike = map[rune]byte{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x',
}

// zeroWidth are dropped, so they cannot split a word.
func zeroWidth(r rune) bool {
	return r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad'
}

// canonRune appends the canonical form of a non-ASCII rune.
func canonRune(dst []byte, r rune) []byte {
	switch {
	case zeroWidth(r):
		return dst
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		c := canonASCII[r-0xFF01+0x21]
		if c == 0 {
			return dst
		}
		return append(dst, c)
	}
	r = unicode.ToLower(r)
	if c, ok := lookAlike[r]; ok {
		return append(dst, c)
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return utf8.AppendRune(dst, r)
	}
	return append(dst, ' ')
}

// canonical returns the canonical form of a term: trimmed, single spaces.
func canonical(s string) []byte {
	var out []byte
	for i := 0; i < len(s); {
		var add []byte
		if c := s[i]; c < utf8.RuneSelf {
			i++
			cc := canonASCII[c]
			if l := leetDigit[c]; l != 0 && len(out) > 0 && isLetterByte(out[len(out)-1]) {
				cc = l
			}
			if cc != 0 {
				add = []byte{cc}
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			add = canonRune(nil, r)
		}
		for _, c := range add {
			if c == ' ' && (len(out) == 0 || out[len(out)-1] == ' ') {
				continue
			}
			out = append(out, c)
		}
	}
	for len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return out
}

// automaton is the compiled DFA.
type automaton struct {
	terms  []term
	class  [256]uint8
	nclass int
	delta  []uint16  // state*nclass + class
	out    [][]int32 // terms ending at each state
	maxLen int
}

func newAutomaton(terms []term) *automaton {
	a := &automaton{terms: terms}
	// Byte classes: each byte used in a term gets its own; ' ' one; all
	// other bytes share class 0.
	used := map[byte]bool{' ': true}
	for _, t := range terms {
		for _, c := range t.text {
			used[c] = true
		}
		a.maxLen = max(a.maxLen, len(t.text))
	}
	bytesUsed := make([]int, 0, len(used))
	for c := range used {
		bytesUsed = append(bytesUsed, int(c))
	}
	sort.Ints(bytesUsed)
	for i, c := range bytesUsed {
		a.class[c] = uint8(i + 1)
	}
	a.nclass = len(bytesUsed) + 1

	// Trie.
	type node struct {
		next map[uint8]int
		fail int
		out  []int32
	}
	nodes := []node{{next: map[uint8]int{}}}
	for ti, t := range terms {
		s := 0
		for _, c := range t.text {
			cl := a.class[c]
			nx, ok := nodes[s].next[cl]
			if !ok {
				nodes = append(nodes, node{next: map[uint8]int{}})
				nx = len(nodes) - 1
				nodes[s].next[cl] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(ti))
	}
	// Failure links, breadth first, and the full DFA table.
	a.delta = make([]uint16, len(nodes)*a.nclass)
	queue := []int{}
	for cl := 0; cl < a.nclass; cl++ {
		if nx, ok := nodes[0].next[uint8(cl)]; ok {
			nodes[nx].fail = 0
			a.delta[cl] = uint16(nx)
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out = append(nodes[s].out, nodes[nodes[s].fail].out...)
		for cl := 0; cl < a.nclass; cl++ {
			if nx, ok := nodes[s].next[uint8(cl)]; ok {
				nodes[nx].fail = int(a.delta[nodes[s].fail*a.nclass+cl])
				a.delta[s*a.nclass+cl] = uint16(nx)
				queue = append(queue, nx)
			} else {
				a.delta[s*a.nclass+cl] = a.delta[nodes[s].fail*a.nclass+cl]
			}
		}
	}
	a.out = make([][]int32, len(nodes))
	for i, n := range nodes {
		a.out[i] = n.out
	}
	return a
}

// termHit is a term found in the text, with its original byte span.
type termHit struct {
	term       int32
	start, end int
}

// termScanner walks the canonical stream of a text through the automaton.
type termScanner struct {
	a       *automaton
	hits    []termHit
	state   int
	cpos    int       // canonical bytes emitted
	hist    [64]byte  // last canonical bytes, for the boundary before a match
	origin  [64]int32 // their original offsets
	prevSep bool
	pending []termHit // matches waiting for a boundary after them
	// single-letter words in a row, for "h a l c y o n"
	singles    []byte
	singleFrom int
	wordLen    int
	wordStart  int
}

func (ts *termScanner) reset(a *automaton) {
	ts.a = a
	ts.hits = ts.hits[:0]
	ts.state = 0
	ts.cpos = 0
	ts.prevSep = true
	ts.pending = ts.pending[:0]
	ts.singles = ts.singles[:0]
	ts.wordLen = 0
}

// scan finds every term in text.
func (ts *termScanner) scan(a *automaton, text []byte) {
	ts.reset(a)
	var buf [8]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			cc := canonASCII[c]
			if l := leetDigit[c]; l != 0 && ts.cpos > 0 && isLetterByte(ts.hist[(ts.cpos-1)&63]) {
				cc = l
			}
			if cc != 0 {
				ts.feed(cc, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		for _, cc := range canonRune(buf[:0], r) {
			ts.feed(cc, i)
		}
		i += size
	}
	ts.feed(' ', len(text)) // flush pending matches
	if len(ts.singles) >= 4 {
		ts.squeezed(len(text))
	}
}

func (ts *termScanner) feed(c byte, at int) {
	a := ts.a
	digit := c >= '0' && c <= '9'
	if c == ' ' || digit && len(ts.pending) > 0 {
		// A separator, or a digit right after a match ("btc5"), ends it.
		for _, h := range ts.pending {
			h.end = at
			ts.hits = append(ts.hits, h)
		}
		ts.pending = ts.pending[:0]
	}
	if c == ' ' {
		if ts.prevSep {
			return
		}
		ts.prevSep = true
		ts.endWord(at)
	} else {
		if ts.prevSep {
			ts.wordStart = at
			ts.wordLen = 0
		}
		ts.prevSep = false
		ts.wordLen++
		ts.pending = ts.pending[:0] // the word goes on: no boundary after them
	}
	ts.hist[ts.cpos&63] = c
	ts.origin[ts.cpos&63] = int32(at)
	ts.cpos++
	ts.state = int(a.delta[ts.state*a.nclass+int(a.class[c])])
	for _, ti := range a.out[ts.state] {
		n := len(a.terms[ti].text)
		start := ts.cpos - n
		if start > 0 {
			if b := ts.hist[(start-1)&63]; b != ' ' && (b < '0' || b > '9') {
				continue // starts inside a word
			}
		}
		ts.pending = append(ts.pending, termHit{term: ti, start: int(ts.origin[start&63])})
	}
}

// endWord tracks runs of single-letter words and reads a run of four or
// more squeezed together.
func (ts *termScanner) endWord(at int) {
	if ts.wordLen == 1 {
		if len(ts.singles) == 0 {
			ts.singleFrom = ts.wordStart
		}
		if len(ts.singles) < 64 {
			ts.singles = append(ts.singles, ts.hist[(ts.cpos-1)&63])
		}
		return
	}
	if len(ts.singles) >= 4 {
		ts.squeezed(at)
	}
	ts.singles = ts.singles[:0]
}

// squeezed matches the letters of a spaced-out word run on their own.
func (ts *termScanner) squeezed(at int) {
	a := ts.a
	st := 0
	for i, c := range ts.singles {
		st = int(a.delta[st*a.nclass+int(a.class[c])])
		for _, ti := range a.out[st] {
			n := len(a.terms[ti].text)
			if i+1 == len(ts.singles) && n == len(ts.singles) {
				ts.hits = append(ts.hits, termHit{term: ti, start: ts.singleFrom, end: at})
			}
		}
	}
}
