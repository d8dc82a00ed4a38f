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
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.Version = "-" // --version; the template prints the real line
	root.SetVersionTemplate(versionLine() + "\n")
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
		newSourcesCmd(g),
		newBackupCmd(g),
		newCompactCmd(g),
		newSalvageCmd(g),
		newTestAlertCmd(g),
		newVersionCmd(g),
		newManCmd(g),
	)
	groupCommands(root)
	addExitHelp(root)
	return root
}

// groupCommands makes every command that only groups others (canary,
// fingerprint, hits) refuse an unknown subcommand with suggestions and a
// usage error, instead of printing its help and exiting 0.
func groupCommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.HasParent() {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(c, args[0])
			}
			return c.Help()
		}
	}
	for _, c := range cmd.Commands() {
		groupCommands(c)
	}
}

// unknownCommand refuses a command that does not exist, suggesting the
// nearest ones ("stauts": did you mean status?).
func unknownCommand(root *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, root.CommandPath())
	root.SuggestionsMinimumDistance = 2
	if s := root.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %s?", strings.Join(s, " or "))
	}
	return usageError{fmt.Errorf("%s (see %s --help)", msg, root.CommandPath())}
}
