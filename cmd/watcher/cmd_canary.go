package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/canary"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/leak"
	"leakwatch/matchers"
)

func newCanaryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "canary",
		Short: "Make, import and list canaries: fake customers planted in each data partition",
		Args:  noArgs,
	}
	cmd.AddCommand(newCanaryGenerateCmd(g), newCanaryImportCmd(g), newCanaryListCmd(g))
	return cmd
}

// canaryDB gives the canary commands the hasher and where canaries are
// kept: the running daemon (which starts matching new canaries at once) or
// the database.
func canaryDB(ctx context.Context, g *globals) (*config.Config, control.CanaryKeeper, *matchers.Hasher, func(), error) {
	cfg, err := g.loadConfig("canary")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	h, err := daemon.Hasher(cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	svc, closeSvc, err := daemon.Service(ctx, cfg, daemon.LocalOptions{})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return cfg, svc, h, closeSvc, nil
}

func newCanaryGenerateCmd(g *globals) *cobra.Command {
	var o canaryGenerateOptions
	cmd := &cobra.Command{
		Use:   "generate --config FILE --partition P --count N",
		Short: "Make N canaries for a partition; print them once, store only their hashes",
		Long: `generate makes synthetic customers (a name, an email at the canary domain, a phone number
in the 555-01XX range reserved for fiction), prints them once as CSV for planting in
partition P, and stores only their keyed hashes with their id and partition. Keep the
printed file out of the partition's backups' reach; leakwatch cannot show it again.

The canaries are written first (with --out: to a new file, synced to disk), then their
hashes stored: a failed write stores nothing, and a failed store removes the file, so
no canary is planted that leakwatch does not know, and none is known that was never
written down.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCanaryGenerate(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.partition, "partition", "", "the data partition the canaries will be planted in (required)")
	f.IntVar(&o.count, "count", 1, "how many canaries")
	f.StringVar(&o.domain, "domain", "", "email domain (default: canaries.domain from the config)")
	f.StringVar(&o.outFile, "out", "", "write the canaries to this new file (mode 0600, synced before they are stored) instead of standard output")
	return cmd
}

func newCanaryImportCmd(g *globals) *cobra.Command {
	var partition string
	cmd := &cobra.Command{
		Use:   "import --config FILE [--partition P] CANARIES.csv",
		Short: "Store the hashes of canaries made elsewhere",
		Long: `import reads a CSV with a header: canary_id (or id), partition (or --partition), and the
canary's values in columns named after their types. A canary is found only by a value
that identifies one person: email, phone, ssn, imei, card, dl (a US state and the
number; or a state column beside it) and name_zip (or name, or first and last, with
zip). Those are stored as keyed hashes. A date of birth identifies nobody (any date
is some customer's), so a dob column is refused, and said so: found in another
company's dump it would name this partition as leaked. Other columns are listed as
ignored. Rows with an invalid value are reported by file, line and column, never by
value.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("import takes one CSV file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCanaryImport(cmd, g, partition, args[0])
		},
	}
	cmd.Flags().StringVar(&partition, "partition", "", "partition for rows without one")
	return cmd
}

func newCanaryListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --config FILE [--json]",
		Short: "List canaries: ids, partitions, types and creation dates, never values",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCanaryList(cmd, g, asJSON)

		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printCanaryImport(w io.Writer, c canary.Import, file string) error {
	fmt.Fprintf(w, "imported %d canaries (%d values) from %s\n", len(c.IDs), len(c.Canaries), file)
	stored := "none"
	if len(c.Stored) > 0 {
		stored = strings.Join(c.Stored, ", ")
	}
	fmt.Fprintf(w, "  stored as identifiers: %s\n", stored)
	for _, r := range c.Refused {
		fmt.Fprintf(w, "  refused: %s\n", r)
	}
	if len(c.Ignored) > 0 {
		fmt.Fprintf(w, "  ignored columns (no value type): %s\n", strings.Join(c.Ignored, ", "))
	}
	_, err := fmt.Fprintf(w, "  %d bad rows\n", c.BadRows)
	return err
}

type canaryGenerateOptions struct {
	partition, domain, outFile string
	count                      int
}

func runCanaryGenerate(cmd *cobra.Command, g *globals, o canaryGenerateOptions) error {
	if o.partition == "" || o.count < 1 {
		return usageError{errors.New("generate needs --partition and --count >= 1")}
	}
	cfg, svc, h, closeSvc, err := canaryDB(cmd.Context(), g)
	if err != nil {
		return err
	}
	defer closeSvc()
	domain := o.domain
	if domain == "" {
		domain = cfg.Canaries.Domain
	}
	if domain == "" {
		return usageError{errors.New("no canary domain: set canaries.domain in the config or --domain")}
	}
	recs, err := canary.Generate(o.count, o.partition, domain)
	if err != nil {
		return err
	}
	cs, err := canary.Digests(recs, h, time.Now().UTC())
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%d %s for partition %s", len(recs), plural(len(recs), "canary", "canaries"), o.partition)
	// The plaintext first, where it is kept: digests stored for canaries
	// whose file was never written could never be planted.
	if o.outFile == "" {
		if err := canary.WriteCSV(cmd.OutOrStdout(), recs); err != nil {
			return fmt.Errorf("print the canaries: %w: nothing stored", err)
		}
	} else if err := writeNew(o.outFile, func(w io.Writer) error { return canary.WriteCSV(w, recs) }); err != nil {
		return fmt.Errorf("--out: %w: nothing stored", err)
	}
	if err := svc.PutCanaries(cmd.Context(), cs); err != nil {
		if o.outFile != "" {
			_ = os.Remove(o.outFile)
			return fmt.Errorf("store the canaries: %w: nothing stored, %s removed (never plant canaries leakwatch does not know)", err, o.outFile)
		}
		return fmt.Errorf("store the canaries: %w: nothing stored; do not plant the rows printed above", err)
	}
	if o.outFile == "" {
		_, err = fmt.Fprintf(cmd.ErrOrStderr(), "stored %s (found by email and phone); plant the rows above in %s: leakwatch cannot show them again\n", what, o.partition)
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s to %s (mode 0600; columns canary_id, partition, name, email, phone)\nstored their digests (found by email and phone); plant them in %s, then keep the file out of reach: leakwatch cannot show it again\n",
		what, o.outFile, o.partition)
	return err
}

// writeNew writes a new file of mode 0600 (never over an existing one)
// and makes it durable (the file and its folder synced) before it
// returns; a failed write removes what it began.
func writeNew(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func runCanaryImport(cmd *cobra.Command, g *globals, partition, file string) error {
	_, svc, h, closeSvc, err := canaryDB(cmd.Context(), g)
	if err != nil {
		return err
	}
	defer closeSvc()
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := canary.ImportInto(cmd.Context(), svc, f, file, partition, h)
	for _, b := range rep.Bad {
		fmt.Fprintln(cmd.ErrOrStderr(), "bad row:", b)
	}
	var conflict *canary.ConflictError
	if errors.As(err, &conflict) {
		for _, c := range conflict.Conflicts {
			fmt.Fprintln(cmd.ErrOrStderr(), "conflict:", c)
		}
	}
	if err != nil {
		return err
	}
	return printCanaryImport(cmd.OutOrStdout(), rep, file)
}

func runCanaryList(cmd *cobra.Command, g *globals, asJSON bool) error {
	var cs []leak.Canary
	err := withService(cmd.Context(), g, "canary list", daemon.LocalOptions{}, func(_ *config.Config, svc control.Service) error {
		var err error
		cs, err = svc.Canaries(cmd.Context())
		return err
	})
	if err != nil {
		return err
	}
	rows := canary.List(cs)
	if asJSON {
		if rows == nil {
			rows = []canary.Listing{}
		}
		return printJSON(cmd.OutOrStdout(), rows)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTITION\tTYPES\tCREATED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Partition, strings.Join(r.Types, ","), stamp(r.Created))
	}
	return tw.Flush()
}
