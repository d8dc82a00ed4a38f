package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/proxy"
)

// TorBrowserUserAgent is what Tor Browser sends, so that leakwatch's requests
// look like those of the many Tor Browser users on the same sites.
const TorBrowserUserAgent = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"

// Options configure a Client. The zero value is not usable: Proxy and Hosts
// must be set.
type Options struct {
	// Proxy is the SOCKS5 proxy address, host:port (Tor's SocksPort).
	Proxy string
	// Username and Password are sent to the proxy. Tor's IsolateSOCKSAuth
	// (on by default) gives each distinct pair its own circuits, so each
	// source gets its own.
	Username, Password string
	// Hosts are the only places the client may connect to: "host:port",
	// or a bare host for its ports 80 and 443. A redirect to the same
	// host on another port is refused like one to another host.
	Hosts []string
	// Timeout bounds one whole request, body included.
	Timeout time.Duration
	// ConnectTimeout bounds getting a connection: reaching the proxy and
	// the proxy reaching the site (for an onion service, Tor's descriptor
	// fetch and rendezvous).
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the response headers.
	HeaderTimeout time.Duration
	// MaxBody caps a response body after decompression.
	MaxBody int64
	// MaxRedirects bounds redirect chains.
	MaxRedirects int
	// UserAgent defaults to TorBrowserUserAgent.
	UserAgent string
	// Parallelism bounds requests in flight (default 2). Delay spaces
	// request starts, plus a random extra of up to Jitter.
	Parallelism   int
	Delay, Jitter time.Duration
	// Retries is how many times a timeout, proxy failure, 429 or 5xx is
	// retried (default 2; negative means none), Backoff the first wait
	// (doubling, with jitter), MaxRetryAfter the longest Retry-After
	// honoured before giving up.
	Retries       int
	Backoff       time.Duration
	MaxRetryAfter time.Duration
	// CookieFile, if set, holds a session cookie sent with every request
	// to the source's own hosts; it is re-read when it changes.
	CookieFile string
	// SampleHosts are the hosts ("host" or "host:port") a post's linked
	// sample may be fetched from: the paste sites watched, say. A link to
	// any other host is recorded, never dialled.
	SampleHosts []string
	// RootCAs are the authorities an https site's certificate is verified
	// against; nil means the system's (what a real crawl wants). Tests
	// set it for their own certificates; verification is never skipped.
	RootCAs *x509.CertPool
}

// Defaults suited to Tor's latency: circuits to onion services take seconds.
const (
	DefaultTimeout        = 90 * time.Second
	DefaultConnectTimeout = 60 * time.Second
	DefaultHeaderTimeout  = 60 * time.Second
	DefaultMaxBody        = 8 << 20
	DefaultMaxRedirects   = 5
	DefaultParallelism    = 2
	DefaultRetries        = 2
	DefaultBackoff        = 5 * time.Second
	DefaultMaxRetryAfter  = 2 * time.Minute
)

// ErrHostNotAllowed is returned when a request, or a redirect, names a host
// that the source does not allow.
var ErrHostNotAllowed = errors.New("host not allowed for this source")

// ErrProxy is returned when the SOCKS5 proxy cannot be reached or refuses the
// connection; nothing was sent by any other way.
var ErrProxy = errors.New("socks proxy")

// Client fetches pages through a SOCKS5 proxy. It is safe for concurrent use.
type Client struct {
	http     *http.Client
	opts     Options
	allowed  map[string]bool // every host:port the client may dial
	ownHosts map[string]bool // the source's own hosts (Options.Hosts): the cookie file goes only there
	// sampleHosts are the hosts linked samples may be fetched from
	// (Options.SampleHosts); also dialable.
	sampleHosts map[string]bool
	limit       *limiter
	cookie      *cookieFile
	tg          telegramState

	pages, bytes atomic.Int64 // responses read, and their bytes (for metrics)
}

// Counters returns how many pages the client has read and their size in
// bytes, since it was made.
func (c *Client) Counters() (pages, bytes int64) { return c.pages.Load(), c.bytes.Load() }

