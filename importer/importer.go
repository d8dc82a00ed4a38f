package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"leakwatch/fpstore"
	"leakwatch/matchers"
)

// Column maps a CSV column to a value type.
type Column struct {
	Type  matchers.Type
	Index int    // 0-based; resolved from Name when the file has a header
	Name  string // header name, if given by name
}

// ParseColumns reads "email=3,phone=mobile" (1-based index or header name).
func ParseColumns(spec string) ([]Column, error) {
	var cols []Column
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("column mapping %q: want TYPE=COLUMN", part)
		}
		t, ok := matchers.ParseType(k)
		if !ok {
			return nil, fmt.Errorf("column mapping %q: unknown type %q (want one of %v)", part, k, matchers.Types)
		}
		c := Column{Type: t, Index: -1}
		if n, err := strconv.Atoi(v); err == nil {
			if n < 1 {
				return nil, fmt.Errorf("column mapping %q: columns count from 1", part)
			}
			c.Index = n - 1
		} else {
			c.Name = strings.TrimSpace(v)
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, errors.New("no column mapping (e.g. --columns email=2,phone=3,ssn=ssn)")
	}
	return cols, nil
}

// Options configure one import.
type Options struct {
	File      string // for messages: file:line
	Header    bool   // the first row names the columns
	Comma     rune   // field separator, default ','
	Columns   []Column
	Hasher    *matchers.Hasher
	MaxErrors int // row errors reported in detail (default 20)
	Workers   int // hashing goroutines (default GOMAXPROCS)
	// Progress, if set, is called now and then with the rows read.
	Progress func(rows int64)
}

// Result counts what an import did.
type Result struct {
	Rows, Values, BadRows, BadValues int64
	Errors                           []string // "file:line: column 3 (ssn): not a valid ssn", never the value
}

type row struct {
	line   int64
	fields []string
}

type hashed struct {
	line   int64
	digest [][16]byte
	types  []uint8
	errs   []string
}

// Run streams r into im. Every row is one record: its values share the
// row's line number as record tag.
func Run(r io.Reader, im *fpstore.Import, o Options) (Result, error) {
	var res Result
	if o.Comma == 0 {
		o.Comma = ','
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = 20
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	cr := csv.NewReader(r)
	cr.Comma = o.Comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	cols := append([]Column(nil), o.Columns...)
	if o.Header {
		head, err := cr.Read()
		if err != nil {
			return res, fmt.Errorf("%s:1: read header: %w", o.File, err)
		}
		for i := range cols {
			if cols[i].Name == "" {
				continue
			}
			cols[i].Index = -1
			for j, h := range head {
				if strings.EqualFold(strings.TrimSpace(h), cols[i].Name) {
					cols[i].Index = j
				}
			}
			if cols[i].Index < 0 {
				return res, fmt.Errorf("%s:1: no column named %q in the header", o.File, cols[i].Name)
			}
		}
	} else {
		for _, c := range cols {
			if c.Name != "" {
				return res, fmt.Errorf("column %q is named, but the file has no header (use an index)", c.Name)
			}
		}
	}
	types := make([]uint8, len(cols))
	for i, c := range cols {
		types[i], _ = matchers.TypeIndex(c.Type)
	}

	// Reader -> workers (normalise + hash) -> this goroutine (add, in line
	// order per batch; order across batches does not matter).
	const batch = 1024
	in := make(chan []row, 4)
	out := make(chan []hashed, 4)
	var readErr error
	go func() {
		defer close(in)
		buf := make([]row, 0, batch)
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrQuote) {
					readErr = fmt.Errorf("%s:%d: %v", o.File, pe.Line, pe.Err)
					break
				}
				buf = append(buf, row{line: int64(line), fields: nil})
				continue
			}
			buf = append(buf, row{line: int64(line), fields: rec})
			if len(buf) == batch {
				in <- buf
				buf = make([]row, 0, batch)
			}
		}
		if len(buf) > 0 {
			in <- buf
		}
	}()
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rows := range in {
				hs := make([]hashed, len(rows))
				for i, rw := range rows {
					hs[i] = hashRow(rw, cols, types, o)
				}
				out <- hs
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	var addErr error
	for hs := range out {
		for _, h := range hs {
			res.Rows++
			im.CountRow(len(h.errs) > 0)
			if len(h.errs) > 0 {
				res.BadRows++
				res.BadValues += int64(len(h.errs))
				if len(res.Errors) < o.MaxErrors {
					res.Errors = append(res.Errors, h.errs...)
				}
			}
			for j, d := range h.digest {
				if addErr == nil {
					addErr = im.Add(d, h.types[j], uint64(h.line))
				}
				res.Values++
			}
		}
		if o.Progress != nil {
			o.Progress(res.Rows)
		}
	}
	if readErr != nil {
		return res, readErr
	}
	return res, addErr
}

func hashRow(rw row, cols []Column, types []uint8, o Options) hashed {
	h := hashed{line: rw.line}
	if rw.fields == nil {
		h.errs = append(h.errs, fmt.Sprintf("%s:%d: malformed CSV row", o.File, rw.line))
		return h
	}
	for i, c := range cols {
		if c.Index >= len(rw.fields) {
			continue
		}
		v := strings.TrimSpace(rw.fields[c.Index])
		if v == "" {
			continue
		}
		d, ok := o.Hasher.Value(c.Type, v)
		if !ok {
			h.errs = append(h.errs, fmt.Sprintf("%s:%d: column %d (%s): not a valid %s", o.File, rw.line, c.Index+1, c.Type, c.Type))
			continue
		}
		h.digest = append(h.digest, d)
		h.types = append(h.types, types[i])
	}
	return h
}
