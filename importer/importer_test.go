package importer

import (
	"bytes"
	"strings"
	"testing"

	"leakwatch/fpstore"
	"leakwatch/matchers"
)

func TestRunImportsAndReportsBadRowsWithoutValues(t *testing.T) {
	h, _ := matchers.NewHasher(bytes.Repeat([]byte{1}, 32))
	csv := "id,first,last,email,mobile,ssn,zip\n" +
		"1,Dana,Whitfield,dana@mail.test,(312) 555-0148,219-09-9999,60614\n" +
		"2,Marcus,Ohene,m.ohene@mail.test,415-555-0182,666-12-3456,94110\n" + // impossible SSN
		"3,Priya,Raman,not-an-email,646-555-0117,,10001\n" +
		"\"4,broken\n"
	cols, err := ParseColumns("email=email,phone=mobile,ssn=6,name_zip=first+last+zip")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	im, err := fpstore.NewImport(dir, "crm", "crm-prod", "crm.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(strings.NewReader(csv), im, Options{File: "crm.csv", Header: true, Columns: cols, Hasher: h})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(2); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 4 || res.BadRows != 3 || res.Values != 4+3+2 {
		t.Errorf("result %+v", res)
	}
	joined := strings.Join(res.Errors, "\n")
	for _, want := range []string{"crm.csv:3: column 6 (ssn): not a valid ssn", "crm.csv:4: column 4 (email): not a valid email", "crm.csv:5: row has 1 fields, column 4 (email) is missing"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q:\n%s", want, joined)
		}
	}
	for _, v := range []string{"666-12-3456", "not-an-email", "broken"} {
		if strings.Contains(joined, v) {
			t.Errorf("an error message repeats the value %q", v)
		}
	}
	s, err := fpstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Dana's values share her record (line 2).
	for typ, raw := range map[matchers.Type]string{matchers.TypeEmail: "DANA@mail.test", matchers.TypePhone: "312.555.0148",
		matchers.TypeSSN: "219099999", matchers.TypeName: "dana whitfield 60614"} {
		d, _ := h.Value(typ, raw)
		var recs []uint64
		s.Lookup(d, func(_ uint16, _ uint8, rec uint64) { recs = append(recs, rec) })
		if len(recs) != 1 || recs[0] != 2 {
			t.Errorf("%s: records %v, want [2]", typ, recs)
		}
	}
}

func TestParseColumnsErrors(t *testing.T) {
	for _, spec := range []string{"", "email", "emial=2", "email=0", "name_zip=first++zip"} {
		if _, err := ParseColumns(spec); err == nil {
			t.Errorf("ParseColumns(%q) accepted", spec)
		}
	}
	if _, err := Run(strings.NewReader("a,b\n"), nil, Options{Columns: []Column{{Type: matchers.TypeEmail, Parts: []Part{{Index: -1, Name: "email"}}}}}); err == nil {
		t.Error("a named column without a header was accepted")
	}
}
