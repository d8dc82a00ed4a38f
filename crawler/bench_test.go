package crawler_test

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"leakwatch/crawler"
)

// bigThread builds a XenForo thread page of posts whose bodies hold
// dump-like rows, about 1.2 MB in all: the size of a long sale thread.
func bigThread(posts, rows int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>t</title></head><body><div class="block-body">`)
	for p := range posts {
		fmt.Fprintf(&b, `<article class="message message--post" data-content="post-%d"><div class="message-inner"><div class="bbWrapper">`, p)
		b.WriteString(`Selling <b>fresh</b> db, sample below, escrow ok.<br />`)
		b.WriteString(`<div class="bbCodeBlock bbCodeBlock--code"><pre class="bbCodeCode"><code>`)
		for r := range rows {
			fmt.Fprintf(&b, "user%d_%d@mail.test,(312) 555-%04d,%03d-%02d-%04d\n", p, r, r%10000, 100+r%800, 1+r%98, 1000+r)
		}
		b.WriteString(`</code></pre></div><table class="bbTable"><tr><td>SSN</td><td>68,000,000</td></tr></table></div></div></article>`)
	}
	b.WriteString(`<div class="pageNav"><a class="pageNav-jump pageNav-jump--next" href="page-2">Next</a></div></body></html>`)
	return []byte(b.String())
}

// BenchmarkParseThread measures pages parsed per second and bytes allocated
// per page for a large thread page (go test -bench ParseThread -benchmem).
func BenchmarkParseThread(b *testing.B) {
	page := bigThread(200, 120)
	base, _ := url.Parse("http://forum.onion/threads/x.1/")
	sel, _ := crawler.Preset("xenforo")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		tp, err := crawler.ParseThread(page, base, sel)
		if err != nil || len(tp.Posts) != 200 {
			b.Fatalf("%d posts, %v", len(tp.Posts), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkParseListing measures a 50-thread MyBB listing page.
func BenchmarkParseListing(b *testing.B) {
	var rows strings.Builder
	for i := range 50 {
		fmt.Fprintf(&rows, `<tr class="inline_row"><td><div><span><span style="color:red">[WTS]</span><span class="subject_new" id="tid_%d"><a href="showthread.php?tid=%d">Thread %d</a></span></span><div class="author smalltext"><a href="member.php?uid=1">u</a></div></div></td><td><span class="lastpost smalltext">11-24-2026, 03:14 AM<br />Last Post: x</span></td></tr>`, i, i, i)
	}
	page := []byte(`<html><body><table>` + rows.String() + `</table><a class="pagination_next" href="?page=2">Next</a></body></html>`)
	base, _ := url.Parse("http://forum.onion/forumdisplay.php?fid=7")
	sel, _ := crawler.Preset("mybb")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := crawler.ParseForumListing(page, base, sel)
		if err != nil || len(l.Refs) != 50 {
			b.Fatalf("%d refs, %v", len(l.Refs), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkParseKinds measures each source kind's parser on its saved
// fixture pages (testdata/<kind>/), per page: the figures the closing
// note compares across kinds.
func BenchmarkParseKinds(b *testing.B) {
	readTB := func(name string) []byte {
		body, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		return body
	}
	base, _ := url.Parse("http://site.onion/")
	cases := []struct {
		name, file string
		parse      func([]byte) error
	}{}
	for _, engine := range crawler.PresetNames() {
		sel, _ := crawler.Preset(engine)
		cases = append(cases,
			struct {
				name, file string
				parse      func([]byte) error
			}{engine + "-listing", engine + "/listing.html", func(p []byte) error { _, err := crawler.ParseForumListing(p, base, sel); return err }},
			struct {
				name, file string
				parse      func([]byte) error
			}{engine + "-thread", engine + "/thread.html", func(p []byte) error { _, err := crawler.ParseThread(p, base, sel); return err }})
	}
	paste := crawler.PasteSelectors{Item: "table.archive tr", Link: "a", Posted: "td.date", Raw: "http://paste.onion/raw/{key}"}
	cases = append(cases, []struct {
		name, file string
		parse      func([]byte) error
	}{
		{"paste-listing", "paste/recent.html", func(p []byte) error { _, err := crawler.ParsePasteListing(p, base, paste); return err }},
		{"paste-json", "paste/api.json", func(p []byte) error {
			_, err := crawler.ParsePasteJSON(p, base, crawler.PasteSelectors{Format: "json"})
			return err
		}},
		{"telegram", "telegram/channel.html", func(p []byte) error { _, err := crawler.ParseTelegram(p, base); return err }},
		{"leaksite-cards", "leaksite/cards.html", func(p []byte) error { _, err := crawler.ParseLeakSite(p, base, cardSelectors); return err }},
		{"leaksite-json", "leaksite/api.json", func(p []byte) error { _, err := crawler.ParseLeakSite(p, base, apiSelectors); return err }},
	}...)
	for _, c := range cases {
		page := readTB(c.file)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.parse(page); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
