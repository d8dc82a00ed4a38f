package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/store"
)

type statusOptions struct {
	config string
	json   bool
}

func newStatusCmd(g *globals) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status --config FILE [--json]",
		Short: "Show each source's health, the outbox and the database",
		Long: `status prints, per source, whether it is healthy (and if not, why: a login wall, a
captcha, selectors that stopped matching, repeated failures), its last crawl and last
success, and its post and hit counts; then the alert outbox and the database size.

It reads the database, so it works while the daemon is stopped; while the daemon runs
it reports that the database is in use.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "config file (required)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// statusReport is what status shows, also as JSON.
type statusReport struct {
	Sources  []store.SourceState `json:"sources"`
	Outbox   outboxStatus        `json:"outbox"`
	Database string              `json:"database"`
	Bytes    int64               `json:"database_bytes"`
}

type outboxStatus struct {
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
	Sent    int `json:"sent"`
}

func runStatus(out io.Writer, o statusOptions) error {
	if o.config == "" {
		return usageError{errors.New("status needs --config FILE")}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	path := cfg.resolvePath(cfg.Database)
	db, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	rep := statusReport{Database: path}
	if rep.Sources, err = db.Sources(); err != nil {
		return err
	}
	c, err := db.Counts()
	if err != nil {
		return err
	}
	rep.Outbox = outboxStatus{Pending: c.Pending, Failed: c.Failed, Sent: c.Sent}
	if fi, err := os.Stat(path); err == nil {
		rep.Bytes = fi.Size()
	}
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tHEALTH\tLAST CRAWL\tLAST SUCCESS\tFAILS\tPOSTS\tHITS\tREASON")
	for _, s := range rep.Sources {
		health := "ok"
		if !s.Healthy {
			health = "UNHEALTHY"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Name, health, stamp(s.LastCrawl), stamp(s.LastSuccess),
			s.ConsecutiveFailures, s.Posts, s.Hits, s.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Sources) == 0 {
		fmt.Fprintln(out, "(no crawl recorded yet)")
	}
	fmt.Fprintf(out, "outbox: %d pending, %d failed, %d sent\n", rep.Outbox.Pending, rep.Outbox.Failed, rep.Outbox.Sent)
	_, err = fmt.Fprintf(out, "database: %s (%d KiB)\n", rep.Database, rep.Bytes/1024)
	return err
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
