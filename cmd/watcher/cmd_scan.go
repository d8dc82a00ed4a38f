package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"leakwatch/crawler"
	"leakwatch/daemon"
	"leakwatch/leak"
	"leakwatch/matchers"
)

type scanOptions struct {
	json     bool
	exitCode int
	exitAt   string
	max      int64
	title    string
	html     bool
	preset   string
}

func newScanCmd(g *globals) *cobra.Command {
	var o scanOptions
	cmd := &cobra.Command{
		Use:   "scan --config FILE [--json] [--title T] [--html | --preset ENGINE] SAMPLE|-",
		Short: "Run every matcher over a local file, such as a sample an analyst downloaded",
		Long: `scan reads a file (or standard input) and prints what the matchers find: the verdict
and its evidence (sale claim, sample rows that are real customers, canaries and the
partition they were planted in, brand terms), why, then each finding with its line
number. Findings name the type and whether the value is a customer, a canary or not
ours; they never repeat the value.

A plain file is read as one post by its seller. --title gives the thread's title (its
prefix, [WTS] or [FREE], and its words count towards the claim). --html reads a saved
page as text. --preset mybb|xenforo|phpbb|invision reads a saved thread page of that forum
engine as the crawler does: each post with its author, quotes marked, so the claim is
the seller's (the first post's author) and not a buyer's or a quoted one; the title
is the page's unless --title is given. Line numbers then count lines of the text read
from the page.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("scan takes one file, or - for standard input")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, g, o, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().IntVar(&o.exitCode, "exit-code", 0, "exit with this status (1 to 125) when the verdict is at or above --exit-at, for scripts")
	cmd.Flags().StringVar(&o.exitAt, "exit-at", "info", "the severity --exit-code starts at: info, high or critical")
	cmd.Flags().Int64Var(&o.max, "max-bytes", 64<<20, "read at most this many bytes")
	cmd.Flags().StringVar(&o.title, "title", "", "the post's title, as the listing shows it")
	cmd.Flags().BoolVar(&o.html, "html", false, "the file is an HTML page: read its text")
	cmd.Flags().StringVar(&o.preset, "preset", "", "the file is a saved thread page of this forum engine ("+strings.Join(crawler.PresetNames(), ", ")+")")
	return cmd
}

// scanReport is scan's output.
type scanReport struct {
	File     string             `json:"file"`
	Bytes    int                `json:"bytes"`
	Evidence leak.Evidence      `json:"evidence"`
	Findings []matchers.Finding `json:"findings"`
}

func runScan(cmd *cobra.Command, g *globals, o scanOptions, file string) error {
	exitAt, err := leak.ParseSeverity(o.exitAt)
	if err != nil || exitAt == leak.SeverityNone {
		return usageError{fmt.Errorf("--exit-at %q: want info, high or critical", o.exitAt)}
	}
	if o.exitCode < 0 || o.exitCode > 125 || o.exitCode == exitUsage {
		return usageError{fmt.Errorf("--exit-code %d: want 1 to 125, not 2 (bad flags)", o.exitCode)}
	}
	cfg, err := g.loadConfig("scan")
	if err != nil {
		return err
	}
	var r io.Reader = cmd.InOrStdin()
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	text, err := io.ReadAll(io.LimitReader(r, o.max+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	if int64(len(text)) > o.max {
		return fmt.Errorf("%s is larger than --max-bytes %d", file, o.max)
	}
	title := o.title
	switch {
	case o.preset != "":
		sel, err := crawler.Preset(o.preset)
		if err != nil {
			return usageError{fmt.Errorf("--preset: %w", err)}
		}
		pageTitle, thread, err := crawler.SavedThread(text, sel)
		if err != nil {
			return fmt.Errorf("%s: read as a %s thread page: %w", file, o.preset, err)
		}
		if title == "" {
			title = pageTitle
		}
		text = []byte(thread)
	case o.html:
		text = []byte(crawler.PasteText(text, "text/html"))
	}
	set, closeAll, err := daemon.ScanSet(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	ev, fs := set.ExplainPost([]byte(title), text)
	if ev.Sample != nil {
		ev.Sample.Records = nil // the dataset signature: for the store, meaningless to a reader
	}
	rep := scanReport{File: file, Bytes: len(text), Evidence: ev, Findings: fs}
	if rep.Findings == nil {
		rep.Findings = []matchers.Finding{}
	}
	out := cmd.OutOrStdout()
	if o.json {
		err = printJSON(out, rep)
	} else {
		err = printScan(out, rep)
	}
	if err == nil && o.exitCode != 0 && ev.Severity >= exitAt {
		return codeError{o.exitCode, fmt.Sprintf("%s: %s, at or above %s (--exit-code %d)", file, ev.Severity, exitAt, o.exitCode)}
	}
	return err
}

func printScan(out io.Writer, rep scanReport) error {
	ev := rep.Evidence
	if ev.Severity == leak.SeverityNone {
		fmt.Fprintf(out, "%s: nothing of ours (%d bytes)\n", rep.File, rep.Bytes)
	} else {
		fmt.Fprintf(out, "%s: %s: %s\n", rep.File, strings.ToUpper(ev.Severity.String()), ev.Headline)
	}
	if c := ev.Claim; c != nil {
		fmt.Fprintf(out, "  claim: score %.1f (%s)", c.Score, strings.Join(c.Phrases, ", "))
		if c.Records > 0 {
			fmt.Fprintf(out, ", %d records", c.Records)
		}
		if len(c.DataTypes) > 0 {
			fmt.Fprintf(out, ", types %s", strings.Join(c.DataTypes, "+"))
		}
		if c.Price != "" {
			fmt.Fprintf(out, ", price %s", c.Price)
		}
		fmt.Fprintln(out)
	}
	if s := ev.Sample; s != nil {
		fmt.Fprintf(out, "  sample: %d of %d rows are real customers (%d distinct), %d canary rows, %d match nothing; datasets %s; partitions %s\n",
			s.RealRows, s.Rows, s.Customers, s.CanaryRows, s.Unmatched, orNone(s.Datasets), orNone(s.Partitions))
		if s.Mentions > 0 {
			fmt.Fprintf(out, "  mentions: %d customer values in running text (not rows)\n", s.Mentions)
		}
	}
	for _, w := range ev.Why {
		fmt.Fprintf(out, "  why: %s\n", w)
	}
	for _, c := range ev.Canaries {
		fmt.Fprintf(out, "  canary %s from partition %s (%s, line %d)\n", c.ID, c.Partition, c.Type, c.Line)
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(out, "  line %-6d %-12s %s\n", f.Line, f.Kind, f.What)
	}
	return nil
}
