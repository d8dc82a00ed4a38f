package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
)

type checkOptions struct {
	online bool
	db     bool
}

func newCheckCmd(g *globals) *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check --config FILE",
		Short: "Validate a config file",
		Long: `check reads the config file strictly (an unknown or misspelt field is an error) and
validates every value: proxy address, cron schedules, URLs (including the checksum of
.onion v3 addresses), CSS selectors, severities. Each problem is printed as
FILE:LINE:COLUMN: field: message (exit status 2). Then the secret files it names
(secret_key_file, the Slack token or webhook file, cookie files) are looked up as the
daemon will read them, in $CREDENTIALS_DIRECTORY under their own names when systemd
hands them over, else at their path: each missing one, or one that group or others can
read, is an error (exit status 1), with the command that makes it.

With --online it also checks what the daemon needs to reach: that the SOCKS proxy answers,
that Tor is bootstrapped (through tor_control, if configured), and that Slack accepts the
bot token (auth.test). Each prints ok or what is wrong; any failure exits 1.

With --db it reads every page of the database and checks that they hold together (bbolt's
consistency check): directly when the daemon is stopped, on a fresh hot backup when it runs.
Every open already checks the cheap part (meta pages, size, root pages); this is the rest.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.online, "online", false, "also check the proxy, Tor and Slack")
	cmd.Flags().BoolVar(&o.db, "db", false, "also check every page of the database")
	return cmd
}

func runCheck(cmd *cobra.Command, g *globals, o checkOptions) error {
	cfg, err := g.loadConfig("check")
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	secrets := cfg.SecretProblems()
	for _, p := range secrets {
		fmt.Fprintln(cmd.ErrOrStderr(), "error:", p)
	}
	if dir := filepath.Dir(cfg.Resolve(cfg.Database)); !exists(dir) {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: database: the folder %s does not exist here: every command will refuse to make a database there (create it: install -d -m 0700 %s)\n", dir, dir)
	}
	if w := cfg.WebhookWarning(); w != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	if w := daemon.FingerprintsWarning(cfg); w != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	if dir := filepath.Dir(cfg.SocketPath()); exists(dir) {
		if err := control.SafeDir(dir); err != nil {
			return fmt.Errorf("control_socket: %w", err)
		}
	}
	if len(secrets) > 0 {
		return fmt.Errorf("%s: the config is valid, but %d of the secret files it names cannot be used (above)", cfg.Path(), len(secrets))
	}
	_, err = fmt.Fprintf(out, "%s: ok (sources: %d: %s)\n", cfg.Path(), len(cfg.Sources), strings.Join(cfg.SourceNames(), ", "))
	if err != nil {
		return err
	}
	if o.db {
		if err := checkDatabase(cmd.Context(), out, cfg); err != nil {
			return err
		}
	}
	if !o.online {
		return nil
	}
	return checkOnline(cmd.Context(), out, cfg)
}

// checkDatabase runs the full consistency check: on the file when the
// daemon is stopped, on a hot backup it writes when it runs.
func checkDatabase(ctx context.Context, out io.Writer, cfg *config.Config) error {
	start := time.Now()
	size, err := daemon.VerifyDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "database %s: ok (every page read, %d KiB, in %s)\n", cfg.Resolve(cfg.Database), size/1024, time.Since(start).Round(time.Millisecond))
	return err
}

// checkOnline checks the proxy, Tor, every source and Slack, printing a
// line for each.
func checkOnline(ctx context.Context, out io.Writer, cfg *config.Config) error {
	var failed []string
	for _, c := range daemon.CheckOnline(ctx, cfg) {
		fmt.Fprintln(out, c.Line)
		if c.Failed {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("online check failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
