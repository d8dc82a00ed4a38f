package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/crawler"
)

// checkSources fetches each source's first page through the proxy, as a
// crawl would (one attempt, within the connect and request timeouts), and
// names the sources that could not be reached.
func checkSources(ctx context.Context, cfg *config.Config, say func(Check)) {
	jobs, closeAll, err := probeJobs(cfg)
	if err != nil {
		say(failed("sources", "sources: FAILED: %v", err))
		return
	}
	defer closeAll()
	for _, j := range jobs {
		c, ok := j.Fetcher.(*crawler.Client)
		if !ok || len(j.Source.URLs) == 0 {
			continue
		}
		start := time.Now()
		page, err := c.Get(ctx, j.Source.URLs[0])
		took := time.Since(start).Round(10 * time.Millisecond)
		if err != nil {
			say(failed("source "+j.Source.Name, "source %s: FAILED after %s: %v", j.Source.Name, took, err))
			continue
		}
		say(okLine("source %s: ok (HTTP %d, %d bytes in %s)", j.Source.Name, page.Status, len(page.Body), took))
		if line, err := checkFirstEntry(ctx, c, j.Source); err != nil {
			say(failed("source "+j.Source.Name, "source %s: FAILED: %v", j.Source.Name, err))
		} else {
			say(okLine("%s", line))
		}
	}
}

// checkFirstEntry reads the source's first listing page as a crawl does
// and fetches its first entry (a thread's first page, a raw paste), so
// that selectors that list nothing or a raw_url that leads nowhere fail
// here, not 44 times in the log.
func checkFirstEntry(ctx context.Context, c *crawler.Client, src crawler.Source) (string, error) {
	src.MaxPages, src.MaxThreadPages = 1, 1
	src.URLs = src.URLs[:1]
	refs, err := c.List(ctx, src)
	if err != nil {
		return "", err
	}
	if len(refs) == 0 {
		return "", errors.New("the listing holds no entries")
	}
	p, err := c.Fetch(ctx, src, refs[0])
	if err != nil {
		return "", fmt.Errorf("first of %d entries: %w", len(refs), err)
	}
	return fmt.Sprintf("source %s: %d entries listed, the first read (%s, %d bytes of text)", src.Name, len(refs), p.URL, p.Bytes), nil
}

// Check is one line of an online check: what was checked, whether it
// failed, and the line that says so.
type Check struct {
	Name   string `json:"name"` // "proxy", "tor", "source NAME", "slack"
	Failed bool   `json:"failed"`
	Line   string `json:"line"`
}

func okLine(format string, args ...any) Check { return Check{Line: fmt.Sprintf(format, args...)} }

func failed(name, format string, args ...any) Check {
	return Check{Name: name, Failed: true, Line: fmt.Sprintf(format, args...)}
}

// CheckOnline checks what a crawl and a delivery need, as they would use
// it: the proxy, Tor (with tor_control), each source's first listing page
// and first entry through the proxy (one attempt each), and whether Slack
// takes the credentials (auth.test; a webhook cannot be asked).
func CheckOnline(ctx context.Context, cfg *config.Config) []Check {
	var out []Check
	say := func(c Check) { out = append(out, c) }
	st, err := preflight(ctx, cfg)
	if !st.ProxyOK {
		say(failed("proxy", "proxy %s: FAILED: %v", cfg.Proxy, err))
	} else {
		say(okLine("proxy %s: ok (SOCKS5 answers)", cfg.Proxy))
	}
	switch {
	case cfg.TorControl == "":
		say(okLine("tor: not checked (no tor_control in the config)"))
	case st.ProxyOK && err != nil:
		say(failed("tor", "tor %s: FAILED: %v", cfg.TorControl, err))
	case st.ProxyOK:
		say(okLine("tor %s: ok (bootstrapped %d%%)", cfg.TorControl, st.Bootstrap))
	}
	if st.ProxyOK && err == nil {
		checkSources(ctx, cfg, say)
	}
	sender, err := slackSender(cfg)
	switch {
	case err != nil:
		say(failed("slack", "slack: FAILED: %v", err))
	case sender == nil:
		say(okLine("slack: not configured (alerts would wait in the outbox)"))
	default:
		checker, _ := sender.(alerts.Checker)
		who, err := checker.Check(ctx)
		switch {
		case errors.Is(err, alerts.ErrCannotConfirm):
			say(okLine("slack: webhook: cannot be checked without posting; try %s", commands(cfg).Line("test-alert")))
		case err != nil:
			say(failed("slack", "slack: FAILED: %v", err))
		default:
			say(okLine("slack: ok (token accepted: %s)", who))
		}
	}
	return out
}
