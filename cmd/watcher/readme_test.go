package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"leakwatch/demo"
	"leakwatch/internal/slackserver"
)

// readmeSteps are the command lines of the README's "Running it for
// real": its code blocks' lines (indented seven spaces, inside the
// numbered steps), in order.
func readmeSteps(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Running it for real\n")
	end := strings.Index(text, "\n### From the Debian package\n")
	if start < 0 || end < start {
		t.Fatal("README: no \"Running it for real\" section before \"From the Debian package\"")
	}
	var steps []string
	for _, l := range strings.Split(text[start:end], "\n") {
		if strings.HasPrefix(l, "       ") && !strings.HasPrefix(l, "        ") {
			steps = append(steps, strings.TrimSpace(l))
		}
	}
	return steps
}

// TestReadmeWalkthrough runs the README's "Running it for real" steps as
// printed, in a shell, with the binary built from this tree on PATH,
// against the demo's forum and paste site and a local Slack: keygen,
// the config, check, test-alert, canary generate and list, fingerprint
// import and stats, scan, run --once, status, hits list and show. What
// the README cannot hold is done as an operator would: /etc/watcher,
// /var/lib/watcher and /run/watcher live in a temporary root (the paths
// in each line are moved there, and LEAKWATCH_CONFIG names the moved
// default), and the config is config.example.yaml with the operator's
// edits (the proxy, sources, brands and Slack of the demo world; no
// politeness delays, for speed).
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the walkthrough")
	}
	steps := readmeSteps(t)
	var names []string
	for _, s := range steps {
		if f := strings.Fields(s); f[0] == "watcher" {
			names = append(names, strings.Join(f[:2], " "))
		}
	}
	for _, want := range []string{"watcher keygen", "watcher check", "watcher test-alert", "watcher canary", "watcher fingerprint", "watcher scan", "watcher run", "watcher status", "watcher hits"} {
		if !strings.Contains(strings.Join(names, "\n")+"\n", want+"\n") {
			t.Errorf("the README's steps have no %s (have %v)", want, names)
		}
	}

	world, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Close() })
	const token = "xoxb-readme-token"
	slack := slackserver.New(token)
	t.Cleanup(slack.Close)

	root := t.TempDir()
	moved := strings.NewReplacer("/etc/watcher", root+"/etc/watcher", "/var/lib/watcher", root+"/var/lib/watcher", "/run/watcher", root+"/run/watcher")
	config := root + "/etc/watcher/config.yaml"
	work := t.TempDir()
	customers, _ := demo.File("data/customers.csv")
	mustWrite(t, filepath.Join(work, "crm.csv"), string(customers), 0o600)
	rows := strings.Split(strings.TrimSpace(string(customers)), "\n")
	mustWrite(t, filepath.Join(work, "sample.txt"), "[SELLING] Halcyon Wireless customer DB, 68M rows, SSN+DL, 6 BTC, escrow ok. Sample:\n"+strings.Join(rows[:9], "\n")+"\n", 0o600)

	bin := watcherBinary(t)
	env := append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"), "LEAKWATCH_CONFIG="+config, "SLACK_BOT_TOKEN="+token)
	outputs := map[string]string{}
	for _, step := range steps {
		if strings.HasPrefix(step, "watcher check") && !exists(config) {
			writeOperatorConfig(t, config, moved, world, slack.APIURL())
		}
		cmd := exec.Command("bash", "-c", moved.Replace(step))
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("README step %q: %v\n%s", step, err, out)
		}
		outputs[step] = string(out)
	}
	for prefix, want := range map[string]string{
		"watcher keygen":             "hmac.key",
		"watcher check":              "config.yaml: ok (sources: 2: breachbazaar, quietbin)",
		"watcher test-alert":         "delivered",
		"watcher canary generate":    "wrote 5 canaries for partition billing-db to billing-canaries.csv",
		"watcher canary list":        "billing-db",
		"watcher fingerprint import": "imported crm.csv into dataset crm (partition crm-prod)",
		"watcher fingerprint stats":  "crm-prod",
		"watcher scan":               "sample.txt: CRITICAL: Sale claim",
		"watcher run --once":         "2 of 2 sources crawled",
		"watcher status":             "daemon: not running",
		"watcher hits list":          "Sale claim: 68M Halcyon Wireless",
		"watcher hits show":          "hit 1: ",
	} {
		found := false
		for step, out := range outputs {
			if strings.HasPrefix(step, prefix) {
				found = true
				if !strings.Contains(out, want) {
					t.Errorf("%s printed no %q:\n%s", step, want, out)
				}
			}
		}
		if !found {
			t.Errorf("no README step starts with %q", prefix)
		}
	}
	if n := len(slack.Messages()); n < 3 {
		t.Errorf("Slack got %d messages; want the test alert and the crawl's alerts", n)
	}
}

// writeOperatorConfig is config.example.yaml as an operator edits it for
// the demo world: the proxy, the demo's sources, brands and alerts, the
// Slack API at the local server, the paths moved into the test's root.
func writeOperatorConfig(t *testing.T, path string, moved *strings.Replacer, w *demo.World, slackAPI string) {
	t.Helper()
	b, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top := regexp.MustCompile(`^([a-z_]+):`)
	var out []string
	skip := false
	for _, l := range strings.Split(moved.Replace(string(b)), "\n") {
		if m := top.FindStringSubmatch(l); m != nil {
			skip = false
			switch m[1] {
			case "proxy":
				l = "proxy: " + w.Proxy.Addr()
			case "metrics_listen":
				l = "# " + l // run --once serves none
			case "sources":
				out = append(out, strings.TrimRight(w.ConfigYAML(), "\n"))
				skip = true
				continue
			case "matchers", "alerts":
				skip = true
				continue
			case "slack":
				out = append(out, l, "  api_url: "+slackAPI)
				continue
			}
		}
		if skip {
			continue
		}
		for fast, v := range map[string]string{"delay": "0s", "jitter": "0s", "backoff": "10ms", "schedule_jitter": "0s"} {
			if strings.HasPrefix(l, "  "+fast+": ") {
				l = "  " + fast + ": " + v
			}
		}
		out = append(out, l)
	}
	mustWrite(t, path, strings.Join(out, "\n"), 0o644)
}
