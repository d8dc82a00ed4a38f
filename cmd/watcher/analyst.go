package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
)

// withService loads the config (what names the command in a usage error)
// and runs f with the service it leads to: the daemon, or the database
// (with the matchers when asked).
func withService(ctx context.Context, g *globals, what string, local daemon.LocalOptions, f func(*config.Config, control.Service) error) error {
	cfg, err := g.loadConfig(what)
	if err != nil {
		return err
	}
	svc, closeSvc, err := daemon.Service(ctx, cfg, local)
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

// daemonStopped refuses a command that needs the database to itself
// while the daemon answers on its control socket; why says what for.
func daemonStopped(ctx context.Context, cfg *config.Config, why string) error {
	runs, err := daemon.Runs(ctx, cfg)
	if err != nil {
		return err
	}
	if runs {
		return fmt.Errorf("the daemon is running (its control socket %s answers): stop it first; %s", cfg.SocketPath(), why)
	}
	return nil
}
