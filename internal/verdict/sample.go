package verdict

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// A sample is rows of people written as a seller writes them: a header
// and one row per record in CSV, pipes, tabs, SQL tuples, JSON lines,
// key-value blocks or an HTML table, with the value spellings sellers use,
// some of them to get past scrapers.

// row is one record of a sample and what it is.
type row struct {
	p      Person
	canary bool // a planted canary
	ours   bool // one of our customers
}

// sampleSpec says how to write a sample.
type sampleSpec struct {
	fields []string // name first last email phone ssn dob address city state zip dl imei card password
	format string   // csv pipe tsv semi kv sql json combo table
	evade  string   // "" or: email-at, email-paren, ssn-spaced, ssn-dots, ssn-slashes, digits-spaced
	phone  int      // phone style, see phoneAs
}

// counts are what an analyst counts in a sample.
type counts struct{ rows, real, canary int }

func countRows(rs []row) counts {
	c := counts{rows: len(rs)}
	for _, r := range rs {
		switch {
		case r.canary:
			c.canary++
		case r.ours:
			c.real++
		}
	}
	return c
}

// lines writes the sample as text lines (every format but table).
func (s sampleSpec) lines(rs []row) []string {
	var out []string
	switch s.format {
	case "kv":
		for i, r := range rs {
			if i > 0 {
				out = append(out, "")
			}
			for _, f := range s.fields {
				out = append(out, kvKey(f)+": "+s.value(f, r.p))
			}
		}
		return out
	case "sql":
		cols := strings.Join(s.fields, "`, `")
		var tuples []string
		for _, r := range rs {
			var vs []string
			for _, f := range s.fields {
				vs = append(vs, "'"+strings.ReplaceAll(s.value(f, r.p), "'", "''")+"'")
			}
			tuples = append(tuples, "("+strings.Join(vs, ",")+")")
		}
		// A dump writes a few tuples a line.
		out = append(out, "INSERT INTO `customers` (`"+cols+"`) VALUES")
		for i := 0; i < len(tuples); i += 3 {
			end := min(i+3, len(tuples))
			sep := ","
			if end == len(tuples) {
				sep = ";"
			}
			out = append(out, strings.Join(tuples[i:end], ",")+sep)
		}
		return out
	case "json":
		for _, r := range rs {
			m := map[string]string{}
			for _, f := range s.fields {
				m[f] = s.value(f, r.p)
			}
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
		return out
	case "jsonpretty":
		// A MongoDB-style export: a JSON array, one field a line.
		out = append(out, "[")
		for i, r := range rs {
			out = append(out, "  {")
			for k, f := range s.fields {
				sep := ","
				if k == len(s.fields)-1 {
					sep = ""
				}
				b, _ := json.Marshal(s.value(f, r.p))
				out = append(out, fmt.Sprintf("    %q: %s%s", f, b, sep))
			}
			if i == len(rs)-1 {
				out = append(out, "  }")
			} else {
				out = append(out, "  },")
			}
		}
		return append(out, "]")
	case "markdown":
		out = append(out, "| "+strings.Join(s.fields, " | ")+" |")
		out = append(out, "|"+strings.Repeat("---|", len(s.fields)))
		for _, r := range rs {
			var vs []string
			for _, f := range s.fields {
				vs = append(vs, s.value(f, r.p))
			}
			out = append(out, "| "+strings.Join(vs, " | ")+" |")
		}
		return out
	case "combo":
		for _, r := range rs {
			out = append(out, s.value("email", r.p)+":"+r.p.Password)
		}
		return out
	}
	sep := map[string]string{"csv": ",", "pipe": "|", "tsv": "\t", "semi": ";"}[s.format]
	if sep == "" {
		sep = ","
	}
	out = append(out, strings.Join(s.fields, sep))
	for _, r := range rs {
		var vs []string
		for _, f := range s.fields {
			v := s.value(f, r.p)
			if sep == "," && strings.Contains(v, ",") {
				v = `"` + v + `"`
			}
			vs = append(vs, v)
		}
		out = append(out, strings.Join(vs, sep))
	}
	return out
}

// cells writes the sample as table cells, header first.
func (s sampleSpec) cells(rs []row) [][]string {
	out := [][]string{s.fields}
	for _, r := range rs {
		var vs []string
		for _, f := range s.fields {
			vs = append(vs, s.value(f, r.p))
		}
		out = append(out, vs)
	}
	return out
}

func kvKey(f string) string {
	return map[string]string{"name": "Name", "first": "First Name", "last": "Last Name", "email": "Email", "phone": "Phone",
		"ssn": "SSN", "dob": "DOB", "address": "Address", "city": "City", "state": "State", "zip": "ZIP", "dl": "DL",
		"imei": "IMEI", "card": "Card", "password": "Password"}[f]
}

func (s sampleSpec) value(f string, p Person) string {
	switch f {
	case "name":
		return p.Name()
	case "first":
		return p.First
	case "last":
		return p.Last
	case "email":
		return emailAs(p.Email, s.evade)
	case "phone":
		return phoneAs(p.Phone, s.phone, s.evade)
	case "ssn":
		return ssnAs(p.SSN, s.evade)
	case "dob":
		return p.DOB
	case "address":
		return p.Street
	case "city":
		return p.City
	case "state":
		return p.State
	case "zip":
		return p.ZIP
	case "dl":
		return p.DLState + " " + p.DL
	case "imei":
		return p.IMEI
	case "card":
		return p.Card
	case "password":
		return p.Password
	}
	return ""
}

// emailAs writes an email the way a scraper-shy seller does.
func emailAs(e, evade string) string {
	local, domain, _ := strings.Cut(e, "@")
	switch evade {
	case "email-at":
		return local + " [at] " + strings.ReplaceAll(domain, ".", " [dot] ")
	case "email-paren":
		return local + " (at) " + domain
	}
	return e
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// phoneAs writes a phone in one of the styles sellers use.
func phoneAs(ph string, style int, evade string) string {
	d := digitsOf(ph)
	if evade == "digits-spaced" {
		return strings.Join(strings.Split(d, ""), " ")
	}
	switch style % 6 {
	case 1:
		return d[:3] + "-" + d[3:6] + "-" + d[6:]
	case 2:
		return d[:3] + "." + d[3:6] + "." + d[6:]
	case 3:
		return "+1 " + d[:3] + " " + d[3:6] + " " + d[6:]
	case 4:
		return d
	case 5:
		return "1-" + d[:3] + "-" + d[3:6] + "-" + d[6:]
	}
	return ph
}

// ssnAs writes an SSN plainly or in an evasive spelling.
func ssnAs(ssn, evade string) string {
	d := digitsOf(ssn)
	switch evade {
	case "ssn-spaced":
		return d[:3] + " - " + d[3:5] + " - " + d[5:]
	case "ssn-dots":
		return d[:3] + "." + d[3:5] + "." + d[5:]
	case "ssn-slashes":
		return d[:3] + "/" + d[3:5] + "/" + d[5:]
	case "digits-spaced":
		return strings.Join(strings.Split(d, ""), " ")
	}
	return ssn
}

// mixRows returns real customers, canaries and strangers shuffled.
func (w *World) mixRows(real int, canaries []Canary, strangers int) []row {
	var rs []row
	seen := map[string]bool{}
	for len(rs) < real {
		p := w.Customer()
		if seen[p.Email] {
			continue
		}
		seen[p.Email] = true
		rs = append(rs, row{p: p, ours: true})
	}
	for _, c := range canaries {
		rs = append(rs, row{p: c.Person, canary: true})
	}
	for range strangers {
		rs = append(rs, row{p: w.Stranger()})
	}
	r := w.rng
	r.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	return rs
}

// fieldSets are the column choices of realistic dumps.
var fieldSets = [][]string{
	{"name", "email", "phone"},
	{"name", "email", "phone", "ssn", "dob"},
	{"first", "last", "email", "phone", "address", "city", "state", "zip"},
	{"name", "phone", "ssn", "dob", "dl", "imei"},
	{"email", "phone", "ssn"},
	{"name", "email", "dob", "zip", "card"},
	{"first", "last", "dob", "ssn", "phone", "imei"},
	{"name", "email", "phone", "address", "zip", "dl", "dob"},
}

var formats = []string{"csv", "pipe", "tsv", "semi", "kv", "sql", "json", "jsonpretty", "markdown"}

func randomSpec(r *rand.Rand) sampleSpec {
	return sampleSpec{fields: pick(r, fieldSets), format: pick(r, formats), phone: r.IntN(6)}
}

// fmtCount writes a count the ways sellers do: 14.8M, 30kk, 2 million.
func fmtCount(r *rand.Rand) (int64, string) {
	switch r.IntN(6) {
	case 0:
		m := int64(r.IntN(90) + 5)
		return m * 1_000_000, fmt.Sprintf("%dM", m)
	case 1:
		t := int64(r.IntN(200) + 11)
		return t * 100_000, fmt.Sprintf("%d.%dM", t/10, t%10)
	case 2:
		m := int64(r.IntN(40) + 2)
		return m * 1_000_000, fmt.Sprintf("%dkk", m)
	case 3:
		m := int64(r.IntN(60) + 2)
		return m * 1_000_000, fmt.Sprintf("%d million", m)
	case 4:
		k := int64(r.IntN(900) + 50)
		return k * 1000, fmt.Sprintf("%dk", k)
	}
	n := int64(r.IntN(9)+1)*1_000_000 + int64(r.IntN(1000))*1000
	return n, fmt.Sprintf("%d,%03d,000", n/1_000_000, n/1000%1000)
}
