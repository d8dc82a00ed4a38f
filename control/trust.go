package control

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrUntrusted is wrapped by Dial's error when the socket at the path is
// not the daemon's: it belongs to, or is served by, a user who is neither
// root, the caller, nor the daemon's user. Another user who binds the
// path first could feed the analyst a false status and read the notes
// passed to `hits ack`; nothing is sent to such a socket.
var ErrUntrusted = errors.New("the control socket is not the daemon's")

// SafeDir says whether a control socket may live in dir: a socket there
// can be neither taken over nor bound first by another user. Dir and the
// folders above it must belong to root or to this process's user; dir
// must not be writable by its group or others, and a folder above it
// only if it has the sticky bit (as /tmp), which stops others renaming
// what is not theirs.
func SafeDir(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("control socket folder: %w", err)
	}
	me := uint32(os.Geteuid())
	for d, first := real, true; ; d, first = filepath.Dir(d), false {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("control socket folder: %w", err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 0 && st.Uid != me {
			return fmt.Errorf("control socket folder %s: %s belongs to %s, not to root or to this user (%s): another user could replace the socket", dir, d, userName(st.Uid), userName(me))
		}
		others := fi.Mode().Perm()&0o022 != 0
		if others && (first || fi.Mode()&fs.ModeSticky == 0) {
			return fmt.Errorf("control socket folder %s: %s is writable by other users (mode %04o): another user could bind the socket first or replace it; use a folder only the daemon's user can write, such as /run/watcher", dir, d, fi.Mode().Perm()|stickyBits(fi.Mode()))
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func stickyBits(m fs.FileMode) fs.FileMode {
	if m&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// trust is who may serve the control socket: root, the caller, the users
// Dial was told of (the daemon's), and the owner of the socket's folder
// when only root could have made that folder (its parent belongs to root
// and nobody else can write in it, as /run for /run/watcher).
type trust []uint32

func trustFor(path string, owners []uint32) trust {
	t := trust{0, uint32(os.Geteuid())}
	t = append(t, owners...)
	dir := filepath.Dir(path)
	fi, err1 := os.Stat(dir)
	pi, err2 := os.Stat(filepath.Dir(dir))
	if err1 == nil && err2 == nil {
		ps := pi.Sys().(*syscall.Stat_t)
		if ps.Uid == 0 && pi.Mode().Perm()&0o022 == 0 && fi.Mode().Perm()&0o022 == 0 {
			t = append(t, fi.Sys().(*syscall.Stat_t).Uid)
		}
	}
	return t
}

func (t trust) has(uid uint32) bool { return slices.Contains(t, uid) }

// who names the users trusted, for an error message.
func (t trust) who() string {
	names := []string{"root"}
	for _, u := range t {
		if n := userName(u); u != 0 && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return fmt.Sprintf("%s (uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// checkSocket looks at the file at path before anything connects: a
// missing file means no daemon; a file that is not a socket, or a socket
// another user made, is refused.
func (t trust) checkSocket(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoDaemon, path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%w: %s is not a socket (%s)", ErrUntrusted, path, fi.Mode().Type())
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; !t.has(uid) {
		return fmt.Errorf("%w: %s belongs to %s, not to a user trusted with it (%s): refused; if the daemon is stopped, remove the file and keep the socket in a folder only the daemon can write", ErrUntrusted, path, userName(uid), t.who())
	}
	return nil
}

// dial connects to path and checks who serves it (SO_PEERCRED), for
// every connection: the file's owner could have been right when it was
// looked at, and the socket swapped since.
func (t trust) dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	p, err := peerOf(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("control socket %s: who serves it: %w", path, err)
	}
	if !t.has(p.uid) {
		c.Close()
		return nil, fmt.Errorf("%w: %s is served by %s (pid %d), not by a user trusted with it (%s): refused", ErrUntrusted, path, p, p.pid, t.who())
	}
	return c, nil
}
