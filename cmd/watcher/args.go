package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/store"
)

// noArgs is cobra.NoArgs returning a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError{err}
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// notFound says which hit is missing (exit status 4, exitNotFound).
func notFound(err error, id uint64) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w (watcher hits list shows the hits there are)", err)
	}
	return err
}

// parseSince reads --since: a duration back from now ("30d", "12h") or a
// date ("2026-11-01") or time (RFC 3339).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageError{fmt.Errorf("--since %q: want a duration (30d, 12h) or a date (2026-11-01)", s)}
}
