package matchers

import (
	"math"
	"regexp"
	"strconv"
	"strings"

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

var (
	// countBefore reads the last "number unit" in the text before a record
	// noun, with up to three words between ("68M Halcyon customer records").
	countBefore = regexp.MustCompile(`(?i)(\d+(?:[.,]\d+)?)\s*(kk|k|mm|m|mil|million|millions|b|bn|billion|млн|тыс)?(?:\s+[\p{L}'\-]+){0,3}\s*$`)
	// amountBefore reads the number before a currency ("6 BTC", "0.5btc").
	amountBefore = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*[kK]?\s*$`)
	dollarAfter  = regexp.MustCompile(`^\W{0,3}\$\s*(\d+(?:[.,]\d+)?[kK]?)`)
)

// window returns up to n bytes of text before i.
func window(text []byte, i, n int) []byte { return text[max(0, i-n):i] }

// readCount parses a claimed record count before a noun.
func readCount(text []byte, nounStart int) int64 {
	m := countBefore.FindSubmatch(window(text, nounStart, 64))
	if m == nil {
		return 0
	}
	return parseCount(string(m[1]), strings.ToLower(string(m[2])))
}

func parseCount(num, unit string) int64 {
	f, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", "."), 64)
	if err != nil {
		return 0
	}
	mult := 1.0
	switch unit {
	case "k", "тыс":
		mult = 1e3
	case "kk", "m", "mm", "mil", "million", "millions", "млн":
		mult = 1e6
	case "b", "bn", "billion":
		mult = 1e9
	}
	v := f * mult
	if v > math.MaxInt64/2 {
		return 0
	}
	return int64(v)
}

// readPrice parses the amount before a currency word, or a dollar amount
// after the word "price".
func readPrice(text []byte, h termHit, currency string) string {
	if currency == "price" {
		if m := dollarAfter.FindSubmatch(text[h.end:min(len(text), h.end+24)]); m != nil {
			return "$" + string(m[1])
		}
		return ""
	}
	if m := amountBefore.FindSubmatch(window(text, h.start, 24)); m != nil {
		c := strings.ToUpper(currency)
		switch c {
		case "BITCOIN":
			c = "BTC"
		case "MONERO":
			c = "XMR"
		}
		return string(m[1]) + " " + c
	}
	return ""
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

// claimFrom builds the claim from the terms found.
func claimFrom(text []byte, a *automaton, hits []termHit) leak.Claim {
	var c leak.Claim
	seen := map[string]bool{}
	var phrases []string
	var weights = map[string]float64{}
	for _, h := range hits {
		t := &a.terms[h.term]
		switch t.kind {
		case termIntent:
			if !seen["i:"+t.name] {
				seen["i:"+t.name] = true
				phrases = append(phrases, t.name)
				weights[t.name] = t.weight
			}
			if t.name == "price" && c.Price == "" {
				c.Price = readPrice(text, h, "price")
			}
		case termDataType:
			if !seen["d:"+t.name] {
				seen["d:"+t.name] = true
				c.DataTypes = append(c.DataTypes, t.name)
			}
		case termContact:
			if !seen["c:"+t.name] {
				seen["c:"+t.name] = true
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
	for _, p := range phrases {
		w := weights[p]
		if coveredBy(p, phrases) {
			continue
		}
		c.Score += w
		if w > 0 {
			c.Phrases = append(c.Phrases, p)
		} else {
			c.Negative = append(c.Negative, p)
		}
	}
	sortStrings(c.DataTypes)
	sortStrings(c.Contacts)
	return c
}
