package matchers

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"leakwatch/leak"
)

// FuzzScan: the scanner never panics, every value it reports lies inside
// the text, and its normalised form is what Normalize makes of the raw
// text (so import and matching agree).
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"ann@mail.test,(312) 555-0148,219-09-9999,490154203237518",
		"d.white [at] qq [dot] com +44 20 7946 0958 4111 1111 1111 1111",
		"((((1", "@@@", "+", "1-2-3-4-5-6-7-8-9-0-1-2-3", "a@b.cc.", "x [at] y (dot) zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var s scanner
		s.scan([]byte(text))
		for _, fd := range s.found {
			if fd.start < 0 || fd.end > int32(len(text)) || fd.start >= fd.end {
				t.Fatalf("value span %d..%d outside the text (%d bytes)", fd.start, fd.end, len(text))
			}
			norm := string(s.norm(fd))
			raw := text[fd.start:fd.end]
			if fd.t == TypeEmail && strings.ContainsAny(raw, "[({") {
				continue // obfuscated: Normalize takes the plain form only
			}
			if fd.t == TypePhone && strings.HasPrefix(raw, "+") && !strings.HasPrefix(raw, "+1") {
				continue // international: import validates with libphonenumber, the scanner by length
			}
			if got, ok := Normalize(fd.t, raw); !ok || got != norm {
				t.Fatalf("scanner read %s %q as %q; Normalize says %q, %v", fd.t, raw, norm, got, ok)
			}
		}
	})
}

// FuzzTerms: the term scanner never panics and reports spans inside the
// text.
func FuzzTerms(f *testing.F) {
	f.Add("Selling Ha1cyon db, h a l c y o n, 68M records, 6 BTC")
	f.Add("ｈａｌ\u200bｃｙｏｎ продаю базу")
	s, _ := NewSet(Config{Brands: []string{"Halcyon", "Halcyon Wireless"}, Profile: []string{"us carrier"}})
	f.Fuzz(func(t *testing.T, text string) {
		var ts termScanner
		ts.scan(s.auto, []byte(text))
		for _, h := range ts.hits {
			if h.start < 0 || h.end > len(text) || h.start > h.end {
				t.Fatalf("term span %d..%d outside %d bytes", h.start, h.end, len(text))
			}
		}
		ev := s.Match(text)
		if !utf8.ValidString(ev.Headline) {
			t.Fatal("invalid UTF-8 headline")
		}
	})
}

// FuzzWords: the eight-bytes-at-a-time word splitter finds exactly the
// words the byte-by-byte one finds.
func FuzzWords(f *testing.F) {
	f.Add("HalcyonWireless leak, ha1cyon h4lcy0n 5btc ｈａｌｃｙｏｎ hal\u200bcyon a1b2c3 x")
	f.Add("12345678abcdefgh12345678")
	f.Add(strings.Repeat("Selling h4lcyon db, 30M rows: a1b2 x ", 6)) // longer than a 64-byte chunk
	f.Fuzz(func(t *testing.T, text string) {
		type word struct {
			ws, we int
			high   bool
		}
		var fast, slow []word
		splitWords([]byte(text), func(_ []byte, ws, we int, high bool) { fast = append(fast, word{ws, we, high}) }, true, nil)
		splitWords([]byte(text), func(_ []byte, ws, we int, high bool) { slow = append(slow, word{ws, we, high}) }, false, nil)
		if len(fast) != len(slow) {
			t.Fatalf("%q: %d words fast, %d slow\n%v\n%v", text, len(fast), len(slow), fast, slow)
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Fatalf("%q: word %d fast %v, slow %v", text, i, fast[i], slow[i])
			}
		}
	})
}

// FuzzTermsFastPath: the term scanner with its skip of filtered words finds
// exactly the terms that calling endWord on every word finds.
func FuzzTermsFastPath(f *testing.F) {
	f.Add("Selling Ha1cyon db, h a l c y o n wireless, 68M records, 6 BTC, sample below")
	s, _ := NewSet(Config{Brands: []string{"Halcyon", "Halcyon Wireless"}})
	f.Fuzz(func(t *testing.T, text string) {
		var fast, slow termScanner
		fast.scan(s.auto, []byte(text))
		slow.reset(s.auto)
		eachWord([]byte(text), slow.endWord)
		slow.partials = slow.partials[:0]
		if len(slow.singles) >= 4 {
			slow.squeezed()
		}
		if fmt.Sprint(fast.hits) != fmt.Sprint(slow.hits) {
			t.Fatalf("%q: fast %v, slow %v", text, fast.hits, slow.hits)
		}
	})
}

