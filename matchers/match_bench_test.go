package matchers

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"

	corpusgen "leakwatch/internal/corpus"
	"leakwatch/leak"
)

// corpusSet builds a Set like a real deployment's on the corpus: its 20
// company keywords as brands, and one planted value in ten of each type as
// fingerprints (so lookups hit and miss as they would).
func corpusSet(tb testing.TB, truth []truthItem) *Set {
	tb.Helper()
	h, _ := NewHasher(bytes.Repeat([]byte{7}, KeySize))
	var fs []leak.Fingerprint
	brands := map[string]bool{}
	for i, it := range truth {
		switch {
		case it.kind == "keyword":
			brands[it.norm] = true
		case it.hit && i%10 == 0:
			t, _ := ParseType(it.kind)
			d, ok := h.Value(t, it.raw)
			if !ok {
				continue
			}
			fs = append(fs, leak.Fingerprint{Digest: d, Type: it.kind, Dataset: "crm", Partition: "p", Record: uint64(i)})
		}
	}
	var bl []string
	for b := range brands {
		bl = append(bl, b)
	}
	s, err := NewSet(Config{Hasher: h, Fingerprints: fs, Brands: bl, Profile: []string{"us carrier", "wireless provider"}})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkMatch is the whole matcher (scan, validate, normalise, keyed
// hash, look up, brand terms, claim) on the corpus, on one core, in posts
// of 16 KiB and of 4 KiB (a typical forum post: per-post costs weigh more).
func BenchmarkMatch(b *testing.B) {
	text, truth := corpus(b, 64)
	s := corpusSet(b, truth)
	for _, size := range []int{16 << 10, 4 << 10} {
		ps := corpusgen.Cut(text, size)
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range ps {
					s.Match(p)
				}
			}
		})
	}
}

// BenchmarkMatchParallel runs the matcher on every core.
func BenchmarkMatchParallel(b *testing.B) {
	text, truth := corpus(b, 64)
	s := corpusSet(b, truth)
	ps := corpusgen.Cut(text, 16<<10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	workers := runtime.GOMAXPROCS(0)
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(ps); i += workers {
					s.Match(ps[i])
				}
			}()
		}
		wg.Wait()
	}
}
