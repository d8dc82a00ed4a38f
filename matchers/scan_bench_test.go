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
