package daemon

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"leakwatch/alerts"
	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/crawler"
	"leakwatch/fpstore"
	"leakwatch/leak"
	"leakwatch/matchers"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// What the store is to the parts that use it, checked here where both
// are known.
var (
	_ alerts.Outbox      = (*store.DB)(nil)
	_ pipeline.Recorder  = (*store.DB)(nil)
	_ pipeline.Rescanner = (*store.DB)(nil)
	_ control.Service    = (*control.Local)(nil)
)

// loadSet builds the matcher set from the canaries in the database, the
// fingerprint store and the matcher config.
func loadSet(db *store.DB, h *matchers.Hasher, idx matchers.Fingerprints, mc config.MatchersConfig) (*matchers.Set, error) {
	canaries, err := db.Canaries()
	if err != nil {
		return nil, fmt.Errorf("load canaries: %w", err)
	}
	return newSet(canaries, h, idx, mc)
}

// newSet builds the matcher set from canaries, fingerprints and settings.
func newSet(canaries []leak.Canary, h *matchers.Hasher, idx matchers.Fingerprints, mc config.MatchersConfig) (*matchers.Set, error) {
	return matchers.NewSet(matchers.Config{
		Hasher: h, Canaries: canaries, Index: idx, Brands: mc.Brands, NotBrands: mc.NotBrands, Suppliers: mc.Suppliers, Profile: mc.Profile,
		Customers: mc.Customers, SaleThreshold: mc.SaleThreshold, CriticalRows: mc.CriticalRows, HighRows: mc.HighRows,
		OursFraction: mc.OursFraction, PhoneRegion: mc.PhoneRegion,
	})
}

// openMatchers opens what matching needs from a config, key first (a bad
// key file stops everything before the database is touched): the
// database, and the matchers built from its canaries and the fingerprint
// store. The returned close releases the matchers and the database.
func openMatchers(cfg *config.Config, lockTimeout time.Duration) (*store.DB, *liveMatchers, func(), error) {
	h, textKey, err := loadKeys(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := store.Open(cfg.Resolve(cfg.Database), store.Options{Timeout: lockTimeout, TextKey: textKey})
	if err != nil {
		return nil, nil, nil, err
	}
	lm := &liveMatchers{cfg: cfg, db: db, h: h}
	if err := lm.Reload(); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, lm, func() { lm.close(); db.Close() }, nil
}

// liveMatchers is the matcher set in use, rebuilt in place by Reload (new
// canaries in the database, a new fingerprint generation after an import)
// while matches run: a match in progress finishes on the set it started
// with.
type liveMatchers struct {
	cfg *config.Config
	db  *store.DB
	h   *matchers.Hasher

	mu  sync.Mutex
	fps []*fpstore.Store // every generation opened; unmapped only at close
	set atomic.Pointer[matchers.Set]
}

// setConfig changes the matcher settings the next Reload builds with.
func (l *liveMatchers) setConfig(cfg *config.Config) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = cfg
}

// MatchPost runs the current set.
func (l *liveMatchers) MatchPost(p leak.Post) leak.Evidence { return l.set.Load().MatchPost(p) }

// Set is the current set.
func (l *liveMatchers) Set() *matchers.Set { return l.set.Load() }

// Reload rebuilds the set from the stored canaries and the newest
// fingerprint generation.
func (l *liveMatchers) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	dir := l.cfg.FingerprintsDir()
	gen, err := fpstore.CurrentGeneration(dir)
	if err != nil {
		return err
	}
	var fp *fpstore.Store
	if n := len(l.fps); n > 0 && l.fps[n-1].Generation() == gen {
		fp = l.fps[n-1]
	} else {
		if fp, err = fpstore.Open(dir); err != nil {
			return err
		}
		// The old generation stays mapped: matches in flight may be
		// reading it.
		l.fps = append(l.fps, fp)
	}
	set, err := loadSet(l.db, l.h, fp, l.cfg.Matchers)
	if err != nil {
		return err
	}
	l.set.Store(set)
	return nil
}

func (l *liveMatchers) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, fp := range l.fps {
		fp.Close()
	}
	l.fps = nil
}

