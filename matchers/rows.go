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
func assignRows(text []byte, found []found) {
	if len(found) == 0 {
		return
	}
	row := int32(-1)
	prevKV := false
	k := 0
	for start := 0; start <= len(text) && k < len(found); {
		end := bytes.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		line := text[start:end]
		kv := isKeyValue(line)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			prevKV = false
			start = end + 1
			continue
		case kv && prevKV:
			// same record as the line before
		default:
			row++
		}
		prevKV = kv
		// SQL tuples: walk the line's tuple separators once, beside the
		// values.
		tuple, from := int32(0), 0
		for k < len(found) && int(found[k].start) < end {
			if off := int(found[k].start) - start; off >= 0 {
				tuple += tupleIndex(line[from:off])
				from = off
				found[k].row = row + tuple
			}
			k++
		}
		row += tuple + tupleIndex(line[from:])
		start = end + 1
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
