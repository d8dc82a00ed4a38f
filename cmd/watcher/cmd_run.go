package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/daemon"
	"leakwatch/pipeline"
	"leakwatch/store"
)

type runOptions struct {
	once        bool
	json        bool
	lockTimeout time.Duration
	flushEvery  time.Duration
}

func newRunCmd(g *globals) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --config FILE [--once]",
		Short: "Run the watcher daemon (or one crawl of every source with --once)",
		Long: `run crawls every configured source on its cron schedule through the SOCKS5 proxy
(Tor), records what it finds and delivers alerts to Slack, until SIGINT or SIGTERM.

With --once it crawls every source once, delivers the pending alerts, prints a summary
and exits: exit status 3 when a source could not be crawled or alerts are still queued.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd.Context(), o, g, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.once, "once", false, "crawl every source once, deliver pending alerts, and exit")
	f.BoolVar(&o.json, "json", false, "with --once: print the summary as JSON")
	f.DurationVar(&o.lockTimeout, "lock-timeout", 5*time.Second, "how long to wait for the database lock")
	f.DurationVar(&o.flushEvery, "flush-every", 30*time.Second, "how often the daemon retries queued alerts")
	return cmd
}

func runRun(ctx context.Context, o runOptions, g *globals, out io.Writer) error {
	cfg, err := g.loadConfig("run")
	if err != nil {
		return err
	}
	log, err := g.logger(slog.LevelInfo)
	if err != nil {
		return err
	}
	d, err := daemon.New(cfg, daemon.Options{Log: log, LockTimeout: o.lockTimeout, FlushEvery: o.flushEvery})
	if err != nil {
		return err
	}
	defer d.Close()
	if !o.once {
		if o.json {
			return usageError{fmt.Errorf("--json goes with --once (the daemon logs JSON with --log-format json)")}
		}
		return d.Run(ctx)
	}
	sum, err := d.Once(ctx)
	if err != nil {
		return err
	}
	var listed, fetched, hits int
	for _, s := range sum.Stats {
		listed, fetched, hits = listed+s.Listed, fetched+s.Fetched, hits+s.Hits
	}
	if o.json {
		err = printJSON(out, onceReport(sum, listed, fetched, hits))
	} else {
		fmt.Fprintf(out, "summary: %d of %d sources crawled, %d posts listed, %d fetched, %d new hits, %d alerts sent, %s\n",
			len(sum.Stats)-sum.Failed, len(sum.Stats), listed, fetched, hits, sum.Flush.Sent, queued(sum))
		printUnhealthy(out, sum)
	}
	if err != nil {
		return err
	}
	switch {
	case sum.Failed > 0:
		return partialError{fmt.Sprintf("%d of %d sources could not be crawled (see the log)", sum.Failed, len(sum.Stats))}
	case sum.Pending > 0 || sum.FailedAlerts > 0:
		return partialError{fmt.Sprintf("not delivered: %s, %d refused by Slack", queued(sum), sum.FailedAlerts)}
	}
	return ctx.Err()
}

// printUnhealthy lists the sources that were skipped or are unhealthy, with
// the reason: "could not see the forum" must never read like "no new posts".
func printUnhealthy(out io.Writer, sum daemon.Summary) {
	skipped := 0
	for _, s := range sum.Stats {
		if s.Skipped {
			skipped++
		}
	}
	if skipped > 0 {
		fmt.Fprintf(out, "skipped: %d sources, the proxy or Tor is not ready (see the log)\n", skipped)
	}
	for _, s := range sum.Sources {
		if !s.Healthy {
			fmt.Fprintf(out, "unhealthy: %s since %s: %s\n", s.Name, s.Since.Format(time.RFC3339), s.Reason)
		}
	}
	for _, c := range sum.Conditions {
		if c.Active && !strings.HasPrefix(c.ID, "source:") {
			fmt.Fprintf(out, "problem: %s since %s: %s\n", c.ID, c.Since.Format(time.RFC3339), oneLine(c.Reason, 300))
		}
	}
}

// queued says what is still in the outbox after a run: leak alerts,
// operator alerts (leakwatch's own health) and test messages apart, so
// "1 queued" after no hits reads as what it is.
func queued(sum daemon.Summary) string {
	leaks := sum.Pending - sum.PendingOperator - sum.PendingTest
	if sum.Pending == 0 {
		return "nothing queued"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{leaks, "leak alert"}, {sum.PendingOperator, "operator alert"}, {sum.PendingTest, "test message"}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.what)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ") + " queued"
}

// runOnceReport is run --once --json's summary.
type runOnceReport struct {
	Sources      int                 `json:"sources"`
	Failed       int                 `json:"sources_failed"`
	Listed       int                 `json:"posts_listed"`
	Fetched      int                 `json:"posts_fetched"`
	NewHits      int                 `json:"new_hits"`
	AlertsSent   int                 `json:"alerts_sent"`
	Queued       map[string]int      `json:"queued"` // leak, operator, test
	FailedAlerts int                 `json:"alerts_refused"`
	PerSource    []pipeline.Stats    `json:"per_source"`
	Unhealthy    []store.SourceState `json:"unhealthy"`
	Problems     []store.Condition   `json:"problems"`
}

func onceReport(sum daemon.Summary, listed, fetched, hits int) runOnceReport {
	r := runOnceReport{
		Sources: len(sum.Stats), Failed: sum.Failed, Listed: listed, Fetched: fetched, NewHits: hits,
		AlertsSent: sum.Flush.Sent, FailedAlerts: sum.FailedAlerts, PerSource: sum.Stats,
		Queued:    map[string]int{"leak": sum.Pending - sum.PendingOperator - sum.PendingTest, "operator": sum.PendingOperator, "test": sum.PendingTest},
		Unhealthy: []store.SourceState{}, Problems: []store.Condition{},
	}
	if r.PerSource == nil {
		r.PerSource = []pipeline.Stats{}
	}
	for _, s := range sum.Sources {
		if !s.Healthy {
			r.Unhealthy = append(r.Unhealthy, s)
		}
	}
	for _, c := range sum.Conditions {
		if c.Active {
			r.Problems = append(r.Problems, c)
		}
	}
	return r
}
