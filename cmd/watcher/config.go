package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/robfig/cron/v3"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/metrics"
)

// Config is the YAML configuration (config.example.yaml documents it).
// Packages take plain option structs; this file maps between them.
type Config struct {
	Proxy            string         `yaml:"proxy"`
	TorControl       string         `yaml:"tor_control"`
	TorControlCookie string         `yaml:"tor_control_cookie"`
	Database         string         `yaml:"database"`
	Fingerprints     string         `yaml:"fingerprints"`
	SecretKeyFile    string         `yaml:"secret_key_file"`
	ControlSocket    string         `yaml:"control_socket"`
	MetricsListen    string         `yaml:"metrics_listen"`
	ShutdownGrace    Duration       `yaml:"shutdown_grace"`
	ControlMode      string         `yaml:"control_socket_mode"`
	TextRetention    Duration       `yaml:"post_text_retention"`
	Crawl            CrawlConfig    `yaml:"crawl"`
	Sources          []SourceConfig `yaml:"sources"`
	Matchers         MatchersConfig `yaml:"matchers"`
	Slack            SlackConfig    `yaml:"slack"`
	Alerts           AlertsConfig   `yaml:"alerts"`
	Canaries         CanaryConfig   `yaml:"canaries"`

	path string    // the file it was read from
	file *ast.File // its syntax tree, for line numbers
}

// CrawlConfig holds defaults for every source.
type CrawlConfig struct {
	Schedule       string   `yaml:"schedule"`
	TimeZone       string   `yaml:"timezone"`
	ScheduleJitter Duration `yaml:"schedule_jitter"`
	Timeout        Duration `yaml:"timeout"`
	ConnectTimeout Duration `yaml:"connect_timeout"`
	HeaderTimeout  Duration `yaml:"header_timeout"`
	MaxBodyBytes   int64    `yaml:"max_body_bytes"`
	Parallelism    int      `yaml:"parallelism"`
	Delay          Duration `yaml:"delay"`
	Jitter         Duration `yaml:"jitter"`
	Retries        int      `yaml:"retries"`
	Backoff        Duration `yaml:"backoff"`
	MaxRetryAfter  Duration `yaml:"max_retry_after"`
}

// SourceConfig is one forum or paste site.
type SourceConfig struct {
	Name           string          `yaml:"name"`
	Kind           string          `yaml:"kind"`
	Preset         string          `yaml:"preset"`
	URLs           []string        `yaml:"urls"`
	Schedule       string          `yaml:"schedule"`
	MaxPages       int             `yaml:"max_pages"`
	MaxThreadPages int             `yaml:"max_thread_pages"`
	Selectors      SelectorsConfig `yaml:"selectors"`
	RawURL         string          `yaml:"raw_url"`
	Format         string          `yaml:"format"`
	CookieFile     string          `yaml:"cookie_file"`
}

// SelectorsConfig are CSS selectors. Forums use thread, link, title,
// author, updated, next and post; paste sites use item, link, title, author
// and posted.
type SelectorsConfig struct {
	Thread     string `yaml:"thread"`
	Link       string `yaml:"link"`
	Title      string `yaml:"title"`
	Prefix     string `yaml:"prefix"`
	Author     string `yaml:"author"`
	Updated    string `yaml:"updated"`
	Next       string `yaml:"next"`
	Post       string `yaml:"post"`
	PostAuthor string `yaml:"post_author"`
	ThreadNext string `yaml:"thread_next"`
	Item       string `yaml:"item"`
	Posted     string `yaml:"posted"`
}

// forum returns the forum selectors: the preset's, with the source's own
// put over them field by field.
func (s *SourceConfig) forum() crawler.ForumSelectors {
	sel := s.Selectors
	own := crawler.ForumSelectors{Thread: sel.Thread, Link: sel.Link, Title: sel.Title, Prefix: sel.Prefix,
		Author: sel.Author, Updated: sel.Updated, Next: sel.Next, Post: sel.Post, PostAuthor: sel.PostAuthor, ThreadNext: sel.ThreadNext}
	base, _ := crawler.Preset(s.Preset) // validated; zero for no preset
	return own.Over(base)
}

