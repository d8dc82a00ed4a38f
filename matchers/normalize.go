package matchers

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Type is the kind of a customer value.
type Type string

// Value types.
const (
	TypeEmail Type = "email"
	TypePhone Type = "phone"
	TypeSSN   Type = "ssn"
	TypeIMEI  Type = "imei"
	TypeCard  Type = "card"
)

// Types lists the value types in a fixed order.
var Types = []Type{TypeEmail, TypePhone, TypeSSN, TypeIMEI, TypeCard}

// ParseType returns the Type named s.
func ParseType(s string) (Type, bool) {
	for _, t := range Types {
		if string(t) == strings.ToLower(strings.TrimSpace(s)) {
			return t, true
		}
	}
	return "", false
}

// strong types identify one customer on their own.
func (t Type) strong() bool { return t == TypeSSN || t == TypeIMEI || t == TypeCard }

// NormalizeText folds text for matching: Unicode NFKC (full-width and other
// compatibility forms to plain ones), lower case, and zero-width characters
// removed, so that "ＡＣＭＥ" and "ac\u200bme" read as "acme".
func NormalizeText(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Normalize returns the canonical form of raw as a value of type t, the
// same at import and at match time; ok is false for an invalid value.
func Normalize(t Type, raw string) (string, bool) {
	switch t {
	case TypeEmail:
		return normEmail(raw)
	case TypePhone:
		return normPhone(raw)
	case TypeSSN:
		return normSSN(raw)
	case TypeIMEI:
		return normIMEI(raw)
	case TypeCard:
		return normCard(raw)
	}
	return "", false
}

func normEmail(raw string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(raw))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\n") {
		return "", false
	}
	if !strings.Contains(s[at+1:], ".") {
		return "", false
	}
	return s, true
}

// DefaultRegion is the region assumed for phone numbers written without a
// country code (ISO 3166 code, as libphonenumber takes it).
var DefaultRegion = "US"

// normPhone returns the E.164 form of a phone number. North American
// numbers take a fast path; others go through libphonenumber's validation.
func normPhone(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	plus := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")
	d := digits(s)
	if strings.HasPrefix(s, "00") {
		d = d[2:]
	}
	if !plus && (DefaultRegion == "US" || DefaultRegion == "CA") {
		switch {
		case len(d) == 10:
			d = "1" + d
		case len(d) == 11 && d[0] == '1':
		default:
			return "", false
		}
		plus = true
	}
	if plus {
		n, ok := e164([]byte(d))
		return string(n), ok
	}
	num, err := phonenumbers.Parse(s, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// e164 validates the digits of an international number (country code
// first) and returns "+digits". +1 numbers follow the NANP rules (area and
// exchange codes start with 2-9); others must be valid for libphonenumber.
func e164(d []byte) ([]byte, bool) {
	if len(d) < 8 || len(d) > 15 {
		return nil, false
	}
	if d[0] == '1' {
		if len(d) != 11 || d[1] < '2' || d[4] < '2' {
			return nil, false
		}
		return append([]byte{'+'}, d...), true
	}
	num, err := phonenumbers.Parse("+"+string(d), "ZZ")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil, false
	}
	return []byte(phonenumbers.Format(num, phonenumbers.E164)), true
}

// normSSN returns the 9 digits of a US SSN, rejecting ranges never issued:
// area 000, 666 or 900-999, group 00, serial 0000.
func normSSN(raw string) (string, bool) {
	d := digits(raw)
	if len(d) != 9 {
		return "", false
	}
	if d[:3] == "000" || d[:3] == "666" || d[0] == '9' || d[3:5] == "00" || d[5:] == "0000" {
		return "", false
	}
	return d, true
}

// normCard returns the digits of a payment card number: 13 to 19 digits,
// an issuer digit 2-6, and a valid Luhn check digit.
func normCard(raw string) (string, bool) {
	d := digits(raw)
	if len(d) < 13 || len(d) > 19 || d[0] < '2' || d[0] > '6' || !luhn(d) {
		return "", false
	}
	return d, true
}

func normIMEI(raw string) (string, bool) {
	d := digits(raw)
	if len(d) != 15 || !luhn(d) {
		return "", false
	}
	return d, true
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// luhn reports whether the digit string passes the Luhn check.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
