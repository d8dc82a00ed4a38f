package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/metrics"
)

var sourceNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// validate checks every section, into p.
func (c *Config) validate(p *problems) {
	c.validateGeneral(p)
	c.Crawl.validate(p)
	c.validateSources(p)
	c.Matchers.validate(p)
	c.Canaries.validate(p)
	c.Alerts.validate(p)
	c.Slack.validate(p)
}

// validateGeneral checks the top-level fields: proxy, Tor, files, socket.
func (c *Config) validateGeneral(p *problems) {
	if host, port, err := net.SplitHostPort(c.Proxy); err != nil || host == "" {
		p.add("proxy", "want host:port of a SOCKS5 proxy (Tor's SocksPort), got %q", c.Proxy)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.add("proxy", "port %q is not a number from 1 to 65535", port)
	}
	if c.TorControl != "" {
		if _, _, err := net.SplitHostPort(c.TorControl); err != nil {
			p.add("tor_control", "want host:port of Tor's ControlPort, got %q", c.TorControl)
		}
	} else if c.TorControlCookie != "" {
		p.add("tor_control_cookie", "needs tor_control")
	}
	if c.Database == "" {
		p.add("database", "must be set (path of the bbolt file)")
	}
	if c.SecretKeyFile == "" {
		p.add("secret_key_file", "must be set (create one with: watcher keygen FILE)")
	}
	if _, err := c.SocketMode(); err != nil {
		p.add("control_socket_mode", "%v", err)
	}
	if sock := c.SocketPath(); len(sock) > 100 {
		p.add("control_socket", "path is %d bytes; a Unix socket path must be under 100", len(sock))
	}
	if c.MetricsListen != "" {
		if err := metrics.CheckLoopback(c.MetricsListen); err != nil {
			p.add("metrics_listen", "%v", err)
		}
	}
	if c.TextRetention < 0 {
		p.add("post_text_retention", "must not be negative (0 keeps post text forever)")
	}
}

func (k *CrawlConfig) validate(p *problems) {
	if _, err := k.location(); err != nil {
		p.add("crawl.timezone", "%v", err)
	}
	if err := checkSchedule(k.Schedule); err != nil {
		p.add("crawl.schedule", "invalid cron expression %q: %v", k.Schedule, err)
	}
	if k.Timeout <= 0 {
		p.add("crawl.timeout", "must be positive")
	}
	if k.HeaderTimeout <= 0 {
		p.add("crawl.header_timeout", "must be positive")
	}
	if k.ConnectTimeout <= 0 {
		p.add("crawl.connect_timeout", "must be positive")
	}
	if k.MaxBodyBytes < 1024 {
		p.add("crawl.max_body_bytes", "must be at least 1024")
	}
	if k.Parallelism < 1 || k.Parallelism > 16 {
		p.add("crawl.parallelism", "want 1 to 16 requests in flight per source, got %d", k.Parallelism)
	}
	if k.Delay < 0 || k.Jitter < 0 {
		p.add("crawl.delay", "delay and jitter must not be negative")
	}
	if k.Retries < 0 || k.Retries > 10 {
		p.add("crawl.retries", "want 0 to 10, got %d", k.Retries)
	}
	if k.Backoff <= 0 {
		p.add("crawl.backoff", "must be positive")
	}
	for i, h := range k.SampleHosts {
		if msg := checkHost(h); msg != "" {
			p.add(fmt.Sprintf("crawl.sample_hosts[%d]", i), "%s", msg)
		}
	}
}

// checkHost returns what is wrong with a sample host ("host" or
// "host:port"), or "".
func checkHost(h string) string {
	if strings.Contains(h, "/") {
		return fmt.Sprintf("want a host name or host:port, not a URL: %q", h)
	}
	host := h
	if hh, port, err := net.SplitHostPort(h); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("bad port in %q", h)
		}
		host = hh
	}
	if host == "" || strings.ContainsAny(host, "/:@ ") {
		return fmt.Sprintf("want a host name or host:port, got %q", h)
	}
	if err := crawler.CheckOnion(host); err != nil {
		return err.Error()
	}
	return ""
}

