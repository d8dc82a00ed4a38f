package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"leakwatch/leak"

	"github.com/PuerkitoBio/goquery"
)

// KindTelegram is a public Telegram channel, read from its web preview
// (https://t.me/s/NAME) through Tor: no account, no API, no images.
const KindTelegram Kind = "telegram"

// ErrNoPreview is returned for a Telegram channel without a public web
// preview: restricted, removed, private, or not a channel.
var ErrNoPreview = errors.New("no public web preview")

// TelegramMessage is one message of a channel's web preview.
type TelegramMessage struct {
	Key       string    // "channel/id", Telegram's own data-post
	ID        int       // the message id within the channel
	URL       string    // the message's link (https://t.me/channel/id)
	Channel   string    // who posted it (the channel's name as shown)
	Forwarded string    // "forwarded from" name, when it was forwarded
	Date      time.Time // when it was posted
	Edited    bool
	Text      string   // its text (paragraphs and line breaks kept); "" for media only
	Links     []string // its links' targets
}

// TelegramPage is one page of a channel's web preview: its messages,
// oldest first as the preview shows them, and the link to older ones.
type TelegramPage struct {
	Messages []TelegramMessage
	Before   *url.URL // older messages (?before=ID); nil at the channel's start
}

// ParseTelegram reads a channel's web preview page. A page that is not one
// (t.me answers a restricted or removed channel with its contact page) is
// ErrNoPreview, named by the page's title.
func ParseTelegram(body []byte, base *url.URL) (TelegramPage, error) {
	doc, _, err := document(body)
	if err != nil {
		return TelegramPage{}, fmt.Errorf("%w: the page does not parse", ErrNoPreview)
	}
	if doc.Find("section.tgme_channel_history, .tgme_channel_history").Length() == 0 {
		title := cleanSpace(doc.Find("title").First().Text())
		if front := antiBot(body); front != "" {
			return TelegramPage{}, frontError("telegram preview", front)
		}
		return TelegramPage{}, fmt.Errorf("%w (the page is %q: the channel is restricted, removed or private, or the name is wrong)", ErrNoPreview, title)
	}
	var tp TelegramPage
	doc.Find(".tgme_widget_message[data-post]").Each(func(_ int, s *goquery.Selection) {
		key, _ := s.Attr("data-post")
		_, idText, ok := strings.Cut(key, "/")
		id, err := strconv.Atoi(idText)
		if !ok || err != nil || id <= 0 {
			return
		}
		m := TelegramMessage{Key: key, ID: id,
			Channel:   cleanSpace(s.Find(".tgme_widget_message_owner_name").First().Text()),
			Forwarded: cleanSpace(s.Find(".tgme_widget_message_forwarded_from_name").First().Text()),
			Edited:    s.Find(".tgme_widget_message_meta_edited").Length() > 0,
		}
		date := s.Find("a.tgme_widget_message_date").First()
		if href, ok := date.Attr("href"); ok {
			if u, err := base.Parse(href); err == nil {
				m.URL = u.String()
			}
		}
		if dt, ok := date.Find("time[datetime]").Attr("datetime"); ok {
			if t, err := time.Parse(time.RFC3339, dt); err == nil {
				m.Date = t.UTC()
			}
		}
		if text := s.Find(".tgme_widget_message_text").First(); text.Length() > 0 {
			m.Text = Text(text)
			m.Links = postLinks(text, base)
		}
		tp.Messages = append(tp.Messages, m)
	})
	if href, ok := doc.Find("a.tme_messages_more[data-before]").First().Attr("href"); ok {
		if u, err := base.Parse(href); err == nil {
			tp.Before = u
		}
	}
	return tp, nil
}

// telegramRef is a message as a listing entry; the text goes in the
// client's cache until Fetch asks for it (the preview page holds it all).
func telegramRef(m TelegramMessage) Ref {
	version := m.Date.Format(time.RFC3339)
	if m.Edited {
		version += " edited"
	}
	return Ref{Key: m.Key, URL: m.URL, Author: m.Channel, Version: version, Updated: m.Date}
}

