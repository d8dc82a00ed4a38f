package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string, max int) (recs [][]string, lines []int, long []int) {
	t.Helper()
	r, err := NewCSVReader(strings.NewReader(in), ',', max)
	if err != nil {
		t.Fatal(err)
	}
	for range 100000 {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if errors.Is(err, ErrRecordTooLong) {
			long = append(long, r.Line())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs, lines = append(recs, rec), append(lines, r.Line())
	}
	t.Fatal("no end")
	return
}

// TestCSVReaderCapsARecord: a row without an end took the import to 5 GB;
// a row over the cap is skipped and named by its line, and the rows after
// it are read.
func TestCSVReaderCapsARecord(t *testing.T) {
	long := strings.Repeat("x", 3000)
	in := "email,phone\na@b.example,1\n" + long + "\nc@d.example,2\n\"quoted " + long + "\nstill\",3\ne@f.example,4\n"
	recs, lines, over := readAll(t, in, 1000)
	if want := [][]string{{"email", "phone"}, {"a@b.example", "1"}, {"c@d.example", "2"}, {"e@f.example", "4"}}; !reflect.DeepEqual(recs, want) {
		t.Errorf("records %q", recs)
	}
	if !reflect.DeepEqual(lines, []int{1, 2, 4, 7}) || !reflect.DeepEqual(over, []int{3, 5}) {
		t.Errorf("lines %v, too long at %v; want 1 2 4 7 and 3 5", lines, over)
	}
}

func TestCSVReaderDropsABOM(t *testing.T) {
	recs, _, _ := readAll(t, "\xef\xbb\xbfemail,phone\r\nx@y.example,5\r\n", 0)
	if len(recs) != 2 || recs[0][0] != "email" || recs[1][1] != "5" {
		t.Errorf("records %q", recs)
	}
}

// FuzzCSVReaderAgreesWithEncodingCSV: below the cap, the reader reads what
// encoding/csv (LazyQuotes) reads.
func FuzzCSVReaderAgreesWithEncodingCSV(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", "\"a,\"\"b\"\nc", "a\"b,c\n\n\nd", "\"x\ny\",z\r\n", "a,,\n,", "\"ab\"c,d\n", "\"open", " a , b \n", "\"a\"\"\"", "a\rb\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cr := csv.NewReader(strings.NewReader(in))
		cr.LazyQuotes, cr.FieldsPerRecord = true, -1
		var want [][]string
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // encoding/csv refuses it (a bare \r and the like): nothing to compare
			}
			want = append(want, rec)
		}
		got, _, _ := readAll(t, in, 0)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	})
}

// BenchmarkCSVRead compares the capped reader with encoding/csv on the
// import benchmark's rows (100,000 of them, with a quoted field in every
// tenth).
func BenchmarkCSVRead(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id,email,phone,ssn,imei,dob\n")
	for i := range 100_000 {
		if i%10 == 0 {
			fmt.Fprintf(&sb, "%d,\"user%d@mail.test\",\"(312) 555-%04d\",219-09-%04d,490154203237518,1985-03-04\n", i, i, i%10000, i%10000)
			continue
		}
		fmt.Fprintf(&sb, "%d,user%d@mail.test,(312) 555-%04d,219-09-%04d,490154203237518,1985-03-04\n", i, i, i%10000, i%10000)
	}
	data := sb.String()
	b.Run("capped", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, _ := NewCSVReader(strings.NewReader(data), ',', 0)
			for {
				if _, err := r.Read(); err != nil {
					break
				}
			}
		}
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r := csv.NewReader(strings.NewReader(data))
			r.LazyQuotes, r.FieldsPerRecord = true, -1
			for {
				if _, err := r.Read(); err != nil {
					break
				}
			}
		}
	})
}
