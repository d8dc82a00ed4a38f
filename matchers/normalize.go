package matchers

import (
	"fmt"
	"strconv"
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
	TypeDL    Type = "dl"       // driver's licence: state and number
	TypeDOB   Type = "dob"      // date of birth
	TypeName  Type = "name_zip" // full name and postal code together
)

// Types lists the value types in a fixed order (stored as indexes: only
// append).
var Types = []Type{TypeEmail, TypePhone, TypeSSN, TypeIMEI, TypeCard, TypeDL, TypeDOB, TypeName}

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
func (t Type) strong() bool { return t == TypeSSN || t == TypeIMEI || t == TypeCard || t == TypeDL }

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
// Phone numbers without a country code are taken as DefaultRegion's.
func Normalize(t Type, raw string) (string, bool) { return NormalizeIn(t, raw, DefaultRegion) }

// NormalizeIn is Normalize with phone numbers without a country code taken
// as region's (ISO 3166 code).
func NormalizeIn(t Type, raw, region string) (string, bool) {
	switch t {
	case TypeEmail:
		return normEmail(raw)
	case TypePhone:
		return normPhone(raw, region)
	case TypeSSN:
		return normSSN(raw)
	case TypeIMEI:
		return normIMEI(raw)
	case TypeCard:
		return normCard(raw)
	case TypeDL:
		return normDL(raw)
	case TypeDOB:
		return normDOB(raw)
	case TypeName:
		return normNameZip(raw)
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

// DefaultRegion is the region Normalize assumes for phone numbers written
// without a country code (ISO 3166, as libphonenumber takes it).
const DefaultRegion = "US"

// normPhone returns the E.164 form of a phone number. North American
// numbers take a fast path; others go through libphonenumber's validation.
func normPhone(raw, region string) (string, bool) {
	s := strings.TrimSpace(raw)
	plus := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")
	d := digits(s)
	if strings.HasPrefix(s, "00") {
		d = d[2:]
	}
	if !plus && (region == "US" || region == "CA") {
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
	num, err := phonenumbers.Parse(s, region)
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

// luhn reports whether the digits pass the Luhn check.
func luhn[T string | []byte](d T) bool {
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

var usStates = map[string]bool{}

func init() {
	for _, st := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI") {
		usStates[st] = true
	}
}

// normDL returns "ST:NUMBER" for a driver's licence written with its US
// state: "CA D1234567", "CA-D1234567", "D1234567 (CA)". The number is 4 to
// 16 letters and digits with at least one digit.
func normDL(raw string) (string, bool) {
	fields := strings.FieldsFunc(strings.ToUpper(raw), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	state, number := "", ""
	for _, f := range fields {
		switch {
		case len(f) == 2 && usStates[f] && state == "":
			state = f
		case len(f) >= 4 && len(f) <= 16 && strings.ContainsAny(f, "0123456789") && number == "":
			number = f
		}
	}
	if state == "" || number == "" {
		return "", false
	}
	return state + ":" + number, true
}

// normDOB returns YYYY-MM-DD for 1985-03-04, 03/04/1985 (US month first)
// or 04.03.1985 (day first, as written in Europe).
func normDOB(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	var y, m, d int
	var ok bool
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, m, d, ok = atoi3(s[0:4], s[5:7], s[8:10])
	case strings.Count(s, "/") == 2:
		p := strings.Split(s, "/")
		m, d, y, ok = atoi3(p[0], p[1], p[2])
	case strings.Count(s, ".") == 2:
		p := strings.Split(s, ".")
		d, m, y, ok = atoi3(p[0], p[1], p[2])
	}
	if !ok || y < 1900 || y > 2030 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

func atoi3(a, b, c string) (int, int, int, bool) {
	x, e1 := strconv.Atoi(a)
	y, e2 := strconv.Atoi(b)
	z, e3 := strconv.Atoi(c)
	return x, y, z, e1 == nil && e2 == nil && e3 == nil && len(a) <= 4 && len(b) <= 4 && len(c) <= 4
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// normNameZip returns "first last|zip" for a full name followed by a US
// ZIP code ("Dana Whitfield 60614", "Dana Whitfield, 60614-1234"): the name
// lower-cased, letters only, one space between words.
func normNameZip(raw string) (string, bool) {
	fields := strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' || r == '|' || r == '\t' || r == ';' })
	if len(fields) < 3 {
		return "", false
	}
	zip := fields[len(fields)-1]
	if i := strings.IndexByte(zip, '-'); i == 5 {
		zip = zip[:5]
	}
	if len(zip) != 5 || digits(zip) != zip {
		return "", false
	}
	var words []string
	for _, f := range fields[:len(fields)-1] {
		w := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, f)
		if w == "" {
			return "", false
		}
		words = append(words, w)
	}
	if len(words) < 2 {
		return "", false
	}
	return strings.Join(words, " ") + "|" + zip, true
}
