package verdict

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// scored is one post with what the pipeline made of it.
type scored struct {
	post *Post
	hit  *leak.Hit // the post's strongest hit, nil for none
}

func (s scored) severity() leak.Severity {
	if s.hit == nil {
		return leak.SeverityNone
	}
	return s.hit.Evidence.Severity
}

// crawlCorpus serves the corpus of seed on its four sites behind a SOCKS5
// proxy (the demo's stand-in for Tor, which resolves the onion names and
// refuses every other host), crawls every site with the daemon's pipeline
// into a real store, and returns each post with its hit.
func crawlCorpus(t *testing.T, seed uint64) ([]scored, *Sites, *store.DB) {
	t.Helper()
	c := Generate(seed)
	sites := NewSites(c)
	srv := httptest.NewServer(sites)
	t.Cleanup(srv.Close)
	routes := map[string]string{}
	for _, h := range sites.Hosts {
		routes[h+":80"] = strings.TrimPrefix(srv.URL, "http://")
	}
	proxy, err := demo.StartProxy(routes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	db := storetest.Open(t, store.Options{})
	set := newSet(t, c.World)
	p := &pipeline.Pipeline{Store: db, Matcher: set, AlertAt: leak.SeverityHigh}
	for _, src := range sites.Sources() {
		cl, err := crawler.NewClient(crawler.Options{Proxy: proxy.Addr(), Username: "lw-" + src.Name, Hosts: src.Hosts(),
			Timeout: 20 * time.Second, Parallelism: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		st, err := p.Crawl(context.Background(), src, cl, 4)
		if err != nil || st.Errors > 0 {
			t.Fatalf("crawl %s: %v (%+v)", src.Name, err, st)
		}
	}
	hits, err := db.Hits(store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	best := map[*Post]*leak.Hit{}
	for i := range hits {
		h := &hits[i]
		post := sites.Lookup(h.Source, h.PostKey)
		if post == nil {
			t.Fatalf("hit %d on %s/%s: no such post in the corpus", h.ID, h.Source, h.PostKey)
		}
		if b := best[post]; b == nil || h.Evidence.Severity > b.Evidence.Severity {
			best[post] = h
		}
	}
	var out []scored
	for _, post := range c.Posts {
		out = append(out, scored{post: post, hit: best[post]})
	}
	return out, sites, db
}

func newSet(t *testing.T, w *World) *matchers.Set {
	t.Helper()
	fs, err := w.Fingerprints()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := w.CanaryDigests()
	if err != nil {
		t.Fatal(err)
	}
	set, err := matchers.NewSet(matchers.Config{Hasher: w.Hasher(), Canaries: cs, Fingerprints: fs,
		Brands: Brands, NotBrands: NotBrands, Profile: Profile, Customers: 70_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// figures are the corpus scores, as the README reports them.
type figures struct {
	posts, alerting                int
	expected, got, right           [4]int // by severity: expected, given, given and expected
	falseCritical, falseAlarm      int
	otherAlerted, other            int
	partsRight, partsWant, partsSp int // posts with canaries exactly right, posts with canaries, posts given partitions they lack
	fracRight, fracWant            int
	countRight, countWant          int
	repostRight, repostWant        int
	problems                       []string
}

func score(ss []scored, db *store.DB, sites *Sites) figures {
	var f figures
	f.posts = len(ss)
	hitOf := map[string]*leak.Hit{}
	for _, s := range ss {
		hitOf[s.post.ID] = s.hit
	}
	for _, s := range ss {
		e, got := s.post.Expect, s.severity()
		bad := func(format string, args ...any) {
			f.problems = append(f.problems, fmt.Sprintf("%-28s %s: %s", s.post.ID, s.post.Site, fmt.Sprintf(format, args...)))
		}
		if e.AtMost {
			f.expected[leak.SeverityNone]++
			if got >= leak.SeverityHigh {
				f.falseAlarm++
				bad("%s for a post that needs no alert (%s): %s", got, e.Why, headlineOf(s.hit))
			} else if got > e.Severity {
				bad("%s, want at most %s (%s): %s", got, e.Severity, e.Why, headlineOf(s.hit))
			}
			if got == leak.SeverityCritical {
				f.falseCritical++
			}
			if e.Other {
				f.other++
				if got >= leak.SeverityHigh {
					f.otherAlerted++
				}
			}
		} else {
			f.alerting++
			f.expected[e.Severity]++
			if got == e.Severity {
				f.right[e.Severity]++
			} else {
				bad("%s, want %s: %s %v", got, e.Severity, headlineOf(s.hit), whyOf(s.hit))
			}
			if got == leak.SeverityCritical && e.Severity != leak.SeverityCritical {
				f.falseCritical++
			}
		}
		if got >= leak.SeverityHigh {
			f.got[got]++
		}
		// Partitions: the canaries' partitions, exactly.
		var gotParts []string
		if s.hit != nil {
			for _, c := range s.hit.Evidence.Canaries {
				if !slices.Contains(gotParts, c.Partition) {
					gotParts = append(gotParts, c.Partition)
				}
			}
		}
		sort.Strings(gotParts)
		if len(e.Partitions) > 0 {
			f.partsWant++
			if slices.Equal(gotParts, e.Partitions) {
				f.partsRight++
			} else {
				bad("canary partitions %v, want %v", gotParts, e.Partitions)
			}
		} else if len(gotParts) > 0 {
			f.partsSp++
			bad("canary partitions %v, want none", gotParts)
		}
		if e.Sample {
			f.fracWant++
			var sm leak.Sample
			if s.hit != nil && s.hit.Evidence.Sample != nil {
				sm = *s.hit.Evidence.Sample
			}
			if sm.Rows == e.Rows.rows && sm.RealRows == e.Rows.real && sm.CanaryRows == e.Rows.canary {
				f.fracRight++
			} else {
				bad("sample %d of %d rows real, %d canary rows; want %d of %d, %d", sm.RealRows, sm.Rows, sm.CanaryRows, e.Rows.real, e.Rows.rows, e.Rows.canary)
			}
		}
		if e.Records != "" && !e.AtMost {
			f.countWant++
			got := ""
			if s.hit != nil && s.hit.Evidence.Claim != nil {
				got = s.hit.Evidence.Claim.RecordsText
			}
			if got == e.Records {
				f.countRight++
			} else {
				bad("claimed count %q, want %q", got, e.Records)
			}
		}
		if e.RepeatOf != "" {
			f.repostWant++
			// One leak, one thread: whichever was crawled first is the root.
			orig := hitOf[e.RepeatOf]
			root := func(h *leak.Hit) uint64 {
				if h.Thread != 0 {
					return h.Thread
				}
				return h.ID
			}
			if s.hit != nil && orig != nil && root(s.hit) == root(orig) && (s.hit.Repeats != 0 || orig.Repeats != 0) {
				f.repostRight++
			} else {
				bad("a repost of %s not threaded with it (hit %+v, original %v)", e.RepeatOf, threadOf(s.hit), orig != nil)
			}
		}
	}
	return f
}

func headlineOf(h *leak.Hit) string {
	if h == nil {
		return "(no hit)"
	}
	return h.Evidence.Headline
}

func whyOf(h *leak.Hit) []string {
	if h == nil {
		return nil
	}
	return h.Evidence.Why
}

func threadOf(h *leak.Hit) string {
	if h == nil {
		return "none"
	}
	return fmt.Sprintf("id %d thread %d repost %q", h.ID, h.Thread, h.RepostOf)
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d (%.0f%%)", a, b, 100*float64(a)/float64(b))
}

func (f figures) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d posts, %d expected to alert\n", f.posts, f.alerting)
	fmt.Fprintf(&b, "%-34s %-16s %s\n", "severity", "recall", "precision")
	for _, s := range []leak.Severity{leak.SeverityCritical, leak.SeverityHigh} {
		fmt.Fprintf(&b, "%-34s %-16s %s\n", s, pct(f.right[s], f.expected[s]), pct(f.right[s], f.got[s]))
	}
	fmt.Fprintf(&b, "%-34s %d\n", "false criticals", f.falseCritical)
	fmt.Fprintf(&b, "%-34s %d of %d\n", "false alarms (alert, none needed)", f.falseAlarm, f.expected[leak.SeverityNone])
	fmt.Fprintf(&b, "%-34s %d of %d\n", "other companies' posts alerted", f.otherAlerted, f.other)
	fmt.Fprintf(&b, "%-34s %s, %d spurious\n", "canary partitions exactly right", pct(f.partsRight, f.partsWant), f.partsSp)
	fmt.Fprintf(&b, "%-34s %s\n", "sample fractions exactly right", pct(f.fracRight, f.fracWant))
	fmt.Fprintf(&b, "%-34s %s\n", "claimed counts as written", pct(f.countRight, f.countWant))
	fmt.Fprintf(&b, "%-34s %s\n", "reposts in the first alert's thread", pct(f.repostRight, f.repostWant))
	return b.String()
}

// TestVerdictCorpus crawls the labelled corpus through the real pipeline
// and holds the verdicts to the bar: every critical and high post alerted
// at its severity, no false critical, no false alarm, no other company's
// post alerted, every canary partition and every sample count exact.
func TestVerdictCorpus(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			ss, sites, db := crawlCorpus(t, seed)
			f := score(ss, db, sites)
			t.Logf("verdict corpus, seed %d:\n%s", seed, f.table())
			if len(ss) < 200 {
				t.Errorf("the corpus has %d posts, want at least 200", len(ss))
			}
			for _, p := range f.problems {
				t.Error(p)
			}
		})
	}
}

// TestExplain prints how the matchers read the posts named in
// $VERDICT_EXPLAIN (comma-separated IDs), for tuning: the text as the
// crawler extracts it and every finding. It skips when none is named.
func TestExplain(t *testing.T) {
	ids := os.Getenv("VERDICT_EXPLAIN")
	if ids == "" {
		t.Skip("set VERDICT_EXPLAIN=post-id,... to explain posts")
	}
	c := Generate(uint64(envInt("VERDICT_SEED", 1)))
	sites := NewSites(c)
	set := newSet(t, c.World)
	for _, id := range strings.Split(ids, ",") {
		var post *Post
		for _, p := range c.Posts {
			if p.ID == id {
				post = p
			}
		}
		if post == nil {
			t.Fatalf("no post %s", id)
		}
		title, text := extract(t, sites, post)
		ev, fs := set.ExplainPost([]byte(title), []byte(text))
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%s) title %q\n%s\n---\n", id, post.Site, title, strings.ReplaceAll(text, "\x1e", "§"))
		for _, f := range fs {
			fmt.Fprintf(&b, "  line %-4d %-12s %s\n", f.Line, f.Kind, f.What)
		}
		ej, _ := json.MarshalIndent(ev, "", "  ")
		t.Logf("%s%s", b.String(), ej)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// extract reads a post as the crawler does, without the network: its
// listing title and its text.
func extract(t *testing.T, sites *Sites, p *Post) (string, string) {
	t.Helper()
	get := func(u string) []byte {
		req := httptest.NewRequest("GET", u, nil)
		rec := httptest.NewRecorder()
		sites.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d", u, rec.Code)
		}
		return rec.Body.Bytes()
	}
	for _, src := range sites.Sources() {
		if src.Name != sites.sourceOf(p) {
			continue
		}
		var refs []crawler.Ref
		next := src.URLs[0]
		for next != "" {
			u, _ := url.Parse(next)
			var l crawler.Listing
			var err error
			if src.Kind == crawler.KindPaste {
				l, err = crawler.ParsePasteListing(get(next), u, src.Paste)
			} else {
				l, err = crawler.ParseForumListing(get(next), u, src.Forum)
			}
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, l.Refs...)
			next = ""
			if l.Next != nil {
				next = l.Next.String()
			}
		}
		for _, r := range refs {
			if r.Key != sites.keyOf(p) {
				continue
			}
			if src.Kind == crawler.KindPaste {
				return r.Title, crawler.PasteText(get(r.URL), "text/plain")
			}
			var ms []leak.Message
			next := r.URL
			for next != "" {
				u, _ := url.Parse(next)
				tp, err := crawler.ParseThread(get(next), u, src.Forum)
				if err != nil {
					t.Fatal(err)
				}
				ms = append(ms, tp.Posts...)
				next = ""
				if tp.Next != nil {
					next = tp.Next.String()
				}
			}
			return r.Title, leak.ThreadText(ms)
		}
	}
	t.Fatalf("post %s not listed", p.ID)
	return "", ""
}

// seeds are the corpus seeds the test crawls: 1 and 2, or
// $VERDICT_SEEDS (e.g. 1-20) to try more.
func seeds() []uint64 {
	from, to := 1, 2
	if v := os.Getenv("VERDICT_SEEDS"); v != "" {
		a, b, _ := strings.Cut(v, "-")
		from, _ = strconv.Atoi(a)
		if to, _ = strconv.Atoi(b); b == "" {
			to = from
		}
	}
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, uint64(s))
	}
	return out
}
