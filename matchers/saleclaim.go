package matchers

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"leakwatch/leak"
)

// The claim is read from the title and the seller's own words (see
// thread.go): what the poster means to do (sell, give away, buy, report
// someone else's sale), how many records, which data types, the price and
// the contact channels.

// intentClass says what a phrase tells of the poster's intent.
type intentClass uint8

const (
	intentSale     intentClass = iota // the poster sells
	intentRecycled                    // signs of recycled or worthless material: lowers the sale score
	intentRelease                     // the poster gives the data away: a free dump
	intentBuy                         // the poster wants to buy
	intentReport                      // someone else's deed reported: news, a discussion
)

// intentPhrases is the weighted phrase table, English and Russian as the
// big markets write them. A phrase inside a longer one that matched counts
// once, as the longer one ("are selling" is a report, not "selling").
var intentPhrases = []struct {
	text   string
	class  intentClass
	weight float64
}{
	{"selling", intentSale, 2}, {"for sale", intentSale, 2}, {"wts", intentSale, 2}, {"sell", intentSale, 1},
	{"for sell", intentSale, 2}, {"buy now", intentSale, 1}, {"price", intentSale, 1}, {"btc", intentSale, 1}, {"xmr", intentSale, 1},
	{"monero", intentSale, 1}, {"usdt", intentSale, 1}, {"bitcoin", intentSale, 1}, {"ltc", intentSale, 1},
	{"escrow", intentSale, 1.5}, {"middleman", intentSale, 1}, {"guarantor", intentSale, 1},
	{"dm me", intentSale, 1}, {"pm me", intentSale, 1}, {"dm", intentSale, 0.5}, {"contact", intentSale, 0.5},
	{"sample below", intentSale, 1.5}, {"sample", intentSale, 1}, {"samples", intentSale, 1}, {"full db", intentSale, 1},
	{"database", intentSale, 0.5}, {"db", intentSale, 0.5}, {"serious buyers", intentSale, 1.5}, {"negotiable", intentSale, 1},
	{"obo", intentSale, 1}, {"auction", intentSale, 1.5}, {"accepting offers", intentSale, 1.5},
	{"продаю", intentSale, 2}, {"продам", intentSale, 2}, {"продажа", intentSale, 2}, {"цена", intentSale, 1},
	{"гарант", intentSale, 1.5}, {"пиши в лс", intentSale, 1}, {"в лс", intentSale, 0.5}, {"база", intentSale, 0.5},
	{"торг", intentSale, 1}, {"fullz", intentSale, 1}, {"wholesale", intentSale, 1.5}, {"bulk discount", intentSale, 1.5},

	{"combo list", intentRecycled, -2}, {"combolist", intentRecycled, -2}, {"combos", intentRecycled, -1},
	{"stealer logs", intentRecycled, -2}, {"stealer", intentRecycled, -1}, {"ulp", intentRecycled, -2},
	{"repack", intentRecycled, -1.5}, {"old", intentRecycled, -0.5},
	{"antipublic", intentRecycled, -2},

	{"free leak", intentRelease, 2}, {"free download", intentRelease, 2}, {"for free", intentRelease, 2},
	{"free", intentRelease, 1}, {"enjoy", intentRelease, 1}, {"giving away", intentRelease, 2},
	{"download link", intentRelease, 1},
	{"free of charge", intentRelease, 2},
	{"бесплатно", intentRelease, 2}, {"слив", intentRelease, 2},
	{"раздача", intentRelease, 2}, {"халява", intentRelease, 2}, {"скачать", intentRelease, 1},

	{"wtb", intentBuy, 3}, {"looking for", intentBuy, 1.5}, {"buying", intentBuy, 1.5},
	{"sold", intentReport, 0}, // weighed by the words before it (see selling)
	{"куплю", intentBuy, 3}, {"ищу", intentBuy, 1.5},

	{"reportedly", intentReport, 2}, {"allegedly", intentReport, 2}, {"according to", intentReport, 1.5},
	{"news", intentReport, 1.5}, {"article", intentReport, 1}, {"threat actor", intentReport, 1.5},
	{"hackers", intentReport, 1}, {"claims to", intentReport, 1.5}, {"claiming to", intentReport, 1.5},
	{"claimed", intentReport, 1}, {"breach notification", intentReport, 2},
	{"confirmed", intentReport, 1}, {"lawsuit", intentReport, 1.5},
	{"investigating", intentReport, 1}, {"spokesperson", intentReport, 2},
	{"journalist", intentReport, 1.5}, {"reported", intentReport, 1.5}, {"notified", intentReport, 1.5},
	{"notification letter", intentReport, 1.5}, {"по данным", intentReport, 1.5}, {"новость", intentReport, 1.5},
	{"сообщили", intentReport, 1.5},
}

