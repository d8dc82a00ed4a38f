package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/alerts"
	"leakwatch/daemon"
	"leakwatch/demo"
	"leakwatch/leak"
	"leakwatch/store"
)

type demoOptions struct {
	db string
}

func newDemoCmd(g *globals) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Crawl a built-in demo dark web through a local SOCKS5 proxy and show the alerts",
		Long: `demo starts a small dark web built into the binary (a forum with a two-page
"Databases" board and a paste site, on 127.0.0.1), a SOCKS5 proxy in front of it that
stands in for Tor, and crawls it with the daemon's own code: fetch through the proxy,
drop what was seen, match against the demo company's canaries, fingerprints and brand
terms, record in a bbolt database, and deliver the alerts, printed here as they would
read in Slack.

It needs no Tor, Slack or config file, and touches nothing but 127.0.0.1. If
SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL, are set, the alerts also go to
Slack.

What it found is kept, with the config it ran on, in a demo folder
($XDG_STATE_HOME/leakwatch-demo, else ~/.local/state/leakwatch-demo), so the commands it
prints next (hits list, hits show, status) run as printed. Each run starts that folder
afresh. With --db FILE the database, its key and its config (demo.yaml) are kept beside
FILE instead, across runs: run it twice with the same --db and the second run alerts
nothing, every post was already seen.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), o, g, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.db, "db", "", "database file to keep across runs (default: demo.db in the demo folder, made afresh each run)")
	return cmd
}

func runDemo(ctx context.Context, o demoOptions, g *globals, out io.Writer) error {
	log, err := g.logger(slog.LevelWarn)
	if err != nil {
		return err
	}
	dbPath := o.db
	if dbPath == "" {
		dir, err := demoDir()
		if err != nil {
			return err
		}
		// The folder is the demo's own: the last run's findings go.
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		dbPath = filepath.Join(dir, "demo.db")
	}
	dbPath, err = filepath.Abs(dbPath)
	if err != nil {
		return err
	}
	world, err := demo.Start()
	if err != nil {
		return err
	}
	defer world.Close()

	fmt.Fprintf(out, "demo dark web: forum http://%s/ and paste site http://%s/\n", world.ForumHost, world.PasteHost)
	fmt.Fprintf(out, "crawling through the SOCKS5 proxy at %s (standing in for Tor); database %s\n\n", world.Proxy.Addr(), dbPath)

	cfg, err := daemon.DemoConfig(world, dbPath)
	if err != nil {
		return err
	}
	if err := daemon.DemoImport(ctx, cfg); err != nil {
		return err
	}
	prog := program()
	d, err := daemon.New(cfg, daemon.Options{Log: log, LockTimeout: 2 * time.Second, Console: out, Program: prog})
	if err != nil {
		return err
	}
	defer d.Close()
	sum, err := d.Once(ctx)
	if err != nil {
		return err
	}
	var listed, fetched, seen, hits, errs int
	for _, s := range sum.Stats {
		listed += s.Listed
		fetched += s.Fetched
		seen += s.Seen
		hits += s.Hits
		errs += s.Errors
	}
	if fetched == 0 && seen > 0 {
		fmt.Fprintf(out, "every post was already seen in %s: nothing new to alert\n", dbPath)
	}
	_, err = fmt.Fprintf(out, "summary: %d sources crawled, %d posts listed (%d fetched, %d already seen, %d failed), %d hits, %d alerts sent\n",
		len(sum.Stats), listed, fetched, seen, errs, hits, sum.Flush.Sent)
	if err != nil {
		return err
	}
	// The hit to show first: the first of the most severe (crawls run
	// side by side, so it is not always hit 1).
	first, err := firstHit(d)
	if err != nil {
		return err
	}
	c := alerts.Commands{Config: cfg.Flag(), Program: prog}
	fmt.Fprintf(out, "\nkept in %s; next, as printed:\n  %s\n  %s\n  %s\n", filepath.Dir(dbPath),
		c.Line("hits list"), c.Line("hits show %d", first), c.Line("status"))
	if errs > 0 || sum.Flush.Left > 0 || sum.Flush.Failed > 0 {
		return partialError{"demo: some posts or alerts did not go through"}
	}
	return nil
}

// demoDir is the demo's own folder: $XDG_STATE_HOME/leakwatch-demo, else
// ~/.local/state/leakwatch-demo.
func demoDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "leakwatch-demo"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("demo: no home folder for the demo's files (%w): give --db FILE", err)
	}
	return filepath.Join(home, ".local", "state", "leakwatch-demo"), nil
}

// program is how this binary is run again: "go run ./cmd/watcher" when
// it was built by go run (its file is gone when it exits), else watcher.
func program() string {
	exe, err := os.Executable()
	if err == nil && filepath.Base(filepath.Dir(exe)) == "exe" && strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/watcher"
	}
	return "watcher"
}

// firstHit is the lowest id among the most severe hits (1 when none).
func firstHit(d *daemon.Daemon) (uint64, error) {
	hs, err := d.DB().Hits(store.HitFilter{})
	if err != nil {
		return 0, err
	}
	var best leak.Hit
	for _, h := range hs {
		if best.ID == 0 || h.Evidence.Severity > best.Evidence.Severity ||
			h.Evidence.Severity == best.Evidence.Severity && h.ID < best.ID {
			best = h
		}
	}
	return max(best.ID, 1), nil
}
