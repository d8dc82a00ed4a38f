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
		for k < len(found) && int(found[k].start) < end {
			if int(found[k].start) >= start {
				found[k].row = row + tupleIndex(line, int(found[k].start)-start)
			}
			k++
		}
		row += tupleIndex(line, len(line))
		start = end + 1
	}
}

// tupleIndex counts the SQL tuple separators "),(" (spaces allowed) in
// line before offset off.
func tupleIndex(line []byte, off int) int32 {
	n := int32(0)
	for i := 0; i < off; i++ {
		if line[i] != ')' {
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == ',') {
			j++
		}
		if j < len(line) && line[j] == '(' && j > i+1 && bytes.IndexByte(line[i+1:j], ',') >= 0 {
			n++
		}
	}
	return n
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
