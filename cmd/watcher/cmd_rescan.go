package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/pipeline"
)

type rescanOptions struct {
	source  string
	since   string
	dataset string
	dryRun  bool
	json    bool
}

func newRescanCmd(g *globals) *cobra.Command {
	var o rescanOptions
	cmd := &cobra.Command{
		Use:   "rescan --config FILE [--source S] [--since 30d] [--dataset D] [--dry-run] [--json]",
		Short: "Run the current matchers over stored posts",
		Long: `rescan runs the current matchers (canaries, fingerprints, brand terms, sale claims) over
the posts already crawled: new canaries or a new fingerprint dataset often arrive after the
leak was posted. Only new findings are recorded: a hit for a post that had none, or a hit
with stronger evidence (more canaries, more real rows, higher severity) superseding the
old one. New hits are alerted like crawled ones; an old hit is never alerted again, and
an acknowledged one is not re-alerted.

--dataset keeps only evidence from that fingerprint dataset; --dry-run reports what would
be recorded and writes nothing. Posts whose text retention dropped are counted, not read.

While the daemon runs, it does the rescan (through its control socket), beside its crawls;
otherwise rescan opens the database and fingerprints itself.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRescan(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.source, "source", "", "only this source's posts")
	f.StringVar(&o.since, "since", "", "only posts fetched since: a duration back (30d, 12h) or a date")
	f.StringVar(&o.dataset, "dataset", "", "only keep evidence that matched this fingerprint dataset")
	f.BoolVar(&o.dryRun, "dry-run", false, "report what would be recorded; write nothing")
	f.BoolVar(&o.json, "json", false, "print the summary as JSON")
	return cmd
}

func runRescan(cmd *cobra.Command, g *globals, o rescanOptions) error {
	since, err := parseSince(o.since, time.Now())
	if err != nil {
		return err
	}
	// A progress bar on a terminal only: logs and pipes get the summary.
	f, isFile := cmd.ErrOrStderr().(*os.File)
	onTerminal := isFile && term.IsTerminal(int(f.Fd()))
	var bar *progressbar.ProgressBar
	progress := func(p control.Progress) {
		if !onTerminal {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
				progressbar.OptionSetDescription("rescanning posts"), progressbar.OptionShowCount(),
				progressbar.OptionSetItsString("posts"), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(p.Examined)
	}
	var sum pipeline.RescanSummary
	var c alerts.Commands
	ctx := cmd.Context()
	err = withService(ctx, g, "rescan", daemon.LocalOptions{Matchers: true}, func(cfg *config.Config, svc control.Service) error {
		var err error
		c = suggest(cfg)
		sum, err = svc.Rescan(ctx, control.RescanRequest{Source: o.source, Since: since, Dataset: o.dataset, DryRun: o.dryRun}, progress)
		return err
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(cmd.OutOrStdout(), sum)
	}
	return printRescan(cmd.OutOrStdout(), sum, c)
}

// printRescan prints a rescan's summary.
func printRescan(out io.Writer, s pipeline.RescanSummary, c alerts.Commands) error {
	w := &lineWriter{out: out}
	verb := "recorded"
	if s.DryRun {
		verb = "would be recorded (dry run: nothing written)"
	}
	mb := float64(s.Bytes) / 1e6
	rate := 0.0
	if sec := s.Took.Seconds(); sec > 0 {
		rate = mb / sec
	}
	w.f("scanned %d posts (%.1f MB of text) in %s (%.0f MB/s)", s.Scanned, mb, s.Took.Round(time.Millisecond), rate)
	if s.TextGone > 0 {
		w.f("not read: %d posts whose text retention dropped", s.TextGone)
	}
	var sev []string
	for _, name := range []string{"critical", "high", "info"} {
		if n := s.BySev[name]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, name))
		}
	}
	detail := ""
	if len(sev) > 0 {
		detail = " (" + strings.Join(sev, ", ") + ")"
	}
	w.f("new hits: %d%s %s; %d supersede an earlier hit", s.NewHits, detail, verb, s.Updates)
	var quiet []string
	for why, n := range s.Quiet {
		quiet = append(quiet, fmt.Sprintf("%d %s", n, why))
	}
	sort.Strings(quiet)
	alerts := fmt.Sprintf("alerts queued: %d", s.Alerts)
	if len(quiet) > 0 {
		alerts += "; not alerted: " + strings.Join(quiet, ", ")
	}
	w.f("%s", alerts)
	if s.NewHits > 0 && !s.DryRun {
		w.f("see them with: %s", c.Line("hits list --unacked"))
	}
	return w.err
}
