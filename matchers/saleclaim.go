package matchers

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"leakwatch/leak"
)

// phrase is one row of the sale-claim table: a phrase on word boundaries in
// normalised text, and its weight (negative weights lower the score).
type phrase struct {
	text   string
	weight float64
}

// intentPhrases is the weighted phrase table of the sale-claim detector.
// English and Russian, as the big markets write them.
var intentPhrases = []phrase{
	{"selling", 2}, {"for sale", 2}, {"wts", 2}, {"sell", 1}, {"buy now", 1},
	{"price", 1}, {"btc", 1}, {"xmr", 1}, {"monero", 1}, {"usdt", 1},
	{"escrow", 1.5}, {"dm me", 1}, {"pm me", 1}, {"dm", 0.5}, {"contact", 0.5},
	{"sample below", 1.5}, {"sample", 1}, {"samples", 1}, {"full db", 1}, {"database", 0.5},
	{"продаю", 2}, {"продам", 2}, {"продажа", 2}, {"цена", 1}, {"гарант", 1.5}, {"пиши в лс", 1}, {"база", 0.5},
	// Negative signals: recycled or worthless material.
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

var (
	countRe = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(kk|k|mm|m|mil|million|millions|b|bn|billion|млн|тыс)?(?:\s+[\p{L}'\-]+){0,3}?\s+(records|record|customers|customer|users|rows|lines|accounts|clients|subscribers|entries|записей|строк|клиентов)`)
	priceRe = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(btc|xmr|usdt|eth|usd|\$)|\$\s*(\d+(?:[.,]\d+)?k?)`)
)

// detectClaim scores sale intent in normalised text and reads what it
// claims: record count, data types, price and contact channels.
func detectClaim(text string) leak.Claim {
	var c leak.Claim
	for _, p := range intentPhrases {
		if coveredBy(p.text, c.Phrases) || coveredBy(p.text, c.Negative) {
			continue // "sample" adds nothing once "sample below" counted
		}
		if hasWord(text, p.text) {
			c.Score += p.weight
			if p.weight > 0 {
				c.Phrases = append(c.Phrases, p.text)
			} else {
				c.Negative = append(c.Negative, p.text)
			}
		}
	}
	for _, d := range dataTypeWords {
		for _, w := range d.words {
			if hasWord(text, w) {
				c.DataTypes = append(c.DataTypes, d.canonical)
				break
			}
		}
	}
	for _, d := range contactWords {
		for _, w := range d.words {
			if hasWord(text, w) {
				c.Contacts = append(c.Contacts, d.canonical)
				break
			}
		}
	}
	for _, m := range countRe.FindAllStringSubmatch(text, -1) {
		if n := parseCount(m[1], m[2]); n > c.Records {
			c.Records = n
		}
	}
	if m := priceRe.FindStringSubmatch(text); m != nil {
		if m[1] != "" {
			c.Price = m[1] + " " + strings.ToUpper(m[2])
		} else {
			c.Price = "$" + m[3]
		}
	}
	sort.Strings(c.DataTypes)
	return c
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

// coveredBy reports whether a longer phrase already matched contains p.
func coveredBy(p string, matched []string) bool {
	for _, m := range matched {
		if len(m) > len(p) && strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// hasWord reports whether phrase occurs in text bounded by non-letters,
// non-digits on both sides.
func hasWord(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if boundaryBefore(text, start) && boundaryAfter(text, end) {
			return true
		}
		i = start + 1
	}
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	return !isWordByte(s[i-1])
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	return !isWordByte(s[i])
}

// isWordByte treats ASCII letters and digits, and every byte of a multi-byte
// UTF-8 letter, as word bytes.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