// MatchersConfig holds the matchers' inputs. Canaries and fingerprints are
// keyed digests in the database, not here.
type MatchersConfig struct {
	Brands        []string `yaml:"brands"`
	NotBrands     []string `yaml:"not_brands"`
	Profile       []string `yaml:"profile"`
	Customers     int64    `yaml:"customers"`
	PhoneRegion   string   `yaml:"phone_region"`
	SaleThreshold float64  `yaml:"sale_threshold"`
	CriticalRows  int      `yaml:"critical_rows"`
	HighRows      int      `yaml:"high_rows"`
	OursFraction  float64  `yaml:"ours_fraction"`
}

// CanaryConfig says how canaries are made.
type CanaryConfig struct {
	Domain string `yaml:"domain"` // a domain the company controls, for canary emails
}

// AlertsConfig says what is alerted.
type AlertsConfig struct {
	MinSeverity string `yaml:"min_severity"`
	// BurstLimit is the most leak messages one delivery round sends; the
	// rest go as one summary.
	BurstLimit int `yaml:"burst_limit"`
	// InfoDigest holds info-level alerts and sends them as one digest a day.
	InfoDigest bool `yaml:"info_digest"`
	// BacklogAfter raises an operator alert when an alert has waited this long.
	BacklogAfter Duration `yaml:"backlog_after"`
}

// SlackConfig says where alerts go. Secrets are files (or environment
// variables), never values in this file.
type SlackConfig struct {
	WebhookURLFile  string `yaml:"webhook_url_file"`
	BotTokenFile    string `yaml:"bot_token_file"`
	Channel         string `yaml:"channel"`
	CriticalChannel string `yaml:"critical_channel"`
	CriticalMention string `yaml:"critical_mention"`
	InfoChannel     string `yaml:"info_channel"`
	OperatorChannel string `yaml:"operator_channel"`
	APIURL          string `yaml:"api_url"`
	// Proxy sends Slack traffic through Tor (socks5h://127.0.0.1:9050) or
	// an HTTPS egress proxy (http://proxy:3128) instead of directly.
	Proxy string `yaml:"proxy"`
}

// Duration reads "90s", "2m", "90d" and the like.
type Duration time.Duration

// UnmarshalText parses a Go duration string, or a number of days; a
// duration is never negative.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil || v < 0 {
		return fmt.Errorf("invalid duration %q (want e.g. 90s, 2m, 90d; never negative)", string(b))
	}
	*d = Duration(v)
	return nil
}

// UnmarshalYAML reads a duration from the config with UnmarshalText, and
// names the value's place in the file when it is wrong.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	tk := n.GetToken()
	if tk == nil {
		return errors.New("invalid duration")
	}
	if err := d.UnmarshalText([]byte(tk.Value)); err != nil {
		return &yaml.SyntaxError{Message: err.Error(), Token: tk}
	}
	return nil
}

// parseDuration is time.ParseDuration that also reads whole days ("30d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("invalid number of days %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// MarshalText is the inverse of UnmarshalText.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Defaults, set before decoding.
const (
	defaultSchedule       = "*/15 * * * *"
	defaultMaxPages       = 3
	defaultMaxThreadPages = 5
)

func defaultConfig() Config {
	return Config{
		Proxy: "127.0.0.1:9050",
		Crawl: CrawlConfig{
			Schedule:       defaultSchedule,
			TimeZone:       "UTC",
			ScheduleJitter: Duration(time.Minute),
			Timeout:        Duration(crawler.DefaultTimeout),
			ConnectTimeout: Duration(crawler.DefaultConnectTimeout),
			HeaderTimeout:  Duration(crawler.DefaultHeaderTimeout),
			MaxBodyBytes:   crawler.DefaultMaxBody,
			Parallelism:    crawler.DefaultParallelism,
			Delay:          Duration(2 * time.Second),
			Jitter:         Duration(3 * time.Second),
			Retries:        crawler.DefaultRetries,
			Backoff:        Duration(crawler.DefaultBackoff),
			MaxRetryAfter:  Duration(crawler.DefaultMaxRetryAfter),
		},
		Matchers: MatchersConfig{SaleThreshold: matchers.DefaultSaleThreshold, PhoneRegion: "US"},
		Alerts:   AlertsConfig{MinSeverity: "high", BurstLimit: 10, BacklogAfter: Duration(30 * time.Minute)},
		// Seller samples are customer data: keep their text (sealed) long
		// enough to rescan when new canaries or datasets arrive, no longer.
		TextRetention: Duration(90 * 24 * time.Hour),
		ShutdownGrace: Duration(20 * time.Second),
		ControlMode:   "0600",
	}
}

