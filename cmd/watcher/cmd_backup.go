package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/store"
)

func newBackupCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backup --config FILE [--json] BACKUP.db",
		Short: "Write a consistent hot copy of the database",
		Long: `backup writes a consistent copy of the database (one read transaction) to a new file
with mode 0600, while the daemon keeps running: through the daemon's control socket when
it runs, from the file itself when it does not. The copy is a database like the original;
post text in it stays sealed with the secret key.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withService(ctx, g, "backup", daemon.LocalOptions{}, func(_ *config.Config, svc control.Service) error {
				start := time.Now()
				n, err := store.WriteBackup(args[0], func(w io.Writer) (int64, error) { return svc.Backup(ctx, w) })
				if err != nil {
					return err
				}
				took := time.Since(start).Round(time.Millisecond)
				if asJSON {
					return printJSON(cmd.OutOrStdout(), map[string]any{"path": args[0], "bytes": n, "took": took.String()})
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "backup: %s (%d KiB) in %s\n", args[0], n/1024, took)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCompactCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compact --config FILE",
		Short: "Apply post text retention and return the freed space (daemon stopped)",
		Long: `compact drops post text older than post_text_retention (the daemon does this itself
every six hours) and rewrites the database without its free pages, returning the space to
the file system. It needs the database to itself: stop the daemon first
(systemctl stop leakwatch), and take a backup before.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig("compact")
			if err != nil {
				return err
			}
			return runCompact(cmd.Context(), cmd.OutOrStdout(), cfg)
		},
	}
	return cmd
}

func runCompact(ctx context.Context, out io.Writer, cfg *config.Config) error {
	if err := daemonStopped(ctx, cfg, "compaction needs the database to itself"); err != nil {
		return err
	}
	path := cfg.Resolve(cfg.Database)
	dropped, before, after, err := daemon.Compact(cfg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "retention: dropped the text of %d posts older than %s\ncompact: %s %d KiB -> %d KiB\n",
		dropped, days(time.Duration(cfg.TextRetention)), path, before/1024, after/1024)
	return err
}

func newSalvageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "salvage --config FILE NEW.db",
		Short: "Copy every readable record of a damaged database into a new file (daemon stopped)",
		Long: `salvage reads the database the config names page by page, without trusting it, and
copies every record it can read into NEW.db (which must not exist): a page beyond the end
of a file cut short, or overwritten, is skipped with what it held, and everything else is
kept. Where the tree of records is broken, records are also taken from the pages outside
it (they may be older than what was lost: an alert may be pending again), so every
pending alert in NEW.db is marked to be looked up in Slack before it is sent (bot token).
The damaged file is only read. The copy is verified before it takes its name.

Then: keep the damaged file aside, put NEW.db in its place, start the daemon. Posts whose
records were lost are fetched and matched again at the next crawl.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig("salvage")
			if err != nil {
				return err
			}
			if err := daemonStopped(cmd.Context(), cfg, "salvage reads a file nobody writes"); err != nil {
				return err
			}
			return runSalvage(cmd.OutOrStdout(), cfg.Resolve(cfg.Database), args[0])
		},
	}
	return cmd
}

func runSalvage(out io.Writer, src, dst string) error {
	rep, err := store.Salvage(src, dst)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("salvage %s: %w: stop the daemon first", src, err)
	}
	if err != nil {
		return fmt.Errorf("salvage %s: %w", src, err)
	}
	fmt.Fprintf(out, "salvage: read %s: %s\n", src, rep.Meta)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  BUCKET\tRECORDS\tUNREADABLE PAGES\tLEFT OUT (WRONG SHAPE)")
	for _, b := range rep.Buckets {
		if b.Missing {
			fmt.Fprintf(tw, "  %s\t-\t(not in the tree)\t\n", b.Name)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", b.Name, b.Records, b.LostPages, b.Implausible)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "salvage: %s: %d records from the tree, %d from pages outside it (possibly older versions); %d pages unreadable\n",
		dst, rep.Records(), rep.Orphans, rep.LostPages())
	if rep.Unsure > 0 {
		fmt.Fprintf(out, "salvage: %d pending alerts will be looked up in Slack before they are sent (a webhook sends them again)\n", rep.Unsure)
	}
	_, err = fmt.Fprintf(out, "next: mv %s %s.damaged && mv %s %s, then start the daemon; posts whose records were lost are fetched and matched again\n", src, src, dst, src)
	return err
}
