package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/internal/buildinfo"
)

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

var update = flag.Bool("update", false, "rewrite golden files")

// TestConfigExampleIsValid: the example passes check where its secrets
// are, here handed over as systemd does (by file name in
// $CREDENTIALS_DIRECTORY), and check fails, naming the path and what
// makes it, when one is missing or readable by others.
func TestConfigExampleIsValid(t *testing.T) {
	cred := t.TempDir()
	t.Setenv("CREDENTIALS_DIRECTORY", cred)
	if _, stderr, code := execute(t, "check", "--config", "../../config.example.yaml"); code != exitError ||
		!strings.Contains(stderr, "secret_key_file: /etc/watcher/credentials/hmac.key: no such file or directory, and no credential hmac.key in $CREDENTIALS_DIRECTORY") ||
		!strings.Contains(stderr, "watcher keygen /etc/watcher/credentials/hmac.key") || !strings.Contains(stderr, "slack.bot_token_file") {
		t.Errorf("check without the secrets: exit %d, stderr:\n%s", code, stderr)
	}
	if _, stderr, code := execute(t, "keygen", filepath.Join(cred, "hmac.key")); code != exitOK {
		t.Fatal(stderr)
	}
	token := filepath.Join(cred, "slack-token")
	if err := os.WriteFile(token, []byte("xoxb-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := execute(t, "check", "--config", "../../config.example.yaml"); code != exitError ||
		!strings.Contains(stderr, "slack.bot_token_file: "+token+" has mode 0644") || !strings.Contains(stderr, "chmod 600 "+token) ||
		strings.Contains(stderr, "secret_key_file") {
		t.Errorf("check with a token readable by others: exit %d, stderr:\n%s", code, stderr)
	}
	if err := os.Chmod(token, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := execute(t, "check", "--config", "../../config.example.yaml"); code != exitOK || !strings.Contains(out, "config.example.yaml: ok") {
		t.Errorf("watcher check config.example.yaml exited %d:\n%s%s", code, out, stderr)
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
	k1, err := config.ReadKey(p)
	if err != nil || len(k1) != 32 {
		t.Fatalf("readKey = %v", err)
	}
	if _, _, code := execute(t, "keygen", p); code != exitError {
		t.Errorf("keygen over an existing key exited %d, want %d", code, exitError)
	}
	k2, _ := config.ReadKey(p)
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

// TestCheckSaysEveryProblem: check exits 2 with every problem of a broken
// config, each on its own line with file, line, column and field.
func TestCheckSaysEveryProblem(t *testing.T) {
	f := "../../config/testdata/invalid/many.yaml"
	want, err := os.ReadFile("../../config/testdata/invalid/many.err")
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := execute(t, "check", "--config", f)
	if code != exitUsage || stderr != "watcher: "+strings.ReplaceAll(string(want), "testdata/", "../../config/testdata/") {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}

// TestConfigFromFlagEnvOrDefault: every command reads --config, else
// $LEAKWATCH_CONFIG, else /etc/watcher/config.yaml, and says all three
// when there is none.
func TestConfigFromFlagEnvOrDefault(t *testing.T) {
	f := newRunFixture(t)
	t.Setenv(configEnv, f.config)
	out, stderr, code := execute(t, "check")
	if code != exitOK || !strings.HasPrefix(out, f.config+": ok") {
		t.Errorf("check with %s set (exit %d): %s %s", configEnv, code, out, stderr)
	}
	if _, stderr, code = execute(t, "check", "--config", "../../config/testdata/invalid/wrong_type.yaml"); code != exitUsage || !strings.Contains(stderr, "max_pages") {
		t.Errorf("--config over %s (exit %d): %s", configEnv, code, stderr)
	}
	t.Setenv(configEnv, "")
	if _, err := os.Stat(defaultConfig); err == nil {
		t.Skip(defaultConfig + " exists here")
	}
	_, stderr, code = execute(t, "hits", "list")
	if code != exitUsage || stderr != "watcher: hits list needs a config: --config FILE, or LEAKWATCH_CONFIG, or /etc/watcher/config.yaml (there is none)\n" {
		t.Errorf("hits list with no config (exit %d): %q", code, stderr)
	}
}

// TestExitStatusHelp: every command's help ends with the statuses it can
// exit with, and only those: keygen never promises a partial crawl, hits
// show names its not-found code, which is what a missing hit exits with.
func TestExitStatusHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		if c.Runnable() {
			seen++
			help := c.Long
			if !strings.Contains(help, "\nEXIT STATUS\n  0  success\n") || !strings.Contains(help, "2  bad flags or an invalid configuration") {
				t.Errorf("%s: no EXIT STATUS block:\n%s", c.CommandPath(), help)
			}
			partial := strings.Contains(help, "\n  3  ")
			if want := c.CommandPath() == "watcher run" || c.CommandPath() == "watcher demo" || c.CommandPath() == "watcher status"; partial != want {
				t.Errorf("%s: status 3 listed: %v, want %v", c.CommandPath(), partial, want)
			}
			notFound := strings.Contains(help, "\n  4  no hit with that id")
			if want := c.CommandPath() == "watcher hits show" || c.CommandPath() == "watcher hits ack"; notFound != want {
				t.Errorf("%s: status 4 listed: %v, want %v", c.CommandPath(), notFound, want)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(&globals{stdout: io.Discard, stderr: io.Discard}))
	if seen < 20 {
		t.Errorf("walked %d commands", seen)
	}
	f := newRunFixture(t)
	for _, args := range [][]string{{"hits", "show", "99"}, {"hits", "ack", "99"}} {
		if _, stderr, code := execute(t, append(args, "--config", f.config)...); code != exitNotFound || !strings.Contains(stderr, "hit 99: not found") {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitNotFound, stderr)
		}
	}
}

// TestUnknownCommandsSuggest: a typo is a usage error that names the
// nearest command, at every level; a group never exits 0 on a typo.
func TestUnknownCommandsSuggest(t *testing.T) {
	for args, want := range map[string]string{
		"stauts":     `unknown command "stauts" for "watcher": did you mean status?`,
		"hits lsit":  `unknown command "lsit" for "watcher hits": did you mean list?`,
		"canary gen": `unknown command "gen" for "watcher canary": did you mean generate?`,
		"zzz":        `unknown command "zzz" for "watcher" (see watcher --help)`,
	} {
		if _, stderr, code := execute(t, strings.Fields(args)...); code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("watcher %s: exit %d, stderr %q; want %q", args, code, stderr, want)
		}
	}
}

// TestVersion: --version and version print the same line; --json holds
// the toolchain this test runs on.
func TestVersion(t *testing.T) {
	flag, _, code1 := execute(t, "--version")
	cmd, _, code2 := execute(t, "version")
	if code1 != exitOK || code2 != exitOK || flag != cmd || !strings.HasPrefix(cmd, "watcher ") || !strings.Contains(cmd, runtime.Version()) {
		t.Errorf("--version %q (exit %d), version %q (exit %d)", flag, code1, cmd, code2)
	}
	out, _, _ := execute(t, "version", "--json")
	var in buildinfo.Info
	if err := json.Unmarshal([]byte(out), &in); err != nil || in.Version == "" || in.GoVersion != runtime.Version() {
		t.Errorf("version --json %q: %+v %v", out, in, err)
	}
}
