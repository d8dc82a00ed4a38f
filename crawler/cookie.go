package crawler

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// cookieFile holds a forum session cookie in a file, re-read whenever the
// file changes, so an operator can refresh an expired session without a
// restart. The file holds the Cookie header's value ("name=value; n2=v2"),
// or lines of name=value; it must be mode 0600.
type cookieFile struct {
	path    string
	mu      sync.Mutex
	mod     time.Time
	size    int64
	current string
}

func (c *cookieFile) value() (string, error) {
	fi, err := os.Stat(c.path)
	if err != nil {
		return "", fmt.Errorf("session cookie file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("session cookie file %s has mode %04o: group and others must have no access (chmod 600)", c.path, fi.Mode().Perm())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fi.ModTime().Equal(c.mod) && fi.Size() == c.size {
		return c.current, nil
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return "", fmt.Errorf("session cookie file: %w", err)
	}
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Cookie:"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, "\r\x00") {
			return "", fmt.Errorf("session cookie file %s: control character in line", c.path)
		}
		parts = append(parts, strings.Trim(line, "; "))
	}
	c.current, c.mod, c.size = strings.Join(parts, "; "), fi.ModTime(), fi.Size()
	return c.current, nil
}
