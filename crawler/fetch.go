package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"leakwatch/internal/wait"
)

// Page is a fetched response body, decoded to UTF-8.
type Page struct {
	URL         *url.URL // final URL, after redirects
	Status      int
	ContentType string
	Body        []byte // valid UTF-8
	// Truncated: the body was longer than Options.MaxBody and is cut
	// there.
	Truncated bool
}

// StatusError is returned for a response outside 2xx.
type StatusError struct {
	URL        string
	Status     int
	RetryAfter time.Duration // from a Retry-After header, 0 if none
}

// Error is the status alone: Get's error names the URL once, around it.
func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d", e.Status) }

// Get fetches rawURL through the proxy and returns its body as UTF-8. It
// waits its turn under the source's parallelism and request-rate limits,
// and retries timeouts, proxy failures, 429 and 5xx answers with
// exponential backoff and jitter (honouring Retry-After) up to
// Options.Retries times. Other errors return at once.
func (c *Client) Get(ctx context.Context, rawURL string) (*Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse url %q: %w", rawURL, err)
	}
	if !c.Allowed(u) {
		return nil, fmt.Errorf("GET %s: %w", rawURL, ErrHostNotAllowed)
	}
	for attempt := 0; ; attempt++ {
		p, err := c.getOnce(ctx, u)
		if err == nil {
			return p, nil
		}
		delay, retry := c.retryAfter(err, attempt)
		if !retry || ctx.Err() != nil {
			return nil, fmt.Errorf("GET %s: %w", rawURL, withoutURL(err))
		}
		if err := wait.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("GET %s: %w", rawURL, err)
		}
	}
}

// getOnce makes one request.
func (c *Client) getOnce(ctx context.Context, u *url.URL) (*Page, error) {
	release, err := c.limit.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "en-US,en;q=0.5")
	if c.cookie != nil && c.own(u) {
		v, err := c.cookie.value(u, time.Now())
		if err != nil {
			return nil, err
		}
		if v = c.notInJar(u, v); v != "" {
			req.Header.Set("Cookie", v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("HTTP 401: %w", ErrLoginWall)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Fronts answer 403, 429 or 503 with their page (Cloudflare's
		// interstitial): that is a front to pass, not an outage to retry.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if front := antiBot(head); front != "" && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			return nil, frontError(fmt.Sprintf("HTTP %d", resp.StatusCode), front)
		}
		return nil, &StatusError{URL: u.String(), Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	// The transport has already undone gzip, so the cap applies to the
	// decompressed bytes and a gzip bomb stops here.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	c.pages.Add(1)
	c.bytes.Add(int64(len(raw)))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	// A page over the cap is cut there, not dropped: what was read is
	// matched (a canary near the top still counts) and the post is marked.
	truncated := int64(len(raw)) > c.opts.MaxBody
	if truncated {
		raw = raw[:c.opts.MaxBody]
	}
	ct := resp.Header.Get("Content-Type")
	return &Page{URL: resp.Request.URL, Status: resp.StatusCode, ContentType: ct, Body: toUTF8(raw, ct), Truncated: truncated}, nil
}

// notInJar drops from the cookie file's header the cookies the site has
// since set afresh (the jar adds those itself): a rotated session cookie
// wins over the file's older copy.
func (c *Client) notInJar(u *url.URL, header string) string {
	fresh := map[string]bool{}
	for _, k := range c.http.Jar.Cookies(u) {
		fresh[k.Name] = true
	}
	if len(fresh) == 0 {
		return header
	}
	var keep []string
	for _, part := range strings.Split(header, ";") {
		part = strings.TrimSpace(part)
		name, _, _ := strings.Cut(part, "=")
		if part != "" && !fresh[strings.TrimSpace(name)] {
			keep = append(keep, part)
		}
	}
	return strings.Join(keep, "; ")
}

// retryAfter decides whether err is worth another attempt and how long to
// wait first.
func (c *Client) retryAfter(err error, attempt int) (time.Duration, bool) {
	if attempt >= c.opts.Retries {
		return 0, false
	}
	backoff := wait.Backoff(c.opts.Backoff, 0, attempt, 0.5)
	var se *StatusError
	switch {
	case errors.As(err, &se):
		switch {
		case se.Status == http.StatusTooManyRequests || se.Status == http.StatusServiceUnavailable:
			if se.RetryAfter > 0 {
				if se.RetryAfter > c.opts.MaxRetryAfter {
					return 0, false // the site asks for longer than a cycle should wait
				}
				return se.RetryAfter, true
			}
			return backoff, true
		case se.Status >= 500:
			return backoff, true
		}
		return 0, false
	case errors.Is(err, ErrProxy), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return backoff, true
	}
	return 0, false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// toUTF8 decodes body using the charset named by the Content-Type header or
// the document, then replaces any remaining invalid bytes.
func toUTF8(body []byte, contentType string) []byte {
	if utf8.Valid(body) && !declaresOtherCharset(body, contentType) {
		return body
	}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err == nil {
		if dec, err := io.ReadAll(r); err == nil {
			body = dec
		}
	}
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return body
}

// declaresOtherCharset reports whether valid UTF-8 bytes nevertheless come
// with a declaration of another charset (windows-1251 text can be valid
// UTF-8 by accident only when it is ASCII, where decoding changes nothing).
func declaresOtherCharset(body []byte, contentType string) bool {
	_, name, _ := charset.DetermineEncoding(body, contentType)
	return name != "utf-8" && name != "windows-1252" && !isASCII(body)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// withoutURL drops net/http's own `Get "URL": ` wrapping, so that an error
// names the URL once.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