// loadConfig reads, decodes strictly and validates a config file. Every
// problem is reported, each as "FILE:LINE:COL: field: message".
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("read config: %w", err)}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, usageError{yamlError(path, err)}
	}
	if empty(file) {
		return nil, usageError{fmt.Errorf("%s: the config is empty: start from config.example.yaml", path)}
	}
	// Aliases are expanded by the decoder: a few hundred bytes of nested
	// aliases would expand to billions of values (minutes, gigabytes).
	if err := checkAliases(file); err != nil {
		return nil, usageError{yamlError(path, err)}
	}
	cfg := defaultConfig()
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.DisallowUnknownField()); err != nil {
		return nil, usageError{yamlError(path, err)}
	}
	cfg.path, cfg.file = path, file
	if err := cfg.validate(); err != nil {
		return nil, usageError{err}
	}
	return &cfg, nil
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

// maxAliasNodes bounds what aliases may expand to in a config: shared
// selectors take a few hundred nodes; a billion-laughs config, billions.
const maxAliasNodes = 10_000

// empty says whether the file holds no document (nothing, or comments).
func empty(f *ast.File) bool {
	for _, d := range f.Docs {
		if d.Body != nil {
			if _, comment := d.Body.(*ast.CommentGroupNode); !comment {
				return false
			}
		}
	}
	return true
}

// checkAliases refuses a file whose aliases expand to more than
// maxAliasNodes nodes in all (an alias counts as the size of what it
// names, its own aliases expanded), before the decoder expands anything,
// naming the alias that crosses the limit.
func checkAliases(f *ast.File) error {
	sizes := map[string]int{} // anchor name: the nodes it stands for
	added := 0                // nodes the aliases add, so far
	var over *token.Token
	var walk func(n ast.Node, depth int) int // n's size, aliases expanded
	walk = func(n ast.Node, depth int) int {
		if n == nil || depth > 1000 || over != nil {
			return 1
		}
		total := 1
		switch v := n.(type) {
		case *ast.DocumentNode:
			return walk(v.Body, depth+1)
		case *ast.MappingNode:
			for _, mv := range v.Values {
				total += walk(mv, depth+1)
			}
		case *ast.MappingValueNode:
			return walk(v.Key, depth+1) + walk(v.Value, depth+1)
		case *ast.MappingKeyNode:
			return walk(v.Value, depth+1)
		case *ast.SequenceNode:
			for _, x := range v.Values {
				total += walk(x, depth+1)
			}
		case *ast.TagNode:
			return walk(v.Value, depth+1)
		case *ast.AnchorNode:
			total = walk(v.Value, depth+1)
			sizes[v.Name.GetToken().Value] = total
		case *ast.AliasNode:
			if sz, ok := sizes[v.Value.GetToken().Value]; ok {
				total = sz
			}
			if added += total; added > maxAliasNodes {
				over = v.GetToken()
			}
		}
		return min(total, maxAliasNodes+1)
	}
	for _, d := range f.Docs {
		walk(d, 0)
		if over != nil {
			return &yaml.SyntaxError{Message: fmt.Sprintf("aliases expand to more than %d values: refused (a config needs a few hundred)", maxAliasNodes), Token: over}
		}
	}
	return nil
}

// goTypeError is the decoder's message for a value of the wrong kind,
// which names Go types; kindWord says them as the config's reader would.
var goTypeError = regexp.MustCompile(`cannot unmarshal (.+?) into Go (?:struct field \S+|value) of type (.+)$`)

