package matchers

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Whose data is it? A brand term in a post is not yet the company's data
// for sale. An analyst reads the words around it:
//   - "Halcyon Pharmaceuticals" is another company that shares a word of
//     our brand, when our names say "Halcyon Wireless": a bare brand word
//     followed by another company's kind is not us, nor is any configured
//     not_brands name;
//   - "bigger than the Halcyon leak" names us in passing;
//   - the title, "Halcyon customer db", "database of Halcyon clients",
//     "Company: Halcyon" make us the subject: it is our data on offer;
//   - a full name or domain in the seller's words is the subject too,
//     unless the sale is of another name's customers ("Globex customer
//     database"); a bare word needs one of the contexts above.

// brandInfo is one configured brand term.
type brandInfo struct {
	name string
	// bare: a single word that is part of a longer configured name
	// ("Halcyon" beside "Halcyon Wireless"): weaker evidence.
	bare bool
}

// companyKinds are the words that, after a bare brand word, make it
// another company's name ("Halcyon Pharmaceuticals", "Halcyon Bank").
var companyKinds = setOf(`pharmaceuticals pharmaceutical pharma pharmacy therapeutics biotech biosciences labs laboratories
	bank bancorp banking financial finance capital credit lending mortgage insurance assurance investments securities
	health healthcare hospital hospitals medical clinic clinics dental vision care
	airlines airways aviation hotels hotel resorts travel cruises
	energy power oil gas petroleum utilities electric water solar
	motors automotive auto cars realty properties homes estate
	games gaming studios entertainment media records music films pictures publishing
	foods food restaurants brewing coffee retail stores store shop apparel fashion cosmetics beauty
	university college school academy institute
	logistics shipping freight transport trucking couriers
	software technologies consulting partners law legal accounting
	pets vet veterinary fitness gym casino crypto exchange chemicals steel mining construction engineering
	inc llc ltd corp corporation company co group holdings international industries enterprises systems solutions
	technologies ventures associates networks`)

// comparisonWords before a brand make it a mention in passing.
var comparisonWords = setOf(`than like unlike similar remember after since vs versus compared not bigger larger smaller older newer
	worse better before previous earlier same похож после чем как`)

// subjectNouns after a brand (or before it with "of"/"from") make it the
// owner of the data: "Halcyon customers", "dump of Halcyon".
var subjectNouns = strings.Fields(`customer customers client clients user users subscriber subscribers member members
	account accounts db database dump leak data records base crm клиентов абонентов база базу пользователей`)

var subjectNounSet = setOf(strings.Join(subjectNouns, " "))

// subjectFirst marks the first letters of the ASCII subject nouns: a
// cheap test before the map.
var subjectFirst = func() (t [256]bool) {
	for _, n := range subjectNouns {
		t[n[0]] = true
	}
	return t
}()

// subjectBefore: "database of Halcyon", "data from Halcyon", "Company: Halcyon".
var subjectBefore = setOf(`of from at company target victim source breached hacked компании компания база базу клиенты`)