// firstPerson are the sale phrases that only a seller writes of himself:
// they outweigh a report's words ("I sell it, the news reported it").
var firstPerson = map[string]bool{
	"selling": true, "for sale": true, "wts": true, "sell": true, "for sell": true,
	"am selling": true, "m selling": true, "im selling": true, "re selling": true, "we are selling": true, "i am selling": true,
	"продаю": true, "продам": true, "продажа": true,
}

// titlePrefixes are thread prefixes ("[WTS]", "(FREE)", "SELLING:") and
// the intent they declare.
var titlePrefixes = map[string]intentClass{
	"selling": intentSale, "sell": intentSale, "wts": intentSale, "sale": intentSale, "for sale": intentSale,
	"fs": intentSale, "продажа": intentSale, "продам": intentSale, "продаю": intentSale,
	"free": intentRelease, "leak": intentRelease, "leaked": intentRelease, "dump": intentRelease,
	"release": intentRelease, "слив": intentRelease, "бесплатно": intentRelease, "free leak": intentRelease,
	"wtb": intentBuy, "buying": intentBuy, "куплю": intentBuy,
	"news": intentReport, "discussion": intentReport, "question": intentReport, "help": intentReport,
	"info": intentReport, "новости": intentReport, "вопрос": intentReport, "обсуждение": intentReport,
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
	"clients", "subscribers", "entries", "numbers", "leads", "profiles", "persons", "emails", "phones",
	"logins", "identities", "patients", "записей", "строк", "клиентов", "абонентов", "аккаунтов", "номеров"}

// sampleWords near a count make it the size of the sample, not the claim
// ("sample of 50 rows", "10 rows below").
var sampleWords = map[string]bool{"sample": true, "samples": true, "preview": true, "proof": true, "test": true,
	"первые": true, "образец": true, "пример": true, "first": true}

// currencies follow a price ("6 BTC").
var currencies = []string{"btc", "xmr", "usdt", "eth", "usd", "bitcoin", "monero", "ltc"}

// builtinTerms returns the sale-claim terms of the automaton.
func builtinTerms() []term {
	var ts []term
	add := func(k termKind, name, text string, w float64, class intentClass) {
		if c := canonical(text); len(c) > 0 {
			ts = append(ts, term{kind: k, name: name, weight: w, class: class, text: c})
		}
	}
	for _, p := range intentPhrases {
		add(termIntent, p.text, p.text, p.weight, p.class)
	}
	for _, d := range dataTypeWords {
		for _, w := range d.words {
			add(termDataType, d.canonical, w, 0, 0)
		}
	}
	for _, d := range contactWords {
		for _, w := range d.words {
			add(termContact, d.canonical, w, 0, 0)
		}
	}
	for _, n := range recordNouns {
		add(termNoun, n, n, 0, 0)
	}
	for _, c := range currencies {
		add(termCurrency, c, c, 0, 0)
	}
	return ts
}

// claimBuilder gathers the claim over the parts that carry it.
type claimBuilder struct {
	phrases     []string // distinct intent phrases, in order
	weights     []float64
	classes     []intentClass
	covered     []bool   // phrase i is part of a longer one that matched
	seenTerms   []uint64 // a bit per term index: read already
	dataTypes   []string
	contacts    []string
	records     int64
	recordsText string
	price       string
}

func (c *claimBuilder) reset() {
	*c = claimBuilder{phrases: c.phrases[:0], weights: c.weights[:0], classes: c.classes[:0],
		covered: c.covered[:0], dataTypes: c.dataTypes[:0], contacts: c.contacts[:0], seenTerms: c.seenTerms}
	clear(c.seenTerms)
}

// seen reports whether term i was read before, and marks it.
func (c *claimBuilder) seen(i int32) bool {
	w := int(i) >> 6
	for len(c.seenTerms) <= w {
		c.seenTerms = append(c.seenTerms, 0)
	}
	bit := uint64(1) << (uint(i) & 63)
	was := c.seenTerms[w]&bit != 0
	c.seenTerms[w] |= bit
	return was
}

