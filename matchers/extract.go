package matchers

import (
	"regexp"
)

// candidate is a value found in text, already validated and normalised.
type candidate struct {
	t    Type
	norm string
}

// The extraction patterns run on NormalizeText output (lower case). They
// find candidates only; each is validated by Normalize before hashing, so a
// pattern may be loose.
var extractors = []struct {
	t  Type
	re *regexp.Regexp
}{
	{TypeEmail, regexp.MustCompile(`[a-z0-9][a-z0-9._%+\-]*@[a-z0-9][a-z0-9.\-]*\.[a-z]{2,}`)},
	{TypeSSN, regexp.MustCompile(`\b\d{3}[- ]\d{2}[- ]\d{4}\b|\b\d{9}\b`)},
	{TypePhone, regexp.MustCompile(`(?:\+1[ .\-]?)?(?:\(\d{3}\)|\b\d{3})[ .\-]?\d{3}[ .\-]?\d{4}\b|\b1\d{10}\b|\+\d{8,15}\b`)},
	{TypeIMEI, regexp.MustCompile(`\b\d{15}\b|\b\d{2}-\d{6}-\d{6}-\d\b`)},
}

// extract returns the valid candidate values in one normalised line.
func extract(line string, out []candidate) []candidate {
	for _, x := range extractors {
		for _, m := range x.re.FindAllString(line, -1) {
			if n, ok := Normalize(x.t, m); ok {
				out = append(out, candidate{t: x.t, norm: n})
			}
		}
	}
	return out
}
