package matchers

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	corpusgen "leakwatch/internal/corpus"
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
		if corpusgen.Required() {
			tb.Fatalf("corpus: %v", cd.err)
		}
		tb.Skipf("corpus: %v", cd.err)
	}
	return cd.text, cd.truth
}

func makeCorpus(sizeMiB int) ([]byte, []truthItem, error) {
	out, err := corpusgen.File(sizeMiB)
	if err != nil {
		return nil, nil, err
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
