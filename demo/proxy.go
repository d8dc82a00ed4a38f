package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"

	socks5 "github.com/armon/go-socks5"
)

// ProxyRequest is one CONNECT the proxy carried.
type ProxyRequest struct {
	User      string // SOCKS username, "" without auth
	Host      string // the name the client asked for (never resolved by the client)
	Port      int
	LocalAddr string // the proxy's side of its connection to the backend
}

// Proxy is a SOCKS5 server on 127.0.0.1 that maps host:port names to
// loopback backends and refuses everything else, as Tor refuses what it
// cannot reach. It records every connection it carries.
type Proxy struct {
	ln     net.Listener
	routes map[string]string // lower-case "host:port" -> backend "127.0.0.1:n"
	mu     sync.Mutex
	log    []ProxyRequest
	done   chan struct{}
}

// StartProxy starts a proxy serving routes ("name:port" -> backend address).
// It asks every client for a username and password and accepts any, as Tor
// does with IsolateSOCKSAuth; it offers no unauthenticated method, because
// the SOCKS server picks the first method the client lists and clients list
// "no auth" first, which would hide the username. leakwatch always sends
// one (a per-source username is its stream isolation).
func StartProxy(routes map[string]string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo proxy: %w", err)
	}
	p := &Proxy{ln: ln, routes: map[string]string{}, done: make(chan struct{})}
	for k, v := range routes {
		p.routes[strings.ToLower(k)] = v
	}
	srv, err := socks5.New(&socks5.Config{
		AuthMethods: []socks5.Authenticator{socks5.UserPassAuthenticator{Credentials: anyCreds{}}},
		Resolver:    p,
		Rewriter:    p,
		Rules:       p,
		Dial:        p.dial,
		Logger:      log.New(io.Discard, "", 0),
	})
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("demo proxy: %w", err)
	}
	go func() {
		defer close(p.done)
		_ = srv.Serve(ln)
	}()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting connections.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	<-p.done
	return err
}

// Requests returns a copy of every connection carried so far.
func (p *Proxy) Requests() []ProxyRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ProxyRequest(nil), p.log...)
}

type ctxKey struct{}

// Resolve answers only for routed names; the address is a placeholder, the
// Rewriter picks the real backend.
func (p *Proxy) Resolve(ctx context.Context, name string) (context.Context, net.IP, error) {
	for k := range p.routes {
		if h, _, _ := net.SplitHostPort(k); strings.EqualFold(h, name) {
			return ctx, net.IPv4(127, 0, 0, 1), nil
		}
	}
	return ctx, nil, fmt.Errorf("no route to %s", name)
}

// Rewrite sends a routed name:port to its backend.
func (p *Proxy) Rewrite(ctx context.Context, req *socks5.Request) (context.Context, *socks5.AddrSpec) {
	name := req.DestAddr.FQDN
	if name == "" {
		name = req.DestAddr.IP.String()
	}
	key := strings.ToLower(net.JoinHostPort(name, strconv.Itoa(req.DestAddr.Port)))
	backend, ok := p.routes[key]
	if !ok {
		return ctx, req.DestAddr
	}
	host, port, _ := net.SplitHostPort(backend)
	n, _ := strconv.Atoi(port)
	user := ""
	if req.AuthContext != nil {
		user = req.AuthContext.Payload["Username"]
	}
	ctx = context.WithValue(ctx, ctxKey{}, ProxyRequest{User: user, Host: name, Port: req.DestAddr.Port})
	return ctx, &socks5.AddrSpec{IP: net.ParseIP(host), Port: n}
}

// Allow permits CONNECT to routed names only.
func (p *Proxy) Allow(ctx context.Context, req *socks5.Request) (context.Context, bool) {
	_, routed := ctx.Value(ctxKey{}).(ProxyRequest)
	return ctx, routed && req.Command == socks5.ConnectCommand
}

func (p *Proxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r, ok := ctx.Value(ctxKey{}).(ProxyRequest)
	if !ok {
		return nil, errors.New("unrouted")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	r.LocalAddr = conn.LocalAddr().String()
	p.mu.Lock()
	p.log = append(p.log, r)
	p.mu.Unlock()
	return conn, nil
}

type anyCreds struct{}

func (anyCreds) Valid(string, string) bool { return true }
