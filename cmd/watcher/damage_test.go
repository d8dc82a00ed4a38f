package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// runBinary runs the real watcher binary: a fault in it shows as a signal,
// not as this test process dying.
func runBinary(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(watcherBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
		t.Errorf("watcher %s died: %v\n%s", strings.Join(args, " "), err, out.String())
		return out.String(), -1
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// TestDamagedDatabaseCommands: with the database cut short, status died
// with SIGSEGV, hits list, run --once and compact panicked (exit 2), and
// backup copied the damage and exited 0; an emptied file was taken for a
// new database and the next crawl alerted everything again. Each command
// now exits 1 saying the file is damaged and what to do, without writing
// to it; salvage copies what it can into a new file that works.
func TestDamagedDatabaseCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newRunFixture(t)
	if out, code := runBinary(t, "run", "--config", f.config, "--once"); code != exitOK {
		t.Fatalf("run --once: exit %d\n%s", code, out)
	}
	good, err := os.ReadFile(f.db)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file before its last page in use: wherever bbolt put the
	// pages (crawls run in parallel, so the layout varies), one the tree
	// needs is gone.
	cut := good[:lastLivePage(t, f.db)]
	if err := os.WriteFile(f.db, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(f.dir, "backup.db")
	for _, args := range [][]string{
		{"status"}, {"hits", "list"}, {"run", "--once"}, {"compact"}, {"backup", backup}, {"check", "--db"},
	} {
		out, code := runBinary(t, append(args, "--config", f.config)...)
		if code != exitError || !strings.Contains(out, "the database file is damaged") || !strings.Contains(out, "watcher salvage") {
			t.Errorf("watcher %s on a truncated database: exit %d\n%s", args[0], code, out)
		}
	}
	if now, _ := os.ReadFile(f.db); !bytes.Equal(now, cut) {
		t.Error("the commands changed the damaged file")
	}
	if _, err := os.Stat(backup); err == nil {
		t.Error("backup wrote a copy of a damaged database")
	}

	// Salvage, put the copy in place, and the daemon's commands work.
	salvaged := filepath.Join(f.dir, "salvaged.db")
	out, code := runBinary(t, "salvage", "--config", f.config, salvaged)
	if code != exitOK || !strings.Contains(out, "next: mv") {
		t.Fatalf("salvage: exit %d\n%s", code, out)
	}
	t.Logf("salvage:\n%s", out)
	if err := os.Rename(salvaged, f.db); err != nil {
		t.Fatal(err)
	}
	if out, code := runBinary(t, "check", "--db", "--config", f.config); code != exitOK || !strings.Contains(out, "every page read") {
		t.Errorf("check --db of the salvaged database: exit %d\n%s", code, out)
	}
	if out, code := runBinary(t, "status", "--config", f.config); code != exitOK {
		t.Errorf("status on the salvaged database: exit %d\n%s", code, out)
	}

	// An emptied file is refused, not taken for a new database.
	if err := os.WriteFile(f.db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(f.slack.Messages())
	out, code = runBinary(t, "run", "--once", "--config", f.config)
	if code != exitError || !strings.Contains(out, "empty (0 bytes)") || len(f.slack.Messages()) != before {
		t.Errorf("run --once on a 0-byte database: exit %d, %d new messages\n%s", code, len(f.slack.Messages())-before, out)
	}
	if fi, _ := os.Stat(f.db); fi.Size() != 0 {
		t.Errorf("the 0-byte file became %d bytes", fi.Size())
	}
}

// lastLivePage returns the file offset of the highest page of the
// database at path that is in use (a branch or leaf page, not free).
func lastLivePage(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	last := 0
	err = db.Update(func(tx *bolt.Tx) error {
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "branch" || p.Type == "leaf" {
				last = id
			}
		}
	})
	if err != nil || last == 0 {
		t.Fatalf("pages of %s: last live %d, %v", path, last, err)
	}
	return last * db.Info().PageSize
}
