package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"leakwatch/alerts"
	"leakwatch/config"
)

// printJSON writes v as indented JSON.
func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// oneLine keeps text from a post on one line, at most n runes: titles and
// headlines come from hostile pages.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// days prints a whole number of days as "90d", anything else as Go does.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// lineWriter prints lines and keeps the first error.
type lineWriter struct {
	out io.Writer
	err error
}

func (w *lineWriter) f(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.out, format+"\n", args...)
	}
}

// suggest writes the commands output suggests, with the --config they
// need to read cfg.
func suggest(cfg *config.Config) alerts.Commands {
	return alerts.Commands{Config: cfg.Flag()}
}