// location is the time zone cron schedules are read in.
func (k *CrawlConfig) location() (*time.Location, error) {
	if k.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(k.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Berlin)", k.TimeZone)
	}
	return loc, nil
}

func (c *Config) validateSources(p *problems) {
	if len(c.Sources) == 0 {
		p.add("sources", "at least one source is needed")
	}
	names := map[string]int{}
	for i := range c.Sources {
		c.Sources[i].validate(p, fmt.Sprintf("sources[%d]", i), names, i)
	}
}

func (m *MatchersConfig) validate(p *problems) {
	for i, b := range m.Brands {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.brands[%d]", i), "is empty")
		}
	}
	for i, b := range m.NotBrands {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.not_brands[%d]", i), "is empty")
		}
	}
	for i, b := range m.Profile {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.profile[%d]", i), "is empty")
		}
	}
	if f := m.OursFraction; f < 0 || f > 1 {
		p.add("matchers.ours_fraction", "want a share between 0 and 1, got %g", f)
	}
	if m.Customers < 0 {
		p.add("matchers.customers", "must not be negative")
	}
	if r := m.PhoneRegion; len(r) != 2 || strings.ToUpper(r) != r {
		p.add("matchers.phone_region", "want a two-letter region code such as US or GB, got %q", r)
	}
	if m.SaleThreshold <= 0 {
		p.add("matchers.sale_threshold", "must be positive")
	}
	if m.CriticalRows < 0 || m.HighRows < 0 {
		p.add("matchers.critical_rows", "row thresholds must not be negative")
	}
}

func (cc *CanaryConfig) validate(p *problems) {
	if d := cc.Domain; d != "" && (!strings.Contains(d, ".") || strings.ContainsAny(d, "@/ ")) {
		p.add("canaries.domain", "want a domain name such as canary.example.com, got %q", d)
	}
}

func (a *AlertsConfig) validate(p *problems) {
	if sev, err := leak.ParseSeverity(a.MinSeverity); err != nil || sev == leak.SeverityNone {
		p.add("alerts.min_severity", "want info, high or critical, got %q", a.MinSeverity)
	}
}

func (s *SlackConfig) validate(p *problems) {
	if s.Proxy != "" {
		if u, err := url.Parse(s.Proxy); err != nil {
			// The value may hold proxy credentials: not repeated here.
			p.add("slack.proxy", "not a URL; want socks5h://host:port (Tor) or http(s)://host:port (an egress proxy)")
		} else if u.Host == "" || (u.Scheme != "socks5h" && u.Scheme != "socks5" && u.Scheme != "http" && u.Scheme != "https") {
			p.add("slack.proxy", "want socks5h://host:port (Tor) or http(s)://host:port (an egress proxy), got %q", u.Redacted())
		}
	}
	if s.WebhookURLFile != "" && s.BotTokenFile != "" {
		p.add("slack", "set webhook_url_file or bot_token_file, not both")
	}
	if s.BotTokenFile != "" && s.Channel == "" {
		p.add("slack.channel", "must be set with bot_token_file")
	}
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.HasSuffix(u.Path, "/"):
			p.add("slack.api_url", "want an https URL ending in /api/, got %q", s.APIURL)
		case u.Scheme == "http" && !loopbackIP(u.Hostname()):
			// The bot token travels with every call; a name such as
			// localhost is resolved, and a hosts file may map it anywhere.
			p.add("slack.api_url", "plain http only to a relay at a loopback address, 127.0.0.1 or [::1] (the bot token travels with every call), got %q", s.APIURL)
		}
	}
}

