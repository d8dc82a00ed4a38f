package matchers

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"leakwatch/leak"
)

// intentPhrases is the weighted phrase table of the sale-claim detector,
// English and Russian as the big markets write them. Negative weights are
// the signs of recycled or worthless material.
var intentPhrases = []struct {
	text   string
	weight float64
}{
	{"selling", 2}, {"for sale", 2}, {"wts", 2}, {"sell", 1}, {"buy now", 1},
	{"price", 1}, {"btc", 1}, {"xmr", 1}, {"monero", 1}, {"usdt", 1}, {"bitcoin", 1},
	{"escrow", 1.5}, {"dm me", 1}, {"pm me", 1}, {"dm", 0.5}, {"contact", 0.5},
	{"sample below", 1.5}, {"sample", 1}, {"samples", 1}, {"full db", 1}, {"database", 0.5}, {"db", 0.5},
	{"продаю", 2}, {"продам", 2}, {"продажа", 2}, {"цена", 1}, {"гарант", 1.5}, {"пиши в лс", 1}, {"база", 0.5},
	{"combo list", -2}, {"combolist", -2}, {"stealer logs", -2}, {"stealer", -1}, {"ulp", -2},
	{"repack", -1.5}, {"free leak", -2}, {"free download", -2}, {"old", -0.5}, {"for free", -2},
}

var dataTypeWords = []struct {
	canonical string
	words     []string
}{
	{"ssn", []string{"ssn", "ssns", "social security"}},
	{"dl", []string{"dl", "driver's license", "drivers license", "driver license", "driving licence", "dl#"}},
	{"imei", []string{"imei", "imeis"}},
	{"dob", []string{"dob", "date of birth", "birthdate"}},
	{"fullz", []string{"fullz"}},
	{"phone", []string{"phone", "phones", "phone numbers", "msisdn"}},
	{"email", []string{"email", "emails", "e-mail"}},
	{"address", []string{"address", "addresses"}},
	{"name", []string{"name", "names", "full name"}},
	{"pin", []string{"pin", "pins", "account pin"}},
	{"card", []string{"cc", "card", "cards", "credit card"}},
	{"passport", []string{"passport", "паспорт"}},
}

var contactWords = []struct {
	canonical string
	words     []string
}{
	{"telegram", []string{"telegram", "tg", "t.me"}},
	{"xmpp", []string{"xmpp", "jabber"}},
	{"tox", []string{"tox"}},
	{"session", []string{"session id", "session messenger"}},
	{"signal", []string{"signal"}},
	{"forum-pm", []string{"pm me", "dm me", "pm", "dm", "лс"}},
}

// recordNouns follow a claimed record count ("68M records").
var recordNouns = []string{"records", "record", "customers", "customer", "users", "rows", "lines", "accounts",
	"clients", "subscribers", "entries", "записей", "строк", "клиентов"}

// currencies follow a price ("6 BTC").
var currencies = []string{"btc", "xmr", "usdt", "eth", "usd", "bitcoin", "monero"}

// builtinTerms returns the sale-claim terms of the automaton.
func builtinTerms() []term {
	var ts []term
	add := func(k termKind, name, text string, w float64) {
		if c := canonical(text); len(c) > 0 {
			ts = append(ts, term{kind: k, name: name, weight: w, text: c})
		}
	}
	for _, p := range intentPhrases {
		add(termIntent, p.text, p.text, p.weight)
	}
	for _, d := range dataTypeWords {
		for _, w := range d.words {
			add(termDataType, d.canonical, w, 0)
		}
	}
	for _, d := range contactWords {
		for _, w := range d.words {
			add(termContact, d.canonical, w, 0)
		}
	}
	for _, n := range recordNouns {
		add(termNoun, n, n, 0)
	}
	for _, c := range currencies {
		add(termCurrency, c, c, 0)
	}
	return ts
}

// readCount parses a claimed record count before a noun: a number with an
// optional unit ("68M", "30 million", "30kk", "1.2b", "2 млн"), with up to
// three words between it and the noun ("68M Halcyon customer records").
func readCount(text []byte, nounStart int) int64 {
	i := nounStart
	for words := 0; ; words++ {
		j := skipSpaceBack(text, i)
		if j == 0 {
			return 0
		}
		// The word (or number with unit) before j.
		k := j
		for k > 0 && !isSpaceByte(text[k-1]) && j-k < 32 {
			k--
		}
		if n, ok := countToken(text, k, j); ok {
			return n
		}
		if words == 3 || !isWordToken(text[k:j]) {
			return 0
		}
		i = k
	}
}

