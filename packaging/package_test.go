package packaging

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testVersion = "0.9.0~test"

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("LEAKWATCH_REQUIRE_DPKG") != "" {
				t.Fatalf("%s not found, and LEAKWATCH_REQUIRE_DPKG is set", tool)
			}
			t.Skipf("%s not found (Debian's dpkg)", tool)
		}
	}
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestPackageInstallsAndRuns builds the .deb as a release would, checks
// what it holds, installs it with dpkg into a clean root (its maintainer
// scripts run against that root: the daemon's user is made there), and
// runs the installed watcher: its version, and check on the example
// config with the secrets handed over as systemd does.
func TestPackageInstallsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and installs the package")
	}
	need(t, "dpkg-deb", "dpkg")
	dist := t.TempDir()
	deb := strings.TrimSpace(run(t, nil, "bash", "build-deb.sh", testVersion, dist))
	if filepath.Base(deb) != "leakwatch_"+testVersion+"_"+goarch(t)+".deb" {
		t.Fatalf("built %q", deb)
	}
	for field, want := range map[string]string{"Package": "leakwatch", "Version": testVersion, "Depends": "tor"} {
		if got := strings.TrimSpace(run(t, nil, "dpkg-deb", "--field", deb, field)); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	contents := run(t, nil, "dpkg-deb", "--contents", deb)
	for _, p := range []string{
		"./usr/bin/watcher", "./lib/systemd/system/watcher.service", "./usr/lib/sysusers.d/leakwatch.conf",
		"./usr/share/doc/leakwatch/README.md", "./usr/share/doc/leakwatch/config.example.yaml",
		"./usr/share/doc/leakwatch/copyright", "./usr/share/doc/leakwatch/changelog.gz",
		"./usr/share/doc/leakwatch/examples/no-egress.conf", "./usr/share/doc/leakwatch/monitoring/alerts.yml",
		"./usr/share/man/man1/watcher.1.gz", "./usr/share/man/man1/watcher-hits-show.1.gz",
		"./usr/share/bash-completion/completions/watcher", "./usr/share/zsh/vendor-completions/_watcher",
		"./usr/share/fish/vendor_completions.d/watcher.fish",
	} {
		if !strings.Contains(contents, " "+p+"\n") {
			t.Errorf("the package lacks %s", p)
		}
	}
	if !strings.Contains(contents, "drwx------ root/root         0 ") || !strings.Contains(contents, "./etc/watcher/credentials/") {
		t.Errorf("/etc/watcher/credentials is not a root-only folder:\n%s", contents)
	}

	// A clean root: an empty dpkg database and nothing else.
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// tor is not in the clean root: the dependency is forced, not ignored.
	out := run(t, nil, "dpkg", "--root="+root, "--force-script-chrootless", "--force-depends", "--log=/dev/null", "-i", deb)
	if !strings.Contains(out, "Setting up leakwatch ("+testVersion+")") {
		t.Errorf("dpkg -i:\n%s", out)
	}
	if st := run(t, nil, "dpkg", "--root="+root, "-s", "leakwatch"); !strings.Contains(st, "Status: install ok installed") {
		t.Errorf("dpkg -s:\n%s", st)
	}
	if _, err := exec.LookPath("systemd-sysusers"); err == nil {
		if pw, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); !strings.Contains(string(pw), "watcher:x:") {
			t.Errorf("postinst made no watcher user in the root: %q", pw)
		}
	}
	unit, _ := os.ReadFile(filepath.Join(root, "lib/systemd/system/watcher.service"))
	for _, want := range []string{"ExecStart=/usr/bin/watcher run", "SupplementaryGroups=debian-tor", "Documentation=file:///usr/share/doc/leakwatch/README.md"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("installed unit lacks %q", want)
		}
	}
	man, err := os.Open(filepath.Join(root, "usr/share/man/man1/watcher-check.1.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(man)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(zr)
	man.Close()
	if !bytes.Contains(page, []byte(".TH \"WATCHER\" \"1\"")) || !bytes.Contains(page, []byte("EXIT STATUS")) {
		t.Errorf("watcher-check.1 is not the command's man page:\n%.400s", page)
	}

	// The installed binary, from the installed files.
	bin := filepath.Join(root, "usr/bin/watcher")
	if v := run(t, nil, bin, "--version"); !strings.HasPrefix(v, "watcher "+testVersion+" (") {
		t.Errorf("installed watcher --version: %q", v)
	}
	example, err := os.ReadFile(filepath.Join(root, "usr/share/doc/leakwatch/config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "etc/watcher/config.yaml")
	if err := os.WriteFile(cfg, example, 0o644); err != nil {
		t.Fatal(err)
	}
	cred := filepath.Join(root, "etc/watcher/credentials")
	run(t, nil, bin, "keygen", filepath.Join(cred, "hmac.key"))
	if err := os.WriteFile(filepath.Join(cred, "slack-token"), []byte("xoxb-0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = run(t, []string{"CREDENTIALS_DIRECTORY=" + cred}, bin, "check", "--config", cfg)
	if !strings.Contains(out, cfg+": ok (sources: 7") {
		t.Errorf("installed watcher check:\n%s", out)
	}
}

func goarch(t *testing.T) string {
	return strings.TrimSpace(run(t, nil, "go", "env", "GOARCH"))
}
