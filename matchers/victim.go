package matchers

import (
	"fmt"
	"slices"
	"strings"

	"leakwatch/leak"
)

// victimTerms are the names and domains a leak site's victim is compared
// with: the company's (brands), other companies that share a brand word
// (not_brands) and the watch-list of subsidiaries and suppliers.
type victimTerms struct {
	ours, notOurs, suppliers []victimTerm
}

// victimTerm is one name (its canonical words) or domain.
type victimTerm struct {
	name   string   // as configured
	words  []string // canonical words; nil for a domain
	domain string   // lower case; "" for a name
	bare   bool     // a single brand word that is part of a longer brand name
}

func newVictimTerm(s string, bare bool) victimTerm {
	t := victimTerm{name: s, bare: bare}
	if d := strings.ToLower(strings.TrimSpace(s)); strings.Contains(d, ".") && !strings.Contains(d, " ") {
		t.domain = strings.TrimPrefix(d, "www.")
		return t
	}
	t.words = strings.Fields(string(canonical(s)))
	return t
}

// matches: the victim's domain is the term's (or a subdomain of it), or
// the term's words stand together in the victim's name.
func (t victimTerm) matches(v *leak.Victim, words []string) bool {
	if t.domain != "" {
		d := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v.Domain)), "www.")
		return d != "" && (d == t.domain || strings.HasSuffix(d, "."+t.domain))
	}
	if len(t.words) == 0 || len(t.words) > len(words) {
		return false
	}
	for i := 0; i+len(t.words) <= len(words); i++ {
		if slices.Equal(words[i:i+len(t.words)], t.words) {
			return true
		}
	}
	return false
}

// whose says whether a victim is the company ("ours", with the term that
// said so), a supplier on the watch-list ("supplier"), or neither ("").
// A bare brand word names the company only as the victim's whole name
// ("Halcyon", not "Halcyon House Hotels"), and never when a not_brands
// name matches.
func (vt *victimTerms) whose(v *leak.Victim) (string, string) {
	words := strings.Fields(string(canonical(v.Name)))
	if t, ok := firstMatch(vt.ours, v, words); ok && !slices.ContainsFunc(vt.notOurs, func(n victimTerm) bool { return n.matches(v, words) }) {
		return "ours", t.name
	}
	if t, ok := firstMatch(vt.suppliers, v, words); ok {
		return "supplier", t.name
	}
	return "", ""
}

// firstMatch is the first term that names the victim; a bare brand word
// only as the victim's whole name.
func firstMatch(ts []victimTerm, v *leak.Victim, words []string) (victimTerm, bool) {
	for _, t := range ts {
		if t.matches(v, words) && (!t.bare || t.domain != "" || len(words) == len(t.words)) {
			return t, true
		}
	}
	return victimTerm{}, false
}

// judgeVictim sets a leak site victim post's verdict: the company listed
// as a victim is critical (an extortion group claims a breach of it), a
// supplier on the watch-list high (third-party risk); the detail page's
// own evidence (canaries, real rows) stands when it says more.
func (s *Set) judgeVictim(ev *leak.Evidence, p leak.Post) {
	whose, term := s.victims.whose(p.Victim)
	v := p.Victim
	size := ""
	if v.Size != "" {
		size = ", " + v.Size
	}
	switch whose {
	case "ours":
		ev.Severity = leak.SeverityCritical
		ev.Headline = fmt.Sprintf("Leak site lists %s as its victim%s", v.Name, size)
		ev.Why = append([]string{fmt.Sprintf("the data-leak site names the company (%q) as a victim: an extortion group claims a breach and threatens to publish", term)}, ev.Why...)
		if !slices.Contains(ev.Brands, term) {
			ev.Brands = append(ev.Brands, term)
		}
	case "supplier":
		if ev.Severity < leak.SeverityHigh {
			ev.Severity = leak.SeverityHigh
			ev.Headline = fmt.Sprintf("Leak site lists %s, a supplier on the watch-list%s", v.Name, size)
		}
		ev.Why = append([]string{fmt.Sprintf("the data-leak site lists %s, on the watch-list of subsidiaries and suppliers (%q): the company's data it holds may be in the dump", v.Name, term)}, ev.Why...)
	}
}
