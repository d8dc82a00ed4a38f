package matchers

import (
	"bytes"
	"encoding/binary"
	"math/bits"
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
	termNotBrand // a configured name that holds a brand word but is someone else
)

type term struct {
	kind   termKind
	name   string      // what to report: the brand as configured, the data type, ...
	weight float64     // intent weight (negative lowers the score)
	class  intentClass // an intent phrase's class
	brand  int32       // a brand term's index in Set.brands
	text   []byte      // canonical form
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
	// An apostrophe separates words, in terms and text alike: "driver's"
	// reads "driver s".
	for from, to := range map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't'} {
		leetDigit[from] = to
	}
}

// leetDigit maps the digits leetspeak uses for letters. They are read as
// letters only inside a word ("ha1cyon"); a digit that starts a word stays
// a digit, so "0.5btc" still reads as an amount and a currency.
var leetDigit [128]byte

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

// canonical returns the canonical form of a term: its canonical words, as
// the text scanner reads them, joined by single spaces.
func canonical(s string) []byte {
	var out []byte
	eachWord([]byte(s), func(text []byte, ws, we int, high bool) {
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = canonWord(out, text[ws:we], high)
	})
	return out
}

// wordKind classifies ASCII bytes for the word splitter.
var wordKind [128]uint8

const (
	kSep    = 0
	kLetter = 1
	kDigit  = 2
)

func init() {
	for c := 'a'; c <= 'z'; c++ {
		wordKind[c], wordKind[c-32] = kLetter, kLetter
	}
	for c := '0'; c <= '9'; c++ {
		wordKind[c] = kDigit
	}
}

// emitWord hands one word to ts (through the inline filter check, which
// most words fail) or, without ts, to fn.
func emitWord(text []byte, ws, we int, high bool, fn func(text []byte, ws, we int, high bool), ts *termScanner) {
	switch {
	case ts == nil:
		fn(text, ws, we, high)
	case !high && we-ws >= 2 && we-ws <= maxWord && len(ts.partials) == 0 && len(ts.singles) == 0 &&
		!ts.a.mayStartKey(we-ws, canonByte[text[ws]&0x7f], canonByte[text[ws+1]&0x7f], canonByte[text[we-1]&0x7f]):
		// The filter rejects it: the common case.
	default:
		ts.endWord(text, ws, we, high)
	}
}

// byteKind is wordKind over all bytes, a non-ASCII byte counting as a
// letter (as the rune-by-rune path mostly finds).
var byteKind [256]uint8

func init() {
	for c := 0; c < 256; c++ {
		if c >= utf8.RuneSelf {
			byteKind[c] = kLetter
		} else {
			byteKind[c] = wordKind[c]
		}
	}
}

// eachWord calls fn for every word of text: a run of letters (any
// script), zero-width characters, and digits between two letters
// ("ha1cyon"). high says the word has non-ASCII bytes. Digits elsewhere,
// punctuation and spaces separate words. Blocks of eight ASCII bytes are
// classified at once (SWAR); other bytes one at a time, by the same rules.
func eachWord(text []byte, fn func(text []byte, ws, we int, high bool)) {
	splitWords(text, fn, true, nil)
}

// splitWords is eachWord; swar false reads byte by byte only (the
// reference the fuzz test holds the fast path to). With ts set, words of
// the eight-byte path go straight to ts (a direct call, after the cheap
// filter check, which most words fail) instead of fn.
func splitWords(text []byte, fn func(text []byte, ws, we int, high bool), swar bool, ts *termScanner) {
	w := wordSplit{text: text, fn: fn, ts: ts}
	inWord, prevLetter := false, false // text[i-1] is in a word; is a letter (for a digit at i)
	n := len(text)
	for i := 0; i < n; {
		if swar && i+8 <= n && binary.LittleEndian.Uint64(text[i:])&highs == 0 {
			// A run of ASCII blocks. The state between blocks is kept as
			// masks (0 or 0x80 for byte 0) and the few data-dependent
			// choices are written as selects, because mispredicted branches,
			// not instructions, were this loop's cost.
			var prevL, prevW uint64
			if prevLetter {
				prevL = 0x80
			}
			if inWord {
				prevW = 0x80
			}
			i, prevL, prevW = w.blocks64(i, prevL, prevW)
			i, prevL, prevW = w.blocks8(i, prevL, prevW)
			inWord, prevLetter = prevW != 0, prevL != 0
			continue
		}
		i, inWord, prevLetter = w.step(i, inWord, prevLetter)
	}
	if inWord {
		fn(text, w.ws, n, w.high)
	}
}

