package matchers

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"slices"
	"strings"

	"leakwatch/leak"
)

// A sale post's contact points are how the seller is reached and paid: a
// Jabber id, a Telegram handle, a Tox or Session id, a PGP key's
// fingerprint, a BTC or XMR address, an email on a contact line. They are
// the seller's, not customer data, and tie one seller's posts together
// across sites. They are read from the title and the seller's own words
// only, and only in posts that make a sale or release claim; an email is
// taken only from a line that says it is a contact (a dump's emails are
// customers').

var (
	// contactLineRe marks a line that gives contact points.
	contactLineRe = regexp.MustCompile(`(?i)(\b(contacts?|reach me|write me|write to|e-?mail me|mail me|message me|pm|dm|deals?|escrow|buy|purchase)\b|связь|контакт|пишите|писать|для связи)`)
	addrRe        = regexp.MustCompile(`(?i)(?:xmpp:)?\b[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,24}\b`)
	jabberWordRe  = regexp.MustCompile(`(?i)\b(jabber|xmpp|jid|жаба|джаббер)\b`)
	telegramRe    = regexp.MustCompile(`(?i)(?:https?://)?(?:t\.me|telegram\.me)/([a-z][a-z0-9_]{4,31})\b|(?:^|[\s(:,])@([a-z][a-z0-9_]{4,31})\b`)
	tgWordRe      = regexp.MustCompile(`(?i)\b(telegram|tg|телеграм|тг)\b`)
	toxRe         = regexp.MustCompile(`\b[0-9A-Fa-f]{76}\b`)
	sessionRe     = regexp.MustCompile(`\b05[0-9a-f]{64}\b`)
	pgpRe         = regexp.MustCompile(`(?i)\b[0-9a-f]{4}(?:[ ]{0,2}[0-9a-f]{4}){9}\b`)
	pgpWordRe     = regexp.MustCompile(`(?i)\b(pgp|gpg|fingerprint|key)\b`)
	btcRe         = regexp.MustCompile(`\b(?:bc1[ac-hj-np-z02-9]{11,71}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b`)
	xmrRe         = regexp.MustCompile(`\b[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b`)
)

// jabberHosts are servers whose addresses are Jabber ids, whatever the
// line says: the ones sellers use most.
var jabberHosts = []string{"jabber.", "xmpp.", "exploit.im", "thesecure.biz", "jabb.im", "404.city", "0day.im", "xmpp.jp",
	"dukgo.com", "jabber.ru", "jabber.de", "jabbim.", "conversations.im", "yax.im", "draugr.de", "jabb3r.", "cock.li", "jabber.cz"}

// sellerContacts appends the contact points in b (the title or one of the
// seller's messages) to cs, without repeats.
func sellerContacts(b []byte, cs []leak.Contact) []leak.Contact {
	add := func(kind, v string) {
		c := leak.Contact{Kind: kind, Value: v}
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) < 8 {
			continue
		}
		// A dump's row (fields between separators) or a key-value line
		// ("Email: ...") is a customer's, unless it says Jabber.
		row := rowLike(line)
		contactLine := contactLineRe.Match(line) && !row
		jabberLine := jabberWordRe.Match(line) && !row
		tgLine := (tgWordRe.Match(line) || contactLine) && !row
		for _, m := range addrRe.FindAll(line, -1) {
			v := strings.ToLower(strings.TrimPrefix(strings.ToLower(string(m)), "xmpp:"))
			host := v[strings.IndexByte(v, '@')+1:]
			switch {
			case bytes.HasPrefix(bytes.ToLower(m), []byte("xmpp:")) || jabberLine || jabberHost(host) && !row:
				add("xmpp", v)
			case contactLine:
				add("email", v)
			}
		}
		for _, m := range telegramRe.FindAllSubmatch(line, -1) {
			name := m[1]
			if len(name) == 0 {
				name = m[2]
				if !tgLine {
					continue // an @name elsewhere is a forum mention
				}
			}
			add("telegram", "@"+strings.ToLower(string(name)))
		}
		for _, m := range toxRe.FindAll(line, -1) {
			add("tox", strings.ToUpper(string(m)))
		}
		for _, m := range sessionRe.FindAll(line, -1) {
			add("session", string(m))
		}
		if pgpWordRe.Match(line) { // once per line
			for _, m := range pgpRe.FindAll(line, -1) {
				add("pgp", strings.ToUpper(strings.ReplaceAll(string(m), " ", "")))
			}
		}
		for _, m := range btcRe.FindAll(line, -1) {
			if validBTC(string(m)) {
				add("btc", string(m))
			}
		}
		for _, m := range xmrRe.FindAll(line, -1) {
			add("xmr", string(m))
		}
	}
	return cs
}

// rowLike: two or more field separators, as in a dump's row.
func rowLike(line []byte) bool {
	n := 0
	for _, c := range line {
		if c == ',' || c == '|' || c == ';' || c == '\t' {
			n++
		}
	}
	return n >= 2
}

func jabberHost(host string) bool {
	for _, h := range jabberHosts {
		if strings.HasSuffix(h, ".") && strings.HasPrefix(host, h) || host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// validBTC checks a Bitcoin address's checksum: base58check for legacy
// and P2SH addresses, bech32 or bech32m for bc1 ones. A random string of
// the right alphabet passes by chance about once in 4 billion.
func validBTC(a string) bool {
	if strings.HasPrefix(a, "bc1") {
		return validBech32(a)
	}
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := make([]byte, 0, 25)
	for i := 0; i < len(a); i++ {
		d := strings.IndexByte(alphabet, a[i])
		if d < 0 {
			return false
		}
		carry := d
		for j := len(n) - 1; j >= 0; j-- {
			carry += int(n[j]) * 58
			n[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			n = append([]byte{byte(carry)}, n...)
			carry >>= 8
		}
	}
	for i := 0; i < len(a) && a[i] == '1'; i++ {
		n = append([]byte{0}, n...)
	}
	if len(n) != 25 {
		return false
	}
	h := sha256.Sum256(n[:21])
	h = sha256.Sum256(h[:])
	return bytes.Equal(h[:4], n[21:])
}

// validBech32 checks a bc1 address's checksum (BIP 173 and BIP 350).
func validBech32(a string) bool {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v uint32) {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for i := 0; i < 5; i++ {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	for _, c := range "bc" {
		step(uint32(c) >> 5)
	}
	step(0)
	for _, c := range "bc" {
		step(uint32(c) & 31)
	}
	for i := 3; i < len(a); i++ {
		d := strings.IndexByte(charset, a[i])
		if d < 0 {
			return false
		}
		step(uint32(d))
	}
	return chk == 1 || chk == 0x2bc830a3
}

// ours reports whether a contact point is one of our customers' values or
// a canary (an email in a dump's contact-like line, say): it is then no
// seller's and is dropped, never stored with the case.
func (s *Set) ours(c leak.Contact) bool {
	if s.hasher == nil || c.Kind != "email" && c.Kind != "xmpp" {
		return false
	}
	d, ok := s.hasher.Value(TypeEmail, c.Value)
	if !ok {
		return false
	}
	if _, canary := s.canaries[d]; canary {
		return true
	}
	found := false
	if s.index != nil {
		s.index.Lookup(d, func(uint16, uint8, uint64) { found = true })
	}
	return found
}
