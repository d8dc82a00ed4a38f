package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/control"
	"leakwatch/daemon"
)

type checkOptions struct {
	online bool
	db     bool
	json   bool
}

// checkReport is what check found; --json prints it as it is.
type checkReport struct {
	Config   string         `json:"config"`
	OK       bool           `json:"ok"`
	Sources  []string       `json:"sources"`
	Errors   []string       `json:"errors"`
	Warnings []string       `json:"warnings"`
	Database *checkDB       `json:"database,omitempty"` // --db
	Online   []daemon.Check `json:"online,omitempty"`   // --online
}

type checkDB struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Took  string `json:"took"`
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
	cmd.Flags().BoolVar(&o.json, "json", false, "print what was found as JSON (the exit status is the same)")
	return cmd
}

func runCheck(cmd *cobra.Command, g *globals, o checkOptions) error {
	cfg, err := g.loadConfig("check")
	if err != nil {
		return err
	}
	rep := checkReport{Config: cfg.Path(), Sources: cfg.SourceNames(), Errors: cfg.SecretProblems(), Warnings: []string{}}
	if rep.Sources == nil {
		rep.Sources = []string{}
	}
	if rep.Errors == nil {
		rep.Errors = []string{}
	}
	if dir := filepath.Dir(cfg.Resolve(cfg.Database)); !exists(dir) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("database: the folder %s does not exist here: every command will refuse to make a database there (create it: install -d -m 0700 %s)", dir, dir))
	}
	if w := cfg.WebhookWarning(); w != "" {
		rep.Warnings = append(rep.Warnings, w)
	}
	if w := daemon.FingerprintsWarning(cfg); w != "" {
		rep.Warnings = append(rep.Warnings, w)
	}
	if dir := filepath.Dir(cfg.SocketPath()); exists(dir) {
		if err := control.SafeDir(dir); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("control_socket: %v", err))
		}
	}
	var dbErr error
	if len(rep.Errors) == 0 && o.db {
		start := time.Now()
		size, err := daemon.VerifyDatabase(cmd.Context(), cfg)
		if dbErr = err; err == nil {
			rep.Database = &checkDB{Path: cfg.Resolve(cfg.Database), Bytes: size, Took: time.Since(start).Round(time.Millisecond).String()}
		} else {
			rep.Errors = append(rep.Errors, err.Error())
		}
	}
	var failed []string
	if len(rep.Errors) == 0 && o.online {
		rep.Online = daemon.CheckOnline(cmd.Context(), cfg)
		for _, c := range rep.Online {
			if c.Failed {
				failed = append(failed, c.Name)
			}
		}
	}
	rep.OK = len(rep.Errors) == 0 && len(failed) == 0
	if o.json {
		if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printCheck(cmd.OutOrStdout(), cmd.ErrOrStderr(), rep)
	}
	switch {
	case dbErr != nil:
		return dbErr
	case len(rep.Errors) > 0:
		return fmt.Errorf("%s: the config is valid, but %d problems were found (above)", cfg.Path(), len(rep.Errors))
	case len(failed) > 0:
		return fmt.Errorf("online check failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// printCheck prints a check's findings: problems and warnings on stderr,
// what is fine and the online lines on stdout.
func printCheck(out, errOut io.Writer, rep checkReport) {
	for _, e := range rep.Errors {
		fmt.Fprintln(errOut, "error:", e)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(errOut, "warning:", w)
	}
	if len(rep.Errors) > 0 {
		return
	}
	fmt.Fprintf(out, "%s: ok (sources: %d: %s)\n", rep.Config, len(rep.Sources), strings.Join(rep.Sources, ", "))
	if d := rep.Database; d != nil {
		fmt.Fprintf(out, "database %s: ok (every page read, %d KiB, in %s)\n", d.Path, d.Bytes/1024, d.Took)
	}
	for _, c := range rep.Online {
		fmt.Fprintln(out, c.Line)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