// telegramPathRe is a channel preview's path: /s/ and a channel name
// (5-32 letters, digits and underscores).
var telegramPathRe = regexp.MustCompile(`^/s/[A-Za-z][A-Za-z0-9_]{4,31}/?$`)

func (s *SourceConfig) validate(p *problems, at string, names map[string]int, i int) {
	if !sourceNameRe.MatchString(s.Name) {
		p.add(at+".name", "want 1-63 lower-case letters, digits, '.', '_' or '-', got %q", s.Name)
	} else if j, dup := names[s.Name]; dup {
		p.add(at+".name", "%q is also the name of sources[%d]", s.Name, j)
	} else {
		names[s.Name] = i
	}
	if len(s.URLs) == 0 {
		p.add(at+".urls", "at least one listing URL is needed")
	}
	for j, raw := range s.URLs {
		if msg := checkURL(raw); msg != "" {
			p.add(fmt.Sprintf("%s.urls[%d]", at, j), "%s", msg)
		}
	}
	if s.Schedule != "" {
		if err := checkSchedule(s.Schedule); err != nil {
			p.add(at+".schedule", "invalid cron expression %q: %v", s.Schedule, err)
		}
	}
	if s.MaxPages < 0 {
		p.add(at+".max_pages", "must not be negative")
	}
	if s.MaxThreadPages < 0 {
		p.add(at+".max_thread_pages", "must not be negative")
	}
	sel := s.Selectors
	var required map[string]string
	switch crawler.Kind(s.Kind) {
	case crawler.KindForum:
		f := s.Forum()
		required = map[string]string{"thread": f.Thread, "link": f.Link, "post": f.Post}
		if s.Preset != "" {
			if _, err := crawler.Preset(s.Preset); err != nil {
				p.add(at+".preset", "%v", err)
				required = nil // one error, not one per missing selector
			}
		}
		for field, v := range map[string]string{"raw_url": s.RawURL, "format": s.Format} {
			if v != "" {
				p.add(at+"."+field, "is for paste sources only")
			}
		}
	case crawler.KindPaste:
		if s.Preset != "" {
			p.add(at+".preset", "presets are for forums (%s)", strings.Join(crawler.PresetNames(), ", "))
		}
		switch s.Format {
		case "", "html":
			required = map[string]string{"item": sel.Item, "link": sel.Link}
		case "json":
		default:
			p.add(at+".format", "want html or json, got %q", s.Format)
		}
		checkKeyURL(p, at+".raw_url", s.RawURL, "paste")
	case crawler.KindLeakSite:
		if s.Preset != "" || s.RawURL != "" {
			p.add(at+".preset", "presets and raw_url are not for leak sites")
		}
		switch s.Format {
		case "", "html":
			required = map[string]string{"item": sel.Item, "link": sel.Link}
		case "json":
			if s.JSON.Key == "" || s.JSON.Name == "" {
				p.add(at+".json", "a JSON leak site needs the dot paths of at least key and name (and items, the array's path, unless it is the top level)")
			}
			if s.DetailURL == "" && s.JSON.Link == "" {
				p.add(at+".detail_url", "set detail_url (with {key}) or json.link, where a victim's page is")
			}
		default:
			p.add(at+".format", "want html or json, got %q", s.Format)
		}
		checkKeyURL(p, at+".detail_url", s.DetailURL, "victim")
	case crawler.KindTelegram:
		for field, v := range map[string]string{"preset": s.Preset, "raw_url": s.RawURL, "format": s.Format, "cookie_file": s.CookieFile} {
			if v != "" {
				p.add(at+"."+field, "is not for telegram sources")
			}
		}
		for j, raw := range s.URLs {
			u, err := url.Parse(raw)
			if err == nil && (u.Host != "t.me" && u.Host != "telegram.me" || u.Scheme != "https" || !telegramPathRe.MatchString(u.Path) || u.RawQuery != "") {
				p.add(fmt.Sprintf("%s.urls[%d]", at, j), "want a public channel's web preview, https://t.me/s/NAME, got %q", raw)
			}
		}
	default:
		p.add(at+".kind", "want forum, paste, leaksite or telegram, got %q", s.Kind)
	}
	for _, name := range []string{"item", "link", "post", "thread"} {
		if v, need := required[name]; need && strings.TrimSpace(v) == "" {
			what := "a " + s.Kind + " source"
			if s.Kind == "forum" {
				what = "a forum without a preset (" + strings.Join(crawler.PresetNames(), ", ") + ")"
			}
			p.add(at+".selectors."+name, "must be set for %s", what)
		}
	}
	for _, x := range []struct{ name, v string }{
		{"thread", sel.Thread}, {"link", sel.Link}, {"title", sel.Title}, {"prefix", sel.Prefix}, {"author", sel.Author},
		{"updated", sel.Updated}, {"next", sel.Next}, {"post", sel.Post}, {"post_author", sel.PostAuthor}, {"thread_next", sel.ThreadNext},
		{"name", sel.Name}, {"domain", sel.Domain}, {"description", sel.Description}, {"countdown", sel.Countdown}, {"size", sel.Size},
		{"item", sel.Item}, {"posted", sel.Posted},
	} {
		if x.v == "" {
			continue
		}
		if _, err := cascadia.Compile(x.v); err != nil {
			p.add(at+".selectors."+x.name, "invalid CSS selector %q: %v", x.v, err)
		}
	}
}

