package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"leakwatch/fpstore"
)

// importFixture is the run fixture's config (its own "crm" dataset
// imported), for imports of other datasets.
type importFixture struct {
	dir, config, fps string
}

func newImportFixture(t *testing.T) *importFixture {
	t.Helper()
	f := newRunFixture(t)
	return &importFixture{dir: f.dir, config: f.config, fps: filepath.Join(f.dir, "fingerprints")}
}

func customerRows(n int) string {
	var b strings.Builder
	b.WriteString("email,phone\n")
	for i := range n {
		fmt.Fprintf(&b, "user%d@mail.test,(312) 555-%04d\n", i, i%10000)
	}
	return b.String()
}

func (f *importFixture) sources(t *testing.T) []fpstore.SourceInfo {
	t.Helper()
	s, err := fpstore.Open(f.fps)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []fpstore.SourceInfo
	for _, src := range s.Sources() {
		if src.Dataset != "crm" {
			out = append(out, src)
		}
	}
	return out
}

func (f *importFixture) imp(t *testing.T, file string, extra ...string) (string, string, int) {
	t.Helper()
	args := append([]string{"fingerprint", "import", "--config", f.config, "--dataset", "export", "--partition", "crm-prod", "--columns", "email=email,phone=phone"}, extra...)
	return execute(t, append(args, file)...)
}

// TestImportRowCap: a row without an end ran the import out of memory
// (5 GB from /dev/zero; 1.1 GB for a 200 MB row). A row over the cap is
// skipped and named by file:line, the rest imported; a file with no line
// break at all stops with a clear error, within bounded memory.
func TestImportRowCap(t *testing.T) {
	f := newImportFixture(t)
	csv := filepath.Join(f.dir, "long.csv")
	rows := customerRows(3)
	mustWrite(t, csv, rows+strings.Repeat("x", 3<<20)+"\n"+"late@mail.test,(312) 555-0101\n", 0o600)
	out, stderr, code := f.imp(t, csv)
	if code != exitOK || !strings.Contains(stderr, "long.csv:5: row longer than 1048576 bytes: skipped") || !strings.Contains(out, "5 rows") {
		t.Errorf("import with a 3 MiB row (exit %d):\n%s%s", code, out, stderr)
	}
	if testing.Short() {
		return
	}
	// /dev/zero through the real binary: an error, and the memory it took.
	cmd := exec.Command(watcherBinary(t), "fingerprint", "import", "--config", f.config, "--dataset", "zero", "--partition", "p",
		"--columns", "email=1", "--no-header", "/dev/zero")
	var zout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &zout, &zout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	hwm := peakMemory(cmd)
	t.Logf("/dev/zero: exit %d, peak RSS %d MiB: %s", cmd.ProcessState.ExitCode(), hwm>>20, bytes.TrimSpace(zout.Bytes()))
	if cmd.ProcessState.ExitCode() != exitError || !strings.Contains(zout.String(), "/dev/zero:1: no line break in the first 64 MiB: not a CSV file") ||
		hwm == 0 || hwm > 200<<20 {
		t.Errorf("/dev/zero: exit %d, %d MiB:\n%s", cmd.ProcessState.ExitCode(), hwm>>20, zout.String())
	}
}

// peakMemory waits for a started command and returns the highest
// resident size its own memory reached (VmHWM), read from /proc while it
// runs. The rusage of the wait is no measure: a child started with vfork
// carries its parent's peak over exec, and a race-built test process is
// large. Polled, the figure can only fall short of the peak, never
// exceed it, and a run that grows for long is seen growing.
func peakMemory(cmd *exec.Cmd) int64 {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
		b, err := os.ReadFile(status)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(l, "VmHWM: %d kB", &kb); err == nil && kb<<10 > peak {
				peak = kb << 10
			}
		}
	}
}

// TestImportMostlyBadFails: a column past the end (email=99) exited 0
// with every row bad and an empty dataset registered; 1 MiB of random
// bytes "imported" 33 values. Past half the rows bad the import fails and
// registers nothing.
func TestImportMostlyBadFails(t *testing.T) {
	f := newImportFixture(t)
	csv := filepath.Join(f.dir, "crm.csv")
	mustWrite(t, csv, customerRows(50), 0o600)
	_, stderr, code := execute(t, "fingerprint", "import", "--config", f.config, "--dataset", "export", "--partition", "p", "--columns", "email=99", csv)
	if code != exitError || !strings.Contains(stderr, "most rows are bad: 50 of 50 rows") {
		t.Errorf("email=99 (exit %d): %s", code, stderr)
	}
	junk := make([]byte, 1<<20)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range junk {
		junk[i] = byte(rnd.Uint32())
	}
	bin := filepath.Join(f.dir, "random.bin")
	mustWrite(t, bin, string(junk), 0o600)
	_, stderr, code = execute(t, "fingerprint", "import", "--config", f.config, "--dataset", "junk", "--partition", "p", "--columns", "email=1,phone=2", "--no-header", bin)
	if code != exitError || !strings.Contains(stderr, "most rows are bad") {
		t.Errorf("random bytes (exit %d): %s", code, stderr)
	}
	if srcs := f.sources(t); len(srcs) != 0 {
		t.Errorf("datasets registered after failed imports: %+v", srcs)
	}
	// A threshold of 1 takes what it can, for a file known to be dirty.
	if _, stderr, code = execute(t, "fingerprint", "import", "--config", f.config, "--dataset", "junk", "--partition", "p", "--columns", "email=1,phone=2", "--no-header", "--max-bad", "1", bin); code != exitOK {
		t.Errorf("--max-bad 1 (exit %d): %s", code, stderr)
	}
}

