package crawler

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCookiesTxt: a Netscape cookies.txt (as browser export add-ons and
// curl write it) sends each cookie only to its domain (and subdomains when
// it says so) and path, secure ones only over https, expired ones never;
// curl's #HttpOnly_ lines are cookies, not comments; a bad line is named
// by its number.
func TestCookiesTxt(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	future, past := "1893456000", "1700000000" // 2030, 2023
	jar := strings.Join([]string{
		"# Netscape HTTP Cookie File",
		"forum.example.onion\tFALSE\t/\tFALSE\t" + future + "\tmybbuser\t1_abc",
		"#HttpOnly_forum.example.onion\tFALSE\t/\tFALSE\t0\tsid\txyz",
		".example.onion\tTRUE\t/\tFALSE\t" + future + "\twide\tall",
		"forum.example.onion\tFALSE\t/admin\tFALSE\t" + future + "\tadm\tonly-admin",
		"forum.example.onion\tFALSE\t/\tTRUE\t" + future + "\tsec\thttps-only",
		"forum.example.onion\tFALSE\t/\tFALSE\t" + past + "\told\texpired",
		"other.onion\tFALSE\t/\tFALSE\t" + future + "\tforeign\tnope",
		"",
	}, "\r\n")
	path := filepath.Join(t.TempDir(), "cookies.txt")
	if err := os.WriteFile(path, []byte(jar), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &cookieFile{path: path}
	for raw, want := range map[string]string{
		"http://forum.example.onion/forumdisplay.php?fid=7": "mybbuser=1_abc; sid=xyz; wide=all",
		"http://forum.example.onion/admin/index.php":        "mybbuser=1_abc; sid=xyz; wide=all; adm=only-admin",
		"http://forum.example.onion/administrator":          "mybbuser=1_abc; sid=xyz; wide=all",
		"https://forum.example.onion/":                      "mybbuser=1_abc; sid=xyz; wide=all; sec=https-only",
		"http://paste.example.onion/raw/1":                  "wide=all",
		"http://example.onion/":                             "wide=all",
		"http://elsewhere.onion/":                           "",
	} {
		u, _ := url.Parse(raw)
		got, err := c.value(u, now)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", raw, got, err, want)
		}
	}
	bad := "forum.example.onion\tFALSE\t/\tFALSE\t0\tsid\txyz\nforum.example.onion\tMAYBE\t/\tFALSE\t0\tx\ty\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	_ = os.Chtimes(path, later, later)
	u, _ := url.Parse("http://forum.example.onion/")
	if _, err := c.value(u, now); err == nil || !strings.Contains(err.Error(), "cookies.txt:2: \"MAYBE\": want TRUE or FALSE") {
		t.Errorf("bad line: %v", err)
	}
}
