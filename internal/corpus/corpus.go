package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

var mu sync.Mutex

// File returns the path of the corpus of sizeMiB (seed 1), building the
// generator and the corpus on first use (cached in the temp directory).
// Its ground truth is at File + ".truth.tsv".
func File(sizeMiB int) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("corpus: cannot locate the source tree")
	}
	// internal/corpus -> repository root -> ../shared/tools/corpusgen
	src := filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "tools", "corpusgen")
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		return "", fmt.Errorf("corpusgen not found: %w", err)
	}
	dir := filepath.Join(os.TempDir(), "leakwatch-corpus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "corpusgen")
	if _, err := os.Stat(bin); err != nil {
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = src
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build corpusgen: %v: %s", err, b)
		}
	}
	out := filepath.Join(dir, "corpus-"+strconv.Itoa(sizeMiB)+".txt")
	if _, err := os.Stat(out + ".truth.tsv"); err != nil {
		cmd := exec.Command(bin, "-size", strconv.Itoa(sizeMiB), "-seed", "1", "-out", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("corpusgen: %v: %s", err, b)
		}
	}
	return out, nil
}

// Required says whether a missing corpus fails a test (CI sets
// LEAKWATCH_REQUIRE_CORPUS) rather than skipping it.
func Required() bool { return os.Getenv("LEAKWATCH_REQUIRE_CORPUS") != "" }

// Posts returns the corpus of sizeMiB cut into posts of about size bytes
// (Cut), for a benchmark: it fails tb when the corpus cannot be made and
// Required says so, and skips it otherwise.
func Posts(tb testing.TB, sizeMiB, size int) []string {
	tb.Helper()
	path, err := File(sizeMiB)
	if err != nil {
		if Required() {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Cut(text, size)
}

// Cut cuts text into posts of about size bytes each, at line ends: how the
// benchmarks turn the corpus into forum posts.
func Cut(text []byte, size int) []string {
	var out []string
	for len(text) > 0 {
		n := min(size, len(text))
		if i := bytes.IndexByte(text[n:], '\n'); i >= 0 {
			n += i + 1
		} else {
			n = len(text)
		}
		out = append(out, string(text[:n]))
		text = text[n:]
	}
	return out
}
