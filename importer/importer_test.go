package importer

import (
	"bytes"
	"context"
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
	res, err := Run(context.Background(), strings.NewReader(csv), im, Options{File: "crm.csv", Header: true, Columns: cols, Hasher: h, MaxBad: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 4 || res.BadRows != 3 || res.Values != 4+3+2 {
		t.Errorf("result %+v", res)
	}
	joined := strings.Join(res.Errors, "\n")
	for _, want := range []string{"crm.csv:3:6: ssn: not a valid SSN", "crm.csv:4:4: email: not a valid email address", "crm.csv:5:4: email: missing (the row has 1 fields)"} {
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
	if _, err := Run(context.Background(), strings.NewReader("a,b\n"), nil, Options{Columns: []Column{{Type: matchers.TypeEmail, Parts: []Part{{Index: -1, Name: "email"}}}}}); err == nil {
		t.Error("a named column without a header was accepted")
	}
}

// TestLicencesOfEveryStateFormat imports licences as states write them
// and finds them as posts write them; a value the import cannot read is
// reported by file, line and column, and the row's other values are kept.
func TestLicencesOfEveryStateFormat(t *testing.T) {
	h, _ := matchers.NewHasher(bytes.Repeat([]byte{1}, 32))
	csv := "email,state,licence\n" +
		"a@mail.test,WA,WDLJ5CBC312S\n" + // Washington since 2018: WDL + 9
		"b@mail.test,WA,SMITH*JA123AB\n" + // Washington before: name letters, '*' padding
		"c@mail.test,FL,W426-545-30-761-0\n" + // Florida, with its dashes
		"d@mail.test,NY,123456789\n" +
		"e@mail.test,CA,D1234567\n" +
		"f@mail.test,NH,12ABC34567\n" +
		"g@mail.test,ZZ,D1234567\n" + // no such state
		"h@mail.test,,\n"
	cols, err := ParseColumns("email=email,dl=state+licence")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	im, _ := fpstore.NewImport(dir, "dmv", "dmv", "dl.csv")
	res, err := Run(context.Background(), strings.NewReader(csv), im, Options{File: "dl.csv", Header: true, Columns: cols, Hasher: h})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 8 || res.BadRows != 1 || res.Values != 8+6 {
		t.Errorf("result %+v %v", res, res.Errors)
	}
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0], "dl.csv:8:2: dl: not a valid driver's licence") {
		t.Errorf("errors %q, want the ZZ row at dl.csv:8:2", res.Errors)
	}
	s, err := fpstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// As a post writes them: other separators and order, the state after.
	for _, raw := range []string{"WA WDLJ5CBC312S", "WDLJ5CBC312S", "wa-smith*ja123ab", "FL W426545307610",
		"W426-545-30-761-0 (FL)", "New York 123456789", "CA: D1234567", "DL# 12ABC34567 NH"} {
		d, ok := h.Value(matchers.TypeDL, raw)
		found := false
		s.Lookup(d, func(uint16, uint8, uint64) { found = true })
		if !ok || !found {
			t.Errorf("%q: read %v, found %v", raw, ok, found)
		}
	}
	for _, raw := range []string{"WA", "CA D", "ABCDEFGH", "TX 12"} {
		if v, ok := matchers.NormalizeIn(matchers.TypeDL, raw, matchers.DefaultRegion); ok {
			t.Errorf("%q read as a licence %q", raw, v)
		}
	}
}
