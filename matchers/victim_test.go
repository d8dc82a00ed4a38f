package matchers

import (
	"strings"
	"testing"

	"leakwatch/leak"
)

// TestLeakSiteVictims: the company listed as a victim is critical, by its
// name or its domain; a supplier on the watch-list is high; a company
// sharing a brand word (not_brands, or a longer name around a bare word)
// and anyone else are not alerted for the listing alone.
func TestLeakSiteVictims(t *testing.T) {
	s, err := NewSet(Config{
		Brands:    []string{"Halcyon Wireless", "Halcyon", "halcyonwireless.com"},
		NotBrands: []string{"Halcyon House"},
		Suppliers: []string{"Ledgerline Billing", "ledgerline.io", "Northwind Logistics"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		victim leak.Victim
		want   leak.Severity
		why    string
	}{
		{"the company by name", leak.Victim{Name: "Halcyon Wireless", Size: "1.2 TB"}, leak.SeverityCritical, "names the company"},
		{"the company by domain only", leak.Victim{Name: "HW Corp", Domain: "www.mail.halcyonwireless.com"}, leak.SeverityCritical, "names the company"},
		{"the bare brand as the whole name", leak.Victim{Name: "HALCYON"}, leak.SeverityCritical, "names the company"},
		{"a supplier by name", leak.Victim{Name: "Ledgerline Billing Services Ltd"}, leak.SeverityHigh, "watch-list"},
		{"a supplier by domain", leak.Victim{Name: "LL", Domain: "ledgerline.io"}, leak.SeverityHigh, "watch-list"},
		{"a not_brands company", leak.Victim{Name: "Halcyon House Hotels", Domain: "halcyonhouse-hotels.com"}, leak.SeverityNone, ""},
		{"a longer name around a bare word", leak.Victim{Name: "Halcyon Pharmaceuticals"}, leak.SeverityNone, ""},
		{"someone else", leak.Victim{Name: "Globex Bank", Domain: "globexbank.example"}, leak.SeverityNone, ""},
	} {
		v := c.victim
		p := leak.Post{Title: "Leak site victim: " + v.Name, Text: "Victim: " + v.Name + "\nRetail data, 80 GB.", Victim: &v}
		ev := s.MatchPost(p)
		if ev.Severity != c.want || (c.why != "" && !strings.Contains(strings.Join(ev.Why, "; "), c.why)) {
			t.Errorf("%s: %v %q, why %q; want %v (%s)", c.name, ev.Severity, ev.Headline, ev.Why, c.want, c.why)
		}
	}
}
