package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestExampleIsValid: the shipped example loads, and shows one forum of
// each preset and a paste site.
func TestExampleIsValid(t *testing.T) {
	cfg, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	have := map[string]bool{}
	for _, s := range cfg.Sources {
		have[s.Kind+":"+s.Preset] = true
	}
	for _, want := range []string{"forum:mybb", "forum:xenforo", "forum:phpbb", "forum:invision", "paste:", "telegram:", "leaksite:"} {
		if !have[want] {
			t.Errorf("config.example.yaml has no %s source", want)
		}
	}
}

func TestValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no valid fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}

// TestInvalid loads each broken config: an *Error with exactly the
// problems in the .err golden file, every one naming the file, line,
// column and field, all of them at once (a type error does not hide the
// checks of the other fields).
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no invalid fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want an *Error", err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			for _, p := range ce.Problems {
				if p.Line == 0 && !strings.Contains(p.Message, "empty") && p.Field != "secret_key_file" && p.Field != "sources" {
					t.Errorf("problem without a place in the file: %+v", p)
				}
			}
		})
	}
}

// TestDecodeMerges: shared settings through an anchor and a merge key
// load as written, the mapping's own keys over the merged ones.
func TestDecodeMerges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	mustWrite(t, path, `proxy: 127.0.0.1:9050
database: lw.db
secret_key_file: key
crawl:
  timeout: 45s
sources:
  - &base
    name: a
    kind: forum
    preset: mybb
    urls: [http://a.example/]
    max_pages: 4
  - <<: *base
    name: b
    urls: [http://b.example/]
`)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Sources[1]
	if b.Name != "b" || b.Preset != "mybb" || b.MaxPages != 4 || b.URLs[0] != "http://b.example/" {
		t.Errorf("merged source: %+v", b)
	}
	if time.Duration(cfg.Crawl.Timeout) != 45*time.Second || time.Duration(cfg.Crawl.Delay) != 2*time.Second {
		t.Errorf("crawl: timeout %v (set), delay %v (default)", time.Duration(cfg.Crawl.Timeout), time.Duration(cfg.Crawl.Delay))
	}
}

// TestCheckSchedule: cron accepts a step wider than its field and runs it
// once per hour (or day...), which is never what "*/61" meant; every
// ordinary schedule still passes.
func TestCheckSchedule(t *testing.T) {
	for _, ok := range []string{"*/15 * * * *", "0 */6 * * *", "0-30/15 * * * *", "5 4 * * 1-5", "@every 61m", "@hourly", "CRON_TZ=UTC 0 3 * * *", "0 0 */2 * *", "0 0 1 */3 *", "30 2 * * */2"} {
		if err := checkSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"*/61 * * * *", "*/60 * * * *", "0 */24 * * *", "0 0 */31 * *", "0 0 1 */12 *", "0 0 * * */7", "10-20/11 * * * *", "every hour"} {
		if err := checkSchedule(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// TestAliasesBounded: 600 bytes of nested aliases took the decoder 7.7 s
// and 450 MB (more nesting, minutes and gigabytes); they are refused before anything is expanded, while a
// config that shares selectors through an anchor loads.
func TestAliasesBounded(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.yaml")
	mustWrite(t, shared, `proxy: 127.0.0.1:9050
database: lw.db
secret_key_file: key
sources:
  - name: a
    kind: forum
    urls: [http://a.example/]
    selectors: &sel {thread: tr, link: a, post: .post}
  - name: b
    kind: forum
    urls: [http://b.example/]
    selectors: *sel
`)
	cfg, err := Load(shared)
	if err != nil {
		t.Fatalf("anchored selectors: %v", err)
	}
	if cfg.Sources[1].Selectors.Post != ".post" {
		t.Errorf("alias not expanded: %+v", cfg.Sources[1].Selectors)
	}
	// Each source's urls name the previous source's nine times: nine
	// sources, 9^9 URLs once expanded.
	var b strings.Builder
	b.WriteString("proxy: 127.0.0.1:9050\ndatabase: lw.db\nsources:\n  - {name: s0, kind: forum, urls: &a0 [x,x,x,x,x,x,x,x,x]}\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "  - {name: s%d, kind: forum, urls: &a%d [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	bomb := filepath.Join(dir, "bomb.yaml")
	mustWrite(t, bomb, b.String())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, err = Load(bomb)
	runtime.ReadMemStats(&ms)
	if err == nil || !strings.Contains(err.Error(), "aliases expand to more than 10000 values") {
		t.Errorf("alias bomb: %v", err)
	}
	if alloc := ms.TotalAlloc - before; alloc > 64<<20 {
		t.Errorf("refusing the alias bomb allocated %d MiB", alloc>>20)
	}
}

func TestReadSecretRefusesOpenModes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	if err := os.WriteFile(p, []byte(strings.Repeat("ab", 32)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKey(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readKey of a 0644 file = %v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := ReadKey(p)
	if err != nil || len(k) != 32 {
		t.Errorf("readKey = %x, %v", k, err)
	}
}

// TestSlackRelayIsALoopbackAddress: plain http carries the bot token, so
// it goes only to a loopback IP; "localhost" is a name a hosts file may
// map anywhere, as metrics_listen learned.
func TestSlackRelayIsALoopbackAddress(t *testing.T) {
	base := "proxy: 127.0.0.1:9050\ndatabase: lw.db\nsecret_key_file: key\nsources: [{name: p, kind: paste, urls: [\"http://p.example/\"], selectors: {item: li, link: a}}]\n" +
		"slack: {bot_token_file: t, channel: \"#leaks\", api_url: %q}\n"
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080/api/": true, "http://[::1]:8080/api/": true, "https://slack-relay.example/api/": true,
		"http://localhost:8080/api/": false, "http://relay.example/api/": false,
	} {
		path := filepath.Join(t.TempDir(), "c.yaml")
		mustWrite(t, path, fmt.Sprintf(base, url))
		_, err := Load(path)
		if ok != (err == nil) || !ok && !strings.Contains(err.Error(), "slack.api_url: plain http only to a relay at a loopback address") {
			t.Errorf("api_url %s: %v", url, err)
		}
	}
}

// TestSecretPaths: a relative config path still resolves from an
// absolute folder (no "hmac.key" without a folder in an error), and a
// secret systemd handed over is read by its file name, whatever path the
// config names; without the credential the path itself is read.
func TestSecretPaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("c.yaml", []byte("database: lw.db\nsecret_key_file: keys/hmac.key\nsources:\n  - name: forum\n    kind: forum\n    urls: [http://forum.example/]\n    selectors: {thread: tr, link: a, post: .post}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Secret(cfg.SecretKeyFile), filepath.Join(dir, "keys", "hmac.key"); got != want {
		t.Errorf("Secret = %q, want %q", got, want)
	}
	cred := t.TempDir()
	t.Setenv("CREDENTIALS_DIRECTORY", cred)
	if got := cfg.Secret("/etc/watcher/credentials/hmac.key"); got != "/etc/watcher/credentials/hmac.key" {
		t.Errorf("no credential yet: Secret = %q", got)
	}
	if err := os.WriteFile(filepath.Join(cred, "hmac.key"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc/watcher/credentials/hmac.key", "keys/hmac.key", "hmac.key"} {
		if got := cfg.Secret(p); got != filepath.Join(cred, "hmac.key") {
			t.Errorf("Secret(%q) = %q, want the credential", p, got)
		}
	}
}
