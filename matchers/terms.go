package matchers

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Terms (brand names, sale phrases, data-type words...) are found word by
// word over a canonical form of the text: lower case; leetspeak digits and look-alike letters (Cyrillic,
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

// automaton finds terms word by word: a term is a sequence of canonical
// words; each word of the text is checked against the first words of all
// terms with a small bitmap (no hashing per byte), then a map, and
// multi-word terms are followed word by word.
type automaton struct {
	terms  []term
	words  [][][]byte         // each term's canonical words
	first  map[string][]int32 // first word -> terms
	filter [1 << 12]uint64    // bitmap of wordKey over first words: 32 KiB, cache-resident
}

// wordKey mixes a word's length, first, second and last bytes: cheap, and
// enough to reject almost every word of a text without a map lookup.
func wordKey(w []byte) uint32 {
	n := len(w)
	k := uint32(n)*0x9e37 ^ uint32(w[0])<<7 ^ uint32(w[n-1])<<2
	if n > 1 {
		k ^= uint32(w[1]) << 11
	}
	return k & (1<<18 - 1)
}

func newAutomaton(terms []term) *automaton {
	a := &automaton{terms: terms, first: map[string][]int32{}}
	for i, t := range terms {
		ws := bytes.Split(t.text, []byte{' '})
		a.words = append(a.words, ws)
		a.first[string(ws[0])] = append(a.first[string(ws[0])], int32(i))
		k := wordKey(ws[0])
		a.filter[k>>6] |= 1 << (k & 63)
	}
	return a
}

func (a *automaton) mayStart(w []byte) bool {
	k := wordKey(w)
	return a.filter[k>>6]&(1<<(k&63)) != 0
}

// termHit is a term found in the text, with its original byte span.
type termHit struct {
	term       int32
	start, end int
}

// partial is a multi-word term matched up to word next.
type partial struct {
	term  int32
	next  int
	start int
}

// termScanner walks the canonical words of a text.
type termScanner struct {
	a        *automaton
	hits     []termHit
	partials []partial
	// single-letter words in a row, for "h a l c y o n"
	singles    []byte
	singleFrom int
	singleEnd  int
}

func (ts *termScanner) reset(a *automaton) {
	ts.a = a
	ts.hits = ts.hits[:0]
	ts.partials = ts.partials[:0]
	ts.singles = ts.singles[:0]
}

// maxWord is the longest word a term can have; longer words are skipped.
const maxWord = 64

// scan finds every term in text. The loop keeps the current word in
// locals: it is the matcher's hottest code.
func (ts *termScanner) scan(a *automaton, text []byte) {
	ts.reset(a)
	var w [maxWord]byte
	var buf [8]byte
	wl, wstart := 0, 0
	inWord, num := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < utf8.RuneSelf {
			cc := canonASCII[c]
			if cc >= 'a' { // a letter
				if !inWord || num {
					if inWord {
						ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, i)
					}
					inWord, num, wstart, wl = true, false, i, 0
				}
				if wl < maxWord {
					w[wl] = cc
				}
				wl++
				continue
			}
			if cc == ' ' {
				if inWord {
					ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, i)
					inWord = false
				}
				continue
			}
			if cc == 0 {
				continue
			}
			// A digit: a letter inside a word ("ha1cyon"), or a number word.
			if l := leetDigit[c]; l != 0 && inWord && !num {
				if wl < maxWord {
					w[wl] = l
				}
				wl++
				continue
			}
			if inWord && !num {
				ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, i) // "user2019"
				inWord = false
			}
			if !inWord {
				inWord, num, wstart, wl = true, true, i, 0
			}
			if wl < maxWord {
				w[wl] = cc
			}
			wl++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		for _, cc := range canonRune(buf[:0], r) {
			if cc == ' ' {
				if inWord {
					ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, i)
					inWord = false
				}
				continue
			}
			if !inWord || num {
				if inWord {
					ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, i)
				}
				inWord, num, wstart, wl = true, false, i, 0
			}
			if wl < maxWord {
				w[wl] = cc
			}
			wl++
		}
		i += size - 1
	}
	if inWord {
		ts.endWord(w[:min(wl, maxWord)], wl, wstart, num, len(text))
	}
	ts.partials = ts.partials[:0]
	if len(ts.singles) >= 4 {
		ts.squeezed()
	}
}

// endWord checks the word just read (w, of full length wl, from wstart
// to at) against the terms.
func (ts *termScanner) endWord(w []byte, wl, wstart int, num bool, at int) {
	a := ts.a
	if wl > maxWord {
		ts.partials = ts.partials[:0]
		ts.singles = ts.singles[:0]
		return
	}
	// Multi-word terms in progress.
	if len(ts.partials) > 0 {
		keep := ts.partials[:0]
		for _, p := range ts.partials {
			ws := a.words[p.term]
			if !bytes.Equal(ws[p.next], w) {
				continue
			}
			if p.next+1 == len(ws) {
				ts.hits = append(ts.hits, termHit{term: p.term, start: p.start, end: at})
				continue
			}
			p.next++
			keep = append(keep, p)
		}
		ts.partials = keep
	}
	if a.mayStart(w) {
		for _, ti := range a.first[string(w)] {
			if len(a.words[ti]) == 1 {
				ts.hits = append(ts.hits, termHit{term: ti, start: wstart, end: at})
			} else {
				ts.partials = append(ts.partials, partial{term: ti, next: 1, start: wstart})
			}
		}
	}
	// Runs of single letters: "h a l c y o n".
	if len(w) == 1 && !num {
		if len(ts.singles) == 0 {
			ts.singleFrom = wstart
		}
		if len(ts.singles) < 64 {
			ts.singles = append(ts.singles, w[0])
		}
		ts.singleEnd = at
		return
	}
	if len(ts.singles) >= 4 {
		ts.squeezed()
	}
	ts.singles = ts.singles[:0]
}

// squeezed matches a run of single letters read as one word.
func (ts *termScanner) squeezed() {
	for _, ti := range ts.a.first[string(ts.singles)] {
		if len(ts.a.words[ti]) == 1 {
			ts.hits = append(ts.hits, termHit{term: ti, start: ts.singleFrom, end: ts.singleEnd})
		}
	}
	ts.singles = ts.singles[:0]
}
