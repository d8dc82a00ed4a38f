package matchers

import "bytes"

// Rows: a dump row is a candidate record. Most dumps put one record on a
// line (CSV, TSV, pipes, JSON lines, HTML tables reduced to rows); two
// shapes need more:
//   - "key: value" blocks, one field per line, records separated by blank
//     lines: a block is one row;
//   - SQL INSERT statements with many tuples on one line: each tuple
//     "(...)" is one row.

// assignRows sets the row of every found value (found is in text order).
// It looks only at the lines that hold values, and at the lines between
// two key-value lines (to tell one block from two).
func assignRows(text []byte, found []found) {
	row := int32(-1)
	prevKV := false
	prevEnd := -1 // end of the previous value line
	for k := 0; k < len(found); {
		ls, le := lineBounds(text, int(found[k].start))
		line := text[ls:le]
		kv := isKeyValue(line)
		// Two key-value lines are one record when only key-value lines lie
		// between them (a blank line ends a record).
		if !(prevKV && kv && (ls == prevEnd+1 || ls > prevEnd+1 && allKeyValue(text[prevEnd+1:ls-1]))) {
			row++
		}
		// SQL tuples: walk the line's tuple separators once, beside the
		// values.
		tuple, from := int32(0), 0
		for ; k < len(found) && int(found[k].start) < le; k++ {
			off := int(found[k].start) - ls
			tuple += tupleIndex(line[from:off])
			from = off
			found[k].row = row + tuple
		}
		row += tuple + tupleIndex(line[from:])
		prevKV, prevEnd = kv, le
	}
}

// allKeyValue reports whether b, the lines between two key-value lines
// (their newlines excluded at the ends), holds only key-value lines: no
// blank line, no other text. b then continues a key-value block.
func allKeyValue(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return isKeyValue(b)
		}
		if !isKeyValue(b[:i]) {
			return false
		}
		b = b[i+1:]
	}
}

// tupleIndex counts the SQL tuple separators "),(" (spaces allowed) in b.
// A value inside a tuple starts after its separator, so counting up to a
// value's offset never cuts one in two.
func tupleIndex(b []byte) int32 {
	n := int32(0)
	for {
		i := bytes.IndexByte(b, ')')
		if i < 0 {
			return n
		}
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == ',') {
			j++
		}
		if j < len(b) && b[j] == '(' && bytes.IndexByte(b[i+1:j], ',') >= 0 {
			n++
		}
		b = b[i+1:]
	}
}

// isKeyValue reports whether a line is "key: value" or "key = value" with
// a short key of letters, digits, spaces, '_' or '-'.
func isKeyValue(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	if len(line) > 2 && (line[0] == '"' || line[0] == '\'') {
		// A pretty-printed JSON or YAML field: "email": "x@y.test",
		q := line[0]
		j := bytes.IndexByte(line[1:], q)
		if j <= 0 || j > 30 {
			return false
		}
		rest := bytes.TrimLeft(line[j+2:], " \t")
		return len(rest) > 1 && rest[0] == ':' && len(bytes.Trim(rest[1:], " \t,")) > 0
	}
	if len(line) == 0 || !(line[0] >= 'a' && line[0] <= 'z' || line[0] >= 'A' && line[0] <= 'Z') {
		return false // a key starts with a letter: "2026-11-20 10:00:01 pid=7" is a log line
	}
	for i, c := range line {
		switch {
		case c == ':' || c == '=':
			return i > 0 && i <= 30 && i+1 < len(line) && len(bytes.TrimSpace(line[i+1:])) > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '_', c == '-', c == '.':
			if i > 30 {
				return false
			}
		default:
			return false
		}
	}
	return false
}

// lineBounds returns where the line holding text[off] starts and ends
// (the end at its '\n', or the end of text).
func lineBounds(text []byte, off int) (start, end int) {
	start = bytes.LastIndexByte(text[:off], '\n') + 1
	end = bytes.IndexByte(text[off:], '\n')
	if end < 0 {
		return start, len(text)
	}
	return start, end + off
}
