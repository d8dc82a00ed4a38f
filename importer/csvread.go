package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultMaxRecord is the longest CSV record (row) read: a longer one is
// skipped and reported, so that a line without an end (/dev/zero, a
// broken export) cannot take the memory.
const DefaultMaxRecord = 1 << 20

// ErrRecordTooLong is wrapped by Read's error for a row over the cap; the
// row was skipped, and Read can be called again for the next one.
var ErrRecordTooLong = errors.New("row longer than the limit")

// CSVReader reads CSV records as encoding/csv does with LazyQuotes (a
// quote inside an unquoted field is kept; "" in a quoted field is one
// quote; a quoted field may span lines; empty lines are skipped), with
// what encoding/csv cannot do: a cap on a record's length, and a UTF-8
// byte order mark before the first field dropped.
type CSVReader struct {
	r     *bufio.Reader
	comma byte
	max   int
	line  int // physical lines read
	start int // the current record's first line
	rec   []byte
	buf   []byte // a quoted record's fields, unquoted
	ends  []int
	first bool
}

// NewCSVReader reads r with the field separator comma (one byte, not a
// quote or line break) and records of at most max bytes (0: the default).
func NewCSVReader(r io.Reader, comma rune, max int) (*CSVReader, error) {
	if comma == 0 {
		comma = ','
	}
	if comma >= utf8.RuneSelf || comma == '"' || comma == '\n' || comma == '\r' {
		return nil, fmt.Errorf("field separator %q: want one ASCII character other than a quote or line break", comma)
	}
	if max <= 0 {
		max = DefaultMaxRecord
	}
	return &CSVReader{r: bufio.NewReaderSize(r, 64<<10), comma: byte(comma), max: max, first: true}, nil
}

// Line is the first line of the record Read returned last.
func (c *CSVReader) Line() int { return c.start }

// Read returns the next record, io.EOF at the end, or an error wrapping
// ErrRecordTooLong for a record it skipped (call Read again to go on).
func (c *CSVReader) Read() ([]string, error) {
	for {
		c.rec = c.rec[:0]
		c.start = c.line + 1
		quoted := false // inside a quoted field at the end of what was read
		for {
			l, err := c.readLine()
			if errors.Is(err, ErrRecordTooLong) {
				return nil, err
			}
			if len(l) == 0 && err != nil {
				if err == io.EOF && len(c.rec) > 0 {
					break // a quoted field left open at the end: take what there is
				}
				return nil, err
			}
			if len(c.rec)+len(l) > c.max {
				c.skipRecord(quoted, l)
				return nil, fmt.Errorf("%w (%d bytes)", ErrRecordTooLong, c.max)
			}
			c.rec = append(c.rec, l...)
			quoted = openQuote(l, quoted, c.comma)
			if !quoted || err != nil {
				break
			}
		}
		if c.first {
			c.first = false
			c.rec = bytes.TrimPrefix(c.rec, []byte("\xef\xbb\xbf"))
		}
		if len(c.rec) == 1 && c.rec[0] == '\n' {
			continue // an empty line
		}
		body := c.rec
		if !quoted { // a quoted field open at the end keeps its line breaks
			body = bytes.TrimSuffix(body, []byte("\n"))
		}
		if len(body) == 0 {
			return nil, io.EOF
		}
		return c.fields(body), nil
	}
}

// readLine reads one physical line (with its '\n'), counting it; a line
// longer than the cap is read to its end and dropped.
func (c *CSVReader) readLine() ([]byte, error) {
	l, err := c.r.ReadSlice('\n')
	if len(l) > 0 || err == nil {
		c.line++
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		n := len(l)
		buf := append([]byte(nil), l...)
		for errors.Is(err, bufio.ErrBufferFull) {
			l, err = c.r.ReadSlice('\n')
			n += len(l)
			if n <= c.max {
				buf = append(buf, l...)
			}
			if n > 64*c.max {
				return nil, fmt.Errorf("no line break in the first %d MiB: not a CSV file", 64*c.max>>20)
			}
		}
		if n > c.max {
			c.start = c.line
			return nil, fmt.Errorf("%w (%d bytes)", ErrRecordTooLong, c.max)
		}
		l = buf
	}
	// Line ends as encoding/csv reads them: a \r before the end of the
	// input dropped, \r\n read as \n.
	if len(l) > 0 && err == io.EOF {
		err = nil
		if l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
	}
	if n := len(l); n >= 2 && l[n-2] == '\r' && l[n-1] == '\n' {
		l[n-2] = '\n'
		l = l[:n-1]
	}
	return l, err
}

