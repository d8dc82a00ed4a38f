package crawler

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// pasteItem is one entry of a JSON paste listing in the shape of Pastebin's
// scraping API. Numbers may come as strings, as Pastebin sends them.
type pasteItem struct {
	Key       string          `json:"key"`
	Date      json.RawMessage `json:"date"`
	Title     string          `json:"title"`
	Size      json.RawMessage `json:"size"`
	Syntax    string          `json:"syntax"`
	ScrapeURL string          `json:"scrape_url"`
	FullURL   string          `json:"full_url"`
	User      string          `json:"user"`
}

// ParsePasteJSON reads a JSON paste listing: an array of objects with key,
// date (Unix seconds), title, size, syntax, scrape_url (the raw text) and
// full_url. The raw URL is sel.Raw with {key}, or else scrape_url, or else
// full_url, resolved against base.
func ParsePasteJSON(body []byte, base *url.URL, sel PasteSelectors) (Listing, error) {
	var items []pasteItem
	if err := json.Unmarshal(body, &items); err != nil {
		if strings.Contains(strings.ToLower(string(body[:min(len(body), 512)])), "<html") {
			return Listing{}, whyNoMatch(nil, "json paste listing", "(got HTML)")
		}
		return Listing{}, fmt.Errorf("json paste listing: %w", err)
	}
	var l Listing
	for _, it := range items {
		key := strings.TrimSpace(it.Key)
		if key == "" || strings.ContainsAny(key, "/?#") {
			continue
		}
		raw := it.ScrapeURL
		if raw == "" {
			raw = it.FullURL
		}
		if sel.Raw != "" {
			raw = strings.ReplaceAll(sel.Raw, "{key}", url.PathEscape(key))
		}
		u, err := base.Parse(raw)
		if err != nil || raw == "" {
			continue
		}
		r := Ref{Key: key, URL: u.String(), Title: cleanSpace(it.Title), Author: cleanSpace(it.User)}
		if d := strings.Trim(string(it.Date), `"`); d != "" {
			if n, err := strconv.ParseInt(d, 10, 64); err == nil {
				r.Updated = time.Unix(n, 0).UTC()
			}
			r.Version = d
		}
		l.Refs = append(l.Refs, r)
	}
	return l, nil
}
