package control_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"leakwatch/control"
)

// TestMain lets the test binary play another user's fake daemon: with
// LEAKWATCH_FAKE_DAEMON set it serves that socket path and prints each
// request line it gets.
func TestMain(m *testing.M) {
	if path := os.Getenv("LEAKWATCH_FAKE_DAEMON"); path != "" {
		fakeDaemon(path)
		return
	}
	os.Exit(m.Run())
}

func fakeDaemon(path string) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	os.Chmod(path, 0o777)
	fmt.Println("ready")
	// Bounded: the test kills it, and it ends by itself after a minute.
	time.AfterFunc(time.Minute, func() { os.Exit(0) })
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("request", r.Method, r.URL.Path)
		io.WriteString(w, `{"sources":[{"name":"forged","healthy":true}]}`)
	}))
}

// TestSafeDir: a control socket in a folder others can write could be
// bound first or replaced by another user. Such a folder is refused, by
// check and by the daemon's Listen; a folder above it may be writable by
// others only with the sticky bit (as /tmp).
func TestSafeDir(t *testing.T) {
	base := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(base, rel)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	own := mk("own", 0o700)
	group := mk("group", 0o770)
	open := mk("open", 0o777)
	sticky := mk("sticky", 0o777|os.ModeSticky)
	underOpen := mk("open/sub", 0o700)
	underSticky := mk("sticky/sub", 0o700)
	link := filepath.Join(base, "link")
	if err := os.Symlink(open, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir  string
		want string // "" for safe
	}{
		{own, ""},
		{underSticky, ""},
		{group, "is writable by other users (mode 0770)"},
		{open, "is writable by other users (mode 0777)"},
		{sticky, "is writable by other users (mode 1777)"},
		{underOpen, open + " is writable by other users"},
		{link, "is writable by other users"},
		{filepath.Join(base, "missing"), "no such file or directory"},
	} {
		err := control.SafeDir(c.dir)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("SafeDir(%s) = %v, want %q", strings.TrimPrefix(c.dir, base), err, c.want)
		}
	}
	if ln, err := control.Listen(filepath.Join(open, "control.sock"), 0o600); err == nil {
		ln.Close()
		t.Error("Listen in a world-writable folder")
	}
	ln, err := control.Listen(filepath.Join(own, "control.sock"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// TestDialRefusesAnotherUsersSocket: with control_socket in a folder
// anyone can write, another user who bound the path first fed `status` a
// forged answer and got the notes sent with `hits ack`. The client checks
// who owns the socket file and who serves it (SO_PEERCRED), and sends
// nothing to a socket that is not the daemon's.
func TestDialRefusesAnotherUsersSocket(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the fake daemon as another user (CI runs as root)")
	}
	const nobody = 65534
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "control.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(base, "run")
	if err := os.Mkdir(run, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(run, 0o777)
	path := filepath.Join(run, "control.sock")

	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEAKWATCH_FAKE_DAEMON="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("fake daemon: %s", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fake daemon did not start")
	}

	ctx := context.Background()
	_, err = control.Dial(ctx, path)
	t.Log(err)
	if !errors.Is(err, control.ErrUntrusted) || !strings.Contains(err.Error(), "uid 65534") || errors.Is(err, control.ErrNoDaemon) {
		t.Errorf("Dial of nobody's socket: %v", err)
	}
	// The file made root's, the server still nobody's: the peer check holds.
	if err := os.Lchown(path, 0, 0); err != nil {
		t.Fatal(err)
	}
	_, err = control.Dial(ctx, path)
	t.Log(err)
	if !errors.Is(err, control.ErrUntrusted) || !strings.Contains(err.Error(), "is served by") {
		t.Errorf("Dial of a root-owned socket served by nobody: %v", err)
	}
	select {
	case l := <-lines:
		t.Errorf("the fake daemon was sent %q", l)
	default:
	}
	// Told that nobody is the daemon's user, the client talks to it.
	os.Lchown(path, nobody, nobody)
	c, err := control.Dial(ctx, path, nobody)
	if err != nil {
		t.Fatalf("Dial with the daemon's user named: %v", err)
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil || len(st.Sources) != 1 || st.Sources[0].Name != "forged" {
		t.Errorf("status from the named daemon: %+v, %v", st, err)
	}
}

// TestDialNotASocket: a regular file at the socket's path is no daemon's
// socket, and said so.
func TestDialNotASocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "control.sock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := control.Dial(context.Background(), path)
	if !errors.Is(err, control.ErrUntrusted) || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("Dial of a regular file: %v", err)
	}
	_, err = control.Dial(context.Background(), filepath.Join(t.TempDir(), "none.sock"))
	if !errors.Is(err, control.ErrNoDaemon) {
		t.Errorf("Dial of a missing socket: %v", err)
	}
}
