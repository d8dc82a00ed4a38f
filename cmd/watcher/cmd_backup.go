package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/control"
	"leakwatch/store"
)

func newBackupCmd(_ *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "backup --config FILE BACKUP.db",
		Short: "Write a consistent hot copy of the database",
		Long: `backup writes a consistent copy of the database (one read transaction) to a new file
with mode 0600, while the daemon keeps running: through the daemon's control socket when
it runs, from the file itself when it does not. The copy is a database like the original;
post text in it stays sealed with the secret key.` + "\n" + exitStatusHelp,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return withService(ctx, config, "backup", false, func(_ *Config, svc control.Service) error {
				start := time.Now()
				n, err := store.WriteNewFile(args[0], func(w io.Writer) (int64, error) { return svc.Backup(ctx, w) })
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "backup: %s (%d KiB) in %s\n", args[0], n/1024, time.Since(start).Round(time.Millisecond))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "config file (required)")
	return cmd
}

func newCompactCmd(_ *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "compact --config FILE",
		Short: "Apply post text retention and return the freed space (daemon stopped)",
		Long: `compact drops post text older than post_text_retention (the daemon does this itself
every six hours) and rewrites the database without its free pages, returning the space to
the file system. It needs the database to itself: stop the daemon first
(systemctl stop leakwatch), and take a backup before.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := needConfig(config, "compact")
			if err != nil {
				return err
			}
			return runCompact(cmd.Context(), cmd.OutOrStdout(), cfg)
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "config file (required)")
	return cmd
}

func runCompact(ctx context.Context, out io.Writer, cfg *Config) error {
	if c, err := control.Dial(ctx, cfg.controlSocket()); err == nil {
		c.Close()
		return fmt.Errorf("the daemon is running (its control socket %s answers): stop it first, compaction needs the database to itself", cfg.controlSocket())
	}
	path := cfg.resolvePath(cfg.Database)
	db, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	dropped := 0
	if keep := time.Duration(cfg.TextRetention); keep > 0 {
		dropped, err = db.DropText(time.Now().Add(-keep))
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	before, after, err := store.Compact(path, time.Second)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w: stop the daemon first", err)
		}
		return err
	}
	_, err = fmt.Fprintf(out, "retention: dropped the text of %d posts older than %s\ncompact: %s %d KiB -> %d KiB\n",
		dropped, days(time.Duration(cfg.TextRetention)), path, before/1024, after/1024)
	return err
}

// days prints a whole number of days as "90d", anything else as Go does.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