func kindWord(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "int64", "int32", "uint", "uint64", "uint16", "uint32":
		return "a whole number"
	case "float64", "float32":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "text"
	case "[]interface", "[]interface {}", "[]string":
		return "a list"
	case "map[string]interface", "map[string]interface {}":
		return "a mapping"
	}
	if strings.HasPrefix(goType, "[]") {
		return "a list"
	}
	if strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "main.") {
		return "a mapping"
	}
	return goType
}

// yamlError formats a decode error as FILE:LINE:COL: message.
func yamlError(path string, err error) error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		pos := tk.Position
		msg := ye.GetMessage()
		if m := goTypeError.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("want %s, got %s", kindWord(m[2]), kindWord(m[1]))
		}
		// Name the field whose value is wrong: the key before the ':'.
		if tk.Prev != nil && tk.Prev.Type == token.MappingValueType && tk.Prev.Prev != nil {
			return fmt.Errorf("%s:%d:%d: %s: %s", path, pos.Line, pos.Column, tk.Prev.Prev.Value, msg)
		}
		return fmt.Errorf("%s:%d:%d: %s", path, pos.Line, pos.Column, msg)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// problems collects validation errors with their YAML paths.
type problems struct {
	cfg  *Config
	list []problem
}

type problem struct {
	line, col int
	msg       string
}

// add records a problem at the field path (e.g. "sources[1].urls[0]").
func (p *problems) add(field, format string, args ...any) {
	line, col := p.cfg.position(field)
	where := p.cfg.path
	if line > 0 {
		where = fmt.Sprintf("%s:%d:%d", where, line, col)
	}
	p.list = append(p.list, problem{line, col, fmt.Sprintf("%s: %s: %s", where, field, fmt.Sprintf(format, args...))})
}

// err returns every problem, in file order.
func (p *problems) err() error {
	sort.SliceStable(p.list, func(i, j int) bool {
		a, b := p.list[i], p.list[j]
		return a.line < b.line || a.line == b.line && (a.col < b.col || a.col == b.col && a.msg < b.msg)
	})
	errs := make([]error, len(p.list))
	for i, x := range p.list {
		errs[i] = errors.New(x.msg)
	}
	return errors.Join(errs...)
}

// position returns the line and column of field, or of its nearest parent
// that is in the file; 0, 0 when none is.
func (c *Config) position(field string) (line, col int) {
	if c.file == nil {
		return 0, 0
	}
	for f := field; f != ""; f = parentField(f) {
		p, err := yaml.PathString("$." + f)
		if err != nil {
			continue
		}
		if n, err := p.FilterFile(c.file); err == nil && n != nil && n.GetToken() != nil {
			pos := n.GetToken().Position
			return pos.Line, pos.Column
		}
	}
	return 0, 0
}

func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i <= 0 {
		return ""
	}
	return f[:i]
}

var sourceNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

