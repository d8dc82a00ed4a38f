package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"leakwatch/fpstore"
	"leakwatch/matchers"
)

// benchRows is the import size: 1 million rows by default, more with
// LEAKWATCH_IMPORT_ROWS (the target is 100 million in 10 minutes).
func benchRows() int {
	if v, err := strconv.Atoi(os.Getenv("LEAKWATCH_IMPORT_ROWS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// writeCSV writes n customer rows with five values each.
func writeCSV(tb testing.TB, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,email,phone,ssn,imei,dob")
	imei := []byte("35000000000000")
	for i := range n {
		// A Luhn-valid IMEI from the row number.
		d := strconv.AppendInt(imei[:2], int64(100_000_000_000+i), 10)
		sum := 0
		for j := len(d) - 1; j >= 0; j-- {
			x := int(d[j] - '0')
			if (len(d)-1-j)%2 == 0 {
				x *= 2
				if x > 9 {
					x -= 9
				}
			}
			sum += x
		}
		d = append(d, byte('0'+(10-sum%10)%10))
		fmt.Fprintf(w, "%d,user%d@mail%d.test,(%03d) %03d-%04d,%03d-%02d-%04d,%s,19%02d-%02d-%02d\n",
			i, i, i%97, 200+i%700, 200+(i/700)%700, i%10000, 1+i%665, 1+i%99, 1+i%9999, d, 40+i%60, 1+i%12, 1+i%28)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkImport measures rows per second for CSV parsing, normalisation,
// keyed hashing and the store's sort and filter build, and the store's
// load time and filter memory.
func BenchmarkImport(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "customers.csv")
	writeCSV(b, csvPath, n)
	cols, _ := ParseColumns("email=email,phone=phone,ssn=ssn,imei=imei,dob=dob")
	h, _ := matchers.NewHasher(bytes.Repeat([]byte{3}, 32))
	for b.Loop() {
		b.StopTimer()
		storeDir := filepath.Join(dir, "fp")
		os.RemoveAll(storeDir)
		f, _ := os.Open(csvPath)
		im, err := fpstore.NewImport(storeDir, "crm", "p", "customers.csv")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := Run(context.Background(), bufio.NewReaderSize(f, 1<<20), im, Options{File: "customers.csv", Header: true, Columns: cols, Hasher: h})
		if err != nil || res.BadRows != 0 || res.Values != int64(5*n) {
			b.Fatalf("%+v %v %v", res, err, res.Errors)
		}
		if err := im.Commit(context.Background(), 2); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.Close()
		start := time.Now()
		s, err := fpstore.Open(storeDir)
		if err != nil {
			b.Fatal(err)
		}
		load := time.Since(start)
		filter, _ := s.Memory()
		b.ReportMetric(load.Seconds(), "load-s")
		b.ReportMetric(float64(filter)/float64(s.Len()), "filter-bytes/value")
		// Lookups of absent values (as almost every candidate in a post is)
		// against the loaded set.
		var d [16]byte
		const probes = 2_000_000
		hits := 0
		count := func(uint16, uint8, uint64) { hits++ }
		start = time.Now()
		for p := range probes {
			binary.LittleEndian.PutUint64(d[:], uint64(p)*0x9e3779b97f4a7c15)
			binary.LittleEndian.PutUint64(d[8:], uint64(p))
			s.Lookup(d, count)
		}
		b.ReportMetric(probes/time.Since(start).Seconds()/1e6, "Mlookups/s")
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