// phrase adds an intent phrase once.
func (c *claimBuilder) phrase(name string, w float64, class intentClass) {
	if !slices.Contains(c.phrases, name) {
		c.phrases = append(c.phrases, name)
		c.weights = append(c.weights, w)
		c.classes = append(c.classes, class)
	}
}

// add reads the claim terms of one part (text is the part's bytes, hits
// its term hits). Terms repeat (a post says "btc" ten times); each counts
// once.
func (c *claimBuilder) add(text []byte, a *automaton, hits []termHit, title bool) {
	if title {
		for _, p := range readPrefixes(text) {
			c.phrase("["+p+"]", 3, titlePrefixes[p])
		}
	}
	for _, h := range hits {
		t := &a.terms[h.term]
		switch t.kind {
		case termIntent, termDataType, termContact:
			// Terms repeat ("btc" ten times): each counts once, told by its
			// index, not by comparing names.
			if t.name != "selling" && t.name != "sold" && t.name != "price" && c.seen(h.term) {
				continue
			}
		}
		switch t.kind {
		case termIntent:
			if t.name == "selling" || t.name == "sold" {
				// Whose sale? "we are selling" is the seller's, "people are
				// selling", "is being sold" someone else's, reported. Read from
				// the words before, so that the automaton need not follow
				// every "is" and "we" of every post.
				name, w, class := sellingPhrase(text, h.start, t.name)
				c.phrase(name, w, class)
				continue
			}
			c.phrase(t.name, t.weight, t.class)
			if t.name == "price" && c.price == "" {
				c.price = readPrice(text, h, "price")
			}
		case termDataType:
			if !slices.Contains(c.dataTypes, t.name) {
				c.dataTypes = append(c.dataTypes, t.name)
			}
		case termContact:
			if !slices.Contains(c.contacts, t.name) {
				c.contacts = append(c.contacts, t.name)
			}
		case termNoun:
			if !digitBefore(text, h.start) {
				continue // no number before it: no count (the common case)
			}
			if n, raw := readCount(text, h.start); n > c.records && !sampleSize(text, h) {
				c.records, c.recordsText = n, raw
			}
		case termCurrency:
			if c.price == "" {
				c.price = readPrice(text, h, t.name)
			}
		}
	}
	if c.price == "" {
		if p := dollarPrice(text); p != "" {
			c.price = p
			c.phrase("$ price", 1, intentSale)
		}
	} else if !slices.Contains(c.phrases, "$ price") && dollarPrice(text) != "" {
		c.phrase("$ price", 1, intentSale)
	}
	if title && c.records == 0 {
		// A title states the size without a noun: "Acme Wireless 14.8M SSN+DL".
		if n, raw := unitCount(text); n > 0 {
			c.records, c.recordsText = n, raw
		}
	}
}

// claimIntent is what the claim's phrases say the poster means to do.
type claimIntent uint8

const (
	intentNone claimIntent = iota
	intentIsSale
	intentIsRelease
	intentIsBuy
	intentIsReport
)

var intentNames = [...]string{"", "sale", "release", "buy", "report"}

