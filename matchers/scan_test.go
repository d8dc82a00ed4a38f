package matchers

import (
	"fmt"
	"sort"
	"testing"
)

type scanHit struct {
	t    Type
	norm string
}

func scanAll(text string) []scanHit {
	var s scanner
	s.scan([]byte(text))
	var out []scanHit
	for _, f := range s.found {
		out = append(out, scanHit{f.t, string(s.norm(f))})
	}
	return out
}

func TestScannerFormats(t *testing.T) {
	cases := []struct {
		text string
		want []scanHit
	}{
		{"mail Dana.W@Example.COM now", []scanHit{{TypeEmail, "dana.w@example.com"}}},
		{"d.white [at] qq [dot] com", []scanHit{{TypeEmail, "d.white@qq.com"}}},
		{"x(at)mail.example(dot)org", []scanHit{{TypeEmail, "x@mail.example.org"}}},
		{"@handle and user@localhost and a@b.c", nil},
		{"(312) 555-0148|312.555.0148|312-555-0148|312 555 0148|3125550148|13125550148", []scanHit{
			{TypePhone, "+13125550148"}, {TypePhone, "+13125550148"}, {TypePhone, "+13125550148"},
			{TypePhone, "+13125550148"}, {TypePhone, "+13125550148"}, {TypePhone, "+13125550148"}}},
		{"+1 (578) 524-2078, +1-578-524-2078, 1-578-524-2078", []scanHit{
			{TypePhone, "+15785242078"}, {TypePhone, "+15785242078"}, {TypePhone, "+15785242078"}}},
		{"+44 20 7946 0958 +49 30 12345678 +7 911 698-32-82", []scanHit{
			{TypePhone, "+442079460958"}, {TypePhone, "+493012345678"}, {TypePhone, "+79116983282"}}},
		{"(111) 908-3846 742-6290 648.588.576 329-86-79212", nil},
		{"219-09-9999 219 09 9999 219099999", []scanHit{{TypeSSN, "219099999"}, {TypeSSN, "219099999"}, {TypeSSN, "219099999"}}},
		{"000-12-3456 666-12-3456 912-12-3456 219-00-9999", nil},
		{"490154203237518 49-015420-323751-8 490154203237519", []scanHit{{TypeIMEI, "490154203237518"}, {TypeIMEI, "490154203237518"}}},
		{"4111 1111 1111 1111 4111-1111-1111-1111 4111111111111111 4111111111111112", []scanHit{
			{TypeCard, "4111111111111111"}, {TypeCard, "4111111111111111"}, {TypeCard, "4111111111111111"}}},
		{"amex 3782 822463 10005 or 378282246310005", []scanHit{{TypeCard, "378282246310005"}, {TypeCard, "378282246310005"}}},
		{"id12345678901 v3125550148 3125550148x 1746178144 2020-01-03 11:27:43 188.207.169.132", nil},
		{"ann@mail.test,312-555-0148,219-09-9999\n", []scanHit{{TypeEmail, "ann@mail.test"}, {TypePhone, "+13125550148"}, {TypeSSN, "219099999"}}},
	}
	for _, c := range cases {
		got := scanAll(c.text)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("scan(%q)\n got %v\nwant %v", c.text, got, c.want)
		}
	}
}

func TestScannerMatchesNormalize(t *testing.T) {
	// What the scanner emits must equal what import computes from the same
	// raw value, or fingerprints would never match.
	for _, raw := range []string{"(312) 555-0148", "+1 578 524 2078", "219-09-9999", "490154203237518", "4111-1111-1111-1111", "Ann@Mail.TEST", "+44 20 7946 0958"} {
		hits := scanAll(raw)
		if len(hits) != 1 {
			t.Errorf("scan(%q) = %v", raw, hits)
			continue
		}
		n, ok := Normalize(hits[0].t, raw)
		if !ok || n != hits[0].norm {
			t.Errorf("Normalize(%s, %q) = %q, %v; scanner says %q", hits[0].t, raw, n, ok, hits[0].norm)
		}
	}
}

// TestScannerRecall measures recall and precision against the corpus's
// ground truth; it fails below 99% recall or with near misses reported.
func TestScannerRecall(t *testing.T) {
	text, truth := corpus(t, 8)
	var s scanner
	s.scan(text)
	at := map[int]found{}
	for _, f := range s.found {
		at[int(f.start)] = f
	}
	type tally struct{ hit, found, near, falsePos int }
	per := map[string]*tally{}
	var missed []truthItem
	for _, it := range truth {
		if it.kind == "keyword" {
			continue
		}
		tl := per[it.kind]
		if tl == nil {
			tl = &tally{}
			per[it.kind] = tl
		}
		f, ok := at[it.off]
		if it.hit {
			tl.hit++
			if ok && string(f.t) == it.kind && string(s.norm(f)) == it.norm {
				tl.found++
			} else if len(missed) < 20 {
				missed = append(missed, it)
			}
		} else {
			tl.near++
			if ok {
				tl.falsePos++
			}
		}
	}
	kinds := make([]string, 0, len(per))
	for k := range per {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		tl := per[k]
		t.Logf("%-6s recall %d/%d = %.4f, near misses reported %d/%d", k, tl.found, tl.hit, float64(tl.found)/float64(tl.hit), tl.falsePos, tl.near)
		if float64(tl.found) < 0.99*float64(tl.hit) {
			t.Errorf("%s recall below 99%%", k)
		}
	}
	for _, m := range missed {
		t.Logf("missed %s %q at %d (%q)", m.kind, m.raw, m.off, text[max(0, m.off-20):min(len(text), m.off+len(m.raw)+20)])
	}
}
