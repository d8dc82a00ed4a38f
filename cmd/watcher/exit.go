package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"leakwatch/store"
)

// Exit statuses, listed in every command's help (exitHelp).
const (
	exitOK       = 0 // success
	exitError    = 1 // the command failed
	exitUsage    = 2 // bad flags, or an invalid configuration
	exitPartial  = 3 // run --once, demo: a source failed, or alerts are still queued
	exitNotFound = 4 // hits show, hits ack: no hit with that id
)

// commandExits are what a command's statuses mean beyond "0 success" and
// "2 bad flags or an invalid configuration", by command path: its own
// meaning of 1 first, then any further codes. A command not listed fails
// with 1 only.
var commandExits = map[string][]string{
	"watcher run":       {"1  the daemon could not start, or stopped on an error", "3  --once: a source could not be crawled, or alerts are still queued"},
	"watcher demo":      {"1  the demo could not run", "3  a post or an alert did not go through"},
	"watcher check":     {"1  a secret file is missing or readable by others, or an --online or --db check failed"},
	"watcher status":    {"1  the status could not be read", "3  trouble: a problem is active (Slack refusing, Tor down...), a source is unhealthy, or an alert has waited over a minute"},
	"watcher scan":      {"1  the file could not be read or scanned", "N  with --exit-code N: the verdict is at or above --exit-at (default info)"},
	"watcher hits show": {"1  the hit could not be read", "4  no hit with that id"},
	"watcher hits ack":  {"1  the hit could not be acknowledged", "4  no hit with that id"},
}

// exitHelp is the EXIT STATUS block of the command at path.
func exitHelp(path string) string {
	lines := []string{"0  success"}
	own := commandExits[path]
	if len(own) == 0 || !strings.HasPrefix(own[0], "1 ") {
		lines = append(lines, "1  the command failed")
	}
	if len(own) > 0 && strings.HasPrefix(own[0], "1 ") {
		lines, own = append(lines, own[0]), own[1:]
	}
	lines = append(lines, "2  bad flags or an invalid configuration")
	lines = append(lines, own...)
	lines = append(lines, "130, 143  stopped by Ctrl-C (SIGINT) or SIGTERM (the daemon: 0)")
	return "\nEXIT STATUS\n  " + strings.Join(lines, "\n  ")
}

// addExitHelp ends every command's help with its EXIT STATUS block.
func addExitHelp(cmd *cobra.Command) {
	if cmd.Runnable() {
		long := cmd.Long
		if long == "" {
			long = cmd.Short + "."
		}
		cmd.Long = strings.TrimRight(long, "\n") + "\n" + exitHelp(cmd.CommandPath())
	}
	for _, c := range cmd.Commands() {
		addExitHelp(c)
	}
}

// usageError marks errors in what the user typed or configured.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// codeError asks for an exit status of its own (scan --exit-code).
type codeError struct {
	code int
	msg  string
}

func (e codeError) Error() string { return e.msg }

// partialError marks a run that did its work but not all of it.
type partialError struct{ msg string }

func (e partialError) Error() string { return e.msg }

// exitCode is the only place that maps errors to exit statuses.
func exitCode(err error) int {
	var ue usageError
	var pe partialError
	var ce codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &pe):
		return exitPartial
	case errors.Is(err, store.ErrNotFound):
		return exitNotFound
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
