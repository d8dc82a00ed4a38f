package alerts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"leakwatch/alerts"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

// The crash test: a child process records posts with hits and alerts and
// delivers the alerts to a receiver here, and is killed with SIGKILL at
// random moments, many times; then it runs to the end. Nothing may be
// lost (every post, hit and alert exists, every alert arrived) and no
// alert may arrive twice.

const (
	crashPosts = 600
	crashBatch = 16
	envChild   = "LEAKWATCH_CRASH_CHILD_DB"
	envURL     = "LEAKWATCH_CRASH_RECEIVER"
)

// receiver is the alert destination: it remembers what arrived and can be
// asked whether an alert did (as Slack's history can).
type receiver struct {
	mu     sync.Mutex
	byPost map[string]int
	byID   map[uint64]string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.URL.Path {
	case "/send":
		var as []leak.Alert
		if err := json.NewDecoder(req.Body).Decode(&as); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, a := range as {
			r.byPost[a.Hit.PostKey]++
			r.byID[a.ID] = a.Hit.PostKey
		}
		r.mu.Unlock()
		// The child may die between this arrival and its MarkSent: the
		// window the Sending mark exists for. Widen it a little.
		time.Sleep(time.Millisecond)
		fmt.Fprintf(w, "ok %d", as[0].ID)
	case "/delivered":
		id, _ := strconv.ParseUint(req.URL.Query().Get("id"), 10, 64)
		r.mu.Lock()
		key, ok := r.byID[id]
		r.mu.Unlock()
		if ok && key == req.URL.Query().Get("post") {
			fmt.Fprintf(w, "ok %d", id)
			return
		}
		http.NotFound(w, req)
	}
}

// httpSender sends alerts to the receiver and asks it about cut-short ones.
type httpSender struct{ base string }

func (s httpSender) Send(ctx context.Context, o alerts.Outgoing) (string, error) {
	b, _ := json.Marshal(append([]leak.Alert{o.Alert}, o.Also...))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/send", bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("receiver: %s", resp.Status)
	}
	return string(body), nil
}

func (s httpSender) Delivered(ctx context.Context, o alerts.Outgoing) (string, []uint64, error) {
	var ref string
	var arrived []uint64
	for _, a := range append([]leak.Alert{o.Alert}, o.Also...) {
		u := fmt.Sprintf("%s/delivered?id=%d&post=%s", s.base, a.ID, a.Hit.PostKey)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			ref = string(body)
			arrived = append(arrived, a.ID)
		}
	}
	return ref, arrived, nil
}

func crashKey() []byte {
	k, _ := store.DeriveTextKey(bytes.Repeat([]byte{3}, 32))
	return k
}

// TestCrashChild is the child's work; it runs only when the crash test
// starts it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(envChild)
	if path == "" {
		t.Skip("run by TestCrashNothingLostNothingTwice")
	}
	db, err := store.Open(path, store.Options{Timeout: 10 * time.Second, TextKey: crashKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := alerts.NewDispatcher(db, httpSender{os.Getenv(envURL)}, nil, alerts.DispatcherOptions{BaseBackoff: time.Millisecond, MaxWait: 10 * time.Second})
	for start := 0; start < crashPosts; start += crashBatch {
		var marks []store.Mark
		for i := start; i < min(start+crashBatch, crashPosts); i++ {
			marks = append(marks, store.Mark{Key: fmt.Sprintf("/t/%04d", i), Version: "v"})
		}
		unseen, err := db.Unseen("forum", marks)
		if err != nil {
			t.Fatal(err)
		}
		var es []store.Entry
		for j, m := range marks {
			if !unseen[j] {
				continue
			}
			text := fmt.Sprintf("selling post %s: %s", m.Key, bytes.Repeat([]byte("row;"), 200))
			p := leak.Post{Source: "forum", Key: m.Key, URL: "http://x.onion" + m.Key, Text: text, Hash: leak.ContentHash(text), Fetched: time.Now()}
			es = append(es, store.Entry{Post: p, Version: "v", Alert: true,
				Evidence: leak.Evidence{Severity: leak.SeverityCritical, Headline: "sale " + m.Key}})
		}
		if len(es) > 0 {
			if _, err := db.RecordAll(es); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCrashNothingLostNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process many times")
	}
	rcv := &receiver{byPost: map[string]int{}, byID: map[uint64]string{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "crash.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"="+path, envURL+"="+srv.URL)
		return cmd
	}
	rnd := rand.New(rand.NewPCG(5, 7))
	kills := 0
	for range 40 {
		cmd := child()
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(10+rnd.IntN(50)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			kills++
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			if err != nil {
				t.Fatalf("child failed before it was killed: %v\n%s", err, out.String())
			}
			break // it finished before the kill: all done
		}
	}
	// Now let it finish.
	cmd := child()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final child run: %v\n%s", err, out)
	}

	db, err := store.Open(path, store.Options{TextKey: crashKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Errorf("database after %d kills: %v", kills, err)
	}
	c, _ := db.Counts()
	if c.Posts != crashPosts || c.Hits != crashPosts || c.Sent != crashPosts || c.Pending != 0 || c.Failed != 0 {
		t.Errorf("after %d kills: %+v; want %d posts, hits and sent alerts", kills, c, crashPosts)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	twice := 0
	for i := range crashPosts {
		key := fmt.Sprintf("/t/%04d", i)
		switch n := rcv.byPost[key]; {
		case n == 0:
			t.Errorf("alert for %s never arrived", key)
		case n > 1:
			twice++
			t.Errorf("alert for %s arrived %d times", key, n)
		}
	}
	if p, err := storetest.PostText(db, "forum", "/t/0123"); err != nil || len(p.Text) < 800 {
		t.Errorf("post text after the crashes: %d bytes, %v", len(p.Text), err)
	}
	t.Logf("%d kills; %d posts, %d alerts delivered, %d twice", kills, c.Posts, len(rcv.byID), twice)
}
