package config

import (
	"fmt"
	"os"
)

// FileWarnings checks the secret files the config names, where they can be
// seen from here (check may run on a machine other than the daemon's).
func (c *Config) FileWarnings() []string {
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
		path := c.Secret(name)
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

// WebhookWarning is said when alerts go to an incoming webhook: it cannot
// be asked what it received, so a message cut short by a kill is sent
// again at the next start (30 repeats over 48 kills during slow sends in
// a test; none with a bot token), and updates are new messages.
func (c *Config) WebhookWarning() string {
	if c.Slack.WebhookURLFile == "" && (c.Slack.BotTokenFile != "" || os.Getenv("SLACK_WEBHOOK_URL") == "") {
		return ""
	}
	return "slack: an incoming webhook cannot be asked what it received: a message being sent when the daemon is killed is sent again at the next start, and updates come as new messages instead of thread replies; a bot token (slack.bot_token_file) has neither problem"
}

func errShort(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
