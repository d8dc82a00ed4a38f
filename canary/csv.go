package canary

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"leakwatch/importer"
	"leakwatch/leak"
	"leakwatch/matchers"
)

// Digests are the keyed digests of generated canaries' identifiers
// (email and phone), as they are stored: the plaintext never is.
func Digests(recs []Record, h *matchers.Hasher, now time.Time) ([]leak.Canary, error) {
	var cs []leak.Canary
	for _, r := range recs {
		for _, tv := range []struct {
			t matchers.Type
			v string
		}{{matchers.TypeEmail, r.Email}, {matchers.TypePhone, r.Phone}} {
			d, ok := h.Value(tv.t, tv.v)
			if !ok {
				return nil, fmt.Errorf("canary %s: generated an invalid %s", r.ID, tv.t)
			}
			cs = append(cs, leak.Canary{ID: r.ID, Partition: r.Partition, Type: string(tv.t), Digest: d, Created: now})
		}
	}
	return cs, nil
}

// WriteCSV writes generated canaries as CSV for planting, in the columns
// Read reads back.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"canary_id", "partition", "name", "email", "phone"})
	for _, r := range recs {
		_ = cw.Write([]string{r.ID, r.Partition, r.Name, r.Email, r.Phone})
	}
	cw.Flush()
	return cw.Error()
}

// Import is what readCanaries read and decided, column by column.
type Import struct {
	Canaries []leak.Canary
	IDs      map[string]bool // the canaries read, by id
	Stored   []string        // "email (column 3)": identifiers stored
	Refused  []string        // columns that cannot identify a canary, with why
	Ignored  []string        // columns that are no value type
	Bad      []string        // rows with an invalid value: file:line:column, never the value
	BadRows  int
}

// column is one identifier a canary CSV holds: its type and the
// columns its value is joined from.
type column struct {
	t    matchers.Type
	cols []int
}

