package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"leakwatch/internal/buildinfo"
)

func newVersionCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print the version, the commit it was built from, and the Go toolchain",
		Long: `version prints which leakwatch this is: the version the build gave (make build
stamps git describe), else the commit Go recorded when it built from a git checkout
(devel+<commit>, -dirty with uncommitted changes), and the Go toolchain and platform.
watcher --version prints the same line.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return printJSON(cmd.OutOrStdout(), buildinfo.Get())
			}
			return printVersion(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func versionLine() string {
	in := buildinfo.Get()
	line := fmt.Sprintf("watcher %s (%s, %s", in.Version, in.GoVersion, in.Platform)
	if in.Revision != "" && in.Time != "" {
		line += ", commit " + in.Time
	}
	return line + ")"
}

func printVersion(w io.Writer) error {
	_, err := fmt.Fprintln(w, versionLine())
	return err
}