// skipRecord drops the rest of a record found too long at line l: to the
// end of its physical line, and, inside a quoted field, to the line where
// the quote closes (or the cap's worth of lines, then it gives up the
// record's shape and goes on from the next line).
func (c *CSVReader) skipRecord(quoted bool, l []byte) {
	quoted = openQuote(l, quoted, c.comma)
	for n := 0; quoted && n < c.max; {
		l, err := c.readLine()
		if err != nil && len(l) == 0 {
			return
		}
		n += len(l)
		quoted = openQuote(l, true, c.comma)
	}
}

// openQuote says whether a quoted field is still open after l, given
// whether one was open before it.
func openQuote(l []byte, quoted bool, comma byte) bool {
	if !quoted && bytes.IndexByte(l, '"') < 0 {
		return false // most lines
	}
	fieldStart := !quoted
	for i := 0; i < len(l); i++ {
		b := l[i]
		switch {
		case quoted:
			if b != '"' {
				break
			}
			switch next := byte('\n'); {
			case i+1 < len(l):
				next = l[i+1]
				fallthrough
			default:
				switch next {
				case '"':
					i++ // "" is one quote
					continue
				case comma, '\n':
					quoted = false
				}
				// Any other byte: a lazy quote, kept; the field goes on.
			}
		case b == '"' && fieldStart:
			quoted = true
		}
		fieldStart = b == comma
	}
	return quoted
}

// fields splits one record. As encoding/csv does, the fields are slices
// of one string per record: two allocations a record, not one a field.
func (c *CSVReader) fields(rec []byte) []string {
	if bytes.IndexByte(rec, '"') < 0 {
		str := string(rec)
		out := make([]string, 0, bytes.Count(rec, []byte{c.comma})+1)
		for {
			i := strings.IndexByte(str, c.comma)
			if i < 0 {
				return append(out, str)
			}
			out = append(out, str[:i])
			str = str[i+1:]
		}
	}
	buf := c.buf[:0]
	ends := c.ends[:0]
	for {
		if len(rec) > 0 && rec[0] == '"' {
			i := 1
			for ; i < len(rec); i++ {
				if rec[i] != '"' {
					buf = append(buf, rec[i])
					continue
				}
				if i+1 < len(rec) && rec[i+1] == '"' {
					buf = append(buf, '"')
					i++
					continue
				}
				if i+1 == len(rec) || rec[i+1] == c.comma {
					break
				}
				buf = append(buf, '"') // a lazy quote: kept
			}
			ends = append(ends, len(buf))
			rec = rec[min(i+1, len(rec)):] // past the closing quote: the separator, or the end
			if len(rec) == 0 {
				break
			}
			rec = rec[1:]
			if len(rec) == 0 {
				ends = append(ends, len(buf))
				break
			}
			continue
		}
		i := bytes.IndexByte(rec, c.comma)
		if i < 0 {
			buf = append(buf, rec...)
			ends = append(ends, len(buf))
			break
		}
		buf = append(buf, rec[:i]...)
		ends = append(ends, len(buf))
		rec = rec[i+1:]
		if len(rec) == 0 {
			ends = append(ends, len(buf))
			break
		}
	}
	c.buf, c.ends = buf, ends
	str := string(buf)
	out := make([]string, len(ends))
	prev := 0
	for i, e := range ends {
		out[i] = str[prev:e]
		prev = e
	}
	return out
}
