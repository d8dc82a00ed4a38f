package importer

import (
	"context"
	"fmt"
	"io"
	"time"

	"leakwatch/fpstore"
)

// ExistsError is returned by Dataset for a dataset imported before when
// neither Replace nor Append is set: importing a file twice must not make
// two datasets of one name by accident.
type ExistsError struct{ What string }

func (e *ExistsError) Error() string { return e.What }

// imported says how a dataset was imported before.
func imported(dataset string, prev []fpstore.SourceInfo) string {
	p := prev[len(prev)-1]
	return fmt.Sprintf("dataset %s was imported before (%d times; last from %s on %s, %d rows)", dataset, len(prev), p.File,
		p.Imported.UTC().Format("2006-01-02 15:04 UTC"), p.Rows)
}

// DatasetResult is what Dataset did, and how long its two steps took.
type DatasetResult struct {
	Result
	Hashed, Stored time.Duration // reading and hashing; writing the store
}

// DatasetOptions say where a file goes in the fingerprint store.
type DatasetOptions struct {
	Dir                string // the fingerprint store
	Dataset, Partition string
	Name               string // the file's name, as the store records it
	Replace, Append    bool   // what to do with a dataset imported before
	Workers            int    // for the store's write (default 1)
	Options                   // how the file is read and hashed
	// Cleaned, if set, is told of the work folders of earlier stopped
	// imports removed before this one.
	Cleaned func(folders int, bytes int64)
	// Before, if set, is told how the dataset was imported before (when
	// Replace or Append lets this one go on).
	Before func(what string)
}

// Dataset imports r into the fingerprint store as one dataset of one
// partition: the rows hashed (Run), then the store's new generation
// written and made current. Until then nothing changes: a failure or a
// cancelled ctx leaves the store as it was and no work files.
func Dataset(ctx context.Context, r io.Reader, o DatasetOptions) (DatasetResult, error) {
	var res DatasetResult
	im, err := fpstore.NewImport(o.Dir, o.Dataset, o.Partition, o.Name)
	if err != nil {
		return res, err
	}
	defer im.Abort() // a failed or stopped import leaves no work files
	if im.Cleaned > 0 && o.Cleaned != nil {
		o.Cleaned(im.Cleaned, im.CleanedBytes)
	}
	if prev := im.Dataset(); len(prev) > 0 {
		switch {
		case o.Replace:
			im.ReplaceDataset()
		case o.Append:
		default:
			return res, &ExistsError{What: imported(o.Dataset, prev)}
		}
		if o.Before != nil {
			o.Before(imported(o.Dataset, prev))
		}
	}
	start := time.Now()
	res.Result, err = Run(ctx, r, im, o.Options)
	if err != nil {
		return res, err
	}
	res.Hashed = time.Since(start)
	if err := im.Commit(ctx, max(o.Workers, 1)); err != nil {
		return res, fmt.Errorf("write fingerprints: %w", err)
	}
	res.Stored = time.Since(start) - res.Hashed
	return res, nil
}
