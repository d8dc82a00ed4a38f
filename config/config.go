package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"leakwatch/crawler"
	"leakwatch/leak"
	"leakwatch/matchers"
)

// Config is the YAML configuration (config.example.yaml documents it).
type Config struct {
	Proxy             string         `yaml:"proxy"`
	TorControl        string         `yaml:"tor_control"`
	TorControlCookie  string         `yaml:"tor_control_cookie"`
	Database          string         `yaml:"database"`
	Fingerprints      string         `yaml:"fingerprints"`
	SecretKeyFile     string         `yaml:"secret_key_file"`
	ControlSocket     string         `yaml:"control_socket"`
	MetricsListen     string         `yaml:"metrics_listen"`
	ShutdownGrace     Duration       `yaml:"shutdown_grace"`
	ControlSocketMode string         `yaml:"control_socket_mode"`
	TextRetention     Duration       `yaml:"post_text_retention"`
	Crawl             CrawlConfig    `yaml:"crawl"`
	Sources           []SourceConfig `yaml:"sources"`
	Matchers          MatchersConfig `yaml:"matchers"`
	Slack             SlackConfig    `yaml:"slack"`
	Alerts            AlertsConfig   `yaml:"alerts"`
	Canaries          CanaryConfig   `yaml:"canaries"`

	path string    // the file it was read from, as named
	dir  string    // its folder, absolute: what relative paths in it are relative to
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
	// SampleHosts are hosts ("host" or "host:port") a seller's linked
	// sample may be fetched from, besides the paste sites watched (always
	// allowed). Links elsewhere are recorded in the hit, never fetched.
	SampleHosts []string `yaml:"sample_hosts"`
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
	// DetailURL is a JSON leak site's victim page, with {key}.
	DetailURL string `yaml:"detail_url"`
	// JSON are the dot paths of a JSON leak site's victim fields.
	JSON LeakJSONConfig `yaml:"json"`
}

// LeakJSONConfig are the dot paths ("data.victims", "company.name") of a
// JSON leak site's victim list and of each victim's fields.
type LeakJSONConfig struct {
	Items       string `yaml:"items"`
	Key         string `yaml:"key"`
	Name        string `yaml:"name"`
	Domain      string `yaml:"domain"`
	Description string `yaml:"description"`
	Published   string `yaml:"published"`
	Countdown   string `yaml:"countdown"`
	Size        string `yaml:"size"`
	Link        string `yaml:"link"`
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
	// A leak site's victim card: name, domain, description, countdown and
	// size (published is posted).
	Name        string `yaml:"name"`
	Domain      string `yaml:"domain"`
	Description string `yaml:"description"`
	Countdown   string `yaml:"countdown"`
	Size        string `yaml:"size"`
}

