package main

import (
	"errors"

	"leakwatch/store"
)

// Exit statuses, listed in every command's help.
const (
	exitOK      = 0 // success
	exitError   = 1 // the command failed
	exitUsage   = 2 // bad flags, or an invalid configuration
	exitPartial = 3 // run --once: a source failed, or alerts are still queued
)

const exitStatusHelp = `
EXIT STATUS
  0  success
  1  the command failed
  2  bad flags or an invalid configuration
  3  partial: a source could not be crawled, or alerts are still queued`

// usageError marks errors in what the user typed or configured.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// partialError marks a run that did its work but not all of it.
type partialError struct{ msg string }

func (e partialError) Error() string { return e.msg }

// exitCode is the only place that maps errors to exit statuses.
func exitCode(err error) int {
	var ue usageError
	var pe partialError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &pe):
		return exitPartial
	}
	return exitError
}

// errorHint says what to do next about an error, when there is more to
// say than the error itself.
func errorHint(err error) string {
	switch {
	case errors.Is(err, store.ErrDamaged):
		return `The database file is damaged; nothing was written to it. Stop using it (systemctl stop watcher), then
restore the last backup (watcher backup makes verified ones), or copy every readable record into a new
file: watcher salvage --config FILE NEW.db (it says what it could not read, and what to do next).`
	case errors.Is(err, store.ErrEmptyFile):
		return `A new database is made only where no file exists. If this file was emptied by accident (a full disk, a bad
copy), restore the last backup; to start afresh, remove it (every post then counts as new and alerts again).`
	}
	return ""
}
