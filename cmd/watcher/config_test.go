package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// execute runs the watcher command line in-process and returns its output
// and exit status.
func execute(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	g := &globals{stdout: &out, stderr: &errOut, logFormat: "text"}
	cmd := newRootCmd(g)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString("watcher: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestConfigExampleIsValid(t *testing.T) {
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	// The example shows one forum of each preset and a paste site.
	have := map[string]bool{}
	for _, s := range cfg.Sources {
		have[s.Kind+":"+s.Preset] = true
	}
	for _, want := range []string{"forum:mybb", "forum:xenforo", "forum:phpbb", "paste:"} {
		if !have[want] {
			t.Errorf("config.example.yaml has no %s source", want)
		}
	}
	_, _, code := execute(t, "check", "--config", "../../config.example.yaml")
	if code != exitOK {
		t.Errorf("watcher check config.example.yaml exited %d", code)
	}
}

func TestConfigValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/config/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no valid fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := loadConfig(f); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}

// TestConfigInvalid checks `watcher check` on each broken config: exit 2
// and exactly the messages in the .err golden file, each naming the file,
// line and field.
func TestConfigInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/config/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no invalid fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			stdout, stderr, code := execute(t, "check", "--config", f)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stdout %q", code, exitUsage, stdout)
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(stderr), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if stderr != string(want) {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if !strings.Contains(line, f+":") {
					t.Errorf("message does not name the file and line: %q", line)
				}
			}
		})
	}
}

func TestReadSecretRefusesOpenModes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	if err := os.WriteFile(p, []byte(strings.Repeat("ab", 32)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readKey(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readKey of a 0644 file = %v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := readKey(p)
	if err != nil || len(k) != 32 {
		t.Errorf("readKey = %x, %v", k, err)
	}
}

func TestKeygen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hmac.key")
	if _, stderr, code := execute(t, "keygen", p); code != exitOK {
		t.Fatalf("keygen exit %d: %s", code, stderr)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", fi, err)
	}
	k1, err := readKey(p)
	if err != nil || len(k1) != 32 {
		t.Fatalf("readKey = %v", err)
	}
	if _, _, code := execute(t, "keygen", p); code != exitError {
		t.Errorf("keygen over an existing key exited %d, want %d", code, exitError)
	}
	k2, _ := readKey(p)
	if !bytes.Equal(k1, k2) {
		t.Error("keygen overwrote an existing key")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"check"}, {"run"}, {"run", "--bogus"}, {"version", "extra"}, {"bogus"}} {
		if _, _, code := execute(t, args...); code != exitUsage {
			t.Errorf("watcher %v exited %d, want %d", args, code, exitUsage)
		}
	}
	out, _, code := execute(t, "version")
	if code != 0 || !strings.HasPrefix(out, "watcher ") {
		t.Errorf("version = %q, %d", out, code)
	}
}

// TestSlackProxyCredentialsNotEchoed: a bad slack.proxy is reported without
// repeating a password it may hold.
func TestSlackProxyCredentialsNotEchoed(t *testing.T) {
	b, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, proxy := range []string{"ftp://user:s3cr3tpw@proxy:21", "http://user:s3cr3tpw@proxy:3128/%zz"} {
		path := filepath.Join(t.TempDir(), "c.yaml")
		cfg := strings.Replace(string(b), "slack:\n", "slack:\n  proxy: \""+proxy+"\"\n", 1)
		mustWrite(t, path, cfg, 0o644)
		_, stderr, code := execute(t, "check", "--config", path)
		if code != exitUsage || !strings.Contains(stderr, "slack.proxy") || strings.Contains(stderr, "s3cr3tpw") {
			t.Errorf("check with slack.proxy %q (exit %d): %s", proxy, code, stderr)
		}
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
`, 0o600)
	cfg, err := loadConfig(shared)
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
	mustWrite(t, bomb, b.String(), 0o600)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, err = loadConfig(bomb)
	runtime.ReadMemStats(&ms)
	if err == nil || !strings.Contains(err.Error(), "aliases expand to more than 10000 values") {
		t.Errorf("alias bomb: %v", err)
	}
	if alloc := ms.TotalAlloc - before; alloc > 64<<20 {
		t.Errorf("refusing the alias bomb allocated %d MiB", alloc>>20)
	}
}
