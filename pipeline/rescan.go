package pipeline

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"leakwatch/leak"
	"leakwatch/store"
)

// Rescanner is the part of the store a rescan needs.
type Rescanner interface {
	ScanSealed(ctx context.Context, f store.PostFilter, batch int, fn func(ps []store.SealedPost, examined int) error) error
	OpenText(p *store.SealedPost) (store.StoredPost, error)
	RecordFindings(fs []store.Finding, dryRun bool) ([]store.Outcome, error)
}

var _ Rescanner = (*store.DB)(nil)

// RescanOptions select what a rescan reads and what it keeps.
type RescanOptions struct {
	Source  string    // only this source ("" for all)
	Since   time.Time // only posts fetched since (zero for all)
	Dataset string    // only keep evidence that matched this fingerprint dataset
	DryRun  bool      // report what would be recorded, write nothing
	AlertAt leak.Severity
	Workers int // matching goroutines (default GOMAXPROCS)
	Batch   int // posts per read and per write transaction (default 256)
}

// RescanProgress is reported after each batch.
type RescanProgress struct {
	Examined int   `json:"examined"` // posts looked at, including skipped ones
	Scanned  int   `json:"scanned"`  // posts whose text was matched
	Bytes    int64 `json:"bytes"`    // text matched
	NewHits  int   `json:"new_hits"`
}

// RescanSummary is what a rescan did.
type RescanSummary struct {
	RescanProgress
	TextGone int            `json:"text_gone"` // posts whose text retention had dropped
	BySev    map[string]int `json:"new_hits_by_severity,omitempty"`
	Updates  int            `json:"updates"` // new hits superseding an earlier one
	Alerts   int            `json:"alerts"`  // alerts queued
	Quiet    map[string]int `json:"quiet,omitempty"`
	Took     time.Duration  `json:"took"`
	DryRun   bool           `json:"dry_run,omitempty"`
}

// Rescan runs m over the stored posts o selects and records what is new:
// a hit for evidence on a post that had none, or for stronger evidence
// than its hit had, with an alert if it reaches AlertAt. An old hit is
// never alerted again. progress, if set, is called after every batch.
func Rescan(ctx context.Context, db Rescanner, m Matcher, o RescanOptions, progress func(RescanProgress)) (RescanSummary, error) {
	start := time.Now()
	sum := RescanSummary{BySev: map[string]int{}, Quiet: map[string]int{}, DryRun: o.DryRun}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	alertAt := o.AlertAt
	if alertAt == leak.SeverityNone {
		alertAt = leak.SeverityInfo
	}
	batch := o.Batch
	if batch <= 0 {
		batch = 512
	}
	// A reader reads the next batch while this one is opened and matched
	// (on every core) and then recorded.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type read struct {
		posts    []store.SealedPost
		examined int
	}
	batches := make(chan read, 2)
	var scanErr error
	go func() {
		defer close(batches)
		scanErr = db.ScanSealed(ctx, store.PostFilter{Source: o.Source, Since: o.Since}, batch, func(ps []store.SealedPost, examined int) error {
			select {
			case batches <- read{ps, examined}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	fail := func(err error) (RescanSummary, error) {
		cancel()
		for range batches { // let the reader finish
		}
		sum.Took = time.Since(start)
		return sum, err
	}
	for rd := range batches {
		sum.Examined += rd.examined
		ps := rd.posts
		evs := make([]leak.Evidence, len(ps))
		gone := make([]bool, len(ps))
		size := make([]int, len(ps))
		errs := make([]error, len(ps))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, len(ps)) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(ps); i = int(next.Add(1) - 1) {
					sp, err := db.OpenText(&ps[i])
					switch {
					case err != nil:
						errs[i] = err
					case sp.TextGone:
						gone[i] = true
					default:
						size[i] = len(sp.Text)
						evs[i] = m.MatchPost(sp.Post)
					}
				}
			})
		}
		wg.Wait()
		var fs []store.Finding
		for i, ev := range evs {
			if errs[i] != nil {
				return fail(errs[i])
			}
			if gone[i] {
				sum.TextGone++
				continue
			}
			sum.Scanned++
			sum.Bytes += int64(size[i])
			if ev.Empty() || (o.Dataset != "" && (ev.Sample == nil || !slices.Contains(ev.Sample.Datasets, o.Dataset))) {
				continue
			}
			fs = append(fs, store.Finding{Post: ps[i].Post, Evidence: ev, Alert: ev.Severity >= alertAt})
		}
		if len(fs) > 0 {
			out, err := db.RecordFindings(fs, o.DryRun)
			if err != nil {
				return fail(err)
			}
			for i, oc := range out {
				if oc.HitID == 0 {
					continue
				}
				sum.NewHits++
				sum.BySev[fs[i].Evidence.Severity.String()]++
				if oc.UpdateOf != 0 {
					sum.Updates++
				}
				if oc.AlertID != 0 {
					sum.Alerts++
				} else if oc.Quiet != "" {
					sum.Quiet[oc.Quiet]++
				}
			}
		}
		if progress != nil {
			progress(sum.RescanProgress)
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
	}
	sum.Took = time.Since(start)
	return sum, scanErr
}
