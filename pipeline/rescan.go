package pipeline

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"leakwatch/leak"
	"leakwatch/store"
)

// Rescanner is the part of the store a rescan needs.
type Rescanner interface {
	ScanPosts(ctx context.Context, f store.PostFilter, batch int, fn func(ps []store.StoredPost, examined int) error) error
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
	err := db.ScanPosts(ctx, store.PostFilter{Source: o.Source, Since: o.Since}, o.Batch, func(ps []store.StoredPost, examined int) error {
		sum.Examined += examined
		evs := make([]leak.Evidence, len(ps))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, len(ps)) {
			wg.Go(func() {
				for i := range next {
					evs[i] = m.Match(ps[i].Text)
				}
			})
		}
		for i, p := range ps {
			if p.TextGone {
				sum.TextGone++
				continue
			}
			sum.Scanned++
			sum.Bytes += int64(len(p.Text))
			next <- i
		}
		close(next)
		wg.Wait()
		var fs []store.Finding
		for i, ev := range evs {
			if ev.Empty() || (o.Dataset != "" && (ev.Sample == nil || !slices.Contains(ev.Sample.Datasets, o.Dataset))) {
				continue
			}
			fs = append(fs, store.Finding{Post: ps[i].Post, Evidence: ev, Alert: ev.Severity >= alertAt})
		}
		if len(fs) > 0 {
			out, err := db.RecordFindings(fs, o.DryRun)
			if err != nil {
				return err
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
		return ctx.Err()
	})
	sum.Took = time.Since(start)
	return sum, err
}
