package matchers

import "leakwatch/leak"

// Match reads text as a post's whole text: for tests.
func (s *Set) Match(text string) leak.Evidence {
	return s.MatchPost(leak.Post{Text: text})
}

// Normalize is NormalizeIn with DefaultRegion, for tests.
func Normalize(t Type, raw string) (string, bool) { return NormalizeIn(t, raw, DefaultRegion) }