// TestWordsLongTexts holds the 64- and 8-byte paths of the word splitter
// to the byte-by-byte one on long random texts (fuzzer inputs are mostly
// shorter than a 64-byte chunk): letters, digits between letters,
// punctuation, and now and then a non-ASCII letter or zero-width space.
func TestWordsLongTexts(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "Z", "q", "1", "4", "0", " ", " ", ",", ".", "\n", "@", "-", "é", "\u200b", "ｈ", "Я"}
	type word struct {
		ws, we int
		high   bool
	}
	for n := range 3000 {
		var b strings.Builder
		size := 60 + rnd.IntN(400)
		ascii := n%3 != 0
		for b.Len() < size {
			p := pieces[rnd.IntN(len(pieces))]
			if ascii && p[0] >= 0x80 {
				continue
			}
			if rnd.IntN(3) == 0 { // runs of letters make long words
				p = strings.Repeat("k", 1+rnd.IntN(70))
			}
			b.WriteString(p)
		}
		text := b.String()
		var fast, slow []word
		splitWords([]byte(text), func(_ []byte, ws, we int, high bool) { fast = append(fast, word{ws, we, high}) }, true, nil)
		splitWords([]byte(text), func(_ []byte, ws, we int, high bool) { slow = append(slow, word{ws, we, high}) }, false, nil)
		if !slices.Equal(fast, slow) {
			t.Fatalf("%q:\nfast %v\nslow %v", text, fast, slow)
		}
	}
}

// FuzzMatchPost: a whole post, thread marks, quotes and all, never panics,
// and its evidence counts add up.
func FuzzMatchPost(f *testing.F) {
	f.Add("[WTS] Halcyon 14.8M", "\x1eM seller\nSelling Halcyon db\nann@mail.test,219-09-9999\n\x1eM buyer\n\x1eQ seller\nann@mail.test\n\x1eE\nlegit")
	f.Add("", "Name: Ann\nDOB: 1985-03-04\nDL: WA WDLJ5CBC312S\n\nINSERT INTO t VALUES ('a','b',\"60614\"),('Dana','Whitfield','60614');")
	f.Add("x", "\x1eQ\n\x1eE\n\x1eE\n\x1eM\n3 1 2 5 5 5 0 1 4 8 | 268 - 67 - 9464 | 683/11/5843")
	h, _ := NewHasher(make([]byte, KeySize))
	d, _ := h.Value(TypeEmail, "ann@mail.test")
	c, _ := h.Value(TypeSSN, "219-09-9999")
	s, err := NewSet(Config{Hasher: h, Brands: []string{"Halcyon Wireless", "Halcyon"}, NotBrands: []string{"Halcyon House"},
		Fingerprints: []leak.Fingerprint{{Digest: d, Type: "email", Dataset: "crm", Partition: "p", Record: 1}},
		Canaries:     []leak.Canary{{ID: "cn-1", Partition: "billing", Type: "ssn", Digest: c}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		ev := s.MatchPost(leak.Post{Title: title, Text: text})
		if sm := ev.Sample; sm != nil {
			if sm.RealRows+sm.CanaryRows+sm.Unmatched != sm.Rows || sm.Unmatched < 0 || len(sm.Records) > maxRecordIDs {
				t.Fatalf("sample counts do not add up: %+v", sm)
			}
		}
		if ev.Severity != leak.SeverityNone && ev.Headline == "" {
			t.Fatal("a hit without a headline")
		}
		_, fs := s.ExplainPost([]byte(title), []byte(text))
		for _, x := range fs {
			if x.Line < 0 || x.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("finding on line %d of a %d-line text", x.Line, strings.Count(text, "\n")+1)
			}
		}
	})
}
