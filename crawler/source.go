package crawler

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"leakwatch/leak"
)

// Kind says how a source is read.
type Kind string

// Source kinds.
const (
	KindForum Kind = "forum" // listing pages of threads, each thread a post
	KindPaste Kind = "paste" // a recent-pastes listing and raw paste URLs
)

// ForumSelectors are the CSS selectors that read a forum. Thread selects one
// row per thread on a listing page; Link, Title, Prefix (a thread prefix
// such as [WTS], kept with the title), Author and Updated are looked up
// inside that row; Next selects the next listing page's link. On a thread
// page, Post selects each post body, PostAuthor its author's name (near
// the body, see postAuthor) and ThreadNext the next page's link. Who wrote
// each post matters: the thread's claim is its seller's.
type ForumSelectors struct {
	Thread, Link, Title, Prefix, Author, Updated, Next string
	Post, PostAuthor, ThreadNext                       string
}

// PasteSelectors read a paste site's recent list. Item selects one row per
// paste; Link (inside it) the paste's link; Title, Author and Posted are
// optional. Raw is the raw-text URL with {key} standing for the paste key
// (the last path segment of the link); empty means the link itself.
// Format "json" reads a JSON listing shaped like Pastebin's scraping API
// instead of HTML, and needs no selectors.
type PasteSelectors struct {
	Item, Link, Title, Author, Posted, Raw string
	Format                                 string // "" (HTML) or "json"
}

// Source is one place to crawl.
type Source struct {
	Name           string
	Kind           Kind
	URLs           []string // listing URLs
	MaxPages       int      // listing pages followed per URL (>= 1)
	MaxThreadPages int      // pages read per thread (>= 1)
	Forum          ForumSelectors
	Paste          PasteSelectors
	LeakSite       LeakSiteSelectors
}

