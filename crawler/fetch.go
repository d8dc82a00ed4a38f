package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Page is a fetched response body, decoded to UTF-8.
type Page struct {
	URL         *url.URL // final URL, after redirects
	Status      int
	ContentType string
	Body        []byte // valid UTF-8
}

// ErrTooLarge is returned when a body exceeds Options.MaxBody after
// decompression.
var ErrTooLarge = errors.New("body exceeds size cap")

// StatusError is returned for a response outside 2xx.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: HTTP %d", e.URL, e.Status) }

// Get fetches rawURL through the proxy and returns its body as UTF-8.
func (c *Client) Get(ctx context.Context, rawURL string) (*Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse url %q: %w", rawURL, err)
	}
	if !c.Allowed(u) {
		return nil, fmt.Errorf("GET %s: %w", rawURL, ErrHostNotAllowed)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "en-US,en;q=0.5")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return nil, &StatusError{URL: rawURL, Status: resp.StatusCode}
	}
	// The transport has already undone gzip, so the cap applies to the
	// decompressed bytes and a gzip bomb stops here.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", rawURL, err)
	}
	if int64(len(raw)) > c.opts.MaxBody {
		return nil, fmt.Errorf("GET %s: %w (%d bytes)", rawURL, ErrTooLarge, c.opts.MaxBody)
	}
	ct := resp.Header.Get("Content-Type")
	return &Page{URL: resp.Request.URL, Status: resp.StatusCode, ContentType: ct, Body: toUTF8(raw, ct)}, nil
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