// wordSplit is splitWords's reading of one text: where the word being
// read starts (ws) and whether it has non-ASCII bytes (high), and where
// its words go.
type wordSplit struct {
	text []byte
	fn   func(text []byte, ws, we int, high bool)
	ts   *termScanner
	ws   int
	high bool
}

// begin starts a word at p.
func (w *wordSplit) begin(p int) { w.ws, w.high = p, false }

// end hands on the word that ends before we.
func (w *wordSplit) end(we int) { emitWord(w.text, w.ws, we, w.high, w.fn, w.ts) }

// blocks64 reads 64 bytes at a time from i while they are ASCII, with
// one bit per byte, so the loop over the words of a block ends (a
// mispredicted branch) once per 64 bytes, not once per 8. prevL and prevW
// say (0x80 or 0) whether the byte before i is a letter, in a word; it
// returns where it stopped and the same for the byte before that.
func (w *wordSplit) blocks64(i int, prevL, prevW uint64) (int, uint64, uint64) {
	text := w.text
	for i+66 <= len(text) {
		L, D, ascii := classify64(text[i : i+64])
		if !ascii {
			break // not all ASCII: eight bytes at a time from here
		}
		pl, pw := prevL>>7, prevW>>7
		nl, nw := after64(text[i+64], text[i+65], L)
		W := wordBytes(L, D, pl, nl, 1)
		if pw != 0 && W&1 == 0 {
			w.end(i) // a word from before ends here
			pw = 0
		}
		starts, ends := edges(W, pw, nw, 1)
		for m := ends; m != 0; m &= m - 1 {
			bit := m & -m
			if sb := starts & (bit | (bit - 1)); sb != 0 {
				w.begin(i + 63 - bits.LeadingZeros64(sb))
			}
			w.end(i + bits.TrailingZeros64(bit) + 1)
		}
		if W>>63&^(ends>>63)&1 != 0 && starts != 0 { // a word still open began here
			if last := 63 - bits.LeadingZeros64(starts); ends&(1<<uint(last)) == 0 {
				w.begin(i + last)
			}
		}
		prevW = (W >> 63 &^ (ends >> 63)) << 7
		prevL = (L >> 63) << 7
		i += 64
	}
	return i, prevL, prevW
}

// blocks8 is blocks64 eight bytes at a time (one mark of 0x80 per byte),
// for the end of a text and the ASCII blocks between non-ASCII bytes.
func (w *wordSplit) blocks8(i int, prevL, prevW uint64) (int, uint64, uint64) {
	text := w.text
	for i+8 <= len(text) {
		x := binary.LittleEndian.Uint64(text[i:])
		if x&highs != 0 {
			break
		}
		L, D := classify8(x)
		nextL, nextW := after8(text, i, L)
		W := wordBytes(L, D, prevL>>7, nextL>>63, 8)
		if prevW != 0 && W&0x80 == 0 {
			w.end(i) // a word from the byte-by-byte path ends here
			prevW = 0
		}
		starts, ends := edges(W, prevW>>7, nextW>>63, 8)
		// One step per word end; its start is the last start at or
		// below it in this block, or the start carried in.
		for m := ends; m != 0; m &= m - 1 {
			bit := m & -m
			sb := starts & (bit | (bit - 1))
			if p := i + (63-bits.LeadingZeros64(sb))>>3; sb != 0 {
				w.begin(p)
			}
			w.end(i + bits.TrailingZeros64(bit)>>3 + 1)
		}
		// A word still open at byte 7 began at the block's last start,
		// unless that start was a word that also ended here (then it
		// began before the block and ws already holds its start).
		open := W>>63&^(ends>>63)&1 != 0
		last := (63 - bits.LeadingZeros64(starts)) >> 3
		if p := i + last; open && starts != 0 && ends&(0x80<<uint(last*8)) == 0 {
			w.begin(p)
		}
		prevW = W >> 56 &^ (ends >> 56) & 0x80
		prevL = L >> 56 & 0x80
		i += 8
	}
	return i, prevL, prevW
}

