package crawler_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"leakwatch/crawler"
)

func TestTextKeepsDumpShape(t *testing.T) {
	html := `<div class="post"><p>Selling <b>fresh</b> db.</p><script>alert(1)</script>
<table><tr><th>email</th><th>ssn</th></tr><tr><td>a@b.test</td><td>219-09-9999</td></tr></table>
<pre>row1,x
row2,y</pre>line<br>break<!-- hidden --></div>`
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	got := crawler.Text(doc.Find(".post"))
	want := "Selling fresh db.\n\nemail\tssn\na@b.test\t219-09-9999\n\nrow1,x\nrow2,y\nline\nbreak"
	if got != want {
		t.Errorf("Text =\n%q\nwant\n%q", got, want)
	}
}

func TestParseForumListing(t *testing.T) {
	html := `<table>
<tr class="row"><td><a class="t" href="/threads/1.html#last">[WTS] db</a><span class="by">alice</span><time datetime="2026-11-24T03:14:00Z">x</time></td></tr>
<tr class="row"><td><a class="t" href="threads/2.html?page=1">Other</a><span class="by">bob</span><time>2026-11-20 09:02</time></td></tr>
<tr class="row"><td>no link here</td></tr>
</table><a class="next" href="?page=2">Next</a>`
	base, _ := url.Parse("http://f.onion/forums/db/")
	sel := crawler.ForumSelectors{Thread: "tr.row", Link: "a.t", Author: ".by", Updated: "time", Next: "a.next"}
	l, err := crawler.ParseForumListing([]byte(html), base, sel)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Refs) != 2 {
		t.Fatalf("refs %+v, want 2", l.Refs)
	}
	r := l.Refs[0]
	if r.Key != "/threads/1.html" || r.URL != "http://f.onion/threads/1.html" || r.Title != "[WTS] db" || r.Author != "alice" || r.Updated.IsZero() {
		t.Errorf("ref 0 = %+v", r)
	}
	if l.Refs[1].Key != "/forums/db/threads/2.html?page=1" || l.Refs[1].Version != "2026-11-20 09:02" {
		t.Errorf("ref 1 = %+v", l.Refs[1])
	}
	if l.Next == nil || l.Next.String() != "http://f.onion/forums/db/?page=2" {
		t.Errorf("next = %v", l.Next)
	}
	// A page where the rows match nothing is an error, not "no posts".
	if _, err := crawler.ParseForumListing([]byte("<h1>Please log in</h1>"), base, sel); !errors.Is(err, crawler.ErrNoMatch) {
		t.Errorf("login page = %v, want ErrNoMatch", err)
	}
}

func TestParsePasteListing(t *testing.T) {
	html := `<ul><li class="p"><a href="/p/abc">t1</a></li><li class="p"><a href="/p/x%20y/">t2</a></li></ul>`
	base, _ := url.Parse("http://paste.onion/")
	l, err := crawler.ParsePasteListing([]byte(html), base, crawler.PasteSelectors{Item: "li.p", Link: "a", Raw: "http://paste.onion/raw/{key}"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Refs) != 2 || l.Refs[0].Key != "abc" || l.Refs[0].URL != "http://paste.onion/raw/abc" || l.Refs[0].Title != "t1" {
		t.Fatalf("refs %+v", l.Refs)
	}
	if l.Refs[1].URL != "http://paste.onion/raw/x%20y" {
		t.Errorf("escaped key URL %q", l.Refs[1].URL)
	}
	// Links to /KEY.html pages: {key} is KEY, so raw_url .../{key}.txt
	// asks for KEY.txt, not KEY.html.txt.
	html = `<ul><li class="p"><a href="/view/a7Kq2x.html">t1</a></li><li class="p"><a href="/view/b81Zmw.php">t2</a></li></ul>`
	l, err = crawler.ParsePasteListing([]byte(html), base, crawler.PasteSelectors{Item: "li.p", Link: "a", Raw: "http://paste.onion/raw/{key}.txt"})
	if err != nil || len(l.Refs) != 2 || l.Refs[0].Key != "a7Kq2x" || l.Refs[0].URL != "http://paste.onion/raw/a7Kq2x.txt" || l.Refs[1].Key != "b81Zmw" {
		t.Errorf("refs of .html links %+v, %v", l.Refs, err)
	}
}
