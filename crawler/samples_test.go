package crawler_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"leakwatch/crawler"
	"leakwatch/demo"
)

func TestLinksReadsDefangedURLs(t *testing.T) {
	text := "sample: hxxp://paste[.]example[.]onion/raw/abc, more at h**ps://files(.)example/x?id=1.\n" +
		"mirror http[:]//mirror[dot]example/s (old) and https://t.me/n0v4_shop!\n" +
		"not links: hxxp:// alone, ftp://x, example.com, hxxp://paste[.]example[.]onion/raw/abc again"
	want := []string{"http://paste.example.onion/raw/abc", "https://files.example/x?id=1", "http://mirror.example/s", "https://t.me/n0v4_shop"}
	if got := crawler.Links(text); !reflect.DeepEqual(got, want) {
		t.Errorf("Links = %q\nwant %q", got, want)
	}
}

// TestLinkedSamples: the seller's linked sample on an allowed host is
// fetched through the proxy and read as part of the post; a link to any
// other host is recorded and never dialled; a buyer's link and a quoted
// one are not the seller's; the forum's cookie never goes to the sample
// host.
func TestLinkedSamples(t *testing.T) {
	var mu sync.Mutex
	hits := map[string][]string{} // host -> paths requested
	cookies := map[string]string{}
	serve := func(host, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[host] = append(hits[host], r.URL.Path)
			cookies[host] = r.Header.Get("Cookie")
			mu.Unlock()
			if host == "paste.test" {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = w.Write([]byte("email,phone\nk.oduya@halcyon-canary.test,(312) 555-0148\n"))
				return
			}
			_, _ = w.Write([]byte(body))
		}))
	}
	thread := `<html><body>
<div class="post"><div class="post_author"><a>n0v4_sells</a></div><div class="post_body">Selling Halcyon db.
sample: hxxp://paste[.]test/raw/s1 and the full list <a href="http://files.test/full.zip">here</a></div></div>
<div class="post"><div class="post_author"><a>buyer_x</a></div><div class="post_body">mine is at http://paste.test/raw/buyer
<blockquote>n0v4 wrote: old sample http://paste.test/raw/quoted</blockquote></div></div>
<a class="next" href="http://paste.test/raw/page2">Next</a>
</body></html>`
	forum, paste, files := serve("forum.test", thread), serve("paste.test", ""), serve("files.test", "zip")
	for _, s := range []*httptest.Server{forum, paste, files} {
		t.Cleanup(s.Close)
	}
	p, err := demo.StartProxy(map[string]string{
		"forum.test:80": forum.Listener.Addr().String(), "paste.test:80": paste.Listener.Addr().String(), "files.test:80": files.Listener.Addr().String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cookie := filepath.Join(t.TempDir(), "cookie")
	if err := os.WriteFile(cookie, []byte("sid=forum-session\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := crawler.NewClient(crawler.Options{Proxy: p.Addr(), Username: "t", Hosts: []string{"forum.test"}, SampleHosts: []string{"paste.test"}, CookieFile: cookie})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// A "next page" on a sample host is not the thread's next page.
	src := crawler.Source{Name: "f", Kind: crawler.KindForum, MaxThreadPages: 3, Forum: crawler.ForumSelectors{Post: ".post_body", PostAuthor: ".post_author a", ThreadNext: "a.next"}}
	post, err := c.Fetch(context.Background(), src, crawler.Ref{Key: "/t/1", URL: "http://forum.test/t/1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://files.test/full.zip", "http://paste.test/raw/s1"}; !reflect.DeepEqual(post.Links, want) {
		t.Errorf("links %q, want %q", post.Links, want)
	}
	if want := []string{"http://paste.test/raw/s1"}; !reflect.DeepEqual(post.Samples, want) {
		t.Errorf("samples %q, want %q", post.Samples, want)
	}
	if !strings.Contains(post.Text, "linked sample http://paste.test/raw/s1") || !strings.Contains(post.Text, "k.oduya@halcyon-canary.test") {
		t.Errorf("the sample is not part of the post text:\n%s", post.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := hits["paste.test"]; !reflect.DeepEqual(got, []string{"/raw/s1"}) {
		t.Errorf("paste.test got %q; want the seller's sample only (no next page followed there)", got)
	}
	if len(hits["files.test"]) != 0 {
		t.Errorf("a host not allowed for samples was dialled: %q", hits["files.test"])
	}
	if cookies["forum.test"] != "sid=forum-session" || cookies["paste.test"] != "" {
		t.Errorf("cookies sent: forum %q, sample host %q", cookies["forum.test"], cookies["paste.test"])
	}
}

func TestOnionsInText(t *testing.T) {
	a := "527ws2ioq7vduub6melfs4qaqllgelm4ga7demdj7ebgfzouugpdknad.onion"
	b := "nisuiq5mh6v2j2qgu3hko72wrxn3twwyxwyzfas7t2prnvreloy2zoqd.onion"
	bad := "527ws2ioq7vduub6melfs4qaqllgelm4ga7demdj7ebgfzouugpdknaa.onion" // one letter off: checksum fails
	text := "new mirror: http://" + strings.ToUpper(a[:56]) + ".onion/forum and " + strings.Replace(b, ".onion", "[.]onion", 1) +
		"\nold v2 expyuzz4wqqyqhjn.onion, typo " + bad + ", again " + a
	if got, want := crawler.Onions(text), []string{a, b}; !reflect.DeepEqual(got, want) {
		t.Errorf("Onions = %q, want %q", got, want)
	}
}