// Forum returns the forum selectors: the preset's, with the source's own
// put over them field by field.
func (s *SourceConfig) Forum() crawler.ForumSelectors {
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
	Suppliers     []string `yaml:"suppliers"`
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
	v, err := ParseDuration(string(b))
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

// ParseDuration is time.ParseDuration that also reads whole days ("30d").
func ParseDuration(s string) (time.Duration, error) {
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
	DefaultSchedule       = "*/15 * * * *"
	DefaultMaxPages       = 3
	DefaultMaxThreadPages = 5
)

// Default is the config before a file is read: what a field left out
// means.
func Default() Config {
	return Config{
		Proxy: "127.0.0.1:9050",
		Crawl: CrawlConfig{
			Schedule:       DefaultSchedule,
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
		TextRetention:     Duration(90 * 24 * time.Hour),
		ShutdownGrace:     Duration(20 * time.Second),
		ControlSocketMode: "0600",
	}
}

// Path is the file the config was read from.
func (c *Config) Path() string { return c.path }

// Where a command finds its config when --config does not say: the
// environment variable, else the default path.
const (
	Env         = "LEAKWATCH_CONFIG"
	DefaultPath = "/etc/watcher/config.yaml"
)

// Flag is the --config value a command suggested to an analyst needs to
// read this config wherever it is run from: the file's absolute path, or
// "" when it is DefaultPath (read without the flag).
func (c *Config) Flag() string {
	p := c.path
	if c.dir != "" {
		p = filepath.Join(c.dir, filepath.Base(c.path))
	}
	if p == DefaultPath {
		return ""
	}
	return p
}

// SourceNames lists the sources' names, in the file's order.
func (c *Config) SourceNames() []string {
	var n []string
	for _, s := range c.Sources {
		n = append(n, s.Name)
	}
	return n
}

// Resolve finds a file named in the config: absolute as is, else
// relative to the config file's folder.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	dir := c.dir
	if dir == "" {
		dir = filepath.Dir(c.path)
	}
	return filepath.Join(dir, p)
}

// Secret finds a secret file. Under systemd the unit's LoadCredential=
// hands each secret to the daemon as $CREDENTIALS_DIRECTORY/NAME, NAME
// being the file's own name (LoadCredential=hmac.key:/etc/watcher/
// credentials/hmac.key): when that exists it is the one read, so one
// path in the config serves the daemon and the analyst's commands alike.
// Otherwise the path as Resolve finds it.
func (c *Config) Secret(p string) string {
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" && p != "" {
		if cred := filepath.Join(dir, filepath.Base(p)); fileExists(cred) {
			return cred
		}
	}
	return c.Resolve(p)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// SampleHosts are the hosts linked samples may be fetched from: every
// paste source's hosts, then crawl.sample_hosts.
func (c *Config) SampleHosts() []string {
	var hosts []string
	for _, s := range c.Sources {
		if s.Kind == "paste" {
			hosts = append(hosts, s.Hosts()...)
		}
	}
	return uniqueLower(append(hosts, c.Crawl.SampleHosts...))
}

// Hosts are the hosts ("host" or "host:port", as written) a source's URLs
// name: its listing URLs, raw_url and detail_url.
func (s SourceConfig) Hosts() []string {
	var hosts []string
	for _, raw := range append(slices.Clone(s.URLs), s.RawURL, s.DetailURL) {
		if u, err := url.Parse(strings.ReplaceAll(raw, "{key}", "k")); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return uniqueLower(hosts)
}

func uniqueLower(hs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range hs {
		if h = strings.ToLower(h); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Schedule returns a source's cron schedule.
func (c *Config) Schedule(i int) string {
	if s := c.Sources[i].Schedule; s != "" {
		return s
	}
	return c.Crawl.Schedule
}

// MinSeverity is the validated alerts.min_severity.
func (c *Config) MinSeverity() leak.Severity {
	s, _ := leak.ParseSeverity(c.Alerts.MinSeverity)
	return s
}

// FingerprintsDir is where the fingerprint store lives: as configured, or
// "fingerprints" beside the database.
func (c *Config) FingerprintsDir() string {
	if c.Fingerprints != "" {
		return c.Resolve(c.Fingerprints)
	}
	return filepath.Join(filepath.Dir(c.Resolve(c.Database)), "fingerprints")
}

// SocketPath is the daemon's control socket: as configured, or
// "control.sock" beside the database.
func (c *Config) SocketPath() string {
	if c.ControlSocket != "" {
		return c.Resolve(c.ControlSocket)
	}
	return filepath.Join(filepath.Dir(c.Resolve(c.Database)), "control.sock")
}

// SocketMode is the control socket's file mode: 0600, or 0660 for a group.
func (c *Config) SocketMode() (os.FileMode, error) {
	switch c.ControlSocketMode {
	case "", "0600", "600":
		return 0o600, nil
	case "0660", "660":
		return 0o660, nil
	}
	return 0, fmt.Errorf("want 0600 (the daemon's user only) or 0660 (and its group), got %q", c.ControlSocketMode)
}

// Location is the time zone cron schedules are read in.
func (c *Config) Location() (*time.Location, error) { return c.Crawl.location() }
