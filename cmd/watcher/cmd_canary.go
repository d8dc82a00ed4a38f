package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/canary"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/importer"
	"leakwatch/leak"
	"leakwatch/matchers"
)

func newCanaryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "canary",
		Short: "Make, import and list canaries: fake customers planted in each data partition",
		Args:  noArgs,
	}
	cmd.AddCommand(newCanaryGenerateCmd(), newCanaryImportCmd(), newCanaryListCmd())
	return cmd
}

// canaryDB gives the canary commands the hasher and where canaries are
// kept: the running daemon (which starts matching new canaries at once) or
// the database.
func canaryDB(ctx context.Context, configPath string) (*config.Config, control.Service, *matchers.Hasher, func(), error) {
	if configPath == "" {
		return nil, nil, nil, nil, usageError{errors.New("needs --configPath FILE")}
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	h, err := daemon.Hasher(cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	svc, closeSvc, err := openService(ctx, cfg, daemon.LocalOptions{})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return cfg, svc, h, closeSvc, nil
}

func newCanaryGenerateCmd() *cobra.Command {
	var configPath, partition, domain, outFile string
	var count int
	cmd := &cobra.Command{
		Use:   "generate --configPath FILE --partition P --count N",
		Short: "Make N canaries for a partition; print them once, store only their hashes",
		Long: `generate makes synthetic customers (a name, an email at the canary domain, a phone number
in the 555-01XX range reserved for fiction), prints them once as CSV for planting in
partition P, and stores only their keyed hashes with their id and partition. Keep the
printed file out of the partition's backups' reach; leakwatch cannot show it again.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if partition == "" || count < 1 {
				return usageError{errors.New("generate needs --partition and --count >= 1")}
			}
			cfg, svc, h, closeSvc, err := canaryDB(cmd.Context(), configPath)
			if err != nil {
				return err
			}
			defer closeSvc()
			if domain == "" {
				domain = cfg.Canaries.Domain
			}
			if domain == "" {
				return usageError{errors.New("no canary domain: set canaries.domain in the configPath or --domain")}
			}
			recs, err := canary.Generate(count, partition, domain)
			if err != nil {
				return err
			}
			var cs []leak.Canary
			now := time.Now().UTC()
			for _, r := range recs {
				for _, tv := range []struct {
					t matchers.Type
					v string
				}{{matchers.TypeEmail, r.Email}, {matchers.TypePhone, r.Phone}} {
					t, v := tv.t, tv.v
					d, ok := h.Value(t, v)
					if !ok {
						return fmt.Errorf("canary %s: generated an invalid %s", r.ID, t)
					}
					cs = append(cs, leak.Canary{ID: r.ID, Partition: partition, Type: string(t), Digest: d, Created: now})
				}
			}
			out := cmd.OutOrStdout()
			if outFile != "" {
				// The plaintext, for planting: private to its owner, and never
				// over an existing file.
				f, err := os.OpenFile(outFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				defer f.Close()
				out = f
			}
			if err := svc.PutCanaries(cmd.Context(), cs); err != nil {
				return err
			}
			w := csv.NewWriter(out)
			_ = w.Write([]string{"canary_id", "partition", "name", "email", "phone"})
			for _, r := range recs {
				_ = w.Write([]string{r.ID, r.Partition, r.Name, r.Email, r.Phone})
			}
			w.Flush()
			return w.Error()
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "config file (required)")
	f.StringVar(&partition, "partition", "", "the data partition the canaries will be planted in (required)")
	f.IntVar(&count, "count", 1, "how many canaries")
	f.StringVar(&domain, "domain", "", "email domain (default: canaries.domain from the configPath)")
	f.StringVar(&outFile, "out", "", "write the canaries to this new file (mode 0600) instead of standard output")
	return cmd
}

func newCanaryImportCmd() *cobra.Command {
	var configPath, partition string
	cmd := &cobra.Command{
		Use:   "import --configPath FILE [--partition P] CANARIES.csv",
		Short: "Store the hashes of canaries made elsewhere",
		Long: `import reads a CSV with a header: canary_id (or id), partition (or --partition), and the
canary's values in columns named after their types. A canary is found only by a value
that identifies one person: email, phone, ssn, imei, card, dl (a US state and the
number; or a state column beside it) and name_zip (or name, or first and last, with
zip). Those are stored as keyed hashes. A date of birth identifies nobody (any date
is some customer's), so a dob column is refused, and said so: found in another
company's dump it would name this partition as leaked. Other columns are listed as
ignored. Rows with an invalid value are reported by file, line and column, never by
value.` + "\n" + exitStatusHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("import takes one CSV file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			_, svc, h, closeSvc, err := canaryDB(cmd.Context(), configPath)
			if err != nil {
				return err
			}
			defer closeSvc()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			rep, err := readCanaries(f, args[0], partition, h)
			for _, b := range rep.bad {
				fmt.Fprintln(cmd.ErrOrStderr(), "bad row:", b)
			}
			if err != nil {
				return err
			}
			stored, err := svc.Canaries(cmd.Context())
			if err != nil {
				return err
			}
			if conflicts := canaryConflicts(stored, rep.canaries); len(conflicts) > 0 {
				for _, c := range conflicts {
					fmt.Fprintln(cmd.ErrOrStderr(), "conflict:", c)
				}
				return fmt.Errorf("%s: %d canary values belong to another canary: one value, one canary (a hit must name one partition); nothing was imported", args[0], len(conflicts))
			}
			if err := svc.PutCanaries(cmd.Context(), rep.canaries); err != nil {
				return err
			}
			return rep.print(cmd.OutOrStdout(), args[0])
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "config file (required)")
	cmd.Flags().StringVar(&partition, "partition", "", "partition for rows without one")
	return cmd
}

// canaryImport is what readCanaries read and decided, column by column.
type canaryImport struct {
	canaries []leak.Canary
	ids      map[string]bool
	stored   []string // "email (column 3)": identifiers stored
	refused  []string // columns that cannot identify a canary, with why
	ignored  []string // columns that are no value type
	bad      []string // rows with an invalid value: file:line:column, never the value
	badRows  int
}

func (c canaryImport) print(w io.Writer, file string) error {
	fmt.Fprintf(w, "imported %d canaries (%d values) from %s\n", len(c.ids), len(c.canaries), file)
	stored := "none"
	if len(c.stored) > 0 {
		stored = strings.Join(c.stored, ", ")
	}
	fmt.Fprintf(w, "  stored as identifiers: %s\n", stored)
	for _, r := range c.refused {
		fmt.Fprintf(w, "  refused: %s\n", r)
	}
	if len(c.ignored) > 0 {
		fmt.Fprintf(w, "  ignored columns (no value type): %s\n", strings.Join(c.ignored, ", "))
	}
	_, err := fmt.Fprintf(w, "  %d bad rows\n", c.badRows)
	return err
}

// canaryColumn is one identifier a canary CSV holds: its type and the
// columns its value is joined from.
type canaryColumn struct {
	t    matchers.Type
	cols []int
}

// readCanaries reads a canary CSV into digests of the canaries' unique
// values, and says what it did with every column.
func readCanaries(r io.Reader, name, partition string, h *matchers.Hasher) (canaryImport, error) {
	rep := canaryImport{ids: map[string]bool{}}
	cr, err := importer.NewCSVReader(r, ',', importer.DefaultMaxRecord)
	if err != nil {
		return rep, err
	}
	head, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("%s:%d: read header: %w", name, max(cr.Line(), 1), err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idCol, ok := col["canary_id"]
	if !ok {
		if idCol, ok = col["id"]; !ok {
			return rep, fmt.Errorf("%s:1: no canary_id column", name)
		}
	}
	used := map[int]bool{idCol: true}
	if i, ok := col["partition"]; ok {
		used[i] = true
	}
	var ids []canaryColumn
	add := func(t matchers.Type, names ...string) bool {
		var cs []int
		for _, n := range names {
			i, ok := col[n]
			if !ok {
				return false
			}
			cs = append(cs, i)
		}
		for _, i := range cs {
			used[i] = true
		}
		ids = append(ids, canaryColumn{t: t, cols: cs})
		label := fmt.Sprintf("%s (column %s)", t, strings.Join(names, "+"))
		rep.stored = append(rep.stored, label)
		return true
	}
	for _, t := range []matchers.Type{matchers.TypeEmail, matchers.TypePhone, matchers.TypeSSN, matchers.TypeIMEI, matchers.TypeCard} {
		add(t, string(t))
	}
	_ = add(matchers.TypeDL, "state", "dl") || add(matchers.TypeDL, "dl_state", "dl") || add(matchers.TypeDL, "dl")
	_ = add(matchers.TypeName, "name_zip") || add(matchers.TypeName, "name", "zip") || add(matchers.TypeName, "first", "last", "zip") ||
		add(matchers.TypeName, "first_name", "last_name", "zip")
	for _, k := range []string{"dob", "birth_date", "date_of_birth", "birthday"} {
		if i, ok := col[k]; ok {
			used[i] = true
			rep.refused = append(rep.refused, fmt.Sprintf("%s (column %d): a date of birth identifies nobody, so it cannot identify a canary", k, i+1))
		}
	}
	for i, h := range head {
		if !used[i] {
			rep.ignored = append(rep.ignored, fmt.Sprintf("%s (column %d)", strings.TrimSpace(h), i+1))
		}
	}
	if len(ids) == 0 {
		return rep, fmt.Errorf("%s:1: no identifier column: want email, phone, ssn, imei, card, dl or name_zip", name)
	}
	now := time.Now().UTC()
	rows, badRows := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := cr.Line()
		rows++
		if errors.Is(err, importer.ErrRecordTooLong) {
			rep.bad = append(rep.bad, fmt.Sprintf("%s:%d: row longer than %d bytes: skipped", name, line, importer.DefaultMaxRecord))
			badRows++
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p := ""
		if i, ok := col["partition"]; ok {
			p = get(i)
		}
		if p == "" {
			p = partition
		}
		id := get(idCol)
		if id == "" || p == "" {
			rep.bad = append(rep.bad, fmt.Sprintf("%s:%d: no canary id or partition", name, line))
			badRows++
			continue
		}
		found, before := 0, len(rep.bad)
		var missing []string
		for _, c := range ids {
			var parts []string
			for _, i := range c.cols {
				if v := get(i); v != "" {
					parts = append(parts, v)
				}
			}
			if len(parts) < len(c.cols) {
				if len(rec) < len(head) && c.cols[len(c.cols)-1] >= len(rec) {
					missing = append(missing, fmt.Sprintf("%s:%d:%d: %s: missing: the row has %d fields, the header %d", name, line, c.cols[len(c.cols)-1]+1, c.t, len(rec), len(head)))
				}
				continue
			}
			found++
			d, ok := h.Value(c.t, strings.Join(parts, " "))
			if !ok {
				rep.bad = append(rep.bad, fmt.Sprintf("%s:%d:%d: %s: not a valid %s", name, line, c.cols[len(c.cols)-1]+1, c.t, matchers.Describe(c.t)))
				continue
			}
			rep.canaries = append(rep.canaries, leak.Canary{ID: id, Partition: p, Type: string(c.t), Digest: d, Created: now})
			rep.ids[id] = true
		}
		if found == 0 && len(rep.bad) == before {
			rep.bad = append(rep.bad, fmt.Sprintf("%s:%d: canary %s has no identifier value: it could never be found", name, line, id))
		} else {
			rep.bad = append(rep.bad, missing...)
		}
		if len(rep.bad) > before {
			badRows++
		}
	}
	if rows == 0 {
		return rep, fmt.Errorf("%s: no canary rows", name)
	}
	rep.badRows = badRows
	if 2*badRows > rows {
		return rep, fmt.Errorf("%s: %d of %d rows are bad: check the file; nothing was imported", name, badRows, rows)
	}
	return rep, nil
}

// canaryConflicts finds new canaries whose value is already another
// canary's (stored, or earlier in the file): storing it would silently
// take the value from the old canary (a hit would name the wrong one),
// so the import is refused. Re-importing a canary as it is, is no
// conflict.
func canaryConflicts(stored, fresh []leak.Canary) []string {
	owner := map[[16]byte]leak.Canary{}
	for _, c := range stored {
		owner[c.Digest] = c
	}
	var out []string
	for _, c := range fresh {
		if o, ok := owner[c.Digest]; ok && (o.ID != c.ID || o.Partition != c.Partition) {
			out = append(out, fmt.Sprintf("canary %s (partition %s): its %s is already canary %s's (partition %s)", c.ID, c.Partition, c.Type, o.ID, o.Partition))
			continue
		}
		owner[c.Digest] = c
	}
	return out
}

func newCanaryListCmd() *cobra.Command {
	var configPath string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --configPath FILE [--json]",
		Short: "List canaries: ids, partitions, types and creation dates, never values",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cs []leak.Canary
			err := withService(cmd.Context(), configPath, "canary list", daemon.LocalOptions{}, func(_ *config.Config, svc control.Service) error {
				var err error
				cs, err = svc.Canaries(cmd.Context())
				return err
			})
			if err != nil {
				return err
			}
			type row struct {
				ID        string    `json:"id"`
				Partition string    `json:"partition"`
				Types     []string  `json:"types"`
				Created   time.Time `json:"created"`
			}
			var rows []*row
			byID := map[string]*row{}
			for _, c := range cs {
				r, ok := byID[c.ID]
				if !ok {
					r = &row{ID: c.ID, Partition: c.Partition, Created: c.Created}
					byID[c.ID] = r
					rows = append(rows, r)
				}
				r.Types = append(r.Types, c.Type)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARTITION\tTYPES\tCREATED")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Partition, strings.Join(r.Types, ","), stamp(r.Created))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "config file (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
