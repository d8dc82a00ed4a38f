package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestScanGolden runs `watcher scan --json` over realistic sale posts,
// dumps and benign posts, against the demo company's canaries and
// fingerprints, and compares with golden files (go test -update rewrites
// them).
func TestScanGolden(t *testing.T) {
	f := newRunFixture(t)
	files, _ := filepath.Glob("testdata/scan/*.txt")
	html, _ := filepath.Glob("testdata/scan/*.html")
	files = append(files, html...)
	if len(files) < 30 {
		t.Fatalf("only %d scan fixtures", len(files))
	}
	// Anything that looks like a value: none may appear in the output.
	valueRe := regexp.MustCompile(`[\w.+-]+@[\w.-]+\.\w+|\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}|\d{3}-\d{2}-\d{4}|\d{9,15}`)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			// NAME.args holds the fixture's flags (--title, --html, --preset).
			args := []string{"scan", "--config", f.config, "--json"}
			ext := filepath.Ext(file)
			if b, err := os.ReadFile(strings.TrimSuffix(file, ext) + ".args"); err == nil {
				args = append(args, splitArgs(string(b))...)
			}
			out, stderr, code := execute(t, append(args, file)...)
			if code != exitOK {
				t.Fatalf("scan exit %d: %s", code, stderr)
			}
			var rep scanReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("scan --json: %v\n%s", err, out)
			}
			golden := strings.TrimSuffix(file, ext) + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if out != string(want) {
				t.Errorf("scan --json %s differs from %s:\n%s", file, golden, out)
			}
			text, _ := os.ReadFile(file)
			// The seller's contact points are the seller's: they are
			// shown; every other value-like string is not.
			seller := map[string]bool{}
			if c := rep.Evidence.Claim; c != nil {
				for _, p := range c.Points {
					seller[strings.TrimPrefix(p.Value, "@")] = true
				}
			}
			for _, v := range valueRe.FindAllString(string(text), -1) {
				if !seller[v] && strings.Contains(out, v) {
					t.Errorf("output repeats the value %q", v)
				}
			}
		})
	}
}

