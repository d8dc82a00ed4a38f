package crawler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"leakwatch/leak"
)

// KindLeakSite is a data-leak site: an extortion group's list of the
// organisations it claims to have breached, each with a detail page.
const KindLeakSite Kind = "leaksite"

// LeakSiteSelectors read a leak site's victim list. In HTML (a card
// grid), Item selects one card per victim, Link its detail page, and Name,
// Domain, Description, Published, Countdown and Size the fields inside the
// card (Name defaults to the link's text). With Format "json" (a JSON API
// behind a single-page front end) Items is the dot path of the array
// ("" for the top level) and JSON the dot paths of the fields within an
// item; Detail is the detail page's URL with {key} standing for the key
// field (or the item's link field when empty).
type LeakSiteSelectors struct {
	Item, Link, Name, Domain, Description, Published, Countdown, Size string
	Format                                                            string // "" (HTML) or "json"
	Items                                                             string
	JSON                                                              LeakSiteFields
	Detail                                                            string
}

// LeakSiteFields are the dot paths of a JSON victim's fields.
type LeakSiteFields struct {
	Key, Name, Domain, Description, Published, Countdown, Size, Link string
}

// ParseLeakSite reads a leak site's victim list into listing entries,
// each with its victim and its detail page.
func ParseLeakSite(body []byte, base *url.URL, sel LeakSiteSelectors) (Listing, error) {
	if sel.Format == "json" {
		return parseLeakJSON(body, base, sel)
	}
	doc, flat, err := document(body)
	if err != nil {
		return Listing{}, err
	}
	l := Listing{Flattened: flat}
	cards := find(doc.Selection, sel.Item)
	if cards.Length() == 0 {
		return Listing{}, whyNoMatch(doc, "victim cards", sel.Item)
	}
	field := func(card *goquery.Selection, css string) string {
		if css == "" {
			return ""
		}
		return cleanSpace(find(card, css).First().Text())
	}
	cards.Each(func(_ int, card *goquery.Selection) {
		link, u, ok := rowLink(card, sel.Link, base)
		if !ok {
			return
		}
		v := leak.Victim{Name: field(card, sel.Name), Domain: field(card, sel.Domain), Description: field(card, sel.Description),
			Published: field(card, sel.Published), Countdown: field(card, sel.Countdown), Size: field(card, sel.Size)}
		if v.Name == "" {
			v.Name = cleanSpace(link.Text())
		}
		if v.Name == "" {
			return
		}
		l.Refs = append(l.Refs, victimRef(u.RequestURI(), u.String(), v))
	})
	return l, nil
}

// victimRef is a victim as a listing entry. Its version is what marks a
// new state of the listing (published, data size, description): a
// countdown ticking is not one.
func victimRef(key, detail string, v leak.Victim) Ref {
	title := "Leak site victim: " + v.Name
	if v.Domain != "" && !strings.EqualFold(v.Domain, v.Name) {
		title += " (" + v.Domain + ")"
	}
	r := Ref{Key: key, URL: detail, Title: title, Version: v.Published + "|" + v.Size + "|" + leak.ContentHash(v.Description)[:12], Victim: &v}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02", "02 Jan 2006", "Jan 2, 2006"} {
		if t, err := time.Parse(layout, v.Published); err == nil {
			r.Updated = t.UTC()
			break
		}
	}
	return r
}

// parseLeakJSON reads a JSON victim list by the configured dot paths.
func parseLeakJSON(body []byte, base *url.URL, sel LeakSiteSelectors) (Listing, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		if strings.Contains(strings.ToLower(string(body[:min(len(body), 512)])), "<html") {
			return Listing{}, whyNoMatch(nil, "json victim list", "(got HTML)")
		}
		return Listing{}, fmt.Errorf("json victim list: %w", err)
	}
	arr, ok := jsonPath(doc, sel.Items).([]any)
	if !ok {
		return Listing{}, fmt.Errorf("json victim list: %q is not an array: %w", sel.Items, ErrNoMatch)
	}
	var l Listing
	f := sel.JSON
	for _, it := range arr {
		str := func(p string) string {
			if p == "" {
				return ""
			}
			switch v := jsonPath(it, p).(type) {
			case string:
				return cleanSpace(v)
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				return strconv.FormatBool(v)
			}
			return ""
		}
		v := leak.Victim{Name: str(f.Name), Domain: str(f.Domain), Description: str(f.Description), Published: str(f.Published), Countdown: str(f.Countdown), Size: str(f.Size)}
		key := str(f.Key)
		if v.Name == "" || key == "" || strings.ContainsAny(key, "/?#") {
			continue
		}
		raw := str(f.Link)
		if sel.Detail != "" {
			raw = strings.ReplaceAll(sel.Detail, "{key}", url.PathEscape(key))
		}
		detail := ""
		if u, err := base.Parse(raw); err == nil && raw != "" {
			detail = u.String()
		}
		l.Refs = append(l.Refs, victimRef(key, detail, v))
	}
	return l, nil
}

// jsonPath walks a decoded JSON value by a dot path ("data.victims",
// "meta.domain"); "" is the value itself.
func jsonPath(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// fetchVictim reads a victim's detail page (file trees and samples are
// published there) and returns the victim post: the card's fields, then
// the page's text.
func (c *Client) fetchVictim(ctx context.Context, src Source, ref Ref) (leak.Post, error) {
	v := leak.Victim{}
	if ref.Victim != nil {
		v = *ref.Victim
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Victim: %s\n", v.Name)
	for _, kv := range [][2]string{{"Domain", v.Domain}, {"Published", v.Published}, {"Countdown", v.Countdown}, {"Data size", v.Size}, {"Description", v.Description}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
		}
	}
	truncated, flattened := false, false
	if ref.URL != "" {
		p, err := c.Get(ctx, ref.URL)
		if err != nil {
			return leak.Post{}, fmt.Errorf("fetch %s: %w", src.Name, err)
		}
		text, flat := pasteText(p.Body, p.ContentType)
		b.WriteString("\n")
		b.WriteString(text)
		truncated, flattened = p.Truncated, flat
	}
	text := b.String()
	return leak.Post{
		Source: src.Name, Key: ref.Key, URL: ref.URL, Title: ref.Title, Author: src.Name,
		Posted: ref.Updated, Updated: ref.Updated, Fetched: time.Now().UTC(),
		Text: text, Hash: leak.ContentHash(text), Bytes: len(text), Truncated: truncated, Flattened: flattened,
		Links: Links(text), Victim: &v,
	}, nil
}