// telegramState is what a client remembers of the channels it lists: the
// messages of the last listing (Fetch reads them from here, the preview
// holds their whole text) and the newest message id seen per channel
// URL, so that a listing goes back through older pages only to there.
type telegramState struct {
	mu     sync.Mutex
	cache  map[string]TelegramMessage
	newest map[string]int
}

// listTelegram reads each channel's preview, newest page first, then
// older pages (?before=ID) until it reaches a message listed before or
// MaxPages pages. Media-only messages (no text) are left out.
func (c *Client) listTelegram(ctx context.Context, src Source) ([]Ref, error) {
	var refs []Ref
	cache := map[string]TelegramMessage{}
	newest := map[string]int{}
	c.tg.mu.Lock()
	for k, v := range c.tg.newest {
		newest[k] = v
	}
	c.tg.mu.Unlock()
	for _, start := range src.URLs {
		stop, top := newest[start], 0
		next := start
		for page := 0; page < max(src.MaxPages, 1) && next != ""; page++ {
			p, err := c.Get(ctx, next)
			if err != nil {
				return refs, fmt.Errorf("list %s: %w", src.Name, err)
			}
			if !strings.HasPrefix(p.URL.Path, "/s/") {
				return refs, fmt.Errorf("list %s: %s: %w (t.me sent %s instead: the channel is restricted, removed or private)", src.Name, next, ErrNoPreview, p.URL)
			}
			tp, err := ParseTelegram(p.Body, p.URL)
			if err != nil {
				return refs, fmt.Errorf("list %s: %s: %w", src.Name, next, err)
			}
			oldest := 0
			for i := len(tp.Messages) - 1; i >= 0; i-- { // newest first
				m := tp.Messages[i]
				top = max(top, m.ID)
				if oldest == 0 || m.ID < oldest {
					oldest = m.ID
				}
				if _, dup := cache[m.Key]; dup || strings.TrimSpace(m.Text) == "" {
					continue
				}
				cache[m.Key] = m
				refs = append(refs, telegramRef(m))
			}
			next = ""
			if tp.Before != nil && c.own(tp.Before) && (stop == 0 || oldest > stop) {
				next = tp.Before.String()
			}
		}
		newest[start] = max(stop, top)
	}
	c.tg.mu.Lock()
	c.tg.cache, c.tg.newest = cache, newest
	c.tg.mu.Unlock()
	return refs, nil
}

// fetchTelegram returns a listed message as a post: its channel as the
// author (or, forwarded, who it was forwarded from, said in the title),
// its links recorded and its linked samples read as for any post.
func (c *Client) fetchTelegram(ctx context.Context, src Source, ref Ref) (leak.Post, error) {
	c.tg.mu.Lock()
	m, ok := c.tg.cache[ref.Key]
	c.tg.mu.Unlock()
	if !ok {
		return leak.Post{}, fmt.Errorf("fetch %s: message %s is not in the last listing", src.Name, ref.Key)
	}
	author, title := m.Channel, ""
	if m.Forwarded != "" {
		author, title = m.Forwarded, "Forwarded from "+m.Forwarded
	}
	msgs := []leak.Message{{Author: author, Body: m.Text, Links: m.Links}}
	text := m.Text
	links := sellerLinks(msgs)
	more, fetched, truncated := c.samples(ctx, author, links)
	if len(more) > 0 {
		text = leak.ThreadText(append(msgs, more...))
	}
	return leak.Post{
		Source: src.Name, Key: m.Key, URL: m.URL, Title: title, Author: author,
		Posted: m.Date, Updated: m.Date, Fetched: time.Now().UTC(),
		Text: text, Hash: leak.ContentHash(text), Bytes: len(text), Truncated: truncated,
		Links: links, Samples: fetched,
	}, nil
}