// finish scores the claim and says what it is. threshold is the sale
// score a sale needs.
func (c *claimBuilder) finish(threshold float64) (leak.Claim, claimIntent) {
	var cl leak.Claim
	var sale, first, release, buy, report, recycled float64
	c.covered = c.covered[:0]
	multi := false
	for _, p := range c.phrases {
		multi = multi || strings.IndexByte(p, ' ') >= 0
	}
	for _, p := range c.phrases {
		c.covered = append(c.covered, multi && coveredBy(p, c.phrases))
	}
	for i, p := range c.phrases {
		if c.covered[i] {
			continue
		}
		w := c.weights[i]
		switch c.classes[i] {
		case intentSale, intentRecycled:
			sale += w
			if firstPerson[p] || strings.HasPrefix(p, "[") {
				first += w
			}
			if w < 0 {
				recycled += w
			}
		case intentRelease:
			release += w
		case intentBuy:
			buy += w
		case intentReport:
			report += w
		}
	}
	intent := intentNone
	switch {
	case buy >= 3 && buy > first:
		intent = intentIsBuy
	case report >= 2 && report >= first:
		intent = intentIsReport
	case sale >= threshold:
		intent = intentIsSale
	case release >= 2 && recycled > -2:
		// Given away, and not a repack of old lists ("free old combos,
		// stealer logs" is recycled junk, not a release of our data).
		intent = intentIsRelease
	}
	cl.Score = sale
	cl.Records, cl.RecordsText, cl.Price = c.records, c.recordsText, c.price
	cl.Intent = intentNames[intent]
	if intent != intentIsSale && intent != intentIsRelease {
		return cl, intent // no claim to show: its details are not built
	}
	for i, p := range c.phrases {
		if c.covered[i] {
			continue
		}
		switch w := c.weights[i]; {
		case c.classes[i] == intentRelease && intent == intentIsRelease,
			(c.classes[i] == intentSale || c.classes[i] == intentRecycled) && w > 0:
			cl.Phrases = append(cl.Phrases, p)
		case c.classes[i] == intentRecycled || c.classes[i] == intentSale && w < 0:
			cl.Negative = append(cl.Negative, p)
		}
	}
	cl.DataTypes = slices.Clone(c.dataTypes)
	cl.Contacts = slices.Clone(c.contacts)
	slices.Sort(cl.DataTypes)
	slices.Sort(cl.Contacts)
	return cl, intent
}

// prefixIntents is titlePrefixes by canonical form (made on first use:
// canonical needs the tables terms.go's init builds).
var prefixIntents = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for k := range titlePrefixes {
		m[string(canonical(k))] = k
	}
	return m
})

// readPrefixes returns a title's leading prefixes that declare an intent
// ("[WTS]", "(FREE)", "【SELLING】", "WTS:", "WTS |"), as titlePrefixes
// names them.
func readPrefixes(title []byte) []string {
	var out []string
	prefixIntent := prefixIntents()
	s := strings.TrimSpace(string(title))
	for range 4 {
		if s == "" {
			break
		}
		var inner string
		switch {
		case s[0] == '[' || s[0] == '(' || strings.HasPrefix(s, "【"):
			open, closeBy := s[:1], map[byte]string{'[': "]", '(': ")"}[s[0]]
			if strings.HasPrefix(s, "【") {
				open, closeBy = "【", "】"
			}
			j := strings.Index(s, closeBy)
			if j < 0 {
				return out
			}
			inner, s = s[len(open):j], strings.TrimSpace(s[j+len(closeBy):])
		default:
			j := strings.IndexAny(s, ":|-")
			if j <= 0 || j > 12 {
				return out
			}
			inner, s = s[:j], strings.TrimSpace(s[j+1:])
			if _, ok := prefixIntent[string(canonical(inner))]; !ok {
				return out
			}
		}
		if p, ok := prefixIntent[string(canonical(inner))]; ok {
			out = append(out, p)
		}
	}
	return out
}

// readCount parses a claimed record count before a noun: a number with an
// optional unit ("68M", "30 million", "30kk", "1.2b", "2 млн",
// "68,000,000"), with up to three words between it and the noun ("68M
// Halcyon customer records"). A bare year ("2025 customers") is not a
// count. It returns the count and how it was written.
func readCount(text []byte, nounStart int) (int64, string) {
	i := nounStart
	for words := 0; ; words++ {
		j := skipSpaceBack(text, i)
		if j == 0 {
			return 0, ""
		}
		// The word (or number with unit) before j.
		k := j
		for k > 0 && !isSpaceByte(text[k-1]) && j-k < 32 {
			k--
		}
		for k < j && (text[k] == '(' || text[k] == '~' || text[k] == '+' || text[k] == '>') {
			k++
		}
		tok := text[k:j]
		for len(tok) > 0 && (tok[len(tok)-1] == '+' || tok[len(tok)-1] == ',') {
			tok = tok[:len(tok)-1]
		}
		if n, raw, ok := countToken(text, k, k+len(tok)); ok {
			return n, raw
		}
		if words == 3 || !isWordToken(text[k:j]) {
			return 0, ""
		}
		i = k
	}
}