func TestScanHumanAndStdin(t *testing.T) {
	f := newRunFixture(t)
	text, _ := os.ReadFile("testdata/scan/sale-with-sample.txt")
	var out, errOut bytes.Buffer
	g := &globals{stdout: &out, stderr: &errOut, logFormat: "text"}
	cmd := newRootCmd(g)
	cmd.SetIn(bytes.NewReader(text))
	cmd.SetArgs([]string{"scan", "--config", f.config, "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("scan -: %v", err)
	}
	for _, want := range []string{
		"-: CRITICAL: Sale claim: 68M Halcyon Wireless customer records",
		"sample: 2 of 4 rows are real customers (2 distinct), 1 canary rows, 1 match nothing",
		"canary cn-billing-0001 from partition billing-db",
		"customer (crm/crm-prod)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("scan output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestNoPlaintextAtRest imports the demo company's data and canaries, runs
// a crawl that records hits from samples holding them, and then reads every
// file leakwatch wrote: none may hold any imported value in any spelling
// the import accepted.
func TestNoPlaintextAtRest(t *testing.T) {
	f := newRunFixture(t)
	if _, _, code := execute(t, "run", "--config", f.config, "--once"); code != exitOK {
		t.Fatalf("run exit %d", code)
	}
	var values []string
	for _, csvFile := range []string{"../../demo/data/customers.csv", "../../demo/data/canaries.csv"} {
		b, _ := os.ReadFile(csvFile)
		for i, line := range strings.Split(string(b), "\n") {
			if i == 0 {
				continue
			}
			for _, v := range strings.Split(line, ",") {
				v = strings.TrimSpace(v)
				if len(v) >= 6 && strings.ContainsAny(v, "0123456789@") && !strings.HasPrefix(v, "cn-") {
					values = append(values, v, strings.ToLower(v), digitsOnly(v))
				}
			}
		}
	}
	if len(values) < 40 {
		t.Fatalf("only %d values to look for", len(values))
	}
	n := 0
	err := filepath.Walk(f.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		for _, v := range values {
			if len(v) >= 6 && bytes.Contains(b, []byte(v)) {
				t.Errorf("%s contains the imported value %q", p, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("read only %d files", n)
	}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func TestCanaryGenerateListAndScan(t *testing.T) {
	f := newRunFixture(t)
	cfg, _ := os.ReadFile(f.config)
	mustWrite(t, f.config, string(cfg)+"canaries:\n  domain: canary.halcyon.test\n", 0o644)
	out, stderr, code := execute(t, "canary", "generate", "--config", f.config, "--partition", "billing-db", "--count", "3")
	if code != exitOK {
		t.Fatalf("generate exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "canary_id,partition,name,email,phone" {
		t.Fatalf("generate printed:\n%s", out)
	}
	fields := strings.Split(lines[1], ",")
	id, email, phone := fields[0], fields[3], fields[4]
	if !strings.HasSuffix(email, "@canary.halcyon.test") || !strings.Contains(phone, "555-01") {
		t.Errorf("canary %q %q: want the canary domain and a 555-01XX number", email, phone)
	}
	// --out writes a private file, and never over an existing one.
	if !strings.Contains(stderr, "stored 3 canaries for partition billing-db") {
		t.Errorf("generate does not say what it stored: %q", stderr)
	}
	// The file is written before anything is stored: a write that fails
	// stores nothing.
	if _, stderr, code := execute(t, "canary", "generate", "--config", f.config, "--partition", "crm-prod", "--count", "1", "--out", filepath.Join(f.dir, "no-such-dir", "c.csv")); code == exitOK || !strings.Contains(stderr, "nothing stored") {
		t.Errorf("generate --out into a missing folder: exit %d: %s", code, stderr)
	}
	if list, _, _ := execute(t, "canary", "list", "--config", f.config); strings.Contains(list, "cn-crm-prod-") {
		t.Errorf("a canary was stored whose file was never written:\n%s", list)
	}
	outFile := filepath.Join(f.dir, "planted.csv")
	out, stderr, code = execute(t, "canary", "generate", "--config", f.config, "--partition", "crm-prod", "--count", "1", "--out", outFile)
	if code != exitOK {
		t.Fatalf("generate --out exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "wrote 1 canary for partition crm-prod to "+outFile+" (mode 0600") {
		t.Errorf("generate --out does not say what it wrote:\n%s", out)
	}
	if b, _ := os.ReadFile(outFile); strings.Count(string(b), "\n") != 2 || !strings.Contains(string(b), ",crm-prod,") {
		t.Errorf("--out file:\n%s", b)
	}
	if fi, err := os.Stat(outFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--out file %v, %v; want mode 0600", fi, err)
	}
	if _, _, code := execute(t, "canary", "generate", "--config", f.config, "--partition", "crm-prod", "--count", "1", "--out", outFile); code == exitOK {
		t.Error("generate --out overwrote an existing file")
	}
	list, _, code := execute(t, "canary", "list", "--config", f.config)
	if code != exitOK || !strings.Contains(list, id) || !strings.Contains(list, "billing-db") {
		t.Errorf("list (exit %d):\n%s", code, list)
	}
	if strings.Contains(list, email) || strings.Contains(list, phone) {
		t.Errorf("list shows a canary value:\n%s", list)
	}
	// A post holding the generated canary is critical and names its partition.
	post := filepath.Join(t.TempDir(), "post.txt")
	mustWrite(t, post, "dump\n"+email+","+phone+"\n", 0o600)
	out, _, _ = execute(t, "scan", "--config", f.config, post)
	if !strings.Contains(out, "CRITICAL") || !strings.Contains(out, "canary "+id+" from partition billing-db") {
		t.Errorf("scan of a post with the canary:\n%s", out)
	}
}

// splitArgs splits a fixture's flags: words, or "double-quoted words".
func splitArgs(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				end = len(s) - 1
			}
			out = append(out, s[1:end+1])
			s = s[min(end+2, len(s)):]
			continue
		}
		w, rest, _ := strings.Cut(s, " ")
		out = append(out, w)
		s = rest
	}
	return out
}