func (c *Config) validate() error {
	p := &problems{cfg: c}
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
	if _, err := c.controlMode(); err != nil {
		p.add("control_socket_mode", "%v", err)
	}
	if sock := c.controlSocket(); len(sock) > 100 {
		p.add("control_socket", "path is %d bytes; a Unix socket path must be under 100", len(sock))
	}
	if _, err := c.location(); err != nil {
		p.add("crawl.timezone", "%v", err)
	}
	if c.MetricsListen != "" {
		if err := metrics.CheckLoopback(c.MetricsListen); err != nil {
			p.add("metrics_listen", "%v", err)
		}
	}
	if c.Slack.Proxy != "" {
		if u, err := url.Parse(c.Slack.Proxy); err != nil {
			// The value may hold proxy credentials: not repeated here.
			p.add("slack.proxy", "not a URL; want socks5h://host:port (Tor) or http(s)://host:port (an egress proxy)")
		} else if u.Host == "" || (u.Scheme != "socks5h" && u.Scheme != "socks5" && u.Scheme != "http" && u.Scheme != "https") {
			p.add("slack.proxy", "want socks5h://host:port (Tor) or http(s)://host:port (an egress proxy), got %q", u.Redacted())
		}
	}
	if c.TextRetention < 0 {
		p.add("post_text_retention", "must not be negative (0 keeps post text forever)")
	}
	if err := checkSchedule(c.Crawl.Schedule); err != nil {
		p.add("crawl.schedule", "invalid cron expression %q: %v", c.Crawl.Schedule, err)
	}
	if c.Crawl.Timeout <= 0 {
		p.add("crawl.timeout", "must be positive")
	}
	if c.Crawl.HeaderTimeout <= 0 {
		p.add("crawl.header_timeout", "must be positive")
	}
	if c.Crawl.ConnectTimeout <= 0 {
		p.add("crawl.connect_timeout", "must be positive")
	}
	if c.Crawl.MaxBodyBytes < 1024 {
		p.add("crawl.max_body_bytes", "must be at least 1024")
	}
	if c.Crawl.Parallelism < 1 || c.Crawl.Parallelism > 16 {
		p.add("crawl.parallelism", "want 1 to 16 requests in flight per source, got %d", c.Crawl.Parallelism)
	}
	if c.Crawl.Delay < 0 || c.Crawl.Jitter < 0 {
		p.add("crawl.delay", "delay and jitter must not be negative")
	}
	if c.Crawl.Retries < 0 || c.Crawl.Retries > 10 {
		p.add("crawl.retries", "want 0 to 10, got %d", c.Crawl.Retries)
	}
	if c.Crawl.Backoff <= 0 {
		p.add("crawl.backoff", "must be positive")
	}
	if len(c.Sources) == 0 {
		p.add("sources", "at least one source is needed")
	}
	names := map[string]int{}
	for i := range c.Sources {
		c.Sources[i].validate(p, fmt.Sprintf("sources[%d]", i), names, i)
	}
	for i, b := range c.Matchers.Brands {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.brands[%d]", i), "is empty")
		}
	}
	for i, b := range c.Matchers.NotBrands {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.not_brands[%d]", i), "is empty")
		}
	}
	for i, b := range c.Matchers.Profile {
		if strings.TrimSpace(b) == "" {
			p.add(fmt.Sprintf("matchers.profile[%d]", i), "is empty")
		}
	}
	if f := c.Matchers.OursFraction; f < 0 || f > 1 {
		p.add("matchers.ours_fraction", "want a share between 0 and 1, got %g", f)
	}
	if c.Matchers.Customers < 0 {
		p.add("matchers.customers", "must not be negative")
	}
	if r := c.Matchers.PhoneRegion; len(r) != 2 || strings.ToUpper(r) != r {
		p.add("matchers.phone_region", "want a two-letter region code such as US or GB, got %q", r)
	}
	if c.Matchers.SaleThreshold <= 0 {
		p.add("matchers.sale_threshold", "must be positive")
	}
	if c.Matchers.CriticalRows < 0 || c.Matchers.HighRows < 0 {
		p.add("matchers.critical_rows", "row thresholds must not be negative")
	}
	if d := c.Canaries.Domain; d != "" && (!strings.Contains(d, ".") || strings.ContainsAny(d, "@/ ")) {
		p.add("canaries.domain", "want a domain name such as canary.example.com, got %q", d)
	}
	if sev, err := leak.ParseSeverity(c.Alerts.MinSeverity); err != nil || sev == leak.SeverityNone {
		p.add("alerts.min_severity", "want info, high or critical, got %q", c.Alerts.MinSeverity)
	}
	s := c.Slack
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
		case u.Scheme == "http" && !loopbackHost(u.Hostname()):
			// The bot token travels with every call.
			p.add("slack.api_url", "plain http only to a relay on loopback (the bot token travels with every call), got %q", s.APIURL)
		}
	}
	return p.err()
}

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
		f := s.forum()
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
		if s.RawURL != "" {
			if msg := checkURL(strings.ReplaceAll(s.RawURL, "{key}", "k")); msg != "" {
				p.add(at+".raw_url", "%s", msg)
			} else if !strings.Contains(s.RawURL, "{key}") {
				p.add(at+".raw_url", "must contain {key}, where the paste key goes")
			}
		}
	default:
		p.add(at+".kind", "want forum or paste, got %q", s.Kind)
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

