package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/fpstore"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// LocalOptions say what an analyst command needs of a database it opens
// itself, when no daemon runs.
type LocalOptions struct {
	Matchers    bool          // the matchers too (rescan, canary changes): needs the secret key
	Deliver     bool          // deliver what is queued through the configured Slack (test-alert)
	LockTimeout time.Duration // how long to wait for the database lock (0: 1 s)
	Log         *slog.Logger  // for delivery (nil: nowhere)
}

// openLocal opens cfg's database for an analyst command: the same service the
// daemon serves on its control socket, so a command prints the same
// either way. The returned close releases it.
func openLocal(cfg *config.Config, o LocalOptions) (*control.Local, func(), error) {
	if o.LockTimeout == 0 {
		o.LockTimeout = time.Second
	}
	var l *control.Local
	var closeAll func()
	if o.Matchers {
		db, set, c, err := openMatchers(cfg, o.LockTimeout)
		if err != nil {
			return nil, nil, err
		}
		l, closeAll = &control.Local{DB: db, Matcher: set, AlertAt: cfg.MinSeverity}, c
	} else {
		db, err := store.Open(cfg.Resolve(cfg.Database), store.Options{Timeout: o.LockTimeout})
		if err != nil {
			return nil, nil, err
		}
		l, closeAll = &control.Local{DB: db, AlertAt: cfg.MinSeverity}, func() { db.Close() }
	}
	if o.Deliver {
		sender, err := slackSender(cfg)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		if sender != nil {
			d := alerts.NewDispatcher(l.DB, sender, o.Log, dispatchOptions(cfg))
			l.Deliver = func(ctx context.Context) error {
				_, err := d.Flush(ctx)
				return err
			}
		}
	}
	return l, closeAll, nil
}

// ScanSet builds the matchers for a local scan: the key and the
// fingerprint store from cfg, the canaries from the daemon when it runs
// (it holds the database) or from the database when it does not. The
// returned close releases the fingerprint store.
func ScanSet(ctx context.Context, cfg *config.Config) (*matchers.Set, func(), error) {
	svc, closeSvc, err := Service(ctx, cfg, LocalOptions{})
	if err != nil {
		return nil, nil, err
	}
	canaries, err := svc.Canaries(ctx)
	closeSvc()
	if err != nil {
		return nil, nil, fmt.Errorf("load canaries: %w", err)
	}
	h, err := Hasher(cfg)
	if err != nil {
		return nil, nil, err
	}
	fp, err := fpstore.Open(cfg.FingerprintsDir())
	if err != nil {
		return nil, nil, err
	}
	set, err := newSet(canaries, h, fp, cfg.Matchers)
	if err != nil {
		fp.Close()
		return nil, nil, fmt.Errorf("matchers: %w", err)
	}
	return set, func() { fp.Close() }, nil
}

// probeJobs are a crawl job per source for `check --online`: one attempt
// each, no delay between requests.
func probeJobs(cfg *config.Config) ([]pipeline.Job, func(), error) {
	o := crawlOptions(cfg)
	o.Retries, o.Delay, o.Jitter = -1, 0, 0
	return crawlJobs(jobSpecs(cfg), o)
}

// preflight checks the proxy (and Tor's control port when configured) as
// a crawl would before it starts.
func preflight(ctx context.Context, cfg *config.Config) (crawler.Status, error) {
	return crawler.Preflight(ctx, preflightOptions(cfg))
}

// Compact applies post_text_retention to cfg's database, then rewrites it
// to give the freed space back (the daemon stopped: compaction needs the
// file to itself). It returns the posts whose text was dropped and the
// file's size before and after.
func Compact(cfg *config.Config) (dropped int, before, after int64, err error) {
	path := cfg.Resolve(cfg.Database)
	db, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, 0, err
	}
	if keep := time.Duration(cfg.TextRetention); keep > 0 {
		dropped, err = db.DropText(time.Now().Add(-keep))
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return dropped, 0, 0, err
	}
	before, after, err = store.Compact(path, time.Second)
	if errors.Is(err, store.ErrLocked) {
		err = fmt.Errorf("%w: stop the daemon first", err)
	}
	return dropped, before, after, err
}
