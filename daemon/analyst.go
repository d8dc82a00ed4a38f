package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/store"
)

// Service gives an analyst command what it works with: the running
// daemon through its control socket or, when no daemon answers there, the
// database opened here (with the matchers when the command needs them).
// Both give the same answers, so the command prints the same either way.
func Service(ctx context.Context, cfg *config.Config, local LocalOptions) (control.Service, func(), error) {
	c, err := dial(ctx, cfg)
	if err == nil {
		return c, c.Close, nil
	}
	if errors.Is(err, control.ErrUntrusted) {
		return nil, nil, err // never the database behind a socket someone else serves
	}
	dialErr := err
	locked := func(err error) error {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w, and nothing answers on its control socket (%v): check control_socket in the config", err, dialErr)
		}
		return err
	}
	l, closeAll, err := openLocal(cfg, local)
	if err != nil {
		return nil, nil, locked(err)
	}
	return l, closeAll, nil
}

// dial connects to the daemon's control socket, trusting root, this
// user and the owner of the database's folder (the daemon's user) to
// serve it.
func dial(ctx context.Context, cfg *config.Config) (*control.Client, error) {
	var owners []uint32
	if fi, err := os.Stat(filepath.Dir(cfg.Resolve(cfg.Database))); err == nil {
		owners = append(owners, fi.Sys().(*syscall.Stat_t).Uid)
	}
	return control.Dial(ctx, cfg.SocketPath(), owners...)
}

// Runs says whether the daemon answers on its control socket; a
// socket another user serves is an error, not "no daemon".
func Runs(ctx context.Context, cfg *config.Config) (bool, error) {
	c, err := dial(ctx, cfg)
	if err == nil {
		c.Close()
		return true, nil
	}
	if errors.Is(err, control.ErrUntrusted) {
		return false, err
	}
	return false, nil
}

// ReloadRunning asks the running daemon, if one answers on the control
// socket, to load its matchers again (after a fingerprint import); it
// says whether one did. A daemon that is not running loads them at its
// start.
func ReloadRunning(ctx context.Context, cfg *config.Config) (bool, error) {
	c, err := dial(ctx, cfg)
	if errors.Is(err, control.ErrUntrusted) {
		return false, err
	}
	if err != nil {
		return false, nil
	}
	defer c.Close()
	if err := c.ReloadMatchers(ctx); err != nil {
		return true, fmt.Errorf("the daemon did not reload its matchers (it keeps the ones it had; systemctl reload watcher tries again): %w", err)
	}
	return true, nil
}

// VerifyDatabase reads every page of cfg's database and checks that they
// hold together (bbolt's consistency check): the file itself when no
// daemon runs, a hot copy the daemon writes when it does. It returns the
// size of what it read.
func VerifyDatabase(ctx context.Context, cfg *config.Config) (int64, error) {
	path := cfg.Resolve(cfg.Database)
	what := path
	c, err := dial(ctx, cfg)
	if errors.Is(err, control.ErrUntrusted) {
		return 0, err
	}
	if err == nil {
		defer c.Close()
		dir, err := os.MkdirTemp("", "leakwatch-check-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		what = filepath.Join(dir, "copy.db")
		if _, err := store.WriteNewFile(what, func(w io.Writer) (int64, error) { return c.Backup(ctx, w) }); err != nil {
			return 0, fmt.Errorf("database: a hot copy from the daemon: %w", err)
		}
	}
	if err := store.Verify(what, time.Second); err != nil {
		return 0, fmt.Errorf("database %s: %w", path, err)
	}
	fi, err := os.Stat(what)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
