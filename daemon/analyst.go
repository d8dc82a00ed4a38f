package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/store"
)

// Service gives an analyst command what it works with: the running
// daemon through its control socket or, when no daemon answers there, the
// database opened here (with the matchers when the command needs them).
// Both give the same answers, so the command prints the same either way.
func Service(ctx context.Context, cfg *config.Config, local LocalOptions) (control.Service, func(), error) {
	c, err := Dial(ctx, cfg)
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
	l, closeAll, err := Local(cfg, local)
	if err != nil {
		return nil, nil, locked(err)
	}
	return l, closeAll, nil
}

// Dial connects to the daemon's control socket, trusting root, this
// user and the owner of the database's folder (the daemon's user) to
// serve it.
func Dial(ctx context.Context, cfg *config.Config) (*control.Client, error) {
	var owners []uint32
	if fi, err := os.Stat(filepath.Dir(cfg.Resolve(cfg.Database))); err == nil {
		owners = append(owners, fi.Sys().(*syscall.Stat_t).Uid)
	}
	return control.Dial(ctx, cfg.SocketPath(), owners...)
}

// Runs says whether the daemon answers on its control socket; a
// socket another user serves is an error, not "no daemon".
func Runs(ctx context.Context, cfg *config.Config) (bool, error) {
	c, err := Dial(ctx, cfg)
	if err == nil {
		c.Close()
		return true, nil
	}
	if errors.Is(err, control.ErrUntrusted) {
		return false, err
	}
	return false, nil
}
