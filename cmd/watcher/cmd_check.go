package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/daemon"
	"leakwatch/store"
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
FILE:LINE:COLUMN: field: message. Secret files it names are checked for existence
and mode 0600 when they are present on this machine, as warnings.

With --online it also checks what the daemon needs to reach: that the SOCKS proxy answers,
that Tor is bootstrapped (through tor_control, if configured), and that Slack accepts the
bot token (auth.test). Each prints ok or what is wrong; any failure exits 1.

With --db it reads every page of the database and checks that they hold together (bbolt's
consistency check): directly when the daemon is stopped, on a fresh hot backup when it runs.
Every open already checks the cheap part (meta pages, size, root pages); this is the rest.` + "\n" + exitStatusHelp,
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
	for _, w := range cfg.FileWarnings() {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
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
	path := cfg.Resolve(cfg.Database)
	start := time.Now()
	what := path
	c, err := dialDaemon(ctx, cfg)
	if errors.Is(err, control.ErrUntrusted) {
		return err
	}
	if err == nil {
		defer c.Close()
		dir, err := os.MkdirTemp("", "leakwatch-check-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		what = filepath.Join(dir, "copy.db")
		if _, err := store.WriteNewFile(what, func(w io.Writer) (int64, error) { return c.Backup(ctx, w) }); err != nil {
			return fmt.Errorf("database: a hot copy from the daemon: %w", err)
		}
	}
	if err := store.Verify(what, time.Second); err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	fi, _ := os.Stat(what)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	_, err = fmt.Fprintf(out, "database %s: ok (every page read, %d KiB, in %s)\n", path, size/1024, time.Since(start).Round(time.Millisecond))
	return err
}

// checkSources fetches each source's first page through the proxy, as a
// crawl would (one attempt, within the connect and request timeouts), and
// names the sources that could not be reached.
func checkSources(ctx context.Context, out io.Writer, cfg *config.Config) []string {
	jobs, closeAll, err := daemon.ProbeJobs(cfg)
	if err != nil {
		fmt.Fprintf(out, "sources: FAILED: %v\n", err)
		return []string{"sources"}
	}
	defer closeAll()
	var failed []string
	for _, j := range jobs {
		c, ok := j.Fetcher.(*crawler.Client)
		if !ok || len(j.Source.URLs) == 0 {
			continue
		}
		start := time.Now()
		page, err := c.Get(ctx, j.Source.URLs[0])
		took := time.Since(start).Round(10 * time.Millisecond)
		if err != nil {
			fmt.Fprintf(out, "source %s: FAILED after %s: %v\n", j.Source.Name, took, err)
			failed = append(failed, "source "+j.Source.Name)
			continue
		}
		fmt.Fprintf(out, "source %s: ok (HTTP %d, %d bytes in %s)\n", j.Source.Name, page.Status, len(page.Body), took)
		if err := checkFirstEntry(ctx, out, c, j.Source); err != nil {
			fmt.Fprintf(out, "source %s: FAILED: %v\n", j.Source.Name, err)
			failed = append(failed, "source "+j.Source.Name)
		}
	}
	return failed
}

// checkFirstEntry reads the source's first listing page as a crawl does
// and fetches its first entry (a thread's first page, a raw paste), so
// that selectors that list nothing or a raw_url that leads nowhere fail
// here, not 44 times in the log.
func checkFirstEntry(ctx context.Context, out io.Writer, c *crawler.Client, src crawler.Source) error {
	src.MaxPages, src.MaxThreadPages = 1, 1
	src.URLs = src.URLs[:1]
	refs, err := c.List(ctx, src)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return errors.New("the listing holds no entries")
	}
	p, err := c.Fetch(ctx, src, refs[0])
	if err != nil {
		return fmt.Errorf("first of %d entries: %w", len(refs), err)
	}
	_, err = fmt.Fprintf(out, "source %s: %d entries listed, the first read (%s, %d bytes of text)\n", src.Name, len(refs), p.URL, p.Bytes)
	return err
}

// checkOnline checks the proxy, Tor, every source and Slack, printing a
// line for each.
func checkOnline(ctx context.Context, out io.Writer, cfg *config.Config) error {
	var failed []string
	st, err := daemon.Preflight(ctx, cfg)
	switch {
	case !st.ProxyOK:
		fmt.Fprintf(out, "proxy %s: FAILED: %v\n", cfg.Proxy, err)
		failed = append(failed, "proxy")
	default:
		fmt.Fprintf(out, "proxy %s: ok (SOCKS5 answers)\n", cfg.Proxy)
	}
	switch {
	case cfg.TorControl == "":
		fmt.Fprintln(out, "tor: not checked (no tor_control in the config)")
	case st.ProxyOK && err != nil:
		fmt.Fprintf(out, "tor %s: FAILED: %v\n", cfg.TorControl, err)
		failed = append(failed, "tor")
	case st.ProxyOK:
		fmt.Fprintf(out, "tor %s: ok (bootstrapped %d%%)\n", cfg.TorControl, st.Bootstrap)
	}
	if st.ProxyOK && err == nil {
		failed = append(failed, checkSources(ctx, out, cfg)...)
	}
	sender, err := daemon.SlackSender(cfg)
	switch {
	case err != nil:
		fmt.Fprintf(out, "slack: FAILED: %v\n", err)
		failed = append(failed, "slack")
	case sender == nil:
		fmt.Fprintln(out, "slack: not configured (alerts would wait in the outbox)")
	default:
		checker, _ := sender.(interface {
			Check(context.Context) (string, error)
		})
		who, err := checker.Check(ctx)
		switch {
		case errors.Is(err, alerts.ErrCannotConfirm):
			fmt.Fprintln(out, "slack: webhook: cannot be checked without posting; try watcher test-alert")
		case err != nil:
			fmt.Fprintf(out, "slack: FAILED: %v\n", err)
			failed = append(failed, "slack")
		default:
			fmt.Fprintf(out, "slack: ok (token accepted: %s)\n", who)
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
