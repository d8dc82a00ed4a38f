package matchers

import "testing"

// BenchmarkScan measures the candidate scanner alone on the corpus.
func BenchmarkScan(b *testing.B) {
	text, _ := corpus(b, 64)
	var s scanner
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s.scan(text)
	}
	b.ReportMetric(float64(len(s.found)), "values")
}

// BenchmarkTerms measures the term scanner alone on the corpus.
func BenchmarkTerms(b *testing.B) {
	text, _ := corpus(b, 64)
	a := newAutomaton(builtinTerms())
	var ts termScanner
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		ts.scan(a, text)
	}
	b.ReportMetric(float64(len(ts.hits)), "hits")
}

// BenchmarkWords measures the word splitter alone on the corpus.
func BenchmarkWords(b *testing.B) {
	text, _ := corpus(b, 64)
	n := 0
	count := func([]byte, int, int, bool) { n++ }
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		n = 0
		eachWord(text, count)
	}
	b.ReportMetric(float64(n), "words")
}
