package matchers

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The shared benchmark corpus (../shared/tools/corpusgen beside the repo):
// deterministic text with planted values and a ground-truth file.

type truthItem struct {
	off       int
	kind      string
	hit       bool
	raw, norm string
}

var corpusOnce sync.Map // size -> *corpusData

type corpusData struct {
	text  []byte
	truth []truthItem
	err   error
}

// corpus returns the corpusgen corpus of sizeMiB (seed 1), building the
// generator on first use; it skips the test when the generator is absent.
func corpus(tb testing.TB, sizeMiB int) ([]byte, []truthItem) {
	tb.Helper()
	v, _ := corpusOnce.LoadOrStore(sizeMiB, &corpusData{})
	cd := v.(*corpusData)
	if cd.text == nil && cd.err == nil {
		cd.text, cd.truth, cd.err = makeCorpus(sizeMiB)
	}
	if cd.err != nil {
		if os.Getenv("LEAKWATCH_REQUIRE_CORPUS") != "" {
			tb.Fatalf("corpus: %v", cd.err)
		}
		tb.Skipf("corpus: %v", cd.err)
	}
	return cd.text, cd.truth
}

func makeCorpus(sizeMiB int) ([]byte, []truthItem, error) {
	src, err := filepath.Abs(filepath.Join("..", "..", "shared", "tools", "corpusgen"))
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(os.TempDir(), "leakwatch-corpus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	bin := filepath.Join(dir, "corpusgen")
	if _, err := os.Stat(bin); err != nil {
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = src
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, nil, fmt.Errorf("build corpusgen: %v: %s", err, b)
		}
	}
	out := filepath.Join(dir, "corpus-"+strconv.Itoa(sizeMiB)+".txt")
	if _, err := os.Stat(out + ".truth.tsv"); err != nil {
		cmd := exec.Command(bin, "-size", strconv.Itoa(sizeMiB), "-seed", "1", "-out", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, nil, fmt.Errorf("corpusgen: %v: %s", err, b)
		}
	}
	text, err := os.ReadFile(out)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(out + ".truth.tsv")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var truth []truthItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "offset") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) < 6 {
			continue
		}
		off, _ := strconv.Atoi(p[0])
		truth = append(truth, truthItem{off: off, kind: p[2], hit: p[3] == "hit", raw: p[4], norm: p[5]})
	}
	return text, truth, sc.Err()
}