// unitCount finds a count written with a unit anywhere in a title ("14.8M",
// "30kk", "2 million"), not a price ("$5k", "5k USD").
func unitCount(title []byte) (int64, string) {
	for i := 0; i < len(title); i++ {
		c := title[i]
		if c < '0' || c > '9' || i > 0 && (title[i-1] >= '0' && title[i-1] <= '9' || title[i-1] == '.' || title[i-1] == ',' || title[i-1] == '$') {
			continue
		}
		j := i
		for j < len(title) && (title[j] >= '0' && title[j] <= '9' || title[j] == '.' || title[j] == ',') {
			j++
		}
		k := j
		if k < len(title) && title[k] == ' ' {
			k++
		}
		e := k
		for e < len(title) && (isLetterByte(title[e]) || title[e] >= 0x80) {
			e++
		}
		unit, ok := lowerUnit(nil, title[k:e])
		if !ok || len(unit) == 0 {
			// "8,743,000": a number with thousands separators needs no unit.
			if num := strings.TrimRight(string(title[i:j]), ".,"); thousands(num, ',') || thousands(num, '.') {
				if n := parseCount(num, ""); n >= 10000 && !(j < len(title) && title[j] == '$') && !slices.Contains(currencies, nextWord(title, j)) {
					return n, num
				}
			}
			i = j
			continue
		}
		if next := nextWord(title, e); slices.Contains(currencies, next) || next == "$" || e < len(title) && title[e] == '$' {
			i = e
			continue
		}
		n := parseCount(string(title[i:j]), string(unit))
		if n >= 1000 {
			return n, strings.TrimSpace(string(title[i:e]))
		}
		i = e
	}
	return 0, ""
}

