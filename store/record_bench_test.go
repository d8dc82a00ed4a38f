package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"leakwatch/internal/corpus"
	"leakwatch/leak"
	"leakwatch/store"
)

// BenchmarkRecordAll measures the write path: posts of 4 KiB (corpusgen
// text) stored with their sealed text, one in ten with a hit and an alert,
// in transactions of 1, 16, 64 and 256 posts (one fsync each).
func BenchmarkRecordAll(b *testing.B) {
	cuts := corpus.Posts(b, 8, 4<<10)
	for _, batch := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			db, err := store.Open(filepath.Join(b.TempDir(), "w.db"), store.Options{Timeout: time.Second, TextKey: textKey(b, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			n := 0
			var bytesIn int64
			for b.Loop() {
				es := make([]store.Entry, batch)
				for i := range es {
					t := cuts[n%len(cuts)] + fmt.Sprint(n)
					bytesIn += int64(len(t))
					es[i] = store.Entry{Post: leak.Post{Source: "forum", Key: fmt.Sprintf("/t/%08d", n), Text: t, Hash: leak.ContentHash(t)}, Version: "v"}
					if n%10 == 0 {
						es[i].Evidence, es[i].Alert = critical, true
					}
					n++
				}
				if _, err := db.RecordAll(es); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(float64(bytesIn)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
	}
}
