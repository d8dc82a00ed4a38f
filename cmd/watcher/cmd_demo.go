package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/daemon"
	"leakwatch/demo"
	"leakwatch/fpstore"
	"leakwatch/importer"
)

type demoOptions struct {
	db string
}

func newDemoCmd(g *globals) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Crawl a built-in demo dark web through a local SOCKS5 proxy and show the alerts",
		Long: `demo starts a small dark web built into the binary (a forum with a two-page
"Databases" board and a paste site, on 127.0.0.1), a SOCKS5 proxy in front of it that
stands in for Tor, and crawls it with the daemon's own code: fetch through the proxy,
drop what was seen, match against the demo company's canaries, fingerprints and brand
terms, record in a bbolt database, and deliver the alerts, printed here as they would
read in Slack.

It needs no Tor, Slack or config file, and touches nothing but 127.0.0.1. If
SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL, are set, the alerts also go to
Slack. Run it twice with the same --db and the second run alerts nothing: every post
was already seen.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), o, g, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.db, "db", "", "database file to keep (default: a temporary one, removed at exit)")
	return cmd
}

func runDemo(ctx context.Context, o demoOptions, g *globals, out io.Writer) error {
	log, err := g.logger(slog.LevelWarn)
	if err != nil {
		return err
	}
	dbPath := o.db
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "leakwatch-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "demo.db")
	}
	dbPath, err = filepath.Abs(dbPath)
	if err != nil {
		return err
	}
	world, err := demo.Start()
	if err != nil {
		return err
	}
	defer world.Close()

	fmt.Fprintf(out, "demo dark web: forum http://%s/ and paste site http://%s/\n", world.ForumHost, world.PasteHost)
	fmt.Fprintf(out, "crawling through the SOCKS5 proxy at %s (standing in for Tor); database %s\n\n", world.Proxy.Addr(), dbPath)

	cfg, err := demoConfig(world, dbPath)
	if err != nil {
		return err
	}
	if err := demoImport(ctx, cfg); err != nil {
		return err
	}
	d, err := daemon.New(cfg, daemon.Options{Log: log, LockTimeout: 2 * time.Second, Console: out})
	if err != nil {
		return err
	}
	defer d.Close()
	sum, err := d.Once(ctx)
	if err != nil {
		return err
	}
	var listed, fetched, seen, hits, errs int
	for _, s := range sum.Stats {
		listed += s.Listed
		fetched += s.Fetched
		seen += s.Seen
		hits += s.Hits
		errs += s.Errors
	}
	if fetched == 0 && seen > 0 {
		fmt.Fprintf(out, "every post was already seen in %s: nothing new to alert\n", dbPath)
	}
	_, err = fmt.Fprintf(out, "summary: %d sources crawled, %d posts listed (%d fetched, %d already seen, %d failed), %d hits, %d alerts sent\n",
		len(sum.Stats), listed, fetched, seen, errs, hits, sum.Flush.Sent)
	if err != nil {
		return err
	}
	if errs > 0 || sum.Flush.Left > 0 || sum.Flush.Failed > 0 {
		return partialError{"demo: some posts or alerts did not go through"}
	}
	return nil
}

// demoConfig writes the demo's config beside its database, with the demo
// key, and loads it: the demo runs the daemon as an analyst would
// configure it. Slack is used when SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN
// and SLACK_CHANNEL, are set.
func demoConfig(world *demo.World, dbPath string) (*config.Config, error) {
	dir := filepath.Dir(dbPath)
	key := filepath.Join(dir, "demo.key")
	if err := os.WriteFile(key, []byte(hex.EncodeToString(demo.Key())+"\n"), 0o600); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "demo.yaml")
	yml := fmt.Sprintf(`# The demo's config: written by watcher demo.
proxy: %s
database: %s
fingerprints: %s
secret_key_file: demo.key
crawl:
  timeout: 20s
  parallelism: 4
  delay: 0s
  jitter: 0s
  backoff: 100ms
`, world.Proxy.Addr(), filepath.Base(dbPath), filepath.Base(dbPath)+".fp") + world.ConfigYAML()
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		return nil, err
	}
	return config.Load(path)
}

// demoImport imports the demo company's canaries and customers, unless an
// earlier run with this database did: the importers an analyst uses.
func demoImport(ctx context.Context, cfg *config.Config) error {
	l, closeLocal, err := daemon.Local(cfg, daemon.LocalOptions{LockTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer closeLocal()
	if have, err := l.Canaries(ctx); err != nil || len(have) > 0 {
		return err
	}
	h, err := daemon.Hasher(cfg)
	if err != nil {
		return err
	}
	canaries, _, err := demo.Dataset(h)
	if err != nil {
		return fmt.Errorf("demo canaries: %w", err)
	}
	if err := l.PutCanaries(ctx, canaries); err != nil {
		return err
	}
	data, err := demo.File("data/customers.csv")
	if err != nil {
		return err
	}
	cols, err := importer.ParseColumns(demo.CustomerColumns)
	if err != nil {
		return err
	}
	im, err := fpstore.NewImport(cfg.FingerprintsDir(), "crm", "crm-prod", "demo-customers.csv")
	if err != nil {
		return err
	}
	defer im.Abort()
	if len(im.Dataset()) > 0 {
		return nil
	}
	if _, err := importer.Run(ctx, bytes.NewReader(data), im, importer.Options{File: "customers.csv", Header: true, Columns: cols, Hasher: h}); err != nil {
		return fmt.Errorf("demo customers: %w", err)
	}
	return im.Commit(ctx, 1)
}
