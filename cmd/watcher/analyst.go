package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/store"
)

// openService gives an analyst command what it works with: the running
// daemon through its control socket or, when no daemon answers there, the
// database opened here (with the matchers when the command needs them).
// Both give the same answers, so the command prints the same either way.
func openService(ctx context.Context, cfg *config.Config, local daemon.LocalOptions) (control.Service, func(), error) {
	c, err := dialDaemon(ctx, cfg)
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
	l, closeAll, err := daemon.Local(cfg, local)
	if err != nil {
		return nil, nil, locked(err)
	}
	return l, closeAll, nil
}

// dialDaemon connects to the daemon's control socket, trusting root, this
// user and the owner of the database's folder (the daemon's user) to
// serve it.
func dialDaemon(ctx context.Context, cfg *config.Config) (*control.Client, error) {
	var owners []uint32
	if fi, err := os.Stat(filepath.Dir(cfg.Resolve(cfg.Database))); err == nil {
		owners = append(owners, fi.Sys().(*syscall.Stat_t).Uid)
	}
	return control.Dial(ctx, cfg.SocketPath(), owners...)
}

// daemonRuns says whether the daemon answers on its control socket; a
// socket another user serves is an error, not "no daemon".
func daemonRuns(ctx context.Context, cfg *config.Config) (bool, error) {
	c, err := dialDaemon(ctx, cfg)
	if err == nil {
		c.Close()
		return true, nil
	}
	if errors.Is(err, control.ErrUntrusted) {
		return false, err
	}
	return false, nil
}

// withService reads the config at path (what names the command in a usage
// error) and runs f with the service it leads to: the daemon, or the
// database (with the matchers when asked).
func withService(ctx context.Context, g *globals, what string, local daemon.LocalOptions, f func(*config.Config, control.Service) error) error {
	cfg, err := g.loadConfig(what)
	if err != nil {
		return err
	}
	svc, closeSvc, err := openService(ctx, cfg, local)
	if err != nil {
		return err
	}
	defer closeSvc()
	return f(cfg, svc)
}

// whoami names the local user for an acknowledgement made without the
// daemon (the daemon names socket peers itself).
func whoami() string {
	u, err := user.Current()
	if err != nil {
		return "uid " + strconv.Itoa(os.Getuid())
	}
	return fmt.Sprintf("%s (uid %s)", u.Username, u.Uid)
}