// Read reads a canary CSV into digests of the canaries' unique
// values, and says what it did with every column.
func Read(r io.Reader, name, partition string, h *matchers.Hasher) (Import, error) {
	rep := Import{IDs: map[string]bool{}}
	cr, err := importer.NewCSVReader(r, ',', importer.DefaultMaxRecord)
	if err != nil {
		return rep, err
	}
	head, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("%s:%d: read header: %w", name, max(cr.Line(), 1), err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idCol, ok := col["canary_id"]
	if !ok {
		if idCol, ok = col["id"]; !ok {
			return rep, fmt.Errorf("%s:1: no canary_id column", name)
		}
	}
	used := map[int]bool{idCol: true}
	if i, ok := col["partition"]; ok {
		used[i] = true
	}
	var ids []column
	add := func(t matchers.Type, names ...string) bool {
		var cs []int
		for _, n := range names {
			i, ok := col[n]
			if !ok {
				return false
			}
			cs = append(cs, i)
		}
		for _, i := range cs {
			used[i] = true
		}
		ids = append(ids, column{t: t, cols: cs})
		label := fmt.Sprintf("%s (column %s)", t, strings.Join(names, "+"))
		rep.Stored = append(rep.Stored, label)
		return true
	}
	for _, t := range []matchers.Type{matchers.TypeEmail, matchers.TypePhone, matchers.TypeSSN, matchers.TypeIMEI, matchers.TypeCard} {
		add(t, string(t))
	}
	_ = add(matchers.TypeDL, "state", "dl") || add(matchers.TypeDL, "dl_state", "dl") || add(matchers.TypeDL, "dl")
	_ = add(matchers.TypeName, "name_zip") || add(matchers.TypeName, "name", "zip") || add(matchers.TypeName, "first", "last", "zip") ||
		add(matchers.TypeName, "first_name", "last_name", "zip")
	for _, k := range []string{"dob", "birth_date", "date_of_birth", "birthday"} {
		if i, ok := col[k]; ok {
			used[i] = true
			rep.Refused = append(rep.Refused, fmt.Sprintf("%s (column %d): a date of birth identifies nobody, so it cannot identify a canary", k, i+1))
		}
	}
	for i, h := range head {
		if !used[i] {
			rep.Ignored = append(rep.Ignored, fmt.Sprintf("%s (column %d)", strings.TrimSpace(h), i+1))
		}
	}
	if len(ids) == 0 {
		return rep, fmt.Errorf("%s:1: no identifier column: want email, phone, ssn, imei, card, dl or name_zip", name)
	}
	now := time.Now().UTC()
	rows, badRows := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := cr.Line()
		rows++
		if errors.Is(err, importer.ErrRecordTooLong) {
			rep.Bad = append(rep.Bad, fmt.Sprintf("%s:%d: row longer than %d bytes: skipped", name, line, importer.DefaultMaxRecord))
			badRows++
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p := ""
		if i, ok := col["partition"]; ok {
			p = get(i)
		}
		if p == "" {
			p = partition
		}
		id := get(idCol)
		if id == "" || p == "" {
			rep.Bad = append(rep.Bad, fmt.Sprintf("%s:%d: no canary id or partition", name, line))
			badRows++
			continue
		}
		found, before := 0, len(rep.Bad)
		var missing []string
		for _, c := range ids {
			var parts []string
			for _, i := range c.cols {
				if v := get(i); v != "" {
					parts = append(parts, v)
				}
			}
			if len(parts) < len(c.cols) {
				if len(rec) < len(head) && c.cols[len(c.cols)-1] >= len(rec) {
					missing = append(missing, fmt.Sprintf("%s:%d:%d: %s: missing: the row has %d fields, the header %d", name, line, c.cols[len(c.cols)-1]+1, c.t, len(rec), len(head)))
				}
				continue
			}
			found++
			d, ok := h.Value(c.t, strings.Join(parts, " "))
			if !ok {
				rep.Bad = append(rep.Bad, fmt.Sprintf("%s:%d:%d: %s: not a valid %s", name, line, c.cols[len(c.cols)-1]+1, c.t, matchers.Describe(c.t)))
				continue
			}
			rep.Canaries = append(rep.Canaries, leak.Canary{ID: id, Partition: p, Type: string(c.t), Digest: d, Created: now})
			rep.IDs[id] = true
		}
		if found == 0 && len(rep.Bad) == before {
			rep.Bad = append(rep.Bad, fmt.Sprintf("%s:%d: canary %s has no identifier value: it could never be found", name, line, id))
		} else {
			rep.Bad = append(rep.Bad, missing...)
		}
		if len(rep.Bad) > before {
			badRows++
		}
	}
	if rows == 0 {
		return rep, fmt.Errorf("%s: no canary rows", name)
	}
	rep.BadRows = badRows
	if 2*badRows > rows {
		return rep, fmt.Errorf("%s: %d of %d rows are bad: check the file; nothing was imported", name, badRows, rows)
	}
	return rep, nil
}

// Conflicts finds new canaries whose value is already another
// canary's (stored, or earlier in the file): storing it would silently
// take the value from the old canary (a hit would name the wrong one),
// so the import is refused. Re-importing a canary as it is, is no
// conflict.
func Conflicts(stored, fresh []leak.Canary) []string {
	owner := map[[16]byte]leak.Canary{}
	for _, c := range stored {
		owner[c.Digest] = c
	}
	var out []string
	for _, c := range fresh {
		if o, ok := owner[c.Digest]; ok && (o.ID != c.ID || o.Partition != c.Partition) {
			out = append(out, fmt.Sprintf("canary %s (partition %s): its %s is already canary %s's (partition %s)", c.ID, c.Partition, c.Type, o.ID, o.Partition))
			continue
		}
		owner[c.Digest] = c
	}
	return out
}

// Keeper is where canaries are kept: the daemon's control socket, or the
// database (control.CanaryKeeper).
type Keeper interface {
	Canaries(ctx context.Context) ([]leak.Canary, error)
	PutCanaries(ctx context.Context, cs []leak.Canary) error
}

// ConflictError is returned by ImportInto when canaries of the file hold
// values that are another canary's: nothing was imported.
type ConflictError struct {
	File      string
	Conflicts []string // one line each, never a value
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: %d canary values belong to another canary: one value, one canary (a hit must name one partition); nothing was imported", e.File, len(e.Conflicts))
}

// ImportInto reads a canary CSV (Read) and stores its digests in k,
// unless a value is already another canary's (a *ConflictError). The
// report is returned also on an error, for its bad rows.
func ImportInto(ctx context.Context, k Keeper, r io.Reader, name, partition string, h *matchers.Hasher) (Import, error) {
	rep, err := Read(r, name, partition, h)
	if err != nil {
		return rep, err
	}
	stored, err := k.Canaries(ctx)
	if err != nil {
		return rep, err
	}
	if c := Conflicts(stored, rep.Canaries); len(c) > 0 {
		return rep, &ConflictError{File: name, Conflicts: c}
	}
	return rep, k.PutCanaries(ctx, rep.Canaries)
}
