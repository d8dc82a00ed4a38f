package matchers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"leakwatch/leak"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		t    Type
		raw  string
		want string // "" means invalid
	}{
		{TypeEmail, " Dana.W@Example.TEST ", "dana.w@example.test"},
		{TypeEmail, "no-at-sign.example", ""},
		{TypeEmail, "a@nodot", ""},
		{TypePhone, "(312) 555-0148", "+13125550148"},
		{TypePhone, "312.555.0148", "+13125550148"},
		{TypePhone, "+1 312 555 0148", "+13125550148"},
		{TypePhone, "13125550148", "+13125550148"},
		{TypePhone, "+44 20 7946 0958", "+442079460958"},
		{TypePhone, "112-555-0148", ""}, // area code cannot start with 1
		{TypePhone, "312-155-0148", ""}, // nor the exchange
		{TypePhone, "555-0148", ""},     // too short
		{TypeSSN, "219-09-9999", "219099999"},
		{TypeSSN, "219 09 9999", "219099999"},
		{TypeSSN, "000-12-3456", ""},
		{TypeSSN, "666-12-3456", ""},
		{TypeSSN, "912-12-3456", ""},
		{TypeSSN, "219-00-9999", ""},
		{TypeSSN, "219-09-0000", ""},
		{TypeSSN, "219-09-999", ""},
		{TypeIMEI, "490154203237518", "490154203237518"},
		{TypeIMEI, "49-015420-323751-8", "490154203237518"},
		{TypeIMEI, "490154203237519", ""}, // bad Luhn
		{TypeIMEI, "49015420323751", ""},  // 14 digits
		{TypeCard, "4111 1111 1111 1111", "4111111111111111"},
		{TypeCard, "4111 1111 1111 1112", ""}, // bad Luhn
		{TypeCard, "9111111111111111", ""},    // no such issuer
		{TypeDL, "CA D1234567", "CA:D1234567"},
		{TypeDL, "d1234567 (ca)", "CA:D1234567"},
		{TypeDL, "D1234567", ""},    // no state
		{TypeDL, "ZZ D1234567", ""}, // no such state
		{TypeDOB, "1985-03-04", "1985-03-04"},
		{TypeDOB, "03/04/1985", "1985-03-04"},
		{TypeDOB, "04.03.1985", "1985-03-04"},
		{TypeDOB, "1985-02-30", ""},
		{TypeDOB, "1885-01-01", ""},
		{TypeName, "Dana Whitfield 60614", "dana whitfield|60614"},
		{TypeName, "DANA  O'Whitfield, 60614-1234", "dana owhitfield|60614"},
		{TypeName, "Dana 60614", ""},
		{TypeName, "Dana Whitfield 6061", ""},
	}
	for _, c := range cases {
		got, ok := Normalize(c.t, c.raw)
		if (c.want == "") == ok || got != c.want {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q", c.t, c.raw, got, ok, c.want)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	if got := normalizeText("ＨＡＬＣＹＯＮ Hal\u200bcyon"); got != "halcyon halcyon" {
		t.Errorf("NormalizeText = %q", got)
	}
}

func TestHasherIsKeyed(t *testing.T) {
	k1 := make([]byte, KeySize)
	k2 := make([]byte, KeySize)
	k2[0] = 1
	h1, _ := NewHasher(k1)
	h2, _ := NewHasher(k2)
	a, _ := h1.Value(TypeSSN, "219-09-9999")
	b, _ := h1.Value(TypeSSN, "219099999")
	c, _ := h2.Value(TypeSSN, "219-09-9999")
	d := h1.Sum(TypePhone, "219099999")
	if a != b {
		t.Error("two spellings of one SSN hash differently")
	}
	if a == c {
		t.Error("digest does not depend on the key")
	}
	if a == d {
		t.Error("digest does not depend on the type")
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Error("NewHasher accepted a short key")
	}
}

