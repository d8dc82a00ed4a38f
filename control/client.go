package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// Client is Service over the daemon's control socket.
type Client struct {
	path string
	http *http.Client
}

var _ Service = (*Client)(nil)

// ErrNoDaemon is returned by Dial when nothing answers on the socket.
var ErrNoDaemon = errors.New("no daemon answers on the control socket")

// Dial connects to the daemon's control socket at path and checks that it
// answers. An error wrapping ErrNoDaemon means no daemon runs there (the
// socket file is missing, or stale); one wrapping ErrUntrusted, that the
// socket is not the daemon's. The socket must belong to, and be served
// by, root, the caller, one of owners (the daemon's user) or the owner of
// a folder only root could have made (see trustFor).
func Dial(ctx context.Context, path string, owners ...uint32) (*Client, error) {
	t := trustFor(path, owners)
	if err := t.checkSocket(path); err != nil {
		return nil, err
	}
	c := &Client{path: path, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return t.dial(ctx, path)
		},
		DisableCompression: true,
	}}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := t.dial(ctx, path)
	if errors.Is(err, ErrUntrusted) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoDaemon, path, err)
	}
	conn.Close()
	return c, nil
}

// Path is the socket's path.
func (c *Client) Path() string { return c.path }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://watcher"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", c.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e errorBody
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e); err != nil || e.Error == "" {
			return nil, fmt.Errorf("control socket %s: %s", c.path, resp.Status)
		}
		if e.NotFound {
			return nil, notFoundError(e.Error)
		}
		return nil, errors.New(e.Error)
	}
	return resp, nil
}

func (c *Client) get(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("control socket %s: %s: %w", c.path, path, err)
	}
	return nil
}

// Status asks the daemon.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.get(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Hits asks the daemon.
func (c *Client) Hits(ctx context.Context, f store.HitFilter) ([]leak.Hit, error) {
	q := url.Values{}
	if f.Severity != leak.SeverityNone {
		q.Set("severity", f.Severity.String())
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if f.Source != "" {
		q.Set("source", f.Source)
	}
	if f.Unacked {
		q.Set("unacked", "true")
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var hs []leak.Hit
	err := c.get(ctx, http.MethodGet, "/v1/hits?"+q.Encode(), nil, &hs)
	if len(hs) == 0 {
		hs = nil
	}
	return hs, err
}

// Hit asks the daemon.
func (c *Client) Hit(ctx context.Context, id uint64) (leak.Hit, error) {
	var h leak.Hit
	err := c.get(ctx, http.MethodGet, "/v1/hits/"+strconv.FormatUint(id, 10), nil, &h)
	return h, err
}

// Ack asks the daemon, which names the acknowledging user from the
// socket's peer credentials (who is not sent).
func (c *Client) Ack(ctx context.Context, id uint64, _ string, note string) (leak.Hit, error) {
	var h leak.Hit
	err := c.get(ctx, http.MethodPost, "/v1/hits/"+strconv.FormatUint(id, 10)+"/ack", map[string]string{"note": note}, &h)
	return h, err
}

// Rescan asks the daemon and relays its progress.
func (c *Client) Rescan(ctx context.Context, r RescanRequest, progress func(Progress)) (pipeline.RescanSummary, error) {
	resp, err := c.do(ctx, http.MethodPost, "/v1/rescan", r)
	if err != nil {
		return pipeline.RescanSummary{}, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line streamLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return pipeline.RescanSummary{}, fmt.Errorf("control socket %s: rescan: %w", c.path, err)
		}
		switch {
		case line.Progress != nil:
			if progress != nil {
				progress(*line.Progress)
			}
		case line.Summary != nil:
			err = nil
			if line.Busy {
				err = ErrBusy
			} else if line.Error != "" {
				err = errors.New(line.Error)
			}
			return *line.Summary, err
		}
	}
	if err := sc.Err(); err != nil {
		return pipeline.RescanSummary{}, fmt.Errorf("control socket %s: rescan: %w", c.path, err)
	}
	return pipeline.RescanSummary{}, fmt.Errorf("control socket %s: rescan: the daemon closed the stream without a summary (did it stop?)", c.path)
}

// Backup streams the daemon's hot copy to w and checks it arrived whole.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/backup", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("control socket %s: backup: %w", c.path, err)
	}
	if e := resp.Trailer.Get("Backup-Error"); e != "" {
		return n, fmt.Errorf("backup failed in the daemon: %s", e)
	}
	if want := resp.Trailer.Get("Backup-Bytes"); want != strconv.FormatInt(n, 10) {
		return n, fmt.Errorf("backup: received %d bytes, the daemon sent %q", n, want)
	}
	return n, nil
}

// notFoundError is the daemon's "not found", as store.ErrNotFound.
type notFoundError string

func (e notFoundError) Error() string        { return string(e) }
func (e notFoundError) Is(target error) bool { return target == store.ErrNotFound }

// Onions asks the daemon.
func (c *Client) Onions(ctx context.Context) ([]store.Onion, error) {
	var os []store.Onion
	err := c.get(ctx, http.MethodGet, "/v1/onions", nil, &os)
	return os, err
}

// Canaries asks the daemon.
func (c *Client) Canaries(ctx context.Context) ([]leak.Canary, error) {
	var cs []leak.Canary
	err := c.get(ctx, http.MethodGet, "/v1/canaries", nil, &cs)
	if len(cs) == 0 {
		cs = nil
	}
	return cs, err
}

// PutCanaries hands canary digests to the daemon, which stores them and
// starts matching them.
func (c *Client) PutCanaries(ctx context.Context, cs []leak.Canary) error {
	var out map[string]int
	return c.get(ctx, http.MethodPost, "/v1/canaries", cs, &out)
}

// ReloadMatchers asks the daemon to load its matchers again.
func (c *Client) ReloadMatchers(ctx context.Context) error {
	var out map[string]bool
	return c.get(ctx, http.MethodPost, "/v1/reload-matchers", struct{}{}, &out)
}

// TestAlert asks the daemon to send a test alert through its outbox.
func (c *Client) TestAlert(ctx context.Context, sev leak.Severity) (leak.Alert, error) {
	var r testAlertReply
	if err := c.get(ctx, http.MethodPost, "/v1/test-alert", map[string]leak.Severity{"severity": sev}, &r); err != nil {
		return r.Alert, err
	}
	if r.Error != "" {
		return r.Alert, errors.New(r.Error)
	}
	return r.Alert, nil
}
