package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globals are the flags every command has, and where output goes.
type globals struct {
	config    string // --config
	logLevel  string
	logFormat string
	stdout    io.Writer
	stderr    io.Writer
}

// logger builds the slog logger the flags ask for: JSON for journald, text
// on a terminal.
func (g *globals) logger(defaultLevel slog.Level) (*slog.Logger, error) {
	level := defaultLevel
	if g.logLevel != "" {
		if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
			return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	format := g.logFormat
	if format == "" || format == "auto" {
		format = "json"
		if f, ok := g.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(g.stderr, opts)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: want json, text or auto", g.logFormat)}
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "watcher",
		Short: "Watch dark-web forums and paste sites for sales of your customers' data",
		Long: strings.TrimSpace(`
watcher crawls paste sites and forum listings through Tor, matches every post
against canaries and keyed fingerprints of the company's customer data, brand
terms and a sale-claim detector, records hits in a bbolt database and alerts
the security team in Slack.

Start with "watcher demo": it needs no Tor, Slack or config file.`),
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q (see watcher --help)", args[0])}
			}
			return cmd.Help()
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&g.config, "config", "", "config file (default: $"+configEnv+", else "+defaultConfig+")")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "auto", "log format: json, text, or auto (text on a terminal)")
	root.AddCommand(
		newDemoCmd(g),
		newRunCmd(g),
		newCheckCmd(g),
		newStatusCmd(g),
		newKeygenCmd(g),
		newCanaryCmd(g),
		newFingerprintCmd(g),
		newScanCmd(g),
		newRescanCmd(g),
		newHitsCmd(g),
		newBackupCmd(g),
		newCompactCmd(g),
		newSalvageCmd(g),
		newTestAlertCmd(g),
		newVersionCmd(g),
	)
	addExitHelp(root)
	return root
}