// nextWord returns the lower-cased word (or symbol) after position i.
func nextWord(b []byte, i int) string {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i < len(b) && b[i] == '$' {
		return "$"
	}
	j := i
	for j < len(b) && isLetterByte(b[j]) {
		j++
	}
	return strings.ToLower(string(b[i:j]))
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// sampleSize reports whether the count before the noun hit h is a sample's
// size: "sample" (or "proof", "preview", "first") just before the number,
// or just after the noun ("10 rows sample", "20 lines below").
func sampleSize(text []byte, h termHit) bool {
	if anyWordBefore(text, h.start, 6, ".;!?\n", sampleWords) {
		return true
	}
	var buf [16]byte
	w := wordAfter(buf[:0], text, h.end, ".,;!?\n(")
	return sampleWords[unsafeString(w)] || string(w) == "below" || string(w) == "attached"
}

// countToken reads text[k:j] as "number[unit]", or "unit" preceded by a
// number ("30 million"). It allocates nothing for the words that are
// neither.
func countToken(text []byte, k, j int) (int64, string, bool) {
	tok := text[k:j]
	d := 0
	for d < len(tok) && (tok[d] >= '0' && tok[d] <= '9' || (tok[d] == '.' || tok[d] == ',') && d > 0) {
		d++
	}
	var buf [16]byte
	if d > 0 {
		unit, ok := lowerUnit(buf[:0], tok[d:])
		if ok || len(tok) == d {
			num := strings.TrimRight(string(tok[:d]), ".,")
			if !ok && isYear(num) {
				return 0, "", false
			}
			n := parseCount(num, string(unit))
			return n, string(tok[:len(num)]) + string(tok[d:]), n > 0
		}
		return 0, "", false
	}
	unit, ok := lowerUnit(buf[:0], tok)
	if !ok {
		return 0, "", false
	}
	e := skipSpaceBack(text, k)
	b := e
	for b > 0 && (text[b-1] >= '0' && text[b-1] <= '9' || text[b-1] == '.' || text[b-1] == ',') && e-b < 16 {
		b--
	}
	if b == e {
		return 0, "", false
	}
	n := parseCount(string(text[b:e]), string(unit))
	return n, string(text[b:e]) + " " + string(tok), n > 0
}

// isYear: four digits from 1990 to 2039, as a year is written in a title.
func isYear(num string) bool {
	if len(num) != 4 {
		return false
	}
	n, err := strconv.Atoi(num)
	return err == nil && n >= 1990 && n <= 2039
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
	"b": 1e9, "bn": 1e9, "billion": 1e9, "млрд": 1e9,
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

// parseCount reads a number as sellers write it: "68", "14.8", "1,2"
// (a decimal comma), "68,000,000" or "68.000.000" (thousands separators),
// times its unit.
func parseCount(num, unit string) int64 {
	num = strings.TrimRight(num, ".,")
	if thousands(num, ',') {
		num = strings.ReplaceAll(num, ",", "")
	} else if thousands(num, '.') {
		num = strings.ReplaceAll(num, ".", "")
	}
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
	return int64(math.Round(v))
}

// thousands reports whether sep groups num's digits in threes ("68,000,000").
func thousands(num string, sep byte) bool {
	parts := strings.Split(num, string(sep))
	if len(parts) < 2 || len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	if len(parts) == 2 && sep == '.' {
		return false // "14.800": a decimal point, as a count is rarely written "14.800"
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
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
	end := skipSpaceBack(text, h.start)
	e := end
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
	e = end
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
		if len(m) > len(p) && strings.IndexByte(m, ' ') >= 0 && containsWords(m, p) {
			return true
		}
	}
	return false
}

// containsWords reports whether phrase m holds p as whole words.
func containsWords(m, p string) bool {
	for i := 0; ; {
		j := strings.Index(m[i:], p)
		if j < 0 {
			return false
		}
		j += i
		if (j == 0 || m[j-1] == ' ') && (j+len(p) == len(m) || m[j+len(p)] == ' ') {
			return true
		}
		i = j + 1
	}
}

// dollarPrice finds an amount in dollars ("$15", "$4,500", "$2.5k",
// "900$").
func dollarPrice(text []byte) string {
	for i := 0; i < len(text); {
		j := bytes.IndexByte(text[i:], '$')
		if j < 0 {
			return ""
		}
		j += i
		k := j + 1
		for k < len(text) && k-j < 12 && (text[k] >= '0' && text[k] <= '9' || text[k] == '.' || text[k] == ',' || text[k] == 'k' || text[k] == 'K') {
			k++
		}
		if k > j+1 && text[j+1] >= '0' && text[j+1] <= '9' {
			return "$" + strings.TrimRight(string(text[j+1:k]), ".,")
		}
		b := j
		for b > 0 && j-b < 10 && (text[b-1] >= '0' && text[b-1] <= '9' || text[b-1] == ',' || text[b-1] == '.') {
			b--
		}
		if b < j && (b == 0 || !wordByte(text[b-1])) {
			return "$" + string(text[b:j])
		}
		i = j + 1
	}
	return ""
}

// sellingPhrase names "selling" (or "sold") by the words before it: the
// seller's own ("I'm selling", "we are selling", a bare "selling"), or a
// report of someone else's ("hackers are selling", "is being sold").
func sellingPhrase(text []byte, start int, word string) (string, float64, intentClass) {
	var b1, b2 [12]byte
	prev := unsafeString(wordBeforeInto(b1[:0], text, start))
	if prev == "being" || prev == "been" {
		return prev + " " + word, 2, intentReport
	}
	if word == "sold" {
		if prev == "is" || prev == "are" || prev == "was" || prev == "were" || prev == "get" || prev == "gets" {
			return prev + " " + word, 1.5, intentReport
		}
		return "sold", 0, intentReport
	}
	switch prev {
	case "am", "m", "im", "re":
		return prev + " selling", 2, intentSale
	case "are", "is", "was", "were":
		p := start - 1
		for p > 0 && !wordByte(text[p]) {
			p--
		}
		for p > 0 && wordByte(text[p-1]) {
			p--
		}
		who := unsafeString(wordBeforeInto(b2[:0], text, p))
		if who == "we" || who == "i" {
			return who + " " + prev + " selling", 2, intentSale
		}
		return prev + " selling", 1.5, intentReport
	}
	return "selling", 2, intentSale
}

// wordBeforeInto appends the word before pos, lower-cased, to dst (empty
// across a sentence's end, or when longer than dst can hold).
func wordBeforeInto(dst, b []byte, pos int) []byte {
	i := min(pos, len(b))
	for i > 0 && !wordByte(b[i-1]) {
		if c := b[i-1]; c == '.' || c == '!' || c == '?' || c == '\n' || c == ';' {
			return dst
		}
		i--
	}
	e := i
	for i > 0 && wordByte(b[i-1]) {
		i--
	}
	if e-i > cap(dst)-len(dst) {
		return dst
	}
	return lowerInto(dst, b[i:e])
}

// digitBefore reports whether a digit lies in the 48 bytes before pos, on
// its line: a count ("68M Halcyon customer records") can only be there.
func digitBefore(text []byte, pos int) bool {
	for i := pos - 1; i >= 0 && pos-i <= 48; i-- {
		switch c := text[i]; {
		case c >= '0' && c <= '9':
			return true
		case c == '\n':
			return false
		}
	}
	return false
}
