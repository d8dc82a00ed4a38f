package crawler_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leakwatch/crawler"
	"leakwatch/demo"
)

// controlPort is a loopback server speaking the part of Tor's control
// protocol that Preflight uses: AUTHENTICATE with a cookie, then GETINFO
// status/bootstrap-phase.
func controlPort(t *testing.T, cookie []byte, progress int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for range 10 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			line, _ := r.ReadString('\n')
			if strings.TrimSpace(line) != "AUTHENTICATE "+hex.EncodeToString(cookie) {
				fmt.Fprint(c, "515 Authentication failed: Wrong length on authentication cookie.\r\n")
				c.Close()
				continue
			}
			fmt.Fprint(c, "250 OK\r\n")
			if line, _ = r.ReadString('\n'); strings.HasPrefix(line, "GETINFO status/bootstrap-phase") {
				fmt.Fprintf(c, "250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=%d TAG=x SUMMARY=\"Loading relay descriptors\"\r\n250 OK\r\n", progress)
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestPreflight(t *testing.T) {
	p, err := demo.StartProxy(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	web := httptest.NewServer(nil)
	defer web.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	cookie := []byte("0123456789abcdef0123456789abcdef")
	cookieFile := filepath.Join(t.TempDir(), "control_auth_cookie")
	if err := os.WriteFile(cookieFile, cookie, 0o600); err != nil {
		t.Fatal(err)
	}
	ready := controlPort(t, cookie, 100)
	booting := controlPort(t, cookie, 45)

	cases := []struct {
		name string
		o    crawler.PreflightOptions
		want error
	}{
		{"socks proxy up", crawler.PreflightOptions{Proxy: p.Addr()}, nil},
		{"nothing listening", crawler.PreflightOptions{Proxy: closedAddr}, crawler.ErrProxyDown},
		{"not a socks server", crawler.PreflightOptions{Proxy: web.Listener.Addr().String(), Timeout: 300 * time.Millisecond}, crawler.ErrProxyDown},
		{"tor bootstrapped", crawler.PreflightOptions{Proxy: p.Addr(), Control: ready, ControlCookie: cookieFile}, nil},
		{"tor bootstrapping", crawler.PreflightOptions{Proxy: p.Addr(), Control: booting, ControlCookie: cookieFile}, crawler.ErrTorNotReady},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := crawler.Preflight(context.Background(), c.o)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Preflight = %+v, %v; want %v", st, err, c.want)
			}
			if c.name == "tor bootstrapping" && (st.Bootstrap != 45 || !strings.Contains(err.Error(), "45%")) {
				t.Errorf("status %+v, error %v; want 45%%", st, err)
			}
		})
	}
	// A wrong cookie is an error that says so, not "ready".
	bad := filepath.Join(t.TempDir(), "bad")
	_ = os.WriteFile(bad, []byte("nope"), 0o600)
	if _, err := crawler.Preflight(context.Background(), crawler.PreflightOptions{Proxy: p.Addr(), Control: ready, ControlCookie: bad}); err == nil || !strings.Contains(err.Error(), "authentication refused") {
		t.Errorf("wrong cookie: %v", err)
	}
}
