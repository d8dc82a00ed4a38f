package importer

import (
	"context"
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

// Column maps one or more CSV columns to a value type; several columns
// ("name_zip=first+last+zip") are joined with spaces.
type Column struct {
	Type  matchers.Type
	Parts []Part
}

// Part is one CSV column, by 0-based index or by header name.
type Part struct {
	Index int
	Name  string
}

// ParseColumns reads "email=3,phone=mobile,name_zip=first+last+zip"
// (1-based indexes or header names).
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
		c := Column{Type: t}
		for _, ref := range strings.Split(v, "+") {
			ref = strings.TrimSpace(ref)
			if n, err := strconv.Atoi(ref); err == nil {
				if n < 1 {
					return nil, fmt.Errorf("column mapping %q: columns count from 1", part)
				}
				c.Parts = append(c.Parts, Part{Index: n - 1})
			} else if ref != "" {
				c.Parts = append(c.Parts, Part{Index: -1, Name: ref})
			} else {
				return nil, fmt.Errorf("column mapping %q: empty column", part)
			}
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
	// MaxRecord caps a row's length in bytes (default DefaultMaxRecord): a
	// longer row is skipped and reported by its line.
	MaxRecord int
	// MaxBad is the fraction of bad rows (0 to 1) past which the import
	// fails and nothing is registered (default 0.5: most rows bad means
	// the wrong file, delimiter or columns). 1 accepts any.
	MaxBad float64
	// Progress, if set, is called now and then with the rows read.
	Progress func(rows int64)
}

// Result counts what an import did.
type Result struct {
	Rows, Values, BadRows, BadValues int64
	Errors                           []string // "file:line:column: ssn: not a valid SSN ...", never the value
}

type row struct {
	line   int64
	fields []string
	long   int // the row was over this cap, and skipped
}

type hashed struct {
	line   int64
	digest [][16]byte
	types  []uint8
	errs   []string
}

// ErrMostlyBad is returned by Run when more rows were bad than MaxBad
// allows: the import is not to be committed.
var ErrMostlyBad = errors.New("most rows are bad")

// Run streams r into im. Every row is one record: its values share the
// row's line number as record tag. It stops with ctx's error when ctx
// ends (the import is then to be aborted).
func Run(ctx context.Context, r io.Reader, im *fpstore.Import, o Options) (Result, error) {
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
	if o.MaxBad <= 0 {
		o.MaxBad = 0.5
	}
	cr, err := NewCSVReader(r, o.Comma, o.MaxRecord)
	if err != nil {
		return res, err
	}
	cols := make([]Column, len(o.Columns))
	for i, c := range o.Columns {
		cols[i] = Column{Type: c.Type, Parts: append([]Part(nil), c.Parts...)}
	}
	var head []string
	if o.Header {
		var err error
		if head, err = cr.Read(); err != nil {
			return res, fmt.Errorf("%s:%d: read header: %w", o.File, max(cr.Line(), 1), err)
		}
	}
	for i := range cols {
		for k, p := range cols[i].Parts {
			if p.Name == "" {
				continue
			}
			if head == nil {
				return res, fmt.Errorf("column %q is named, but the file has no header (use an index)", p.Name)
			}
			idx := -1
			for j, h := range head {
				if strings.EqualFold(strings.TrimSpace(h), p.Name) {
					idx = j
				}
			}
			if idx < 0 {
				return res, fmt.Errorf("%s:%d: no column named %q in the header (%s)", o.File, cr.Line(), p.Name, strings.Join(head, ","))
			}
			cols[i].Parts[k].Index = idx
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
		for ctx.Err() == nil {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if errors.Is(err, ErrRecordTooLong) {
				buf = append(buf, row{line: int64(cr.Line()), fields: nil, long: o.maxRecord()})
				continue
			}
			if err != nil {
				readErr = fmt.Errorf("%s:%d: %v", o.File, cr.Line(), err)
				break
			}
			buf = append(buf, row{line: int64(cr.Line()), fields: rec})
			if len(buf) == batch {
				select {
				case in <- buf:
				case <-ctx.Done():
					return
				}
				buf = make([]row, 0, batch)
			}
		}
		if len(buf) > 0 {
			select {
			case in <- buf:
			case <-ctx.Done():
			}
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
	for {
		var hs []hashed
		var more bool
		select {
		case hs, more = <-out:
		case <-ctx.Done():
			// The reader may be blocked reading (a pipe): do not wait for it.
			return res, ctx.Err()
		}
		if !more {
			break
		}
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
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if readErr != nil {
		return res, readErr
	}
	if addErr != nil {
		return res, addErr
	}
	switch {
	case res.Rows == 0:
		return res, fmt.Errorf("%s: no rows to import", o.File)
	case float64(res.BadRows) > o.MaxBad*float64(res.Rows):
		return res, fmt.Errorf("%s: %w: %d of %d rows (more than %.0f%%): check the file, --delimiter and --columns; nothing was imported", o.File, ErrMostlyBad, res.BadRows, res.Rows, o.MaxBad*100)
	}
	return res, nil
}

func (o Options) maxRecord() int {
	if o.MaxRecord > 0 {
		return o.MaxRecord
	}
	return DefaultMaxRecord
}

// hashRow hashes one row's values. A value that cannot be read is
// reported as FILE:LINE:COLUMN (the 1-based field) with its type and why,
// never its value, and the row's other values are kept.
func hashRow(rw row, cols []Column, types []uint8, o Options) hashed {
	h := hashed{line: rw.line}
	if rw.long > 0 {
		h.errs = append(h.errs, fmt.Sprintf("%s:%d: row longer than %d bytes: skipped", o.File, rw.line, rw.long))
		return h
	}
	if rw.fields == nil {
		h.errs = append(h.errs, fmt.Sprintf("%s:%d: malformed CSV row", o.File, rw.line))
		return h
	}
	for i, c := range cols {
		missing := false
		for _, p := range c.Parts {
			if p.Index >= len(rw.fields) {
				h.errs = append(h.errs, fmt.Sprintf("%s:%d:%d: %s: missing (the row has %d fields)", o.File, rw.line, p.Index+1, c.Type, len(rw.fields)))
				missing = true
				break
			}
		}
		if missing {
			continue
		}
		v := c.value(rw.fields)
		if v == "" {
			continue
		}
		d, ok := o.Hasher.Value(c.Type, v)
		if !ok {
			h.errs = append(h.errs, fmt.Sprintf("%s:%d:%d: %s: not a valid %s", o.File, rw.line, c.Parts[0].Index+1, c.Type, matchers.Describe(c.Type)))
			continue
		}
		h.digest = append(h.digest, d)
		h.types = append(h.types, types[i])
	}
	return h
}

// value joins the column's parts of a row; "" when any part is missing or
// empty.
func (c Column) value(fields []string) string {
	if len(c.Parts) == 1 {
		if c.Parts[0].Index >= len(fields) {
			return ""
		}
		return strings.TrimSpace(fields[c.Parts[0].Index])
	}
	vs := make([]string, 0, len(c.Parts))
	for _, p := range c.Parts {
		if p.Index >= len(fields) {
			return ""
		}
		v := strings.TrimSpace(fields[p.Index])
		if v == "" {
			return ""
		}
		vs = append(vs, v)
	}
	return strings.Join(vs, " ")
}
