package daemon_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leakwatch/config"
	"leakwatch/daemon"
	"leakwatch/demo"
)

// demoConfig writes a config for the demo world in dir and loads it.
func demoConfig(t *testing.T, w *demo.World, dir, sources string) *config.Config {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte(hex.EncodeToString(demo.Key())), 0o600); err != nil {
		t.Fatal(err)
	}
	yml := "proxy: " + w.Proxy.Addr() + "\ndatabase: d.db\nsecret_key_file: k\ncrawl: {delay: 0s, jitter: 0s, backoff: 10ms}\n" + sources
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOnceAndReload: a config assembled by New crawls every source once
// through the proxy and records what it matched; with no Slack the alerts
// wait in the outbox (and print on the console when one is given). A
// reloaded config with one source crawls that one only.
func TestOnceAndReload(t *testing.T) {
	w, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	dir := t.TempDir()
	cfg, err := daemon.DemoConfig(w, filepath.Join(dir, "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := daemon.DemoImport(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}

	var console bytes.Buffer
	d, err := daemon.New(cfg, daemon.Options{Console: &console})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sum, err := d.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, s := range sum.Stats {
		hits += s.Hits
	}
	if len(sum.Stats) != 2 || sum.Failed != 0 || hits == 0 || sum.Flush.Sent == 0 || sum.Pending != 0 {
		t.Errorf("first crawl: %+v", sum)
	}
	if !strings.Contains(console.String(), "Canaries from partition billing-db") {
		t.Errorf("console:\n%s", console.String())
	}

	// One source only, and no console: new alerts would wait.
	src := w.Sources()
	one := demoConfig(t, w, dir, strings.Split(demo.ConfigYAML(src[0].URLs[0], src[1].URLs[0], src[1].Paste.Raw), "  - name: quietbin")[0]+
		"matchers: {brands: [Halcyon]}\n")
	if err := d.Reload(one); err != nil {
		t.Fatal(err)
	}
	sum, err = d.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Stats) != 1 || sum.Stats[0].Source != "breachbazaar" || sum.Stats[0].Seen == 0 || sum.Stats[0].Fetched != 0 {
		t.Errorf("after the reload: %+v", sum.Stats)
	}
}
