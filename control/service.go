package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// Status is what `watcher status` shows.
type Status struct {
	Daemon   bool                `json:"daemon"` // answered by the running daemon
	PID      int                 `json:"pid,omitempty"`
	Started  time.Time           `json:"started,omitzero"`
	Sources  []store.SourceState `json:"sources"`
	Problems []store.Condition   `json:"problems"` // active operator conditions
	Outbox   Outbox              `json:"outbox"`
	Delivery leak.Delivery       `json:"delivery"` // how the last sends to Slack went
	Posts    int                 `json:"posts"`
	Hits     int                 `json:"hits"`
	Database string              `json:"database"`
	Bytes    int64               `json:"database_bytes"`
}

// Outbox is the alert outbox's state.
type Outbox struct {
	Pending       int       `json:"pending"`
	Failed        int       `json:"failed"`
	Sent          int       `json:"sent"`
	OldestPending time.Time `json:"oldest_pending,omitzero"`
}

// RescanRequest is what `watcher rescan` asks for.
type RescanRequest struct {
	Source  string    `json:"source,omitempty"`
	Since   time.Time `json:"since,omitzero"`
	Dataset string    `json:"dataset,omitempty"`
	DryRun  bool      `json:"dry_run,omitempty"`
}

// Progress is a rescan's progress: posts examined of Total.
type Progress struct {
	pipeline.RescanProgress
	Total int `json:"total"`
}

// Service is everything the control socket serves, and what Local and
// Client both are; each command takes the role it uses.
type Service interface {
	Reader
	Acker
	Rescanner
	Backuper
	CanaryKeeper
	Tester
	Reloader
}

// Reloader makes the matchers read the canaries and the fingerprint store
// again (after a fingerprint import); a daemon's failure keeps the ones in
// use.
type Reloader interface {
	ReloadMatchers(ctx context.Context) error
}

// Reader is what status and hits list/show read.
type Reader interface {
	Status(ctx context.Context) (Status, error)
	Hits(ctx context.Context, f store.HitFilter) ([]leak.Hit, error)
	Hit(ctx context.Context, id uint64) (leak.Hit, error)
	Onions(ctx context.Context) ([]store.Onion, error)
}

// Acker acknowledges a hit; who is used only by Local (the socket server
// names the peer from its credentials).
type Acker interface {
	Ack(ctx context.Context, id uint64, who, note string) (leak.Hit, error)
}

// Rescanner runs the current matchers over stored posts.
type Rescanner interface {
	Rescan(ctx context.Context, r RescanRequest, progress func(Progress)) (pipeline.RescanSummary, error)
}

// Backuper writes a consistent copy of the database.
type Backuper interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

// CanaryKeeper lists and stores canaries; a daemon starts matching new
// ones at once.
type CanaryKeeper interface {
	Canaries(ctx context.Context) ([]leak.Canary, error)
	PutCanaries(ctx context.Context, cs []leak.Canary) error
}

// Tester queues a clearly marked test alert, delivers the outbox, and
// returns the test alert as it stands (sent, or why not).
type Tester interface {
	TestAlert(ctx context.Context, sev leak.Severity) (leak.Alert, error)
}

// ErrBusy is returned when a rescan is asked for while another runs.
var ErrBusy = errors.New("a rescan is already running")

// ErrNoMatchers is returned by a rescan of a Local without matchers.
var ErrNoMatchers = errors.New("rescan needs the matchers (the secret key and fingerprints)")

// Local is Service over an open database.
type Local struct {
	DB      *store.DB
	Matcher pipeline.Matcher // for rescans; nil: rescans fail with ErrNoMatchers
	// Reload, if set, rebuilds Matcher from the stored canaries and the
	// fingerprint store (the daemon's, which it also crawls with): before
	// each rescan and after canaries are added, so that a rescan right
	// after an import sees the new canaries and datasets.
	Reload func() error
	// AlertAt says the lowest severity a rescan alerts (the daemon's
	// follows its reloaded config); nil: info and above.
	AlertAt func() leak.Severity
	// Deliver, if set, delivers the outbox now (the daemon's dispatcher).
	Deliver func(ctx context.Context) error
	Daemon  bool // this is the daemon (Status says so)
	Started time.Time

	rescan sync.Mutex
}

var _ Service = (*Local)(nil)

