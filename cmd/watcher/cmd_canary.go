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
	"leakwatch/control"
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
func canaryDB(ctx context.Context, config string) (*Config, control.Service, *matchers.Hasher, func(), error) {
	if config == "" {
		return nil, nil, nil, nil, usageError{errors.New("needs --config FILE")}
	}
	cfg, err := loadConfig(config)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	h, err := loadHasher(cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	svc, closeSvc, err := openService(ctx, cfg, false)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return cfg, svc, h, closeSvc, nil
}

func newCanaryGenerateCmd() *cobra.Command {
	var config, partition, domain, outFile string
	var count int
	cmd := &cobra.Command{
		Use:   "generate --config FILE --partition P --count N",
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
			cfg, svc, h, closeSvc, err := canaryDB(cmd.Context(), config)
			if err != nil {
				return err
			}
			defer closeSvc()
			if domain == "" {
				domain = cfg.Canaries.Domain
			}
			if domain == "" {
				return usageError{errors.New("no canary domain: set canaries.domain in the config or --domain")}
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
	f.StringVar(&config, "config", "", "config file (required)")
	f.StringVar(&partition, "partition", "", "the data partition the canaries will be planted in (required)")
	f.IntVar(&count, "count", 1, "how many canaries")
	f.StringVar(&domain, "domain", "", "email domain (default: canaries.domain from the config)")
	f.StringVar(&outFile, "out", "", "write the canaries to this new file (mode 0600) instead of standard output")
	return cmd
}

func newCanaryImportCmd() *cobra.Command {
	var config, partition string
	cmd := &cobra.Command{
		Use:   "import --config FILE [--partition P] CANARIES.csv",
		Short: "Store the hashes of canaries made elsewhere",
		Long: `import reads a CSV with a header: canary_id (or id), partition (or --partition), and any of
email, phone, ssn, imei, card. It stores only the keyed hashes. Rows with an invalid
value are reported by line and column, never by value.` + "\n" + exitStatusHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("import takes one CSV file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			_, svc, h, closeSvc, err := canaryDB(cmd.Context(), config)
			if err != nil {
				return err
			}
			defer closeSvc()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			cs, bad, err := readCanaries(f, args[0], partition, h)
			for _, b := range bad {
				fmt.Fprintln(cmd.ErrOrStderr(), "bad row:", b)
			}
			if err != nil {
				return err
			}
			if err := svc.PutCanaries(cmd.Context(), cs); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "imported %d canary values from %s (%d bad)\n", len(cs), args[0], len(bad))
			return err
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "config file (required)")
	cmd.Flags().StringVar(&partition, "partition", "", "partition for rows without one")
	return cmd
}

// readCanaries reads a canary CSV into digests.
func readCanaries(r io.Reader, name, partition string, h *matchers.Hasher) ([]leak.Canary, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s:1: read header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idCol, ok := col["canary_id"]
	if !ok {
		if idCol, ok = col["id"]; !ok {
			return nil, nil, fmt.Errorf("%s:1: no canary_id column", name)
		}
	}
	var cs []leak.Canary
	var bad []string
	now := time.Now().UTC()
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return cs, bad, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p := get("partition")
		if p == "" {
			p = partition
		}
		id := get(head[idCol])
		if id == "" || p == "" {
			bad = append(bad, fmt.Sprintf("%s:%d: no canary id or partition", name, line))
			continue
		}
		for _, t := range matchers.Types {
			v := get(string(t))
			if v == "" {
				continue
			}
			d, ok := h.Value(t, v)
			if !ok {
				bad = append(bad, fmt.Sprintf("%s:%d: column %d (%s): not a valid %s", name, line, col[string(t)]+1, t, t))
				continue
			}
			cs = append(cs, leak.Canary{ID: id, Partition: p, Type: string(t), Digest: d, Created: now})
		}
	}
	return cs, bad, nil
}

func newCanaryListCmd() *cobra.Command {
	var config string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --config FILE [--json]",
		Short: "List canaries: ids, partitions, types and creation dates, never values",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cs []leak.Canary
			err := withService(cmd.Context(), config, "canary list", false, func(_ *Config, svc control.Service) error {
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
	cmd.Flags().StringVar(&config, "config", "", "config file (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
