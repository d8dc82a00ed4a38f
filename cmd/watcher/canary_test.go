package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCanaryImportSaysWhatItStored: only the columns that identify a
// person are stored; a date of birth is refused, and said so; columns of
// no value type are listed as ignored; a bad value is named by file, line
// and column, never by value; and the canaries stored find no post by a
// birth date.
func TestCanaryImportSaysWhatItStored(t *testing.T) {
	f := newRunFixture(t)
	csvPath := filepath.Join(f.dir, "more-canaries.csv")
	mustWrite(t, csvPath, "canary_id,partition,email,phone,dob,first,last,zip,notes\n"+
		"cn-x-1,billing-db,a.vale@halcyon-canary.test,(303) 555-0111,1961-02-03,Anya,Vale,80202,planted 2026-11\n"+
		"cn-x-2,billing-db,b.kerr@halcyon-canary.test,555-0112,1962-03-04,Bram,Kerr,80203,\n", 0o600)
	out, stderr, code := execute(t, "canary", "import", "--config", f.config, csvPath)
	if code != exitOK {
		t.Fatalf("canary import exit %d: %s %s", code, out, stderr)
	}
	for _, want := range []string{
		"imported 2 canaries (5 values)",
		"stored as identifiers: email (column email), phone (column phone), name_zip (column first+last+zip)",
		"refused: dob (column 5): a date of birth identifies nobody, so it cannot identify a canary",
		"ignored columns (no value type): notes (column 9)",
		"1 bad rows",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("canary import output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "more-canaries.csv:3:4: phone: not a valid phone number") || strings.Contains(stderr, "555-0112") {
		t.Errorf("bad row report %q; want file:line:column and no value", stderr)
	}
	list, _, _ := execute(t, "canary", "list", "--config", f.config)
	if !strings.Contains(list, "cn-x-1") || strings.Contains(list, "dob") {
		t.Errorf("canary list:\n%s", list)
	}
	// A post holding only the canaries' birth dates names no partition.
	post := filepath.Join(f.dir, "dump.txt")
	mustWrite(t, post, "Globex members export\nname,dob,zip\nRhea Calloway,1961-02-03,30301\nTobias Lind,1962-03-04,30305\n", 0o600)
	out, _, _ = execute(t, "scan", "--config", f.config, post)
	if strings.Contains(out, "canary cn-") || strings.Contains(out, "billing-db") {
		t.Errorf("a dump with the canaries' birth dates named a canary:\n%s", out)
	}
	// Their names with ZIP codes do identify them.
	mustWrite(t, post, "Globex members export\nname,zip,phone\nAnya Vale,80202,(404) 555-0181\n", 0o600)
	if out, _, _ = execute(t, "scan", "--config", f.config, post); !strings.Contains(out, "canary cn-x-1 from partition billing-db (name_zip") {
		t.Errorf("a canary's name with its ZIP was not found:\n%s", out)
	}
}

// TestCanaryImportShortRowsAndReusedValues: a short row was skipped
// without a word, and re-importing a canary's values under a new id
// silently took them from the old canary. A short row is named, with the
// column it lacks; a value that is another canary's refuses the import,
// naming both; re-importing a canary as it is, is fine.
func TestCanaryImportShortRowsAndReusedValues(t *testing.T) {
	f := newRunFixture(t)
	csvPath := filepath.Join(f.dir, "c.csv")
	mustWrite(t, csvPath, "canary_id,partition,email,phone\n"+
		"cn-s-1,billing-db,s.one@halcyon-canary.test,(303) 555-0121\n"+
		"cn-s-2,billing-db,s.two@halcyon-canary.test\n"+
		"cn-s-3,billing-db\n"+
		"cn-s-4,billing-db,s.four@halcyon-canary.test,(303) 555-0124\n"+
		"cn-s-5,billing-db,s.five@halcyon-canary.test,(303) 555-0125\n", 0o600)
	out, stderr, code := execute(t, "canary", "import", "--config", f.config, csvPath)
	if code != exitOK || !strings.Contains(stderr, "c.csv:3:4: phone: missing: the row has 3 fields, the header 4") ||
		!strings.Contains(stderr, "c.csv:4: canary cn-s-3 has no identifier value") || !strings.Contains(out, "imported 4 canaries (7 values)") || !strings.Contains(out, "2 bad rows") {
		t.Errorf("short rows (exit %d):\n%s%s", code, out, stderr)
	}
	// The same canaries again: no conflict.
	if out, stderr, code = execute(t, "canary", "import", "--config", f.config, csvPath); code != exitOK {
		t.Errorf("re-import of the same canaries (exit %d): %s%s", code, out, stderr)
	}
	// cn-s-1's email under a new id, in another partition.
	mustWrite(t, csvPath, "canary_id,partition,email\ncn-s-9,crm-prod,s.one@halcyon-canary.test\n", 0o600)
	_, stderr, code = execute(t, "canary", "import", "--config", f.config, csvPath)
	if code != exitError || !strings.Contains(stderr, "canary cn-s-9 (partition crm-prod): its email is already canary cn-s-1's (partition billing-db)") {
		t.Errorf("a value re-imported under a new id (exit %d): %s", code, stderr)
	}
	list, _, _ := execute(t, "canary", "list", "--config", f.config)
	if strings.Contains(list, "cn-s-9") || !strings.Contains(list, "cn-s-1") {
		t.Errorf("canary list after the refused import:\n%s", list)
	}
}
