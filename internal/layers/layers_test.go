package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The house, bottom up. A package may import only what its layer
// allows: the nouns (leak) and the one shared helper (internal/wait)
// from everywhere; leaves nothing else of ours; the steps the leaves;
// the composition root (daemon) everything but the face; the face
// (cmd/watcher) anything. Test-only packages are never imported by
// production code.
var (
	nouns = []string{"leakwatch/leak", "leakwatch/internal/wait", "leakwatch/internal/buildinfo"}
	// leaves never import each other.
	leaves = []string{"leakwatch/crawler", "leakwatch/matchers", "leakwatch/store", "leakwatch/fpstore", "leakwatch/alerts"}
	// steps and services built on the leaves, and what each may use.
	middle = map[string][]string{
		"leakwatch/pipeline": {"leakwatch/crawler", "leakwatch/store"},
		"leakwatch/importer": {"leakwatch/fpstore", "leakwatch/matchers"},
		"leakwatch/canary":   {"leakwatch/importer", "leakwatch/matchers"},
		"leakwatch/control":  {"leakwatch/pipeline", "leakwatch/store"},
		"leakwatch/metrics":  {"leakwatch/pipeline", "leakwatch/store"},
		"leakwatch/demo":     {"leakwatch/crawler", "leakwatch/matchers"},
		"leakwatch/config":   {"leakwatch/crawler", "leakwatch/matchers", "leakwatch/metrics"},
	}
	root     = "leakwatch/daemon"
	face     = "leakwatch/cmd/watcher"
	testOnly = []string{"leakwatch/packaging", "leakwatch/internal/storetest", "leakwatch/internal/slackserver", "leakwatch/internal/testcert", "leakwatch/internal/verdict", "leakwatch/internal/corpus", "leakwatch/internal/layers"}
)

// allowed says whether production code in pkg may import dep.
func allowed(pkg, dep string) bool {
	switch {
	case slices.Contains(testOnly, dep) || dep == face:
		return false
	case pkg == face || slices.Contains(testOnly, pkg):
		return true
	case slices.Contains(nouns, dep):
		return true
	case pkg == root:
		return true
	case slices.Contains(leaves, pkg) || slices.Contains(nouns, pkg):
		return false
	}
	return slices.Contains(middle[pkg], dep)
}

// imports lists each package's production imports of our own packages.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "leakwatch/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, dep := range f[1:] {
			if strings.HasPrefix(dep, "leakwatch/") {
				m[f[0]] = append(m[f[0]], dep)
			}
		}
		if _, ok := m[f[0]]; !ok {
			m[f[0]] = nil
		}
	}
	return m
}

func TestImportDirection(t *testing.T) {
	m := imports(t)
	for _, p := range append(append([]string{root, face}, leaves...), nouns...) {
		if _, ok := m[p]; !ok {
			t.Errorf("package %s is gone: update the layers", p)
		}
	}
	for pkg, deps := range m {
		known := pkg == root || pkg == face || slices.Contains(leaves, pkg) || slices.Contains(nouns, pkg) || slices.Contains(testOnly, pkg)
		if _, mid := middle[pkg]; !known && !mid {
			t.Errorf("package %s has no layer: add it to layers_test.go", pkg)
		}
		for _, dep := range deps {
			if !allowed(pkg, dep) {
				t.Errorf("%s imports %s: not allowed by the layers", pkg, dep)
			}
		}
	}
}

// TestRulesBite: the rules refuse what they are for.
func TestRulesBite(t *testing.T) {
	for _, c := range [][2]string{
		{"leakwatch/crawler", "leakwatch/store"},   // leaf to leaf
		{"leakwatch/matchers", "leakwatch/config"}, // leaf up
		{"leakwatch/control", "leakwatch/daemon"},  // back up into the root
		{"leakwatch/daemon", "leakwatch/cmd/watcher"},
		{"leakwatch/store", "leakwatch/internal/slackserver"},
		{"leakwatch/pipeline", "leakwatch/matchers"},
	} {
		if allowed(c[0], c[1]) {
			t.Errorf("%s -> %s allowed", c[0], c[1])
		}
	}
}
