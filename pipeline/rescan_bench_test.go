package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"leakwatch/internal/corpus"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// BenchmarkRescan measures a rescan of stored posts (read, open the sealed
// text, decompress, match, record) against the matchers alone on the same
// posts with the same number of goroutines: the store must not be the
// bottleneck. Posts are 4 KiB cuts of the corpusgen corpus; 20,000 of them
// by default, LEAKWATCH_RESCAN_POSTS=1000000 for the million.
func BenchmarkRescan(b *testing.B) {
	n := 20_000
	if v := os.Getenv("LEAKWATCH_RESCAN_POSTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	cuts := corpus.Posts(b, 64, 4<<10)
	key := bytes.Repeat([]byte{7}, 32)
	tk, _ := store.DeriveTextKey(key)
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{Timeout: time.Second, TextKey: tk})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var total int64
	start := time.Now()
	for i := 0; i < n; i += 512 {
		var es []store.Entry
		for j := i; j < min(i+512, n); j++ {
			t := cuts[j%len(cuts)]
			if j >= len(cuts) {
				t += "\n#" + strconv.Itoa(j) // another post with other text
			}
			total += int64(len(t))
			es = append(es, store.Entry{Post: leak.Post{Source: "forum", Key: fmt.Sprintf("/t/%07d", j), Text: t, Hash: leak.ContentHash(t), Fetched: time.Now()}, Version: "v"})
		}
		if _, err := db.RecordAll(es); err != nil {
			b.Fatal(err)
		}
	}
	fi, _ := os.Stat(db.Path())
	b.Logf("stored %d posts (%d MB of text) in %s; database file %d MB", n, total>>20, time.Since(start).Round(time.Millisecond), fi.Size()>>20)
	h, _ := matchers.NewHasher(key)
	set, err := matchers.NewSet(matchers.Config{Hasher: h, Brands: []string{"halcyon", "halcyon wireless", "acme"}, Profile: []string{"us carrier"}})
	if err != nil {
		b.Fatal(err)
	}
	workers := runtime.GOMAXPROCS(0)

	b.Run("rescan", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			sum, err := pipeline.Rescan(context.Background(), db, set, pipeline.RescanOptions{DryRun: true, Workers: workers}, nil)
			if err != nil || sum.Scanned != n {
				b.Fatalf("rescan: %+v, %v", sum, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	})
	// What the store adds: read, decrypt and decompress on every core.
	b.Run("read-open", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			err := db.ScanSealed(context.Background(), store.PostFilter{}, 512, func(ps []store.SealedPost, _ int) error {
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						for i := w; i < len(ps); i += workers {
							if _, err := db.OpenText(&ps[i]); err != nil {
								b.Error(err)
							}
						}
					})
				}
				wg.Wait()
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("match-only", func(b *testing.B) {
		posts := make([]string, n)
		for j := range posts {
			posts[j] = cuts[j%len(cuts)]
		}
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			next := make(chan int, 256)
			for range workers {
				wg.Go(func() {
					for j := range next {
						set.MatchPost(leak.Post{Text: posts[j]})
					}
				})
			}
			for j := range posts {
				next <- j
			}
			close(next)
			wg.Wait()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	})
}
