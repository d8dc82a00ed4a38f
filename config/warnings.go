package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// SecretProblems checks the secret files the config names, as the
// daemon and the commands will read them: each must exist and be
// readable by its owner alone. Every problem says the path looked at and
// what to do; nothing is read but the file's mode.
func (c *Config) SecretProblems() []string {
	var out []string
	files := []struct{ field, name, make string }{
		{"secret_key_file", c.SecretKeyFile, "make it with: watcher keygen %s"},
		{"slack.webhook_url_file", c.Slack.WebhookURLFile, "put the webhook URL in it: install -m 0600 /dev/stdin %s <<< \"$URL\""},
		{"slack.bot_token_file", c.Slack.BotTokenFile, "put the bot token in it: install -m 0600 /dev/stdin %s <<< \"$SLACK_BOT_TOKEN\""},
	}
	for i, s := range c.Sources {
		files = append(files, struct{ field, name, make string }{fmt.Sprintf("sources[%d].cookie_file", i), s.CookieFile, "export the forum's session cookies into it (cookies.txt or a Cookie header), mode 0600: %s"})
	}
	cred := os.Getenv("CREDENTIALS_DIRECTORY")
	for _, f := range files {
		if f.name == "" {
			continue
		}
		path := c.Secret(f.name)
		fi, err := os.Stat(path)
		switch {
		case err != nil && cred != "":
			out = append(out, fmt.Sprintf("%s: %s: %s, and no credential %s in $CREDENTIALS_DIRECTORY (%s): %s", f.field, path, errShort(err), filepath.Base(f.name), cred, fmt.Sprintf(f.make, path)))
		case err != nil:
			out = append(out, fmt.Sprintf("%s: %s: %s: %s", f.field, path, errShort(err), fmt.Sprintf(f.make, path)))
		case !fi.Mode().IsRegular():
			out = append(out, fmt.Sprintf("%s: %s is not a regular file", f.field, path))
		case fi.Mode().Perm()&0o077 != 0:
			out = append(out, fmt.Sprintf("%s: %s has mode %04o: group and others must have no access, and nothing reads it until then (chmod 600 %s)", f.field, path, fi.Mode().Perm(), path))
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
