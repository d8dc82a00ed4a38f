package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/leak"
	"leakwatch/store"
)

func newHitsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hits",
		Short: "List, show and acknowledge hits",
		Long: `hits lists what the matchers found, shows one hit's evidence (claim, counts,
partitions, the post link defanged; never a customer value) and acknowledges hits that
were handled. Acknowledged hits are not alerted again when a rescan finds more.

While the daemon runs these talk to it through its control socket; otherwise they read
the database themselves.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHitsListCmd(g), newHitsShowCmd(g), newHitsAckCmd(g))
	return cmd
}

func newHitsListCmd(g *globals) *cobra.Command {
	var o hitsListOptions
	cmd := &cobra.Command{
		Use:   "list [--severity S] [--since T] [--source S] [--unacked] [--limit N] [--json]",
		Short: "List hits, newest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runHitsList(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.severity, "severity", "", "at least this severity: info, high or critical")
	f.StringVar(&o.since, "since", "", "found since: a duration back (30d, 12h) or a date (2026-11-01)")
	f.StringVar(&o.source, "source", "", "only this source")
	f.BoolVar(&o.unacked, "unacked", false, "only hits not yet acknowledged")
	f.IntVar(&o.limit, "limit", 0, "at most this many (0: all)")
	f.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func printHits(out io.Writer, hs []leak.Hit) error {
	if len(hs) == 0 {
		_, err := fmt.Fprintln(out, "no hits")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tFOUND\tSOURCE\tACK\tHEADLINE")
	for _, h := range hs {
		ack := "-"
		if !h.Acked.IsZero() {
			ack = "acked"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Evidence.Severity, stamp(h.Found), h.Source, ack, oneLine(h.Evidence.Headline, 100))
	}
	return tw.Flush()
}

func newHitsShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID [--json]",
		Short: "Show one hit's evidence",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withHit(cmd, g, "hits show", args[0], func(cfg *config.Config, svc control.Service, id uint64) error {
				h, err := svc.Hit(cmd.Context(), id)
				if err != nil {
					return notFound(err, id)
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), h)
				}
				return printHit(cmd.OutOrStdout(), h, suggest(cfg))
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printHit prints a hit's evidence summary for an analyst: counts, types,
// partitions, the link defanged. It holds no customer value, since the
// evidence has none.
func printHit(out io.Writer, h leak.Hit, c alerts.Commands) error {
	ev := h.Evidence
	w := &lineWriter{out: out}
	w.f("hit %d: %s: %s", h.ID, strings.ToUpper(ev.Severity.String()), oneLine(ev.Headline, 300))
	w.f("source:   %s", h.Source)
	w.f("thread:   %s", oneLine(orDash(h.Title), 300))
	w.f("author:   %s", oneLine(orDash(h.Author), 100))
	w.f("link:     %s (defanged)", alerts.Defang(h.PostURL))
	w.f("posted:   %s   found: %s", stamp(h.Posted), stamp(h.Found))
	if h.Rescan {
		w.f("found by: a rescan of stored posts")
	}
	if h.UpdateOf != 0 {
		w.f("updates:  hit %d (this evidence is stronger)", h.UpdateOf)
	}
	if h.RepostOf != "" {
		w.f("repost of: %s", h.RepostOf)
	}
	if h.Repeats != 0 {
		w.f("repeats:  hit %d (the same customers: the same dataset)", h.Repeats)
	}
	if v := h.Victim; v != nil {
		w.f("victim:   %s (domain %s, data %s, published %s, countdown %s): listed on a data-leak site", oneLine(v.Name, 200),
			alerts.Defang(orDash(v.Domain)), oneLine(orDash(v.Size), 40), oneLine(orDash(v.Published), 40), oneLine(orDash(v.Countdown), 40))
	}
	fetched := map[string]bool{}
	for _, u := range h.Samples {
		fetched[u] = true
	}
	for i, u := range h.Links {
		if i == 10 {
			w.f("          and %d more links", len(h.Links)-10)
			break
		}
		how := "recorded, not fetched (not a sample host)"
		if fetched[u] {
			how = "linked sample, fetched and matched with the post"
		}
		w.f("link:     %s: %s", alerts.Defang(u), how)
	}
	if h.Truncated {
		w.f("read:     in part: the page was over max_body_bytes and cut at the cap (counts are of what was read)")
	}
	if h.Flattened {
		w.f("read:     as plain text: the page was nested too deep to parse")
	}
	if c := ev.Claim; c != nil {
		what := "sale"
		if c.Intent == "release" {
			what = "free dump"
		}
		w.f("claim:    %s, sale intent %.1f (%s)", what, c.Score, strings.Join(c.Phrases, ", "))
		if c.Records > 0 {
			w.f("          records claimed: %s (%d)", oneLine(c.RecordsText, 40), c.Records)
		}
		if len(c.DataTypes) > 0 {
			w.f("          data types: %s", strings.Join(c.DataTypes, ", "))
		}
		if c.Price != "" {
			w.f("          price: %s", oneLine(c.Price, 100))
		}
		if len(c.Contacts) > 0 {
			w.f("          contact via: %s", strings.Join(c.Contacts, ", "))
		}
		if len(c.Negative) > 0 {
			w.f("          lowered by: %s", strings.Join(c.Negative, ", "))
		}
	}
	if s := ev.Sample; s != nil {
		w.f("sample:   %d of %d rows are real customers (%d distinct), %d canary rows, %d match nothing", s.RealRows, s.Rows, s.Customers, s.CanaryRows, s.Unmatched)
		if s.Mentions > 0 {
			w.f("          %d customer values in running text (not rows)", s.Mentions)
		}
		if len(s.Types) > 0 {
			w.f("          matched types: %s", strings.Join(s.Types, ", "))
		}
		if len(s.Datasets) > 0 {
			w.f("          datasets: %s; partitions: %s", strings.Join(s.Datasets, ", "), strings.Join(s.Partitions, ", "))
		}
	}
	for _, c := range ev.Canaries {
		w.f("canary:   %s from partition %s (%s, line %d): this partition leaked", c.ID, c.Partition, c.Type, c.Line)
	}
	if len(ev.Brands) > 0 {
		w.f("brands:   %s", strings.Join(ev.Brands, ", "))
	}
	if len(ev.Profile) > 0 {
		w.f("profile:  %s", strings.Join(ev.Profile, ", "))
	}
	for _, why := range ev.Why {
		w.f("why:      %s", why)
	}
	if h.Acked.IsZero() {
		w.f("status:   open; when handled: %s", c.Line(`hits ack %d --note "..."`, h.ID))
	} else {
		w.f("status:   acknowledged %s by %s", stamp(h.Acked), h.AckedBy)
		if h.AckNote != "" {
			w.f("note:     %s", oneLine(h.AckNote, 500))
		}
	}
	return w.err
}

func newHitsAckCmd(g *globals) *cobra.Command {
	var note string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ack ID [--note TEXT] [--json]",
		Short: "Mark a hit handled",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withHit(cmd, g, "hits ack", args[0], func(_ *config.Config, svc control.Service, id uint64) error {
				h, err := svc.Ack(cmd.Context(), id, whoami(), note)
				if err != nil {
					return notFound(err, id)
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), h)
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "hit %d acknowledged %s by %s\n", h.ID, stamp(h.Acked), h.AckedBy)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "what was done (kept with the hit)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the acknowledged hit as JSON")
	return cmd
}

// withHit runs f for the hit id in arg, with the service the config leads
// to (the daemon, or the database).
func withHit(cmd *cobra.Command, g *globals, what, arg string, f func(*config.Config, control.Service, uint64) error) error {
	id, err := hitID(arg)
	if err != nil {
		return err
	}
	return withService(cmd.Context(), g, what, daemon.LocalOptions{}, func(cfg *config.Config, svc control.Service) error { return f(cfg, svc, id) })
}

func hitID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, usageError{fmt.Errorf("hit id %q: want a number as shown by watcher hits list", s)}
	}
	return id, nil
}

type hitsListOptions struct {
	severity, since, source string
	unacked, json           bool
	limit                   int
}

func runHitsList(cmd *cobra.Command, g *globals, o hitsListOptions) error {
	f := store.HitFilter{Source: o.source, Unacked: o.unacked, Limit: o.limit}
	if o.severity != "" {
		s, err := leak.ParseSeverity(o.severity)
		if err != nil {
			return usageError{fmt.Errorf("--severity: %w", err)}
		}
		f.Severity = s
	}
	var err error
	if f.Since, err = parseSince(o.since, time.Now()); err != nil {
		return err
	}
	return withService(cmd.Context(), g, "hits list", daemon.LocalOptions{}, func(_ *config.Config, svc control.Service) error {
		hs, err := svc.Hits(cmd.Context(), f)
		if err != nil {
			return err
		}
		if o.json {
			if hs == nil {
				hs = []leak.Hit{}
			}
			return printJSON(cmd.OutOrStdout(), hs)
		}
		return printHits(cmd.OutOrStdout(), hs)
	})
}
