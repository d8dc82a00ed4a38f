package daemon

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"leakwatch/canary"
	"leakwatch/config"
	"leakwatch/demo"
	"leakwatch/importer"
)

// DemoConfig writes the demo's config beside its database, with the demo
// key, and loads it: the demo runs the daemon as an analyst would
// configure it. Slack is used when SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN
// and SLACK_CHANNEL, are set.
func DemoConfig(world *demo.World, dbPath string) (*config.Config, error) {
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

// DemoImport imports the demo company's canaries and customers, unless an
// earlier run with this database did, with the importers an analyst uses
// (canary import, fingerprint import).
func DemoImport(ctx context.Context, cfg *config.Config) error {
	l, closeLocal, err := openLocal(cfg, LocalOptions{LockTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer closeLocal()
	if have, err := l.Canaries(ctx); err != nil || len(have) > 0 {
		return err
	}
	h, err := Hasher(cfg)
	if err != nil {
		return err
	}
	canaries, err := demo.File("data/canaries.csv")
	if err != nil {
		return err
	}
	if _, err := canary.ImportInto(ctx, l, bytes.NewReader(canaries), "canaries.csv", "", h); err != nil {
		return fmt.Errorf("demo canaries: %w", err)
	}
	data, err := demo.File("data/customers.csv")
	if err != nil {
		return err
	}
	cols, err := importer.ParseColumns(demo.CustomerColumns)
	if err != nil {
		return err
	}
	_, err = importer.Dataset(ctx, bytes.NewReader(data), importer.DatasetOptions{
		Dir: cfg.FingerprintsDir(), Dataset: "crm", Partition: "crm-prod", Name: "demo-customers.csv",
		Options: importer.Options{File: "customers.csv", Header: true, Columns: cols, Hasher: h},
	})
	var exists *importer.ExistsError
	if errors.As(err, &exists) {
		return nil // an earlier run imported them
	}
	if err != nil {
		return fmt.Errorf("demo customers: %w", err)
	}
	return nil
}