// NewClient returns a client whose every connection goes through the SOCKS5
// proxy in opts. It never dials directly and ignores proxy settings in the
// environment.
func NewClient(opts Options) (*Client, error) {
	if opts.Proxy == "" {
		return nil, errors.New("crawler: no socks proxy address")
	}
	if _, _, err := net.SplitHostPort(opts.Proxy); err != nil {
		return nil, fmt.Errorf("crawler: socks proxy address %q: %w", opts.Proxy, err)
	}
	if len(opts.Hosts) == 0 {
		return nil, errors.New("crawler: no allowed hosts")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = DefaultHeaderTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = TorBrowserUserAgent
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultParallelism
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = DefaultRetries
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	c := &Client{opts: opts, allowed: make(map[string]bool, len(opts.Hosts)), ownHosts: map[string]bool{}, sampleHosts: map[string]bool{},
		limit: newLimiter(opts.Parallelism, opts.Delay, opts.Jitter)}
	if opts.CookieFile != "" {
		c.cookie = &cookieFile{path: opts.CookieFile}
	}
	allow := func(h string, sets ...map[string]bool) {
		keys := []string{hostPort(h, "80"), hostPort(h, "443")}
		if host, port, err := net.SplitHostPort(h); err == nil {
			keys = []string{hostPort(host, port)}
		}
		for _, set := range sets {
			for _, k := range keys {
				set[k] = true
			}
		}
	}
	for _, h := range opts.Hosts {
		allow(h, c.allowed, c.ownHosts)
	}
	for _, h := range opts.SampleHosts {
		allow(h, c.allowed, c.sampleHosts)
	}

	var auth *proxy.Auth
	if opts.Username != "" {
		auth = &proxy.Auth{User: opts.Username, Password: opts.Password}
		if auth.Password == "" {
			auth.Password = "x" // RFC 1929 needs one byte at least
		}
	}
	forward := &net.Dialer{Timeout: 10 * time.Second} // the proxy is local
	d, err := proxy.SOCKS5("tcp", opts.Proxy, auth, forward)
	if err != nil {
		return nil, fmt.Errorf("crawler: socks dialer: %w", err)
	}
	cd, ok := d.(proxy.ContextDialer)
	if !ok {
		return nil, errors.New("crawler: socks dialer has no DialContext")
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if !c.allowed[hostPort(host, port)] {
			return nil, fmt.Errorf("dial %s: %w", addr, ErrHostNotAllowed)
		}
		ctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
		defer cancel()
		conn, err := cd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrProxy, opts.Proxy, err)
		}
		return conn, nil
	}
	tr := &http.Transport{
		Proxy:                 nil, // never from the environment: the dialer is the proxy
		DialContext:           dial,
		TLSClientConfig:       &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: opts.HeaderTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     false,
	}
	// Cookies the sites set (a front's pass, a session) are kept for the
	// client's life, one jar per source: never written to disk, never
	// shared with another source's circuits.
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c.http = &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= opts.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			if !c.Allowed(req.URL) {
				return fmt.Errorf("redirect to %s: %w", req.URL.Host, ErrHostNotAllowed)
			}
			return nil
		},
	}
	return c, nil
}

// own reports whether u is on one of the source's own hosts: where its
// listings, threads and next pages are (a sample host is fetched only for
// a linked sample, never followed as the source's next page).
func (c *Client) own(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && c.ownHosts[hostPort(u.Hostname(), urlPort(u))]
}

// Allowed reports whether u names a host and port this client may fetch.
func (c *Client) Allowed(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && c.allowed[hostPort(u.Hostname(), urlPort(u))]
}

// hostPort is the allow-list's key for a host and port.
func hostPort(host, port string) string {
	return net.JoinHostPort(strings.ToLower(strings.TrimSuffix(host, ".")), port)
}

// urlPort is the port u connects to: as written, or its scheme's default.
func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }
