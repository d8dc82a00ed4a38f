package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"leakwatch/daemon"
	"leakwatch/fpstore"
	"leakwatch/importer"
)

func newFingerprintCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fingerprint",
		Short: "Import and inspect fingerprints (keyed hashes) of the company's customer data",
		Args:  noArgs,
	}
	cmd.AddCommand(newFingerprintImportCmd(g), newFingerprintStatsCmd(g))
	return cmd
}

type fpImportOptions struct {
	dataset, partition, columns, delimiter string
	noHeader, replace, append              bool
	maxBad                                 float64
	maxRow                                 int
}

func newFingerprintImportCmd(g *globals) *cobra.Command {
	var o fpImportOptions
	cmd := &cobra.Command{
		Use:   "import --config FILE --dataset NAME --partition P --columns TYPE=COL,... FILE.csv",
		Short: "Import a CSV export of customer data as keyed hashes",
		Long: `import streams a CSV export, normalises each mapped column by its type (email, phone,
ssn, imei, card, dl, dob, name_zip), and stores only the keyed hashes, with the row as the
record that groups one customer's values. Columns are given by header name or 1-based
index; several columns joined with + make one value (name_zip=first+last+zip):

  watcher fingerprint import --config /etc/watcher/config.yaml \
      --dataset crm --partition crm-prod --columns email=email,phone=mobile,ssn=5 crm.csv

Rows with invalid values are reported by file, line and column, never by value; a row
over --max-row-bytes is skipped and reported by its line. When more than --max-bad of the
rows are bad (the wrong file, delimiter or columns), the import fails and nothing is
registered. A dataset name already imported is refused unless --replace (its earlier
values are dropped) or --append (this file is added to it). Ctrl-C or SIGTERM stops the
import and removes its work files; nothing is registered. The file is not kept. A running daemon is told at
once and matches the new values from then on (if it cannot be reached, systemctl
reload watcher, or any rescan, does the same); a stopped one loads them at its start.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("import takes one CSV file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFingerprintImport(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataset, "dataset", "", "dataset name, e.g. crm (required)")
	f.StringVar(&o.partition, "partition", "", "partition the data came from, e.g. crm-prod (required)")
	f.StringVar(&o.columns, "columns", "", "TYPE=COLUMN mappings, e.g. email=2,phone=mobile (required)")
	f.StringVar(&o.delimiter, "delimiter", ",", "field separator (one character; \\t for tab)")
	f.BoolVar(&o.noHeader, "no-header", false, "the first row is data, not column names")
	f.BoolVar(&o.replace, "replace", false, "replace the dataset's earlier imports")
	f.BoolVar(&o.append, "append", false, "add this file to a dataset already imported")
	f.Float64Var(&o.maxBad, "max-bad", 0.5, "fail when more than this fraction of the rows is bad (0 to 1)")
	f.IntVar(&o.maxRow, "max-row-bytes", importer.DefaultMaxRecord, "skip (and report) a row longer than this")
	return cmd
}

func runFingerprintImport(cmd *cobra.Command, g *globals, o fpImportOptions, file string) error {
	if o.dataset == "" || o.partition == "" || o.columns == "" {
		return usageError{errors.New("import needs --dataset, --partition and --columns")}
	}
	cols, err := importer.ParseColumns(o.columns)
	if err != nil {
		return usageError{err}
	}
	comma := []rune(o.delimiter)
	if o.delimiter == `\t` {
		comma = []rune{'\t'}
	}
	if len(comma) != 1 {
		return usageError{fmt.Errorf("--delimiter %q: want one character", o.delimiter)}
	}
	switch {
	case o.replace && o.append:
		return usageError{errors.New("--replace and --append: choose one")}
	case o.maxBad <= 0 || o.maxBad > 1:
		return usageError{fmt.Errorf("--max-bad %v: want a fraction above 0, at most 1", o.maxBad)}
	case o.maxRow < 1024:
		return usageError{fmt.Errorf("--max-row-bytes %d: want at least 1024", o.maxRow)}
	}
	cfg, err := g.loadConfig("fingerprint import")
	if err != nil {
		return err
	}
	h, err := daemon.Hasher(cfg)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if tf, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(tf.Fd())) {
		bar = progressbar.DefaultBytes(fi.Size(), "hashing "+fi.Name())
		pr := progressbar.NewReader(r, bar)
		r = &pr
	}
	stderr := cmd.ErrOrStderr()
	res, err := importer.Dataset(cmd.Context(), r, importer.DatasetOptions{
		Dir: cfg.FingerprintsDir(), Dataset: o.dataset, Partition: o.partition, Name: file,
		Replace: o.replace, Append: o.append, Workers: runtime.GOMAXPROCS(0),
		Options: importer.Options{File: file, Header: !o.noHeader, Comma: comma[0], Columns: cols, Hasher: h, MaxBad: o.maxBad, MaxRecord: o.maxRow},
		Cleaned: func(n int, b int64) {
			fmt.Fprintf(stderr, "removed %d work folders (%d MiB) left by imports that were stopped\n", n, b>>20)
		},
		Before: func(what string) {
			if o.replace {
				fmt.Fprintf(stderr, "%s: replacing it\n", what)
			} else {
				fmt.Fprintf(stderr, "%s: adding this file to it\n", what)
			}
		},
	})
	var exists *importer.ExistsError
	if err != nil && !errors.As(err, &exists) {
		printBadRows(stderr, res.Result)
	}
	switch {
	case errors.As(err, &exists):
		return usageError{fmt.Errorf("%s: --replace to replace it, --append to add this file to it", exists.What)}
	case err != nil && cmd.Context().Err() != nil && res.Hashed > 0:
		return errors.New("import stopped while writing: nothing imported, work files removed")
	case err != nil && cmd.Context().Err() != nil:
		return fmt.Errorf("import stopped after %d rows: nothing imported, work files removed", res.Rows)
	case err != nil:
		return err
	}
	if bar != nil {
		_ = bar.Finish()
	}
	out := cmd.OutOrStdout()
	printBadRows(stderr, res.Result)
	fmt.Fprintf(out, "imported %s into dataset %s (partition %s): %d rows, %d values, %d bad rows; hashed in %s, stored in %s\n",
		fi.Name(), o.dataset, o.partition, res.Rows, res.Values, res.BadRows,
		res.Hashed.Round(time.Millisecond), res.Stored.Round(time.Millisecond))
	runs, err := daemon.ReloadRunning(cmd.Context(), cfg)
	switch {
	case err != nil:
		return err
	case runs:
		_, err = fmt.Fprintln(out, "the running daemon matches them from now on")
	default:
		_, err = fmt.Fprintln(out, "the daemon is not running: it loads them at its start")
	}
	return err
}

// printBadRows lists the bad rows reported (never a value), then how many
// more there were.
func printBadRows(w io.Writer, res importer.Result) {
	for _, e := range res.Errors {
		fmt.Fprintln(w, "bad row:", e)
	}
	if int64(len(res.Errors)) < res.BadValues {
		fmt.Fprintf(w, "bad rows: %d more values not shown\n", res.BadValues-int64(len(res.Errors)))
	}
}

func newFingerprintStatsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats --config FILE [--json]",
		Short: "Show the imported datasets, their counts and the memory they take",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFingerprintStats(cmd, g, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func runFingerprintStats(cmd *cobra.Command, g *globals, asJSON bool) error {
	cfg, err := g.loadConfig("fingerprint stats")
	if err != nil {
		return err
	}
	fp, err := fpstore.Open(cfg.FingerprintsDir())
	if err != nil {
		return err
	}
	defer fp.Close()
	out := cmd.OutOrStdout()
	filter, data := fp.Memory()
	if asJSON {
		sources := fp.Sources()
		if sources == nil {
			sources = []fpstore.SourceInfo{}
		}
		return printJSON(out, struct {
			Sources     []fpstore.SourceInfo `json:"sources"`
			Values      int                  `json:"values"`
			FilterBytes int64                `json:"filter_bytes"`
			DataBytes   int64                `json:"data_bytes"`
		}{sources, fp.Len(), filter, data})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATASET\tPARTITION\tFILE\tROWS\tVALUES\tBAD ROWS\tIMPORTED")
	for _, s := range fp.Sources() {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.ID, s.Dataset, s.Partition, s.File, s.Rows, s.Values, s.BadRows, stamp(s.Imported))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	per := 0.0
	if fp.Len() > 0 {
		per = float64(filter) / float64(fp.Len())
	}
	_, err = fmt.Fprintf(out, "total: %d values; memory: %d KiB of filters in RAM (%.2f bytes per value), %d KiB of entries on disk (memory-mapped)\n",
		fp.Len(), filter/1024, per, data/1024)
	return err
}
