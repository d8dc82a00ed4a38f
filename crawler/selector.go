package crawler

import (
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// selectors caches compiled CSS selectors: goquery's Find compiles its
// argument on every call, which dominated listing parsing (once per row
// and field).
var selectors sync.Map // string -> goquery.Matcher

// find is s.Find(sel) with the selector compiled once per process. An
// invalid selector matches nothing (config validation rejects them first).
func find(s *goquery.Selection, sel string) *goquery.Selection {
	if m, ok := selectors.Load(sel); ok {
		return s.FindMatcher(m.(goquery.Matcher))
	}
	c, err := cascadia.Compile(sel)
	if err != nil {
		return s.FindNodes()
	}
	selectors.Store(sel, goquery.Matcher(c))
	return s.FindMatcher(c)
}

// matcher returns sel compiled, once per process.
func matcher(sel string) (goquery.Matcher, error) {
	if m, ok := selectors.Load(sel); ok {
		return m.(goquery.Matcher), nil
	}
	c, err := cascadia.Compile(sel)
	if err != nil {
		return nil, err
	}
	selectors.Store(sel, goquery.Matcher(c))
	return c, nil
}