// checkKeyURL checks a URL template with {key} standing for an entry's
// key (raw_url, detail_url), when set.
func checkKeyURL(p *problems, field, raw, what string) {
	if raw == "" {
		return
	}
	if msg := checkURL(strings.ReplaceAll(raw, "{key}", "k")); msg != "" {
		p.add(field, "%s", msg)
	} else if !strings.Contains(raw, "{key}") {
		p.add(field, "must contain {key}, where the %s key goes", what)
	}
}

// checkURL returns what is wrong with a source URL, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("want an http:// or https:// URL, got %q", raw)
	}
	if u.Hostname() == "" {
		return fmt.Sprintf("no host in %q", raw)
	}
	if err := crawler.CheckOnion(u.Hostname()); err != nil {
		return err.Error()
	}
	return ""
}

// checkSchedule parses a cron expression as the scheduler does, and
// refuses a step wider than its field's range, which cron accepts and
// reads as "once" ("*/61" minutes runs hourly, not every 61 minutes).
func checkSchedule(spec string) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return err
	}
	fields := strings.Fields(spec)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "TZ=") || len(fields) > 0 && strings.HasPrefix(fields[0], "CRON_TZ=") {
		fields = fields[1:]
	}
	if len(fields) != 5 {
		return nil // a descriptor: @every 10m, @hourly
	}
	bounds := []struct {
		name     string
		min, max int
	}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 6}}
	for i, f := range fields {
		b := bounds[i]
		for _, part := range strings.Split(f, ",") {
			rng, step, ok := strings.Cut(part, "/")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(step)
			if err != nil {
				continue // cron said it is fine: a name
			}
			lo, hi := b.min, b.max
			if a, z, isRange := strings.Cut(rng, "-"); isRange {
				lo, _ = strconv.Atoi(a)
				hi, _ = strconv.Atoi(z)
			} else if rng != "*" && rng != "?" {
				lo, _ = strconv.Atoi(rng)
			}
			if span := hi - lo + 1; n < 1 || n >= span && span > 1 {
				return fmt.Errorf("step /%d in the %s field is not less than its range %d-%d: cron would run it once per %s, not every %d", n, b.name, lo, hi, map[string]string{"minute": "hour", "hour": "day", "day of month": "month", "month": "year", "day of week": "week"}[b.name], n)
			}
		}
	}
	return nil
}

// loopbackIP reports whether host is a loopback IP literal.
func loopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
