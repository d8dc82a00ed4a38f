package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/crawler"
	"leakwatch/demo"
	"leakwatch/fpstore"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
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

// demoResult is what one demo run did.
type demoResult struct {
	stats []pipeline.Stats
	flush alerts.FlushResult
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
	world, err := demo.Start()
	if err != nil {
		return err
	}
	defer world.Close()

	fmt.Fprintf(out, "demo dark web: forum http://%s/ and paste site http://%s/\n", world.ForumHost, world.PasteHost)
	fmt.Fprintf(out, "crawling through the SOCKS5 proxy at %s (standing in for Tor); database %s\n\n", world.Proxy.Addr(), dbPath)

	res, err := demoCycle(ctx, world, dbPath, log, out)
	if err != nil {
		return err
	}
	var listed, fetched, seen, hits, errs int
	for _, s := range res.stats {
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
		len(res.stats), listed, fetched, seen, errs, hits, res.flush.Sent)
	if err != nil {
		return err
	}
	if errs > 0 || res.flush.Left > 0 || res.flush.Failed > 0 {
		return partialError{"demo: some posts or alerts did not go through"}
	}
	return nil
}

// demoCycle runs one crawl cycle over the demo world and delivers the
// alerts: the same pipeline and dispatcher that `run --once` uses.
func demoCycle(ctx context.Context, world *demo.World, dbPath string, log *slog.Logger, out io.Writer) (demoResult, error) {
	var res demoResult
	textKey, err := store.DeriveTextKey(demo.Key())
	if err != nil {
		return res, err
	}
	db, err := store.Open(dbPath, store.Options{Timeout: 2 * time.Second, TextKey: textKey})
	if err != nil {
		return res, err
	}
	defer db.Close()
	h, err := matchers.NewHasher(demo.Key())
	if err != nil {
		return res, err
	}
	canaries, prints, err := demo.Dataset(h)
	if err != nil {
		return res, fmt.Errorf("demo dataset: %w", err)
	}
	if err := db.PutCanaries(canaries); err != nil {
		return res, err
	}
	fp, err := demoFingerprints(dbPath+".fp", prints)
	if err != nil {
		return res, fmt.Errorf("demo fingerprints: %w", err)
	}
	defer fp.Close()
	set, err := loadSet(db, h, fp, config.MatchersConfig{Brands: demo.Brands, SaleThreshold: matchers.DefaultSaleThreshold})
	if err != nil {
		return res, err
	}
	var specs []jobSpec
	for _, src := range world.Sources() {
		specs = append(specs, jobSpec{source: src})
	}
	jobs, closeClients, err := crawlJobs(specs, crawler.Options{
		Proxy: world.Proxy.Addr(), Timeout: 20 * time.Second, Parallelism: 4, Backoff: 100 * time.Millisecond,
	})
	if err != nil {
		return res, err
	}
	defer closeClients()

	p := &pipeline.Pipeline{Store: db, Matcher: set, Log: log, AlertAt: leak.SeverityHigh,
		Preflight: func(ctx context.Context) error {
			_, err := crawler.Preflight(ctx, crawler.PreflightOptions{Proxy: world.Proxy.Addr()})
			return err
		}}
	res.stats, _ = p.CrawlAll(ctx, jobs)

	var sender alerts.Sender = &printOnce{w: out}
	sl, err := slackSender(nil)
	if err != nil {
		return res, err
	}
	if sl != nil {
		sender = alerts.Multi{sender, sl}
	}
	d := alerts.NewDispatcher(db, sender, log, alerts.DispatcherOptions{MaxWait: 30 * time.Second})
	res.flush, err = d.Flush(ctx)
	if err != nil {
		return res, fmt.Errorf("deliver alerts: %w", err)
	}
	return res, nil
}

// printOnce prints each alert once, even when a Slack retry sends it again.
type printOnce struct {
	w    io.Writer
	mu   sync.Mutex
	done map[uint64]bool
}

func (p *printOnce) Send(ctx context.Context, o alerts.Outgoing) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done[o.Alert.ID] {
		return "console", nil
	}
	if p.done == nil {
		p.done = map[uint64]bool{}
	}
	p.done[o.Alert.ID] = true
	return alerts.Console{W: p.w}.Send(ctx, o)
}

// demoFingerprints imports the demo company's fingerprints into the store
// at dir, the way `fingerprint import` does, unless a previous run did.
func demoFingerprints(dir string, prints []leak.Fingerprint) (*fpstore.Store, error) {
	fp, err := fpstore.Open(dir)
	if err != nil || fp.Len() > 0 {
		return fp, err
	}
	im, err := fpstore.NewImport(dir, "crm", "crm-prod", "demo-customers.csv")
	if err != nil {
		return nil, err
	}
	for _, f := range prints {
		t, _ := matchers.ParseType(f.Type)
		ti, _ := matchers.TypeIndex(t)
		if err := im.Add(f.Digest, ti, f.Record); err != nil {
			im.Abort()
			return nil, err
		}
	}
	if err := im.Commit(context.Background(), 1); err != nil {
		return nil, err
	}
	return fpstore.Open(dir)
}
