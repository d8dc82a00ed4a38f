package crawler_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"leakwatch/crawler"
	"leakwatch/leak"
)

func addTestdata(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseForum feeds arbitrary pages to every preset's listing and
// thread parsers: they must not panic, and what they return must be usable.
func FuzzParseForum(f *testing.F) {
	addTestdata(f, "*/*.html")
	f.Add([]byte(`<tr class="inline_row"><span id="tid_1"><a href="javascript:alert(1)">x</a></span></tr>`))
	f.Add([]byte("<a href=\"\x00\">\xff\xfe</a>"))
	base, _ := url.Parse("http://forum.onion/board/")
	f.Fuzz(func(t *testing.T, page []byte) {
		for _, name := range crawler.PresetNames() {
			sel, _ := crawler.Preset(name)
			if l, err := crawler.ParseForumListing(page, base, sel); err == nil {
				for _, r := range l.Refs {
					if r.Key == "" || r.URL == "" {
						t.Fatalf("%s: empty key or URL in %+v", name, r)
					}
					if _, err := url.Parse(r.URL); err != nil {
						t.Fatalf("%s: unparsable URL %q", name, r.URL)
					}
				}
			}
			if tp, err := crawler.ParseThread(page, base, sel); err == nil && utf8.Valid(page) {
				for _, p := range tp.Posts {
					if !utf8.ValidString(p.Body) || !utf8.ValidString(p.Author) {
						t.Fatalf("%s: invalid UTF-8 from valid input", name)
					}
					if strings.ContainsRune(p.Author, leak.Mark) || strings.Contains(p.Body, "\x1eM") {
						t.Fatalf("%s: page text forged a thread mark: %q", name, p)
					}
				}
			}
		}
	})
}

// FuzzText checks that HTML-to-text never panics and keeps no markup of
// scripts.
func FuzzText(f *testing.F) {
	addTestdata(f, "*/thread*.html")
	f.Add([]byte("<pre>a\nb</pre><table><tr><td>1</td><td>2</td></tr></table><script>x()</script>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
		if err != nil {
			return
		}
		got := crawler.Text(doc.Selection)
		if strings.Contains(got, "\n\n\n") {
			t.Fatalf("blank lines not folded: %q", got)
		}
	})
}

// FuzzParsePasteJSON checks the JSON listing parser against arbitrary
// input: no panic, and no key that could climb out of the raw URL.
func FuzzParsePasteJSON(f *testing.F) {
	addTestdata(f, "paste/*.json")
	f.Add([]byte(`[{"key":"a/../b"}]`))
	base, _ := url.Parse("http://paste.onion/api")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := crawler.ParsePasteJSON(data, base, crawler.PasteSelectors{Format: "json", Raw: "http://paste.onion/raw/{key}"})
		if err != nil {
			return
		}
		for _, r := range l.Refs {
			if !strings.HasPrefix(r.URL, "http://paste.onion/raw/") || strings.Contains(r.URL[len("http://paste.onion/raw/"):], "/") {
				t.Fatalf("key %q escaped the raw URL: %q", r.Key, r.URL)
			}
		}
	})
}

// FuzzCheckOnion: no panic, and an address it accepts round-trips through
// its key.
func FuzzCheckOnion(f *testing.F) {
	f.Add("wceh6jlqdqj5j763cgkjwyfnpt3byvtbuzedsepxlajfjp7sfz5oj5id.onion")
	f.Add("sub.wceh6jlqdqj5j763cgkjwyfnpt3byvtbuzedsepxlajfjp7sfz5oj5id.onion.")
	f.Add("expyuzz4wqqyqhjn.onion")
	f.Add("example.com")
	f.Fuzz(func(t *testing.T, host string) {
		if crawler.CheckOnion(host) != nil {
			return
		}
		h := strings.ToLower(strings.TrimSuffix(host, "."))
		if !strings.HasSuffix(h, ".onion") {
			return
		}
		label := strings.TrimSuffix(h, ".onion")
		if i := strings.LastIndexByte(label, '.'); i >= 0 {
			label = label[i+1:]
		}
		key, ok := crawler.OnionKey(label + ".onion")
		if !ok || crawler.OnionAddress(key) != label+".onion" {
			t.Fatalf("accepted %q but it does not round-trip", host)
		}
	})
}

// FuzzParseTelegram feeds arbitrary pages to the Telegram preview parser:
// it must not panic, and every message it returns has a key and an id.
func FuzzParseTelegram(f *testing.F) {
	addTestdata(f, "telegram/*.html")
	f.Add([]byte(`<section class="tgme_channel_history"><div class="tgme_widget_message" data-post="x/-1"></div><div class="tgme_widget_message" data-post="/5"></div></section>`))
	base, _ := url.Parse("https://t.me/s/x")
	f.Fuzz(func(t *testing.T, body []byte) {
		tp, err := crawler.ParseTelegram(body, base)
		if err != nil {
			return
		}
		for _, m := range tp.Messages {
			if m.ID <= 0 || !strings.Contains(m.Key, "/") {
				t.Fatalf("message %+v", m)
			}
		}
	})
}

// FuzzParseLeakSite feeds arbitrary pages and JSON to the leak site
// parsers in both layouts: no panic, and every victim listed has a name
// and a key.
func FuzzParseLeakSite(f *testing.F) {
	addTestdata(f, "leaksite/*")
	f.Add([]byte(`{"data":{"victims":[{"id":1,"company":{"name":["x"]}},{"id":"a/b","company":{"name":"n"}}]}}`))
	base, _ := url.Parse("http://site.onion/")
	cards := crawler.LeakSiteSelectors{Item: ".post-block", Link: "a", Name: ".post-title", Domain: ".post-website"}
	api := crawler.LeakSiteSelectors{Format: "json", Items: "data.victims", Detail: "/v/{key}", JSON: crawler.LeakSiteFields{Key: "id", Name: "company.name"}}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, sel := range []crawler.LeakSiteSelectors{cards, api} {
			l, err := crawler.ParseLeakSite(body, base, sel)
			if err != nil {
				continue
			}
			for _, r := range l.Refs {
				if r.Key == "" || r.Victim == nil || r.Victim.Name == "" {
					t.Fatalf("ref %+v", r)
				}
			}
		}
	})
}
