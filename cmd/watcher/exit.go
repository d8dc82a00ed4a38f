package main

import (
	"errors"
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