// step reads the one character at i by the rules (the reference path):
// a letter of any script goes on a word, a digit between letters too, a
// zero-width character is dropped from the word, anything else ends it.
func (w *wordSplit) step(i int, inWord, prevLetter bool) (int, bool, bool) {
	text := w.text
	c := text[i]
	if c < utf8.RuneSelf {
		switch wordKind[c] {
		case kLetter:
			if !inWord {
				inWord = true
				w.begin(i)
			}
			return i + 1, inWord, true
		case kDigit:
			if prevLetter && i+1 < len(text) && isLetterAt(text, i+1) {
				return i + 1, inWord, false // "ha1cyon"
			}
		}
		if inWord {
			w.fn(text, w.ws, i, w.high)
		}
		return i + 1, false, false
	}
	r, size := utf8.DecodeRune(text[i:])
	switch {
	case zeroWidth(r):
		w.high = w.high || inWord // dropped from the word, which goes on
	case unicode.IsLetter(r) || r >= 0xFF21 && r <= 0xFF3A || r >= 0xFF41 && r <= 0xFF5A:
		if !inWord {
			inWord, w.ws = true, i
		}
		w.high = true
		prevLetter = true
	default:
		if inWord {
			w.fn(text, w.ws, i, w.high)
			inWord = false
		}
		prevLetter = false
	}
	return i + size, inWord, prevLetter
}

// wordBytes marks the bytes of words among letters L and digits D (one
// mark every step bits: 1 for classify64's packing, 8 for classify8's):
// every letter, and a digit between two letters ("ha1cyon"). pl and nl
// are 1 when the byte before the first, or after the last, is a letter.
func wordBytes(L, D, pl, nl uint64, step uint) uint64 {
	top := 64 - step
	return L | D&(L<<step|pl<<(step-1))&(L>>step|nl<<(top+step-1))
}

// edges marks where words start and end in the word bytes W; pw and nw
// are 1 when a word runs in from before the first byte, or on past the
// last.
func edges(W, pw, nw uint64, step uint) (starts, ends uint64) {
	top := 64 - step
	starts = W &^ (W<<step | pw<<(step-1))
	ends = W &^ (W>>step | nw<<(top+step-1))
	return starts, ends
}

// after64 classifies the two bytes after a 64-byte chunk whose last byte
// is L's bit 63: nl, the next byte is a letter; nw, the word goes on past
// the chunk (a letter, or a digit between letters).
func after64(b64, b65 byte, L uint64) (nl, nw uint64) {
	k64, k65 := byteKind[b64], byteKind[b65]
	nl = uint64(k64 & kLetter)
	nw = nl | uint64(k64>>1&1)&(L>>63)&uint64(k65&kLetter)
	return nl, nw
}

// after8 is after64 for the eight-byte block at i (masks in the block's
// top byte), near the end of text too.
func after8(text []byte, i int, L uint64) (nextL, nextW uint64) {
	n := len(text)
	if i+10 <= n {
		k8, k9 := byteKind[text[i+8]], byteKind[text[i+9]]
		l8, d8, l9 := uint64(k8&kLetter), uint64(k8>>1&1), uint64(k9&kLetter)
		return l8 << 63, (l8 | d8&(L>>63)&l9) << 63
	}
	if i+8 < n && byteKind[text[i+8]] == kLetter {
		return 0x80 << 56, 0x80 << 56
	}
	return 0, 0
}

// classify8 marks the letters (a-z, A-Z) and the digits of eight ASCII
// bytes: the high bit of each byte's place in L or D.
func classify8(x uint64) (L, D uint64) {
	lower := x | ones*0x20
	L = (lower + ones*0x1f) &^ (lower + ones*0x05) & highs
	D = (x + ones*0x50) &^ (x + ones*0x46) & highs
	return L, D
}

// classify64 is classify8 over 64 bytes, one bit a byte (byte i's at bit
// i); ascii is false when a byte is not ASCII (L and D are then partial).
func classify64(b []byte) (L, D uint64, ascii bool) {
	_ = b[63]
	for k := range 8 {
		x := binary.LittleEndian.Uint64(b[8*k:])
		if x&highs != 0 {
			return L, D, false
		}
		l, d := classify8(x)
		L |= movemask(l) << (8 * k)
		D |= movemask(d) << (8 * k)
	}
	return L, D, true
}

