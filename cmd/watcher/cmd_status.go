package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/leak"
	"leakwatch/store"
)

type statusOptions struct {
	json bool
}

func newStatusCmd(g *globals) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status --config FILE [--json]",
		Short: "Show each source's health, the outbox and the database",
		Long: `status prints whether the daemon runs, then per source whether it is healthy (and if
not, why: a login wall, a captcha, selectors that stopped matching, repeated failures), its
last crawl and last success, and its post and hit counts; then the alert outbox (with the
age of the oldest pending alert) and the database size.

While the daemon runs, status asks it through its control socket; otherwise it reads the
database itself.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), cmd.OutOrStdout(), g, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func runStatus(ctx context.Context, out io.Writer, g *globals, o statusOptions) (err error) {
	var rep control.Status
	err = withService(ctx, g, "status", daemon.LocalOptions{}, func(_ *config.Config, svc control.Service) error {
		var err error
		rep, err = svc.Status(ctx)
		return err
	})
	if err != nil {
		return err
	}
	defer func() {
		if err == nil {
			err = statusTrouble(rep, time.Now())
		}
	}()
	if o.json {
		if rep.Sources == nil {
			rep.Sources = []store.SourceState{}
		}
		if rep.Problems == nil {
			rep.Problems = []store.Condition{}
		}
		return printJSON(out, rep)
	}
	if rep.Daemon {
		fmt.Fprintf(out, "daemon: running (pid %d, since %s)\n", rep.PID, stamp(rep.Started))
	} else {
		fmt.Fprintln(out, "daemon: not running (read from the database)")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tHEALTH\tLAST CRAWL\tLAST SUCCESS\tFAILS\tFETCH FAILS\tPOSTS\tHITS\tREASON / LAST ERROR")
	for _, s := range rep.Sources {
		health, why := "ok", s.Reason
		if !s.Healthy {
			health = "UNHEALTHY"
		}
		if why == "" && s.ConsecutiveFailures > 0 {
			why = s.LastError
		}
		// FAILS: crawls failed in a row; FETCH FAILS: posts the last crawl
		// listed but could not read.
		fetch := fmt.Sprintf("%d of %d", s.LastFetchErrors, s.LastFetched+s.LastFetchErrors)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\n", s.Name, health, stamp(s.LastCrawl), stamp(s.LastSuccess),
			s.ConsecutiveFailures, fetch, s.Posts, s.Hits, oneLine(why, 200))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Sources) == 0 {
		fmt.Fprintln(out, "(no crawl recorded yet)")
	}
	for _, c := range rep.Problems {
		fmt.Fprintf(out, "problem: %s since %s: %s\n", c.ID, stamp(c.Since), oneLine(c.Reason, 300))
	}
	ob := rep.Outbox
	fmt.Fprintf(out, "outbox: %d pending, %d failed, %d sent", ob.Pending, ob.Failed, ob.Sent)
	if !ob.OldestPending.IsZero() {
		fmt.Fprintf(out, " (oldest pending since %s)", stamp(ob.OldestPending))
	}
	fmt.Fprintln(out)
	if line := deliveryLine(rep.Delivery, time.Now()); line != "" {
		fmt.Fprintln(out, line)
	}
	_, err = fmt.Fprintf(out, "database: %s (%d KiB): %d posts, %d hits\n", rep.Database, rep.Bytes/1024, rep.Posts, rep.Hits)
	return err
}

// deliveryLine says how the last sends to Slack went: when one last got
// through, a send waiting for an answer, the failures in a row and the
// last error. "" before the first send.
func deliveryLine(d leak.Delivery, now time.Time) string {
	if d.LastAttempt.IsZero() {
		return ""
	}
	line := "slack: last message sent " + stamp(d.LastSuccess)
	if !d.SendingSince.IsZero() {
		line += fmt.Sprintf("; a send waiting for Slack's answer for %s", now.Sub(d.SendingSince).Round(time.Second))
	}
	if d.Failures > 0 {
		line += fmt.Sprintf("; %s: %d sends failed in a row, the last at %s: %s", d.Trouble, d.Failures, stamp(d.LastAttempt), oneLine(d.LastError, 200))
	}
	return line
}

// statusTrouble is status's exit: 3 when something needs a look (a
// problem active, such as Slack refusing; a source unhealthy; an alert
// waiting over a minute), so a monitoring script needs no parsing.
func statusTrouble(rep control.Status, now time.Time) error {
	var why []string
	if n := len(rep.Problems); n > 0 {
		why = append(why, fmt.Sprintf("%d problems active", n))
	}
	for _, s := range rep.Sources {
		if !s.Healthy {
			why = append(why, "source "+s.Name+" unhealthy")
		}
	}
	if p := rep.Outbox.OldestPending; rep.Outbox.Pending > 0 && !p.IsZero() && now.Sub(p) > time.Minute {
		why = append(why, fmt.Sprintf("%d alerts waiting, the oldest for %s", rep.Outbox.Pending, now.Sub(p).Round(time.Second)))
	}
	if len(why) == 0 {
		return nil
	}
	return partialError{"status: " + strings.Join(why, "; ")}
}
