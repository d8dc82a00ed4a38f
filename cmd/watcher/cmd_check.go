package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

type checkOptions struct {
	config string
}

func newCheckCmd(g *globals) *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check --config FILE",
		Short: "Validate a config file",
		Long: `check reads the config file strictly (an unknown or misspelt field is an error) and
validates every value: proxy address, cron schedules, URLs (including the checksum of
.onion v3 addresses), CSS selectors, severities. Each problem is printed as
FILE:LINE:COLUMN: field: message. Secret files it names are checked for existence
and mode 0600 when they are present on this machine, as warnings.` + "\n" + exitStatusHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd, o)
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "config file (required)")
	return cmd
}

func runCheck(cmd *cobra.Command, o checkOptions) error {
	if o.config == "" {
		return usageError{errors.New("check needs --config FILE")}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, w := range cfg.fileWarnings() {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	_, err = fmt.Fprintf(out, "%s: ok (sources: %d: %s)\n", o.config, len(cfg.Sources), strings.Join(cfg.sourceNames(), ", "))
	return err
}

// fileWarnings checks the secret files the config names, where they can be
// seen from here (check may run on a machine other than the daemon's).
func (c *Config) fileWarnings() []string {
	var out []string
	files := []struct{ field, name string }{
		{"secret_key_file", c.SecretKeyFile},
		{"slack.webhook_url_file", c.Slack.WebhookURLFile},
		{"slack.bot_token_file", c.Slack.BotTokenFile},
	}
	for i, s := range c.Sources {
		files = append(files, struct{ field, name string }{fmt.Sprintf("sources[%d].cookie_file", i), s.CookieFile})
	}
	for _, f := range files {
		field, name := f.field, f.name
		if name == "" {
			continue
		}
		path := c.secretPath(name)
		fi, err := os.Stat(path)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %s: not readable here (%v)", field, path, errShort(err)))
			continue
		}
		if fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s: %s has mode %04o; the daemon refuses it until chmod 600", field, path, fi.Mode().Perm()))
		}
	}
	return out
}

func (c *Config) sourceNames() []string {
	var n []string
	for _, s := range c.Sources {
		n = append(n, s.Name)
	}
	return n
}

func errShort(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