// TestImportBOMAndDatasetNames: a UTF-8 byte order mark hid the first
// column's name; a second import of a dataset made two datasets of one
// name. The mark is dropped; a known dataset name is refused unless
// --replace (the old values go) or --append.
func TestImportBOMAndDatasetNames(t *testing.T) {
	f := newImportFixture(t)
	csv := filepath.Join(f.dir, "crm.csv")
	mustWrite(t, csv, "\xef\xbb\xbf"+customerRows(20), 0o600)
	if out, stderr, code := f.imp(t, csv); code != exitOK || !strings.Contains(out, "20 rows, 40 values, 0 bad rows") {
		t.Fatalf("import with a BOM (exit %d): %s%s", code, out, stderr)
	}
	_, stderr, code := f.imp(t, csv)
	if code != exitUsage || !strings.Contains(stderr, "dataset export was imported before") || !strings.Contains(stderr, "--replace") {
		t.Errorf("second import of export (exit %d): %s", code, stderr)
	}
	values := func() int64 {
		s, err := fpstore.Open(f.fps)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return int64(s.Len())
	}
	before := values()
	mustWrite(t, csv, customerRows(5), 0o600)
	if _, stderr, code = f.imp(t, csv, "--replace"); code != exitOK || !strings.Contains(stderr, "replacing it") {
		t.Errorf("--replace (exit %d): %s", code, stderr)
	}
	srcs := f.sources(t)
	if len(srcs) != 1 || srcs[0].Rows != 5 {
		t.Errorf("after --replace: %+v; want one export import of 5 rows", srcs)
	}
	if n := values(); n != before-30 {
		t.Errorf("%d values after replacing 20 rows (40 values) with 5 (10), from %d; the old values stayed", n, before)
	}
	if _, stderr, code = f.imp(t, csv, "--append"); code != exitOK || len(f.sources(t)) != 2 {
		t.Errorf("--append (exit %d): %s; %d imports", code, stderr, len(f.sources(t)))
	}
}

// TestImportStopsOnSignal: SIGTERM and Ctrl-C during an import were
// ignored (16 of 16), and a killed import left its work folder (745 MB)
// forever. A signal stops it, removes its work files and exits 143 or
// 130; the next import removes what a SIGKILL left.
func TestImportStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	f := newImportFixture(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		fifo := filepath.Join(f.dir, "feed.csv")
		os.Remove(fifo)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(watcherBinary(t), "fingerprint", "import", "--config", f.config, "--dataset", "export", "--partition", "p", "--columns", "email=email,phone=phone", fifo)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(w)
		bw.WriteString(customerRows(5000)) // then the writer stalls, as a slow export would
		bw.Flush()
		for i := 0; i < 100 && !hasImportDir(f.fps); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v: the import did not stop in 10 s:\n%s", sig, out.String())
		}
		w.Close()
		if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) || !strings.Contains(out.String(), "nothing imported") {
			t.Errorf("%v: exit %d, want %d:\n%s", sig, code, 128+int(sig), out.String())
		}
		if hasImportDir(f.fps) {
			t.Errorf("%v: the import's work folder is left", sig)
		}
	}
	if srcs := f.sources(t); len(srcs) != 0 {
		t.Errorf("stopped imports registered %+v", srcs)
	}
	// What a SIGKILL leaves is removed by the next import.
	stale := filepath.Join(f.fps, "import-4242")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(stale, "00.new"), strings.Repeat("x", 4096), 0o600)
	csv := filepath.Join(f.dir, "crm.csv")
	mustWrite(t, csv, customerRows(3), 0o600)
	if _, stderr, code := f.imp(t, csv); code != exitOK || !strings.Contains(stderr, "removed 1 work folders") || hasImportDir(f.fps) {
		t.Errorf("import after a killed one (exit %d): %s", code, stderr)
	}
}

func hasImportDir(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "import-*"))
	return len(m) > 0
}
