package main

import (
	"leakwatch/config"
	"leakwatch/crawler"
)

// loadConfig loads a config file; any problem with it is a usage error
// (exit status 2).
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// jobSpecs maps the config to the sources to crawl.
func jobSpecs(c *config.Config) []jobSpec {
	out := make([]jobSpec, 0, len(c.Sources))
	for i, s := range c.Sources {
		sel := s.Selectors
		spec := jobSpec{source: crawler.Source{
			Name: s.Name, Kind: crawler.Kind(s.Kind), URLs: s.URLs,
			MaxPages:       orDefault(s.MaxPages, config.DefaultMaxPages),
			MaxThreadPages: orDefault(s.MaxThreadPages, config.DefaultMaxThreadPages),
			Forum:          s.Forum(),
			Paste: crawler.PasteSelectors{Item: sel.Item, Link: sel.Link, Title: sel.Title, Author: sel.Author,
				Posted: sel.Posted, Raw: s.RawURL, Format: s.Format},
		}, schedule: c.Schedule(i)}
		if s.CookieFile != "" {
			spec.cookieFile = c.Secret(s.CookieFile)
		}
		out = append(out, spec)
	}
	return out
}

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
