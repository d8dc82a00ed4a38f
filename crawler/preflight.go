package crawler

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrProxyDown is returned by Preflight when the SOCKS5 proxy does not
// answer as a SOCKS5 server.
var ErrProxyDown = errors.New("socks proxy not answering")

// ErrTorNotReady is returned by Preflight when Tor's control port says Tor
// has not finished bootstrapping.
var ErrTorNotReady = errors.New("tor not bootstrapped")

// PreflightOptions say what to check before a crawl cycle.
type PreflightOptions struct {
	Proxy string // SOCKS5 host:port, required
	// Control is Tor's ControlPort (host:port), optional; ControlCookie is
	// its CookieAuthFile, empty for a control port without authentication.
	Control, ControlCookie string
	Timeout                time.Duration // per check; default 5 s
}

// Status is what Preflight found.
type Status struct {
	ProxyOK   bool
	Bootstrap int    // Tor's bootstrap progress in percent; -1 when not asked
	Summary   string // Tor's own words, e.g. "Done" or "Connecting to a relay"
}

// Preflight checks, before a crawl cycle, that the SOCKS5 proxy answers the
// SOCKS5 greeting and, when a control port is configured, that Tor has
// bootstrapped to 100%. It sends nothing anywhere but to these two local
// ports. A nil error means crawling may go ahead.
func Preflight(ctx context.Context, o PreflightOptions) (Status, error) {
	st := Status{Bootstrap: -1}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if err := socksGreeting(ctx, o.Proxy, o.Timeout); err != nil {
		return st, fmt.Errorf("%w at %s: %v", ErrProxyDown, o.Proxy, err)
	}
	st.ProxyOK = true
	if o.Control == "" {
		return st, nil
	}
	progress, summary, err := torBootstrap(ctx, o.Control, o.ControlCookie, o.Timeout)
	if err != nil {
		return st, fmt.Errorf("tor control port %s: %w", o.Control, err)
	}
	st.Bootstrap, st.Summary = progress, summary
	if progress < 100 {
		return st, fmt.Errorf("%w: %d%% (%s)", ErrTorNotReady, progress, summary)
	}
	return st, nil
}

// socksGreeting opens a connection and offers SOCKS5 "no auth" and
// "username/password"; a SOCKS5 server answers 0x05 and a method.
func socksGreeting(ctx context.Context, addr string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte{5, 2, 0, 2}); err != nil {
		return err
	}
	var reply [2]byte
	if _, err := io.ReadFull(conn, reply[:]); err != nil {
		return fmt.Errorf("no SOCKS5 reply: %w", err)
	}
	if reply[0] != 5 || reply[1] == 0xff {
		return fmt.Errorf("not a usable SOCKS5 server (reply %x)", reply)
	}
	return nil
}

var bootstrapRe = regexp.MustCompile(`PROGRESS=(\d+)(?:.*SUMMARY="([^"]*)")?`)

// torBootstrap asks Tor's control port for status/bootstrap-phase.
func torBootstrap(ctx context.Context, addr, cookiePath string, timeout time.Duration) (int, string, error) {
	auth := "AUTHENTICATE\r\n"
	if cookiePath != "" {
		cookie, err := os.ReadFile(cookiePath)
		if err != nil {
			return 0, "", fmt.Errorf("read control cookie: %w", err)
		}
		auth = "AUTHENTICATE " + hex.EncodeToString(cookie) + "\r\n"
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, auth); err != nil {
		return 0, "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, "", err
	}
	if !strings.HasPrefix(line, "250") {
		return 0, "", fmt.Errorf("authentication refused: %s", strings.TrimSpace(line))
	}
	if _, err := io.WriteString(conn, "GETINFO status/bootstrap-phase\r\nQUIT\r\n"); err != nil {
		return 0, "", err
	}
	for i := 0; i < 10; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, "", fmt.Errorf("no bootstrap status: %w", err)
		}
		if m := bootstrapRe.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n, m[2], nil
		}
		if strings.HasPrefix(line, "5") {
			return 0, "", fmt.Errorf("GETINFO refused: %s", strings.TrimSpace(line))
		}
	}
	return 0, "", errors.New("no bootstrap status in the reply")
}
