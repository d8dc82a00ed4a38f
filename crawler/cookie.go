package crawler

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cookieFile holds a forum session cookie in a file, re-read whenever the
// file changes, so an operator can refresh an expired session without a
// restart. The file holds the Cookie header's value ("name=value; n2=v2"),
// or lines of name=value, or the Netscape cookies.txt that browsers'
// export add-ons and curl write (then each cookie goes only to its domain
// and path, and an expired one not at all); it must be mode 0600.
type cookieFile struct {
	path    string
	mu      sync.Mutex
	mod     time.Time
	size    int64
	header  string      // the raw form: sent as it is
	jar     []jarCookie // the cookies.txt form
	fromJar bool
}

// jarCookie is one line of a cookies.txt.
type jarCookie struct {
	domain     string // lower case, without a leading dot
	subdomains bool
	path       string
	secure     bool
	expires    int64 // Unix seconds; 0 for a session cookie
	name       string
	value      string
}

// value is the Cookie header for a request to u ("" for none).
func (c *cookieFile) value(u *url.URL, now time.Time) (string, error) {
	fi, err := os.Stat(c.path)
	if err != nil {
		return "", fmt.Errorf("session cookie file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("session cookie file %s has mode %04o: group and others must have no access (chmod 600)", c.path, fi.Mode().Perm())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !fi.ModTime().Equal(c.mod) || fi.Size() != c.size {
		b, err := os.ReadFile(c.path)
		if err != nil {
			return "", fmt.Errorf("session cookie file: %w", err)
		}
		if err := c.parse(string(b)); err != nil {
			return "", err
		}
		c.mod, c.size = fi.ModTime(), fi.Size()
	}
	if !c.fromJar {
		return c.header, nil
	}
	host := strings.ToLower(u.Hostname())
	var parts []string
	for _, k := range c.jar {
		switch {
		case host != k.domain && !(k.subdomains && strings.HasSuffix(host, "."+k.domain)):
		case !pathMatch(u.EscapedPath(), k.path):
		case k.secure && u.Scheme != "https":
		case k.expires != 0 && k.expires <= now.Unix():
		default:
			parts = append(parts, k.name+"="+k.value)
		}
	}
	return strings.Join(parts, "; "), nil
}

// parse reads the file's text as cookies.txt when a line has its seven
// tab-separated fields, else as Cookie header text.
func (c *cookieFile) parse(text string) error {
	lines := strings.Split(text, "\n")
	c.fromJar = false
	for _, l := range lines {
		if strings.Count(strings.TrimPrefix(l, "#HttpOnly_"), "\t") == 6 {
			c.fromJar = true
			break
		}
	}
	c.header, c.jar = "", nil
	var parts []string
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		if strings.ContainsAny(line, "\r\x00") {
			return fmt.Errorf("session cookie file %s:%d: control character in line", c.path, i+1)
		}
		if c.fromJar {
			line = strings.TrimPrefix(line, "#HttpOnly_") // curl's mark, not a comment
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if !c.fromJar {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Cookie:"))
			parts = append(parts, strings.Trim(line, "; "))
			continue
		}
		k, err := jarLine(line)
		if err != nil {
			return fmt.Errorf("session cookie file %s:%d: %v (cookies.txt: domain, subdomains, path, secure, expiry, name, value, separated by tabs)", c.path, i+1, err)
		}
		c.jar = append(c.jar, k)
	}
	c.header = strings.Join(parts, "; ")
	return nil
}

func jarLine(line string) (jarCookie, error) {
	f := strings.Split(line, "\t")
	if len(f) != 7 {
		return jarCookie{}, fmt.Errorf("%d fields, want 7", len(f))
	}
	bool2 := func(s string) (bool, error) {
		switch strings.ToUpper(s) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
		return false, fmt.Errorf("%q: want TRUE or FALSE", s)
	}
	sub, err := bool2(f[1])
	if err != nil {
		return jarCookie{}, err
	}
	sec, err := bool2(f[3])
	if err != nil {
		return jarCookie{}, err
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || exp < 0 {
		return jarCookie{}, fmt.Errorf("expiry %q: want Unix seconds (0 for a session cookie)", f[4])
	}
	domain := strings.ToLower(f[0])
	if strings.HasPrefix(domain, ".") {
		domain, sub = domain[1:], true
	}
	if domain == "" || f[5] == "" || strings.ContainsAny(f[5]+f[6], ";\n") {
		return jarCookie{}, fmt.Errorf("empty domain or name, or a ; in a name or value")
	}
	path := f[2]
	if path == "" {
		path = "/"
	}
	return jarCookie{domain: domain, subdomains: sub, path: path, secure: sec, expires: exp, name: f[5], value: f[6]}, nil
}

// pathMatch is RFC 6265's path match.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == "" {
		reqPath = "/"
	}
	if reqPath == cookiePath {
		return true
	}
	return strings.HasPrefix(reqPath, cookiePath) && (strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/')
}

// CookieChanged is when the source's cookie file last changed (zero
// without one): a refreshed file ends a backoff after an anti-bot front.
func (c *Client) CookieChanged() time.Time {
	if c.cookie == nil {
		return time.Time{}
	}
	fi, err := os.Stat(c.cookie.path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