// testSet has customer 1 (email, phone, ssn), customer 2 (email, imei) and
// a canary in partition billing.
func testSet(t *testing.T) *Set {
	t.Helper()
	h, _ := NewHasher(make([]byte, KeySize))
	fp := func(typ Type, raw string, rec uint64) leak.Fingerprint {
		d, ok := h.Value(typ, raw)
		if !ok {
			t.Fatalf("bad fixture %s %q", typ, raw)
		}
		return leak.Fingerprint{Digest: d, Type: string(typ), Dataset: "crm", Partition: "crm-prod", Record: rec}
	}
	cd, _ := h.Value(TypeEmail, "canary1@acme-canary.test")
	s, err := NewSet(Config{
		Hasher: h,
		Fingerprints: []leak.Fingerprint{
			fp(TypeEmail, "ann@mail.test", 1), fp(TypePhone, "(312) 555-0148", 1), fp(TypeSSN, "219-09-9999", 1),
			fp(TypeEmail, "bob@mail.test", 2), fp(TypeIMEI, "490154203237518", 2),
		},
		Canaries: []leak.Canary{{ID: "cn-1", Partition: "billing", Type: "email", Digest: cd}},
		Brands:   []string{"Acme Wireless", "Acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMatchSeverities(t *testing.T) {
	s := testSet(t)
	cases := []struct {
		name     string
		text     string
		severity leak.Severity
		rows     int
		real     int
		canaries int
	}{
		{"sale with verified sample", "Selling 30M Acme customer db, SSN+DL, 6 BTC, escrow ok. sample below:\nann@mail.test,312-555-0148\nzed@mail.test,415-555-0199\n", leak.SeverityCritical, 2, 1, 0},
		{"sale without brand but real rows", "WTS 30M carrier records 6 btc escrow\nbob@mail.test|490154203237518\n", leak.SeverityCritical, 1, 1, 0},
		{"canary alone", "random dump\ncanary1@acme-canary.test\n", leak.SeverityCritical, 1, 0, 1},
		{"sale naming us, no sample", "selling acme wireless customer database, price 2 btc, escrow", leak.SeverityHigh, 0, 0, 0},
		{"real record, no sale", "lol look\nann@mail.test 219-09-9999\n", leak.SeverityHigh, 1, 1, 0},
		{"one weak value only", "contact ann@mail.test for the meetup", leak.SeverityInfo, 1, 0, 0},
		{"brand mention", "Acme Wireless is down again", leak.SeverityInfo, 0, 0, 0},
		{"bare brand word alone is no mention", "acme products are the worst", leak.SeverityNone, 0, 0, 0},
		{"another company's sale", "Selling 10M Globex customer db, SSN, 3 BTC, escrow", leak.SeverityNone, 0, 0, 0},
		{"benign", "the weather is nice, acmeish words do not count", leak.SeverityNone, 0, 0, 0},
		{"free combo list naming us", "free leak: old acme wireless combo list, stealer logs", leak.SeverityInfo, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := s.Match(c.text)
			if ev.Severity != c.severity {
				t.Fatalf("severity %s, want %s (evidence %+v)", ev.Severity, c.severity, ev)
			}
			rows, real := 0, 0
			if ev.Sample != nil {
				rows, real = ev.Sample.Rows, ev.Sample.RealRows
			}
			if c.severity >= leak.SeverityHigh && (rows != c.rows || real != c.real) {
				t.Errorf("sample %d of %d rows real, want %d of %d", real, rows, c.real, c.rows)
			}
			if len(ev.Canaries) != c.canaries {
				t.Errorf("%d canaries, want %d", len(ev.Canaries), c.canaries)
			}
			if c.severity != leak.SeverityNone && ev.Headline == "" {
				t.Error("no headline")
			}
		})
	}
}

func TestMatchEvidenceDetail(t *testing.T) {
	s := testSet(t)
	ev := s.Match("Selling 68M ACME customer records. SSN + DL + DOB. 6 BTC. escrow ok, contact telegram.\n" +
		"ann@mail.test,(312) 555-0148,219-09-9999\ncanary1@acme-canary.test,202-555-0107\n")
	if ev.Claim == nil || ev.Claim.Records != 68_000_000 || ev.Claim.Price != "6 BTC" {
		t.Fatalf("claim %+v", ev.Claim)
	}
	for _, want := range []string{"ssn", "dl", "dob"} {
		if !slices.Contains(ev.Claim.DataTypes, want) {
			t.Errorf("claim types %v lack %s", ev.Claim.DataTypes, want)
		}
	}
	if !slices.Contains(ev.Claim.Contacts, "telegram") {
		t.Errorf("contacts %v", ev.Claim.Contacts)
	}
	if ev.Sample.Rows != 2 || ev.Sample.RealRows != 1 || ev.Sample.CanaryRows != 1 || ev.Sample.Customers != 1 {
		t.Errorf("sample %+v, want 2 rows: 1 real (1 customer), 1 canary", ev.Sample)
	}
	if len(ev.Canaries) != 1 || ev.Canaries[0].Partition != "billing" || ev.Canaries[0].Line != 3 {
		t.Errorf("canaries %+v", ev.Canaries)
	}
	if !strings.HasPrefix(ev.Headline, "Sale claim: 68M Acme customer records, SSN+DL+DOB") {
		t.Errorf("headline %q", ev.Headline)
	}
}

// claimOf runs the sale-claim terms alone over text.
func claimOf(text string) leak.Claim {
	a := newAutomaton(builtinTerms())
	var ts termScanner
	ts.scan(a, []byte(text))
	var c claimBuilder
	c.add([]byte(text), a, ts.hits, false)
	cl, _ := c.finish(DefaultSaleThreshold)
	cl.Phrases = c.phrases // every phrase seen, whatever the intent
	return cl
}

func TestRecordCounts(t *testing.T) {
	cases := map[string]int64{
		"68m customer records":       68_000_000,
		"68M Acme customer records":  68_000_000,
		"30 million records":         30_000_000,
		"30kk lines":                 30_000_000,
		"1.2b rows":                  1_200_000_000,
		"500k acme customers":        500_000,
		"база 2 млн записей":         2_000_000,
		"nothing countable here 123": 0,
	}
	for text, want := range cases {
		if got := claimOf(text).Records; got != want {
			t.Errorf("records in %q = %d, want %d", text, got, want)
		}
	}
}

func TestPrices(t *testing.T) {
	cases := map[string]string{
		"price 6 BTC, escrow":  "6 BTC",
		"only 0.5btc":          "0.5 BTC",
		"price: $5000 firm":    "$5000",
		"2 monero or 300 usdt": "2 XMR",
		"no price given":       "",
	}
	for text, want := range cases {
		if got := claimOf(text).Price; got != want {
			t.Errorf("price in %q = %q, want %q", text, got, want)
		}
	}
}

func TestBrandTolerance(t *testing.T) {
	s, err := NewSet(Config{Brands: []string{"Halcyon", "Halcyon Wireless", "halcyonwireless.com"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text string
		want []string
	}{
		{"dump of Ha1cyon users", []string{"Halcyon"}},
		{"H A L C Y O N customers", []string{"Halcyon"}},
		{"h a l c y o n customers", []string{"Halcyon"}},
		{"HАLCYON customers (Cyrillic A)", []string{"Halcyon"}},
		{"ｈａｌｃｙｏｎ full-width users", []string{"Halcyon"}},
		{"hal\u200bcyon zero width dump", []string{"Halcyon"}},
		{"selling halcyon-wireless db", []string{"Halcyon Wireless"}},
		{"HalcyonWireless leak", []string{"Halcyon Wireless"}},
		{"mail at halcyonwireless.com", []string{"halcyonwireless.com"}},
		{"halcyon clients and halcyon wireless", []string{"Halcyon", "Halcyon Wireless"}},
		{"halcyon days", nil},
		{"the halcyonic days, shalcyon", nil},
		{"nothing here", nil},
	}
	for _, c := range cases {
		text := strings.ReplaceAll(c.text, "\\u200b", "\u200b")
		ev := s.Match(text)
		if fmt.Sprint(ev.Brands) != fmt.Sprint(c.want) {
			t.Errorf("brands in %q = %v, want %v", c.text, ev.Brands, c.want)
		}
	}
}

func TestPhraseBoundaries(t *testing.T) {
	cases := []struct {
		text   string
		phrase string
		want   bool
	}{
		{"selling now", "selling", true},
		{"reselling", "selling", false},
		{"dm me", "dm me", true},
		{"admin", "dm", false},
		{"продаю базу", "продаю", true},
		{"FOR SALE!!!", "for sale", true},
	}
	for _, c := range cases {
		cl := claimOf(c.text)
		got := slices.Contains(cl.Phrases, c.phrase) || slices.Contains(cl.Negative, c.phrase)
		if got != c.want {
			t.Errorf("%q in %q: %v, want %v (%v)", c.phrase, c.text, got, c.want, cl.Phrases)
		}
	}
}

func TestRowShapes(t *testing.T) {
	s := testSet(t)
	cases := []struct {
		name       string
		text       string
		rows, real int
	}{
		{"key-value blocks", "name: Ann\nemail: ann@mail.test\nphone: (312) 555-0148\n\nname: Zed\nemail: zed@mail.test\nphone: (415) 555-0199\n", 2, 1},
		{"sql tuples on one line", "INSERT INTO u VALUES ('ann@mail.test','3125550148'),('zed@mail.test','4155550199'), ('bob@mail.test','490154203237518');", 3, 2},
		{"csv lines", "ann@mail.test,312-555-0148\nzed@mail.test,415-555-0199\n", 2, 1},
		{"values of one customer on two lines are two rows", "ann@mail.test\n312-555-0148\n", 2, 2},
		{"a repeated row counts once", "ann@mail.test,312-555-0148\nzed@mail.test\nann@mail.test,312-555-0148\n", 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := s.Match(c.text)
			if ev.Sample == nil || ev.Sample.Rows != c.rows || ev.Sample.RealRows != c.real {
				t.Errorf("sample %+v; want %d rows, %d real", ev.Sample, c.rows, c.real)
			}
		})
	}
}

func TestRowThresholds(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	d, _ := h.Value(TypeSSN, "219-09-9999")
	fs := []leak.Fingerprint{{Digest: d, Type: "ssn", Dataset: "crm", Partition: "p", Record: 1}}
	strict, _ := NewSet(Config{Hasher: h, Fingerprints: fs, CriticalRows: 5, HighRows: 3})
	loose, _ := NewSet(Config{Hasher: h, Fingerprints: fs})
	sale := "selling db, 5 BTC, escrow\n219-09-9999\n"
	if got := loose.Match(sale).Severity; got != leak.SeverityCritical {
		t.Errorf("default thresholds: %s, want critical", got)
	}
	if got := strict.Match(sale).Severity; got != leak.SeverityInfo {
		t.Errorf("critical_rows 5 with one real row and no brand: %s, want info", got)
	}
	if got := strict.Match("look\n219-09-9999\n").Severity; got != leak.SeverityInfo {
		t.Errorf("high_rows 3 with one real row: %s, want info", got)
	}
}

func TestPhoneRegion(t *testing.T) {
	if n, ok := NormalizeIn(TypePhone, "020 7946 0958", "GB"); !ok || n != "+442079460958" {
		t.Errorf("GB national number = %q, %v", n, ok)
	}
	if _, ok := NormalizeIn(TypePhone, "020 7946 0958", "US"); ok {
		t.Error("a UK national number passed as a US one")
	}
	h, _ := NewHasher(make([]byte, KeySize))
	h.Region = "GB"
	a, ok1 := h.Value(TypePhone, "020 7946 0958")
	b, ok2 := h.Value(TypePhone, "+44 20 7946 0958")
	if !ok1 || !ok2 || a != b {
		t.Error("a national and an international spelling of one number hash differently")
	}
}

func TestNationalPhonesInPosts(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	h.Region = "GB"
	d, _ := h.Value(TypePhone, "+44 20 7946 0958")
	e, _ := h.Value(TypeEmail, "ann@mail.test")
	fs := []leak.Fingerprint{
		{Digest: d, Type: "phone", Dataset: "crm", Partition: "uk", Record: 1},
		{Digest: e, Type: "email", Dataset: "crm", Partition: "uk", Record: 1},
	}
	gb, _ := NewSet(Config{Hasher: h, Fingerprints: fs, PhoneRegion: "GB"})
	us, _ := NewSet(Config{Hasher: h, Fingerprints: fs})
	for _, text := range []string{"ann@mail.test, 020 7946 0958", "ann@mail.test,02079460958", "ann@mail.test (020) 7946-0958"} {
		if ev := gb.Match(text); ev.Sample == nil || ev.Sample.RealRows != 1 {
			t.Errorf("GB set, %q: sample %+v; want the row real", text, ev.Sample)
		}
		if ev := us.Match(text); ev.Sample == nil || slices.Contains(ev.Sample.Types, "phone") {
			t.Errorf("US set, %q: a UK national number matched (%+v)", text, ev.Sample)
		}
	}
}

func TestRowExtras(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	fp := func(typ Type, raw string, rec uint64) leak.Fingerprint {
		d, ok := h.Value(typ, raw)
		if !ok {
			t.Fatalf("bad fixture %s %q", typ, raw)
		}
		return leak.Fingerprint{Digest: d, Type: string(typ), Dataset: "dmv", Partition: "p", Record: rec}
	}
	s, err := NewSet(Config{Hasher: h, Fingerprints: []leak.Fingerprint{
		fp(TypeDL, "CA D1234567", 1), fp(TypeDOB, "1985-03-04", 1), fp(TypeName, "Dana Whitfield 60614", 1),
		fp(TypeEmail, "dana@mail.test", 1),
	}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text  string
		types []string
		real  int
	}{
		{"Dana,Whitfield,dana@mail.test,03/04/1985,CA,D1234567,60614", []string{"email", "dl", "dob", "name_zip"}, 1},
		{"x@y.test,CA,D1234567", []string{"dl"}, 1},                                  // a licence is strong on its own
		{"x@y.test,03/04/1985", nil, 0},                                              // a date of birth is not
		{"dana@mail.test,03/04/1985", []string{"email", "dob"}, 1},                   // it corroborates a unique value
		{"x@y.test,Dana Whitfield,60614,1985-03-04", []string{"dob", "name_zip"}, 1}, // a name with its ZIP is unique
		{"dana@mail.test 1985-03-04 CA D1234567", []string{"email"}, 1},              // not a delimited row: the email alone
		// A key-value record: the fields without a scanner value count too.
		{"First Name: Dana\nLast_Name: Whitfield\nDOB: 03/04/1985\nEmail: x@y.test\nDL: D1234567\nState: CA\nZIP: 60614\n", []string{"dl", "dob", "name_zip"}, 1},
		{"DOB: 1985-03-04\nemail: x@y.test\n\nDL: CA D1234567\n", nil, 0}, // the blank line ends the record
	}
	for _, c := range cases {
		ev := s.Match(c.text)
		if ev.Sample == nil || fmt.Sprint(ev.Sample.Types) != fmt.Sprint(c.types) || ev.Sample.RealRows != c.real {
			t.Errorf("%q: sample %+v; want types %v, %d real", c.text, ev.Sample, c.types, c.real)
		}
	}
}

// TestStatsCountCanariesAsPeople: five canaries with an email and a phone
// each are five canaries (ten values), as canary list shows them.
func TestStatsCountCanariesAsPeople(t *testing.T) {
	h, _ := NewHasher(make([]byte, KeySize))
	var cs []leak.Canary
	for i := range 5 {
		e, _ := h.Value(TypeEmail, fmt.Sprintf("c%d@acme-canary.test", i))
		p, _ := h.Value(TypePhone, fmt.Sprintf("(312) 555-01%02d", i))
		id := fmt.Sprintf("cn-%d", i)
		cs = append(cs, leak.Canary{ID: id, Partition: "billing", Type: "email", Digest: e}, leak.Canary{ID: id, Partition: "billing", Type: "phone", Digest: p})
	}
	s, err := NewSet(Config{Hasher: h, Canaries: cs})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Canaries != 5 || st.CanaryValues != 10 {
		t.Errorf("stats %+v, want 5 canaries, 10 values", st)
	}
}
