package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd writes the man pages (section 1), one per command, from the
// commands' own help: the package installs them, so they never drift.
func newManCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages (watcher.1, watcher-run.1, ...) into DIR",
		Hidden: true,
		Args:   exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true // the pages are reproducible
			date := time.Unix(0, 0).UTC()
			if in := os.Getenv("SOURCE_DATE_EPOCH"); in != "" {
				var s int64
				if _, err := fmt.Sscan(in, &s); err == nil {
					date = time.Unix(s, 0).UTC()
				}
			}
			hdr := &doc.GenManHeader{Title: "WATCHER", Section: "1", Source: "leakwatch", Manual: "leakwatch manual", Date: &date}
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return err
			}
			n, _ := filepath.Glob(filepath.Join(dir, "*.1"))
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "wrote %d man pages to %s\n", len(n), dir)
			return err
		},
	}
}