// jobSpec is one source to crawl and what only it has.
type jobSpec struct {
	source     crawler.Source
	schedule   string
	cookieFile string
}

// crawlJobs gives every source its own client, with its own SOCKS username
// so that Tor builds separate circuits for each (IsolateSOCKSAuth).
func crawlJobs(specs []jobSpec, base crawler.Options) ([]pipeline.Job, func(), error) {
	var jobs []pipeline.Job
	var clients []*crawler.Client
	closeAll := func() {
		for _, c := range clients {
			c.Close()
		}
	}
	for _, spec := range specs {
		src := spec.source
		o := base
		o.Username, o.Password = "leakwatch-"+src.Name, "isolate"
		o.Hosts = src.Hosts()
		o.CookieFile = spec.cookieFile
		c, err := crawler.NewClient(o)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("source %s: %w", src.Name, err)
		}
		clients = append(clients, c)
		jobs = append(jobs, pipeline.Job{Source: src, Fetcher: c, Schedule: spec.schedule, Workers: max(o.Parallelism, 1)})
	}
	return jobs, closeAll, nil
}

// commands writes the commands alerts suggest, with the --config they need.
func commands(cfg *config.Config) alerts.Commands {
	return alerts.Commands{Config: cfg.Flag()}
}

// slackSender returns the configured Slack sender, or nil when none is
// configured. Secrets come from files named in the config, or from
// SLACK_WEBHOOK_URL / SLACK_BOT_TOKEN (+ SLACK_CHANNEL).
func slackSender(cfg *config.Config) (alerts.Sender, error) {
	opts := alerts.SlackOptions{
		Channel:    os.Getenv("SLACK_CHANNEL"),
		HTTPClient: &http.Client{Timeout: 30 * time.Second}, // Slack's own client, never the crawler's
	}
	if cfg != nil && cfg.Slack.Proxy != "" {
		// Through Tor (socks5h: Slack's name is resolved by Tor) or an
		// egress proxy: for a unit that allows no direct egress.
		u, err := url.Parse(cfg.Slack.Proxy)
		if err != nil {
			return nil, errors.New("slack.proxy: not a URL") // the value may hold credentials
		}
		opts.HTTPClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			Proxy: http.ProxyURL(u), ForceAttemptHTTP2: true, TLSHandshakeTimeout: 30 * time.Second,
		}}
	}
	if cfg != nil {
		sc := cfg.Slack
		opts.Commands = commands(cfg)
		opts.APIURL = sc.APIURL
		if sc.Channel != "" {
			opts.Channel = sc.Channel
		}
		opts.CriticalChannel, opts.CriticalMention = sc.CriticalChannel, strings.TrimPrefix(sc.CriticalMention, "@")
		opts.InfoChannel, opts.OperatorChannel = sc.InfoChannel, sc.OperatorChannel
		if f := cfg.Slack.WebhookURLFile; f != "" {
			b, err := config.ReadSecret(cfg.Secret(f))
			if err != nil {
				return nil, fmt.Errorf("slack.webhook_url_file: %w", err)
			}
			opts.WebhookURL = string(b)
		}
		if f := cfg.Slack.BotTokenFile; f != "" {
			b, err := config.ReadSecret(cfg.Secret(f))
			if err != nil {
				return nil, fmt.Errorf("slack.bot_token_file: %w", err)
			}
			opts.BotToken = string(b)
		}
	}
	if opts.WebhookURL == "" && opts.BotToken == "" {
		opts.WebhookURL = os.Getenv("SLACK_WEBHOOK_URL")
		opts.BotToken = os.Getenv("SLACK_BOT_TOKEN")
		if opts.WebhookURL != "" {
			opts.BotToken = ""
		}
	}
	if opts.WebhookURL == "" && opts.BotToken == "" {
		return nil, nil
	}
	s, err := alerts.NewSlack(opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Hasher reads the secret key and sets the phone region: what every
// command that hashes values needs first.
func Hasher(cfg *config.Config) (*matchers.Hasher, error) {
	h, _, err := loadKeys(cfg)
	return h, err
}

// loadKeys reads the secret key once and derives what it keys: the value
// hasher and the key that seals post text in the database.
func loadKeys(cfg *config.Config) (*matchers.Hasher, []byte, error) {
	key, err := config.ReadKey(cfg.Secret(cfg.SecretKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("secret_key_file: %w", err)
	}
	h, err := matchers.NewHasher(key)
	if err != nil {
		return nil, nil, err
	}
	h.Region = cfg.Matchers.PhoneRegion
	textKey, err := store.DeriveTextKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("secret_key_file: %w", err)
	}
	return h, textKey, nil
}

// dispatchOptions are the alert delivery settings from the config.
func dispatchOptions(c *config.Config) alerts.DispatcherOptions {
	o := alerts.DispatcherOptions{
		MinInterval:  time.Second,
		BurstLimit:   c.Alerts.BurstLimit,
		BacklogAfter: time.Duration(c.Alerts.BacklogAfter),
	}
	if c.Alerts.InfoDigest {
		o.DigestEvery = 24 * time.Hour
	}
	return o
}

// retries maps the config's "0 means none" to the crawler's "negative
// means none".
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// crawlOptions are the crawler settings every source's client starts from.
func crawlOptions(c *config.Config) crawler.Options {
	return crawler.Options{
		Proxy:          c.Proxy,
		Timeout:        time.Duration(c.Crawl.Timeout),
		HeaderTimeout:  time.Duration(c.Crawl.HeaderTimeout),
		ConnectTimeout: time.Duration(c.Crawl.ConnectTimeout),
		MaxBody:        c.Crawl.MaxBodyBytes,
		Parallelism:    c.Crawl.Parallelism,
		Delay:          time.Duration(c.Crawl.Delay),
		Jitter:         time.Duration(c.Crawl.Jitter),
		Retries:        retries(c.Crawl.Retries),
		Backoff:        time.Duration(c.Crawl.Backoff),
		MaxRetryAfter:  time.Duration(c.Crawl.MaxRetryAfter),
		SampleHosts:    c.SampleHosts(),
	}
}

// jobSpecs maps the config to the sources to crawl.
func jobSpecs(c *config.Config) []jobSpec {
	out := make([]jobSpec, 0, len(c.Sources))
	for i, s := range c.Sources {
		sel := s.Selectors
		spec := jobSpec{source: crawler.Source{
			Name: s.Name, Kind: crawler.Kind(s.Kind), URLs: s.URLs,
			MaxPages:       orDefault(s.MaxPages, config.DefaultMaxPages),
			MaxThreadPages: orDefault(s.MaxThreadPages, config.DefaultMaxThreadPages),
			Forum:          s.Forum(),
			Paste: crawler.PasteSelectors{Item: sel.Item, Link: sel.Link, Title: sel.Title, Author: sel.Author,
				Posted: sel.Posted, Raw: s.RawURL, Format: s.Format},
			LeakSite: crawler.LeakSiteSelectors{Item: sel.Item, Link: sel.Link, Name: sel.Name, Domain: sel.Domain, Description: sel.Description,
				Published: sel.Posted, Countdown: sel.Countdown, Size: sel.Size, Format: s.Format, Items: s.JSON.Items, Detail: s.DetailURL,
				JSON: crawler.LeakSiteFields{Key: s.JSON.Key, Name: s.JSON.Name, Domain: s.JSON.Domain, Description: s.JSON.Description,
					Published: s.JSON.Published, Countdown: s.JSON.Countdown, Size: s.JSON.Size, Link: s.JSON.Link}},
		}, schedule: c.Schedule(i)}
		if s.CookieFile != "" {
			spec.cookieFile = c.Secret(s.CookieFile)
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

// preflightOptions are the proxy and Tor checks a crawl starts with.
func preflightOptions(cfg *config.Config) crawler.PreflightOptions {
	pre := crawler.PreflightOptions{Proxy: cfg.Proxy, Control: cfg.TorControl}
	if cfg.TorControlCookie != "" {
		pre.ControlCookie = cfg.Resolve(cfg.TorControlCookie)
	}
	return pre
}