// countToken reads text[k:j] as "number[unit]", or "unit" preceded by a
// number ("30 million"). It allocates nothing for the words that are
// neither.
func countToken(text []byte, k, j int) (int64, bool) {
	tok := text[k:j]
	d := 0
	for d < len(tok) && (tok[d] >= '0' && tok[d] <= '9' || (tok[d] == '.' || tok[d] == ',') && d > 0) {
		d++
	}
	var buf [16]byte
	if d > 0 {
		unit, ok := lowerUnit(buf[:0], tok[d:])
		if ok || len(tok) == d {
			return parseCount(string(tok[:d]), string(unit)), true
		}
		return 0, false
	}
	unit, ok := lowerUnit(buf[:0], tok)
	if !ok {
		return 0, false
	}
	e := skipSpaceBack(text, k)
	b := e
	for b > 0 && (text[b-1] >= '0' && text[b-1] <= '9' || text[b-1] == '.' || text[b-1] == ',') && e-b < 16 {
		b--
	}
	if b == e {
		return 0, false
	}
	return parseCount(string(text[b:e]), string(unit)), true
}

// lowerUnit lower-cases a possible unit word into dst and reports whether
// it is one ("M", "kk", "million", "млн").
func lowerUnit(dst, w []byte) ([]byte, bool) {
	if len(w) == 0 || len(w) > len("millions")*2 {
		return dst, false
	}
	for _, r := range string(w) {
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	_, ok := unitMult[string(dst)]
	return dst, ok
}

var unitMult = map[string]float64{
	"k": 1e3, "тыс": 1e3, "kk": 1e6, "m": 1e6, "mm": 1e6, "mil": 1e6, "million": 1e6, "millions": 1e6, "млн": 1e6,
	"b": 1e9, "bn": 1e9, "billion": 1e9,
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpaceBack(text []byte, i int) int {
	for i > 0 && isSpaceByte(text[i-1]) {
		i--
	}
	return i
}

// isWordToken: letters (any script), apostrophes and hyphens only.
func isWordToken(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '\'' || c == '-') {
			return false
		}
	}
	return len(b) > 0
}

func parseCount(num, unit string) int64 {
	f, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", "."), 64)
	if err != nil {
		return 0
	}
	mult := 1.0
	if m, ok := unitMult[unit]; ok {
		mult = m
	}
	v := f * mult
	if v > math.MaxInt64/2 {
		return 0
	}
	return int64(v)
}

// readPrice parses the amount before a currency word ("6 BTC", "0.5btc"),
// or a dollar amount after the word "price".
func readPrice(text []byte, h termHit, currency string) string {
	if currency == "price" {
		i := h.end
		for n := 0; i < len(text) && n < 3 && (text[i] == ':' || text[i] == ' ' || text[i] == '-'); n++ {
			i++
		}
		if i < len(text) && text[i] == '$' {
			j := i + 1
			for j < len(text) && j-i < 12 && (text[j] >= '0' && text[j] <= '9' || text[j] == '.' || text[j] == ',' || text[j] == 'k' || text[j] == 'K') {
				j++
			}
			if j > i+1 {
				return "$" + string(text[i+1:j])
			}
		}
		return ""
	}
	e := skipSpaceBack(text, h.start)
	if e > 0 && (text[e-1] == 'k' || text[e-1] == 'K') {
		e--
	}
	b := e
	for b > 0 && e-b < 16 && (text[b-1] >= '0' && text[b-1] <= '9' || text[b-1] == '.' || text[b-1] == ',') {
		b--
	}
	if b == e || text[b] < '0' || text[b] > '9' {
		return ""
	}
	c := strings.ToUpper(currency)
	switch c {
	case "BITCOIN":
		c = "BTC"
	case "MONERO":
		c = "XMR"
	}
	return string(text[b:e]) + " " + c
}

// coveredBy reports whether a longer phrase already matched contains p.
func coveredBy(p string, matched []string) bool {
	for _, m := range matched {
		if len(m) > len(p) && strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// claimFrom builds the claim from the terms found. Terms repeat (a post
// says "btc" ten times); each counts once.
func claimFrom(text []byte, a *automaton, hits []termHit) leak.Claim {
	var c leak.Claim
	var phrases []string // distinct intent phrases, in order
	var weights []float64
	for _, h := range hits {
		t := &a.terms[h.term]
		switch t.kind {
		case termIntent:
			if !slices.Contains(phrases, t.name) {
				phrases = append(phrases, t.name)
				weights = append(weights, t.weight)
			}
			if t.name == "price" && c.Price == "" {
				c.Price = readPrice(text, h, "price")
			}
		case termDataType:
			if !slices.Contains(c.DataTypes, t.name) {
				c.DataTypes = append(c.DataTypes, t.name)
			}
		case termContact:
			if !slices.Contains(c.Contacts, t.name) {
				c.Contacts = append(c.Contacts, t.name)
			}
		case termNoun:
			if n := readCount(text, h.start); n > c.Records {
				c.Records = n
			}
		case termCurrency:
			if c.Price == "" {
				c.Price = readPrice(text, h, t.name)
			}
		}
	}
	// "sample" adds nothing once "sample below" counted.
	for i, p := range phrases {
		if coveredBy(p, phrases) {
			continue
		}
		c.Score += weights[i]
		if weights[i] > 0 {
			c.Phrases = append(c.Phrases, p)
		} else {
			c.Negative = append(c.Negative, p)
		}
	}
	slices.Sort(c.DataTypes)
	slices.Sort(c.Contacts)
	return c
}
