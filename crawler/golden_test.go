package crawler_test

import (
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"leakwatch/crawler"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got, as indented JSON, with testdata/name; -update
// rewrites the file.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listingJSON is a Listing in a stable, readable form.
type listingJSON struct {
	Refs []crawler.Ref `json:"refs"`
	Next string        `json:"next,omitempty"`
}

func toJSON(l crawler.Listing) listingJSON {
	j := listingJSON{Refs: l.Refs}
	if l.Next != nil {
		j.Next = l.Next.String()
	}
	return j
}

// TestEnginePresetsGolden parses saved MyBB, XenForo and phpBB pages with
// the engine's preset alone.
func TestEnginePresetsGolden(t *testing.T) {
	bases := map[string]string{
		"mybb":     "http://forum.onion/forumdisplay.php?fid=7",
		"xenforo":  "http://forum.onion/forums/databases.7/",
		"phpbb":    "http://forum.onion/viewforum.php?f=7",
		"invision": "https://board.example/forum/7-databases/",
	}
	for engine, base := range bases {
		t.Run(engine, func(t *testing.T) {
			sel, err := crawler.Preset(engine)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(base)
			l, err := crawler.ParseForumListing(read(t, engine+"/listing.html"), u, sel)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, engine+"/listing.golden.json", toJSON(l))
			if len(l.Refs) == 0 {
				t.Fatal("no threads")
			}
			tu, _ := url.Parse(l.Refs[0].URL)
			for _, page := range []string{"thread", "thread-2"} {
				tp, err := crawler.ParseThread(read(t, engine+"/"+page+".html"), tu, sel)
				if err != nil {
					t.Fatal(err)
				}
				next := ""
				if tp.Next != nil {
					next = tp.Next.String()
				}
				golden(t, engine+"/"+page+".golden.json", map[string]any{"posts": tp.Posts, "next": next})
			}
		})
	}
}

func TestPasteListingsGolden(t *testing.T) {
	base, _ := url.Parse("http://paste.onion/archive")
	l, err := crawler.ParsePasteListing(read(t, "paste/recent.html"), base, crawler.PasteSelectors{
		Item: "table.archive tr", Link: "a", Posted: "td.date", Raw: "http://paste.onion/raw/{key}",
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "paste/recent.golden.json", toJSON(l))

	api, _ := url.Parse("https://scrape.paste.example/api_scraping.php?limit=100")
	l, err = crawler.ParsePasteJSON(read(t, "paste/api.json"), api, crawler.PasteSelectors{Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "paste/api.golden.json", toJSON(l))
}
