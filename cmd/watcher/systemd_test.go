package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"leakwatch/config"
)

// TestSystemdUnits checks the shipped unit and its no-egress drop-in with
// systemd-analyze: verify passes, and the offline exposure scores are at
// most 1.5 (direct Slack) and 1.0 (no egress but localhost).
func TestSystemdUnits(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("LEAKWATCH_REQUIRE_SYSTEMD_ANALYZE") != "" {
			t.Fatal("systemd-analyze not found")
		}
		t.Skip("systemd-analyze not found")
	}
	bin := watcherBinary(t)
	unit, err := os.ReadFile("../../systemd/watcher.service")
	if err != nil {
		t.Fatal(err)
	}
	dropIn, err := os.ReadFile("../../systemd/watcher.service.d/no-egress.conf")
	if err != nil {
		t.Fatal(err)
	}
	// The unit as installed, with ExecStart at the binary built here
	// (verify checks that commands exist).
	base := strings.ReplaceAll(string(unit), "/usr/local/bin/watcher", bin)
	// The drop-in's settings merged into [Service], as systemd would.
	var extra []string
	for _, l := range strings.Split(string(dropIn), "\n") {
		if strings.HasPrefix(l, "IPAddress") {
			extra = append(extra, l)
		}
	}
	if len(extra) != 2 {
		t.Fatalf("no-egress.conf: %v; want IPAddressDeny and IPAddressAllow", extra)
	}
	noEgress := strings.Replace(base, "[Install]", strings.Join(extra, "\n")+"\n\n[Install]", 1)
	for _, c := range []struct {
		name, text string
		max        float64
	}{{"direct Slack", base, 1.5}, {"no egress", noEgress, 1.0}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "watcher.service")
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tool, "verify", path)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("%s: systemd-analyze verify: %v\n%s", c.name, err, out)
		}
		cmd = exec.Command(tool, "security", "--offline=true", path)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		m := regexp.MustCompile(`Overall exposure level for watcher.service: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no exposure level in:\n%s", c.name, out)
		}
		score, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("%s: exposure %.1f", c.name, score)
		if score > c.max {
			t.Errorf("%s: exposure %.1f > %.1f", c.name, score, c.max)
		}
	}
}

// TestUnitLoadsTheExampleSecrets: the unit had LoadCredential for the
// webhook only, while the README recommends a bot token. Every secret
// file config.example.yaml names has a LoadCredential line of its own
// name, and the other Slack mode's line is there, commented out.
func TestUnitLoadsTheExampleSecrets(t *testing.T) {
	unit, err := os.ReadFile("../../systemd/watcher.service")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	active, commented := map[string]string{}, map[string]string{}
	for _, l := range strings.Split(string(unit), "\n") {
		l = strings.TrimSpace(l)
		into := active
		if strings.HasPrefix(l, "#") {
			l, into = strings.TrimLeft(l, "# "), commented
		}
		if id, ok := strings.CutPrefix(l, "LoadCredential="); ok {
			id, path, _ := strings.Cut(id, ":")
			if filepath.Base(path) != id {
				t.Errorf("LoadCredential %s loads %s: the id is the file name the config uses", id, path)
			}
			into[id] = path
		}
	}
	// One path for each secret: the one the config names is the one the
	// unit hands over, under its file name (config.Secret looks there).
	for field, name := range map[string]string{"secret_key_file": cfg.SecretKeyFile, "slack.bot_token_file": cfg.Slack.BotTokenFile} {
		if name == "" || active[filepath.Base(name)] != name {
			t.Errorf("config.example.yaml %s: %q has no LoadCredential line loading that path in the unit (%v)", field, name, active)
		}
	}
	if commented["slack-webhook"] == "" || active["slack-webhook"] != "" {
		t.Errorf("the webhook's LoadCredential line should be there, commented out: active %v, commented %v", active, commented)
	}
}