// Status reads the store's counts, sources and size.
func (l *Local) Status(context.Context) (Status, error) {
	st := Status{Daemon: l.Daemon, Started: l.Started, Database: l.DB.Path()}
	if l.Daemon {
		st.PID = os.Getpid()
	}
	var err error
	if st.Sources, err = l.DB.Sources(); err != nil {
		return st, err
	}
	conds, err := l.DB.Conditions()
	if err != nil {
		return st, err
	}
	c, err := l.DB.Counts()
	if err != nil {
		return st, err
	}
	for _, cond := range conds {
		if !cond.Active {
			continue
		}
		if cond.ID == "outbox" && c.Pending > 0 {
			// Its reason was written when it last changed: say the count now.
			cond.Reason = fmt.Sprintf("%d alerts waiting, the oldest since %s", c.Pending, c.OldestPending.UTC().Format(time.RFC3339))
		}
		st.Problems = append(st.Problems, cond)
	}
	if st.Delivery, err = l.DB.Delivery(); err != nil {
		return st, err
	}
	st.Outbox = Outbox{Pending: c.Pending, Failed: c.Failed, Sent: c.Sent, OldestPending: c.OldestPending}
	st.Posts, st.Hits = c.Posts, c.Hits
	if fi, err := os.Stat(l.DB.Path()); err == nil {
		st.Bytes = fi.Size()
	}
	return st, nil
}

// Hits lists hits.
func (l *Local) Hits(_ context.Context, f store.HitFilter) ([]leak.Hit, error) { return l.DB.Hits(f) }

// Onions lists the onion addresses posts named, most mentioned first.
func (l *Local) Onions(context.Context) ([]store.Onion, error) { return l.DB.Onions() }

// Hit returns one hit.
func (l *Local) Hit(_ context.Context, id uint64) (leak.Hit, error) { return l.DB.Hit(id) }

// Ack acknowledges a hit as who.
func (l *Local) Ack(_ context.Context, id uint64, who, note string) (leak.Hit, error) {
	return l.DB.Ack(id, who, note)
}

// Rescan runs the matchers over stored posts; one rescan at a time.
func (l *Local) Rescan(ctx context.Context, r RescanRequest, progress func(Progress)) (pipeline.RescanSummary, error) {
	if l.Matcher == nil {
		return pipeline.RescanSummary{}, ErrNoMatchers
	}
	if !l.rescan.TryLock() {
		return pipeline.RescanSummary{}, ErrBusy
	}
	defer l.rescan.Unlock()
	if l.Reload != nil {
		if err := l.Reload(); err != nil {
			return pipeline.RescanSummary{}, fmt.Errorf("reload matchers: %w", err)
		}
	}
	total, err := l.DB.CountPosts(r.Source)
	if err != nil {
		return pipeline.RescanSummary{}, err
	}
	var report func(pipeline.RescanProgress)
	if progress != nil {
		report = func(p pipeline.RescanProgress) { progress(Progress{RescanProgress: p, Total: total}) }
	}
	sum, err := pipeline.Rescan(ctx, l.DB, l.Matcher, pipeline.RescanOptions{
		Source: r.Source, Since: r.Since, Dataset: r.Dataset, DryRun: r.DryRun, AlertAt: l.alertAt(),
	}, report)
	if err != nil {
		return sum, fmt.Errorf("rescan: %w", err)
	}
	return sum, nil
}

// Backup writes a hot copy of the database to w.
func (l *Local) Backup(_ context.Context, w io.Writer) (int64, error) { return l.DB.Backup(w) }

func (l *Local) alertAt() leak.Severity {
	if l.AlertAt == nil {
		return leak.SeverityInfo
	}
	return l.AlertAt()
}

// Canaries lists the stored canaries.
func (l *Local) Canaries(context.Context) ([]leak.Canary, error) { return l.DB.Canaries() }

// ReloadMatchers reloads the matchers, where there are any to reload.
func (l *Local) ReloadMatchers(context.Context) error {
	if l.Reload == nil {
		return nil
	}
	return l.Reload()
}

// PutCanaries stores canaries and reloads the matchers.
func (l *Local) PutCanaries(_ context.Context, cs []leak.Canary) error {
	if err := l.DB.PutCanaries(cs); err != nil {
		return err
	}
	if l.Reload != nil {
		if err := l.Reload(); err != nil {
			return fmt.Errorf("canaries stored, but the matchers did not reload (restart the daemon): %w", err)
		}
	}
	return nil
}

// TestAlert queues a test alert and delivers it through the real path.
func (l *Local) TestAlert(ctx context.Context, sev leak.Severity) (leak.Alert, error) {
	a, err := l.DB.Enqueue(leak.Alert{Kind: leak.AlertTest, Hit: leak.Hit{Evidence: leak.Evidence{Severity: sev, Headline: "test alert"}}})
	if err != nil {
		return a, err
	}
	if l.Deliver == nil {
		return a, errors.New("no Slack destination is configured: the test alert stays queued")
	}
	derr := l.Deliver(ctx)
	got, err := l.DB.Alert(a.ID)
	if err != nil {
		return a, err
	}
	if got.State != leak.AlertSent && derr != nil {
		return got, derr
	}
	return got, nil
}
