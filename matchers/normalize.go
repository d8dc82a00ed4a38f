package matchers

import (
	"fmt"
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

// Describe says what a valid value of type t looks like, for messages
// about one that is not (never quoting the value).
func Describe(t Type) string {
	switch t {
	case TypeEmail:
		return "email address"
	case TypePhone:
		return "phone number (E.164, or national for matchers.phone_region)"
	case TypeSSN:
		return "SSN (9 digits, not a range never issued)"
	case TypeIMEI:
		return "IMEI (15 digits, Luhn)"
	case TypeCard:
		return "card number (13-19 digits, Luhn)"
	case TypeDL:
		return "driver's licence (a US state and the number, e.g. \"WA WDLJ5CBC312S\")"
	case TypeDOB:
		return "date of birth (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)"
	case TypeName:
		return "name with ZIP code (first, last, 5-digit ZIP)"
	}
	return string(t)
}

// ParseType returns the Type named s.
func ParseType(s string) (Type, bool) {
	for _, t := range Types {
		if string(t) == strings.ToLower(strings.TrimSpace(s)) {
			return t, true
		}
	}
	return "", false
}

// Unique reports whether a value of type t identifies one person: an
// email, a phone number, an SSN, an IMEI, a card, a driver's licence
// (state and number), a full name with its ZIP code. A date of birth does
// not: with 20,000 customers a random date matches one of them more often
// than not. It only corroborates a unique value of the same record in the
// same row; it never makes a row real, never identifies a canary.
func (t Type) Unique() bool { return t != TypeDOB && t != "" }

// strong types are the unique ones nobody posts of himself in passing (an
// email or a phone is): a row holding one is a record, not a mention.
func (t Type) strong() bool { return t == TypeSSN || t == TypeIMEI || t == TypeCard || t == TypeDL }

// normalizeText folds text for matching: Unicode NFKC (full-width and other
// compatibility forms to plain ones), lower case, and zero-width characters
// removed, so that "ＡＣＭＥ" and "ac\u200bme" read as "acme".
func normalizeText(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// NormalizeIn returns the canonical form of a value of type t, the
// same at import and at match time; ok is false for an invalid value.
// Phone numbers without a country code are taken as region's (ISO 3166
// code).
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

// normDL returns "ST:NUMBER" for a US driver's licence written with its
// state, in any state's format: "CA D1234567", "CA-D1234567", "D1234567
// (CA)", "FL W426-545-30-761-0" (dashes dropped), "WA WDLJ5CBC312S",
// Washington's older "SMITH*JA123AB" (asterisks kept), "Texas 12345678".
// A number starting with WDL is Washington's without a state. The number
// is 4 to 20 letters, digits and '*', with a digit, a '*' or the WDL
// prefix (an all-letter word is not a licence).
func normDL(raw string) (string, bool) {
	fields := strings.FieldsFunc(strings.ToUpper(raw), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '*' || r == '-' || r == '.')
	})
	state := ""
	var rest []string
	for k := 0; k < len(fields); k++ {
		f := strings.Trim(fields[k], "-.")
		if f == "" || dlFiller[f] {
			continue
		}
		if state == "" {
			if st, ok := stateName(fields[k:]); ok > 0 {
				state, k = st, k+ok-1
				continue
			}
			// "CA-D1234567", "D1234567-CA"
			if len(f) > 3 && f[2] == '-' && usStates[f[:2]] {
				state, f = f[:2], f[3:]
			} else if n := len(f); n > 3 && f[n-3] == '-' && usStates[f[n-2:]] {
				state, f = f[n-2:], f[:n-3]
			}
		}
		rest = append(rest, f)
	}
	number := dropDashes(strings.Join(rest, ""))
	if len(rest) > 1 && len(number) > 20 {
		number = ""
		for _, f := range rest {
			if strings.ContainsAny(f, "0123456789") {
				number = dropDashes(f)
				break
			}
		}
	}
	if state == "" && strings.HasPrefix(number, "WDL") && len(number) == 12 {
		state = "WA"
	}
	if state == "" || len(number) < 4 || len(number) > 20 ||
		!(strings.ContainsAny(number, "0123456789*") || strings.HasPrefix(number, "WDL")) {
		return "", false
	}
	return state + ":" + number, true
}

// dropDashes removes the '-' and '.' a licence number is written with.
func dropDashes(s string) string {
	if !strings.ContainsAny(s, "-.") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' && s[i] != '.' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// dlFiller are words around a licence number that are not part of it.
var dlFiller = map[string]bool{"DL": true, "DL#": true, "LIC": true, "LICENSE": true, "LICENCE": true, "NO": true,
	"NUM": true, "NUMBER": true, "DRIVER": true, "DRIVERS": true, "DRIVER'S": true, "STATE": true, "#": true}

// stateName reads a state's two-letter code or its name from the start of
// fields ("NEW", "YORK"), returning the code and how many fields it took.
func stateName(fields []string) (string, int) {
	if f := fields[0]; len(f) == 2 && usStates[f] {
		return f, 1
	}
	for n := min(3, len(fields)); n >= 1; n-- {
		if st, ok := stateNames[strings.Join(fields[:n], " ")]; ok {
			return st, n
		}
	}
	return "", 0
}

var stateNames = map[string]string{}

func init() {
	for _, kv := range strings.Split(`AL ALABAMA|AK ALASKA|AZ ARIZONA|AR ARKANSAS|CA CALIFORNIA|CO COLORADO|CT CONNECTICUT|DE DELAWARE|DC DISTRICT OF COLUMBIA|FL FLORIDA|GA GEORGIA|HI HAWAII|ID IDAHO|IL ILLINOIS|IN INDIANA|IA IOWA|KS KANSAS|KY KENTUCKY|LA LOUISIANA|ME MAINE|MD MARYLAND|MA MASSACHUSETTS|MI MICHIGAN|MN MINNESOTA|MS MISSISSIPPI|MO MISSOURI|MT MONTANA|NE NEBRASKA|NV NEVADA|NH NEW HAMPSHIRE|NJ NEW JERSEY|NM NEW MEXICO|NY NEW YORK|NC NORTH CAROLINA|ND NORTH DAKOTA|OH OHIO|OK OKLAHOMA|OR OREGON|PA PENNSYLVANIA|RI RHODE ISLAND|SC SOUTH CAROLINA|SD SOUTH DAKOTA|TN TENNESSEE|TX TEXAS|UT UTAH|VT VERMONT|VA VIRGINIA|WA WASHINGTON|WV WEST VIRGINIA|WI WISCONSIN|WY WYOMING`, "|") {
		stateNames[kv[3:]] = kv[:2]
	}
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
		a, rest, _ := strings.Cut(s, "/")
		b, c, _ := strings.Cut(rest, "/")
		m, d, y, ok = atoi3(a, b, c)
	case strings.Count(s, ".") == 2:
		a, rest, _ := strings.Cut(s, ".")
		b, c, _ := strings.Cut(rest, ".")
		d, m, y, ok = atoi3(a, b, c)
	}
	if !ok || y < 1900 || y > 2030 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

// atoi3 reads three short numbers of digits only (no allocation for the
// many fields that are not).
func atoi3(a, b, c string) (int, int, int, bool) {
	x, ok1 := smallInt(a)
	y, ok2 := smallInt(b)
	z, ok3 := smallInt(c)
	return x, y, z, ok1 && ok2 && ok3
}

func smallInt(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
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