// movemask packs the high bits of x's eight bytes into eight bits (byte
// i's into bit i).
func movemask(x uint64) uint64 { return (x >> 7 * 0x0102040810204080) >> 56 }

// isLetterAt: an ASCII letter, or a non-ASCII byte (taken as a letter, as
// the rune-by-rune path would mostly find).
func isLetterAt(text []byte, i int) bool {
	c := text[i]
	return c >= utf8.RuneSelf || wordKind[c] == kLetter
}

// canonWord appends the canonical form of one word: lower case, 'l' and
// 'i' folded, leetspeak digits as letters, look-alikes as Latin letters,
// zero-width characters dropped.
func canonWord(dst, w []byte, high bool) []byte {
	if !high {
		for _, c := range w {
			if l := leetDigit[c]; l != 0 {
				dst = append(dst, l)
			} else {
				dst = append(dst, canonASCII[c])
			}
		}
		return dst
	}
	var buf [8]byte
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if l := leetDigit[c]; l != 0 {
				dst = append(dst, l)
			} else {
				dst = append(dst, canonASCII[c])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(w[i:])
		for _, b := range canonRune(buf[:0], r) {
			if b != ' ' {
				dst = append(dst, b)
			}
		}
		i += size
	}
	return dst
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

// mayStartKey is mayStart from a word's length and its first, second and
// last canonical bytes.
func (a *automaton) mayStartKey(n int, c0, c1, cl byte) bool {
	k := uint32(n)*0x9e37 ^ uint32(c0)<<7 ^ uint32(cl)<<2
	if n > 1 {
		k ^= uint32(c1) << 11
	}
	k &= 1<<18 - 1
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
	word     []byte // canonical bytes of the current word, when needed
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

// scan finds every term in text.
func (ts *termScanner) scan(a *automaton, text []byte) {
	ts.reset(a)
	splitWords(text, ts.endWord, true, ts)
	ts.partials = ts.partials[:0]
	if len(ts.singles) >= 4 {
		ts.squeezed()
	}
}

// canonByte is the canonical byte of an ASCII byte inside a word: a
// letter folded, a digit read as the letter it imitates.
var canonByte [128]byte

func init() {
	for c := 0; c < 128; c++ {
		canonByte[c] = canonASCII[c]
		if l := leetDigit[c]; l != 0 {
			canonByte[c] = l
		}
	}
}

// canonAt is the canonical byte of an ASCII byte inside a word.
func canonAt(c byte) byte { return canonByte[c&0x7f] }

// endWord checks the word text[ws:we] against the terms. For an ASCII
// word the filter key comes from three bytes and the length, without
// building the canonical word; most words stop there.
func (ts *termScanner) endWord(text []byte, ws, we int, high bool) {
	a := ts.a
	n := we - ws
	if n > maxWord {
		ts.partials = ts.partials[:0]
		ts.singles = ts.singles[:0]
		return
	}
	var w []byte
	candidate := true
	if !high {
		c0, c1, cl := canonAt(text[ws]), canonAt(text[ws]), canonAt(text[we-1])
		if n > 1 {
			c1 = canonAt(text[ws+1])
		}
		candidate = a.mayStartKey(n, c0, c1, cl)
	}
	if candidate || len(ts.partials) > 0 || n == 1 || high {
		ts.word = canonWord(ts.word[:0], text[ws:we], high)
		w = ts.word
		if high && len(w) > 0 {
			candidate = a.mayStart(w)
		}
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
				ts.hits = append(ts.hits, termHit{term: p.term, start: p.start, end: we})
				continue
			}
			p.next++
			keep = append(keep, p)
		}
		ts.partials = keep
	}
	if candidate && w != nil {
		for _, ti := range a.first[string(w)] {
			if len(a.words[ti]) == 1 {
				ts.hits = append(ts.hits, termHit{term: ti, start: ws, end: we})
			} else {
				ts.partials = append(ts.partials, partial{term: ti, next: 1, start: ws})
			}
		}
	}
	// Runs of single letters: "h a l c y o n".
	if len(w) == 1 {
		if len(ts.singles) == 0 {
			ts.singleFrom = ws
		}
		if len(ts.singles) < 64 {
			ts.singles = append(ts.singles, w[0])
		}
		ts.singleEnd = we
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