// Hosts returns the hosts and ports ("host:port", lower case, the
// scheme's port where none is written) the source's URLs name: the only
// places its client may connect to.
func (s Source) Hosts() []string {
	var hosts []string
	seen := map[string]bool{}
	add := func(raw string) {
		u, err := url.Parse(strings.ReplaceAll(raw, "{key}", "k"))
		if err != nil || u.Hostname() == "" {
			return
		}
		h := hostPort(u.Hostname(), urlPort(u))
		if !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	for _, u := range s.URLs {
		add(u)
	}
	if s.Kind == KindPaste && s.Paste.Raw != "" {
		add(s.Paste.Raw)
	}
	if s.Kind == KindLeakSite && s.LeakSite.Detail != "" {
		add(s.LeakSite.Detail)
	}
	return hosts
}

// Ref is one entry of a listing: a thread or a paste not yet fetched.
type Ref struct {
	Key     string // stable id within the source
	URL     string // absolute URL of the thread or raw paste
	Title   string
	Author  string
	Version string       // what the listing shows of its last change; a new value means fetch again
	Updated time.Time    // Version parsed, when it parses
	Victim  *leak.Victim `json:",omitempty"` // a leak site's victim, as its card or JSON item shows it
}

// List reads every listing page of src (following next-page links up to
// MaxPages per URL) and returns the entries found, first page first. An entry
// seen on two pages is returned once.
func (c *Client) List(ctx context.Context, src Source) ([]Ref, error) {
	if src.Kind == KindTelegram {
		return c.listTelegram(ctx, src)
	}
	var refs []Ref
	seen := map[string]bool{}
	maxPages := max(src.MaxPages, 1)
	for _, start := range src.URLs {
		next := start
		for page := 0; page < maxPages && next != ""; page++ {
			p, err := c.Get(ctx, next)
			if err != nil {
				return refs, fmt.Errorf("list %s: %w", src.Name, err)
			}
			var l Listing
			switch src.Kind {
			case KindForum:
				l, err = ParseForumListing(p.Body, p.URL, src.Forum)
			case KindLeakSite:
				l, err = ParseLeakSite(p.Body, p.URL, src.LeakSite)
			case KindPaste:
				if src.Paste.Format == "json" {
					l, err = ParsePasteJSON(p.Body, p.URL, src.Paste)
				} else {
					l, err = ParsePasteListing(p.Body, p.URL, src.Paste)
				}
			default:
				err = fmt.Errorf("unknown source kind %q", src.Kind)
			}
			if err != nil {
				return refs, fmt.Errorf("list %s: page %s: %w", src.Name, next, err)
			}
			for _, r := range l.Refs {
				if !seen[r.Key] {
					seen[r.Key] = true
					refs = append(refs, r)
				}
			}
			next = ""
			if l.Next != nil && c.own(l.Next) {
				next = l.Next.String()
			}
		}
	}
	return refs, nil
}

// Fetch reads one listed thread or paste and returns it as a post.
func (c *Client) Fetch(ctx context.Context, src Source, ref Ref) (leak.Post, error) {
	switch src.Kind {
	case KindTelegram:
		return c.fetchTelegram(ctx, src, ref)
	case KindLeakSite:
		return c.fetchVictim(ctx, src, ref)
	}
	p, err := c.Get(ctx, ref.URL)
	if err != nil {
		return leak.Post{}, fmt.Errorf("fetch %s: %w", src.Name, err)
	}
	var text string
	var msgs []leak.Message
	truncated, flattened := p.Truncated, false
	switch src.Kind {
	case KindForum:
		var tr bool
		msgs, tr, flattened, err = c.readThread(ctx, src, p)
		truncated = truncated || tr
		text = leak.ThreadText(msgs)
	case KindPaste:
		text, flattened = pasteText(p.Body, p.ContentType)
		msgs = []leak.Message{{Author: ref.Author, Body: text}}
	default:
		err = fmt.Errorf("unknown source kind %q", src.Kind)
	}
	if err != nil {
		return leak.Post{}, fmt.Errorf("fetch %s: %s: %w", src.Name, ref.URL, err)
	}
	// The seller's linked samples, on the hosts allowed for them, are read
	// as part of the post: a sale post usually links its sample.
	links := sellerLinks(msgs)
	more, fetched, tr := c.samples(ctx, msgs[0].Author, links)
	if len(more) > 0 {
		text = leak.ThreadText(append(msgs, more...))
		truncated = truncated || tr
	}
	return leak.Post{
		Links:   links,
		Samples: fetched,
		Source:  src.Name,
		Key:     ref.Key,
		URL:     ref.URL,
		Title:   ref.Title,
		Author:  ref.Author,
		Posted:  ref.Updated,
		Updated: ref.Updated,
		Fetched: time.Now().UTC(),
		Text:    text,
		Hash:    leak.ContentHash(text),
		Bytes:   len(text),
		// Marked, not dropped: a cut or flattened page is matched for
		// what could be read.
		Truncated: truncated,
		Flattened: flattened,
	}, nil
}

// readThread reads a thread from its first page (already fetched) through
// its next-page links, up to MaxThreadPages pages, and returns the text of
// every post. A page that fails fails the whole thread, so that a thread is
// never recorded with pages missing; it is tried again next cycle.
func (c *Client) readThread(ctx context.Context, src Source, first *Page) (posts []leak.Message, truncated, flattened bool, err error) {
	seen := map[string]bool{}
	p := first
	for page := 1; ; page++ {
		tp, err := ParseThread(p.Body, p.URL, src.Forum)
		if err != nil {
			return nil, false, false, fmt.Errorf("page %d: %w", page, err)
		}
		truncated = truncated || p.Truncated
		flattened = flattened || tp.Flattened
		posts = append(posts, tp.Posts...)
		seen[p.URL.String()] = true
		if page >= max(src.MaxThreadPages, 1) || tp.Next == nil || !c.own(tp.Next) || seen[tp.Next.String()] {
			break
		}
		if p, err = c.Get(ctx, tp.Next.String()); err != nil {
			return nil, false, false, fmt.Errorf("page %d: %w", page+1, err)
		}
	}
	return posts, truncated, flattened, nil
}