// resolvePath finds a file named in the config: absolute as is, else
// relative to the config file's folder.
func (c *Config) resolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// secretPath finds a secret file: a relative name is looked up first in
// $CREDENTIALS_DIRECTORY (systemd's LoadCredential=), then as resolvePath.
func (c *Config) secretPath(p string) string {
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" && p != "" && !filepath.IsAbs(p) {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return filepath.Join(dir, p)
		}
	}
	return c.resolvePath(p)
}

// readSecret reads a secret file, refusing one that group or others can
// read: a secret left world-readable is a leak waiting to happen.
func readSecret(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s has mode %04o: group and others must have no access (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

// readKey reads the secret key: 64 hex characters (as keygen writes) or 32
// raw bytes.
func readKey(path string) ([]byte, error) {
	b, err := readSecret(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 2*matchers.KeySize {
		if k, err := hex.DecodeString(string(b)); err == nil {
			return k, nil
		}
	}
	if len(b) == matchers.KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("secret key file %s: want 64 hex characters (watcher keygen writes one)", path)
}

// jobSpecs maps the config to the sources to crawl.
func (c *Config) jobSpecs() []jobSpec {
	out := make([]jobSpec, 0, len(c.Sources))
	for i, s := range c.Sources {
		sel := s.Selectors
		spec := jobSpec{source: crawler.Source{
			Name: s.Name, Kind: crawler.Kind(s.Kind), URLs: s.URLs,
			MaxPages:       orDefault(s.MaxPages, defaultMaxPages),
			MaxThreadPages: orDefault(s.MaxThreadPages, defaultMaxThreadPages),
			Forum:          s.forum(),
			Paste: crawler.PasteSelectors{Item: sel.Item, Link: sel.Link, Title: sel.Title, Author: sel.Author,
				Posted: sel.Posted, Raw: s.RawURL, Format: s.Format},
		}, schedule: c.schedule(i)}
		if s.CookieFile != "" {
			spec.cookieFile = c.secretPath(s.CookieFile)
		}
		out = append(out, spec)
	}
	return out
}

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// schedule returns a source's cron schedule.
func (c *Config) schedule(i int) string {
	if s := c.Sources[i].Schedule; s != "" {
		return s
	}
	return c.Crawl.Schedule
}

// minSeverity is the validated alerts.min_severity.
func (c *Config) minSeverity() leak.Severity {
	s, _ := leak.ParseSeverity(c.Alerts.MinSeverity)
	return s
}

// fingerprintsDir is where the fingerprint store lives: as configured, or
// "fingerprints" beside the database.
func (c *Config) fingerprintsDir() string {
	if c.Fingerprints != "" {
		return c.resolvePath(c.Fingerprints)
	}
	return filepath.Join(filepath.Dir(c.resolvePath(c.Database)), "fingerprints")
}

// controlSocket is the daemon's control socket: as configured, or
// "control.sock" beside the database.
func (c *Config) controlSocket() string {
	if c.ControlSocket != "" {
		return c.resolvePath(c.ControlSocket)
	}
	return filepath.Join(filepath.Dir(c.resolvePath(c.Database)), "control.sock")
}

// controlMode is the socket's file mode: 0600, or 0660 for a group.
func (c *Config) controlMode() (os.FileMode, error) {
	switch c.ControlMode {
	case "", "0600", "600":
		return 0o600, nil
	case "0660", "660":
		return 0o660, nil
	}
	return 0, fmt.Errorf("want 0600 (the daemon's user only) or 0660 (and its group), got %q", c.ControlMode)
}

// location is the time zone cron schedules are read in.
func (c *Config) location() (*time.Location, error) {
	if c.Crawl.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(c.Crawl.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Berlin)", c.Crawl.TimeZone)
	}
	return loc, nil
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