// foreignStop are capitalised words before a data noun that do not name
// another company ("Fresh customer db", "USA users").
var foreignStop = setOf(`fresh full new private selling sale wts usa us uk eu telecom carrier mobile wireless customer customers
	premium exclusive huge big complete leaked hacked verified valid real the a an my our this their total sample free old latest
	updated entire whole american european canadian british global internal corporate company client user crm billing backend
	production prod main master raw clean unique active vip high quality hq daily monthly database db dump data leak breach file
	files cloud sql mysql postgres mongo mongodb elastic json csv txt excel dehashed combined mixed random various multiple all
	every some any more most other another same last first second third part partial nationwide national regional local state
	federal and or with without plus full verified ssn dl dob pii kyc cc imei phone email mail telegram selling fresh us-based`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// brandMention is one brand term found, after the longest at its start
// was kept.
type brandMention struct {
	brand      int32
	start, end int // in the part
}

// notBrand is a configured not_brands name found in a part.
type notBrand struct {
	name       string
	start, end int
}

// brandVerdict is what the brand terms of one post say.
type brandVerdict struct {
	names      []string // brand terms mentioned (collisions left out)
	subject    bool     // our data is what the post offers
	passing    bool     // we are named, but not as the subject
	collisions []string // "halcyon pharmaceuticals": another company's name
	foreign    bool     // the seller's words name another company's customers
	// strongSeller: a full name or domain in the seller's words, with no
	// context either way.
	strongSeller bool
	seller       []sellerPart
	foreignRead  bool
	mentions     []brandMention // every part's mentions (buffer)
	nots         []notBrand     // scratch
}

// reset empties the verdict for the next post, keeping its buffers.
func (v *brandVerdict) reset() {
	*v = brandVerdict{names: v.names[:0], collisions: v.collisions[:0], seller: v.seller[:0], mentions: v.mentions[:0], nots: v.nots[:0]}
}

// brandsInPart assesses the brand terms of one part. b is the part's text,
// hits its term hits.
func (s *Set) brandsInPart(v *brandVerdict, b []byte, hits []termHit, r role) {
	// The mentions of every part share one buffer (a part keeps a view of
	// its own), and the not-brand spans one scratch: no allocation a part.
	from := len(v.mentions)
	nots := v.nots[:0]
	for _, h := range hits {
		t := &s.auto.terms[h.term]
		switch t.kind {
		case termBrand:
			v.mentions = append(v.mentions, brandMention{brand: t.brand, start: h.start, end: h.end})
		case termNotBrand:
			nots = append(nots, notBrand{name: t.name, start: h.start, end: h.end})
		}
	}
	v.nots = nots
	ms := v.mentions[from:len(v.mentions):len(v.mentions)]
	if r == roleSeller || r == roleTitle {
		// Whether the seller offers another name's data is read only if
		// the verdict needs it (see done): most posts never do.
		v.seller = append(v.seller, sellerPart{b: b})
	}
	if len(ms) == 0 {
		return
	}
	// The longest term at each start: "Halcyon Wireless" over "Halcyon".
	slices.SortFunc(ms, func(x, y brandMention) int {
		if x.start != y.start {
			return x.start - y.start
		}
		return y.end - x.end
	})
	kept := ms[:0]
	for _, m := range ms {
		if len(kept) > 0 && m.start < kept[len(kept)-1].end {
			continue
		}
		kept = append(kept, m)
	}
	ms = kept
	if r == roleSeller || r == roleTitle {
		v.seller[len(v.seller)-1].ours = ms
	}
	for _, m := range ms {
		info := s.brands[m.brand]
		if v.subject && !info.bare && !slices.Contains(v.names, info.name) && len(nots) == 0 {
			v.names = append(v.names, info.name) // the subject is settled: only the names are left to gather
			continue
		}
		if v.subject && !info.bare && len(nots) == 0 {
			continue
		}
		if c, ok := s.collision(b, m, info, nots); ok {
			if !slices.Contains(v.collisions, c) {
				v.collisions = append(v.collisions, c)
			}
			continue
		}
		// A bare word ("Halcyon") outside a title and with no context that
		// makes it the data's owner is too weak to be even a mention: it
		// is also an English word ("halcyon days").
		if info.bare && r != roleTitle && !subjectContext(b, m) {
			continue
		}
		if !slices.Contains(v.names, info.name) {
			v.names = append(v.names, info.name)
		}
		switch {
		case r == roleOther || r == roleQuote:
			v.passing = true
		case inEmail(b, m):
			// "j.doe@halcyonwireless.com" in a row: someone's address at
			// our domain, not the data's owner.
			v.passing = true
		case inComparison(b, m.start):
			v.passing = true
		case r == roleTitle, subjectContext(b, m):
			v.subject = true
		case !info.bare:
			// A full name or domain in the seller's words: the subject,
			// unless he sells another name's customers (see done).
			v.strongSeller = true
		default:
			v.passing = true
		}
	}
}

// done settles the verdict once every part was read.
func (v *brandVerdict) done(s *Set) {
	if v.strongSeller && !v.subject {
		v.readForeign(s)
		if !v.foreign {
			v.subject = true
		} else {
			v.passing = true
		}
	}
}

// readForeign reads the seller's parts for another name's data, once.
func (v *brandVerdict) readForeign(s *Set) bool {
	if !v.foreignRead {
		v.foreignRead = true
		for _, p := range v.seller {
			if s.foreignSubject(p.b, p.ours) {
				v.foreign = true
				break
			}
		}
	}
	return v.foreign
}

// sellerPart is a part of the title or the seller's words, with our brand
// mentions in it.
type sellerPart struct {
	b    []byte
	ours []brandMention
}

// collision reports whether mention m is another company's name: inside a
// configured not_brands name, or a bare brand word followed by a company
// kind that none of our names has ("Halcyon Pharmaceuticals").
func (s *Set) collision(b []byte, m brandMention, info brandInfo, nots []notBrand) (string, bool) {
	// Named with configured terms and the fixed kind words only: evidence
	// never carries text from the post.
	for _, n := range nots {
		if n.start < m.end && m.start < n.end {
			return n.name, true
		}
	}
	if !info.bare {
		return "", false
	}
	var buf [24]byte
	next := unsafeString(wordAfter(buf[:0], b, m.end, ".,;:!?\n()[]|/"))
	if companyKinds[next] && !s.ourWords[string(canonical(next))] {
		return info.name + " " + next, true
	}
	return "", false
}

// inComparison: a comparison word in the four words before the brand, in
// the same sentence ("bigger than the Halcyon leak").
func inComparison(b []byte, start int) bool {
	return anyWordBefore(b, start, 4, ".;!?\n", comparisonWords)
}

// subjectContext: the data is the brand's ("Halcyon customer db",
// "dump of Halcyon", "Company: Halcyon").
func subjectContext(b []byte, m brandMention) bool {
	return anyWordAfter(b, m.end, 3, ".,;!?\n()", subjectNounSet) || anyWordBefore(b, m.start, 2, ".;!?\n", subjectBefore)
}

// anyWordAfter is anyWordBefore after pos.
func anyWordAfter(b []byte, pos, n int, stops string, set map[string]bool) bool {
	var buf [24]byte
	i := max(pos, 0)
	for range n {
		for i < len(b) && !wordByte(b[i]) {
			if strings.IndexByte(stops, b[i]) >= 0 {
				return false
			}
			i++
		}
		if i == len(b) {
			return false
		}
		s := i
		for i < len(b) && wordByte(b[i]) {
			i++
		}
		if i-s <= len(buf) && set[unsafeString(lowerInto(buf[:0], b[s:i]))] {
			return true
		}
	}
	return false
}

// foreignSubject reports whether the seller's words offer another name's
// data: a capitalised word, not ours and not a common one, before a data
// noun ("Globex customer database", "Initech users").
//
// It walks the part's words itself (it runs only beside a brand mention or
// a profile term), so the common data nouns need not be terms of the
// automaton, which every word of every post is checked against.
func (s *Set) foreignSubject(b []byte, ours []brandMention) bool {
	// The offer is stated above its sample: the first lines say whose
	// data it is, and the rest (often megabytes of rows) is not read.
	if len(b) > foreignWindow {
		b = b[:foreignWindow]
	}
	var buf [16]byte
	for i := 0; i < len(b); {
		for i < len(b) && !wordByte(b[i]) {
			i++
		}
		ws := i
		for i < len(b) && wordByte(b[i]) {
			i++
		}
		if i-ws < 2 || i-ws > len(buf) || !subjectFirst[b[ws]|0x20] && b[ws] < 0x80 || !subjectNounSet[unsafeString(lowerInto(buf[:0], b[ws:i]))] {
			continue
		}
		pos := ws
		for range 3 {
			w, ws := rawWordBefore(b, pos)
			if w == "" {
				break
			}
			lw := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s"))
			if subjectNounSet[lw] || lw == "fresh" || lw == "full" || lw == "private" {
				pos = ws // "Globex customer db": look past "customer"
				continue
			}
			inOurs := false
			for _, m := range ours {
				inOurs = inOurs || ws >= m.start && ws < m.end
			}
			r, _ := utf8.DecodeRuneInString(w)
			if !inOurs && unicode.IsUpper(r) && utf8.RuneCountInString(lw) >= 3 && !foreignStop[lw] && !s.ourWords[lw] &&
				!companyKinds[lw] && !strings.ContainsAny(lw, "0123456789") {
				return true
			}
			break
		}
	}
	return false
}

// foreignWindow is how much of a part foreignSubject reads.
const foreignWindow = 256

// rawWordBefore returns the word before pos as written (apostrophes kept)
// and where it starts; "" at a sentence boundary.
func rawWordBefore(b []byte, pos int) (string, int) {
	i := min(pos, len(b))
	for i > 0 && !wordByte(b[i-1]) && b[i-1] != '\'' {
		if bytes.IndexByte([]byte(".;!?\n,()"), b[i-1]) >= 0 {
			return "", 0
		}
		i--
	}
	e := i
	for i > 0 && (wordByte(b[i-1]) || b[i-1] == '\'') {
		i--
	}
	return string(b[i:e]), i
}

// wordByte: an ASCII letter or digit, or a byte of a non-ASCII rune.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// inEmail reports whether the mention is part of an email address (its
// token, up to white space, holds an '@' before it).
func inEmail(b []byte, m brandMention) bool {
	for i := m.start - 1; i >= 0 && m.start-i < 80; i-- {
		switch b[i] {
		case '@':
			return true
		case ' ', '\t', '\n', ',', ';', '|', '"', '\'', '(', '<', ':':
			return false
		}
	}
	return false
}

// anyWordBefore reports whether one of the n words before pos (stopping at
// a byte of stops) is in set, lower-cased in a buffer: no allocation.
func anyWordBefore(b []byte, pos, n int, stops string, set map[string]bool) bool {
	var buf [24]byte
	i := min(pos, len(b))
	for range n {
		for i > 0 && !wordByte(b[i-1]) {
			if strings.IndexByte(stops, b[i-1]) >= 0 {
				return false
			}
			i--
		}
		if i == 0 {
			return false
		}
		e := i
		for i > 0 && wordByte(b[i-1]) {
			i--
		}
		if e-i <= len(buf) && set[unsafeString(lowerInto(buf[:0], b[i:e]))] {
			return true
		}
	}
	return false
}

// wordAfter appends the word after pos, lower-cased, to dst (empty at a
// byte of stops or when longer than dst's capacity).
func wordAfter(dst, b []byte, pos int, stops string) []byte {
	i := max(pos, 0)
	for i < len(b) && !wordByte(b[i]) {
		if strings.IndexByte(stops, b[i]) >= 0 {
			return dst
		}
		i++
	}
	s := i
	for i < len(b) && wordByte(b[i]) {
		i++
	}
	if i-s > cap(dst)-len(dst) {
		return dst
	}
	return lowerInto(dst, b[s:i])
}

// lowerInto appends w lower-cased (ASCII letters) to dst.
func lowerInto(dst, w []byte) []byte {
	for _, c := range w {
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		dst = append(dst, c)
	}
	return dst
}
