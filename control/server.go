package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"leakwatch/leak"
	"leakwatch/pipeline"
	"leakwatch/store"
)

// Listen opens the control socket at path with the given file mode (0600,
// or 0660 to let the socket's group in), in a folder no other user can
// write (SafeDir). A socket file left by a daemon
// that died is replaced; one that answers means another daemon runs, and
// Listen refuses.
func Listen(path string, mode os.FileMode) (net.Listener, error) {
	if mode&0o007 != 0 {
		return nil, fmt.Errorf("control socket %s: mode %04o lets every user in; use 0600 or 0660", path, mode)
	}
	if err := SafeDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("control socket %s answers: another watcher daemon is running", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("control socket %s: remove stale socket: %w", path, err)
		}
	}
	// Created with no access for anyone, then opened up to mode: never a
	// moment when other users could connect.
	old := unix.Umask(0o777)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return ln, nil
}

type peerKey struct{}

// peer is who is on the other end of a control connection.
type peer struct {
	uid, gid uint32
	pid      int32
}

func (p peer) String() string { return userName(p.uid) }

func peerOf(c net.Conn) (peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return peer{}, errors.New("not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return peer{}, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return peer{}, err
	}
	if cerr != nil {
		return peer{}, cerr
	}
	return peer{uid: cred.Uid, gid: cred.Gid, pid: cred.Pid}, nil
}

// Server serves a Service on a control socket.
type Server struct {
	Service Service
	Log     *slog.Logger
}

// Serve answers requests on ln until ctx ends; then it stops taking
// requests and waits (up to 5 s) for running ones, cancelling them.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reqCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs := &http.Server{
		Handler:           s.routes(log),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p, err := peerOf(c)
			if err != nil {
				log.Warn("control connection without credentials", "error", err.Error())
				p = peer{uid: ^uint32(0)}
			}
			return context.WithValue(ctx, peerKey{}, p)
		},
	}
	hs.Handler = s.authorize(hs.Handler, log)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	cancel() // a long rescan or backup stops at its next batch
	err := hs.Shutdown(sctx)
	<-done
	return err
}

// authorize logs who uses the socket. Access itself is the kernel's: the
// socket's file mode (0600 or 0660) and its directory decide who may
// connect. Peer uids are not compared here, because under systemd's
// PrivateUsers= an administrator's root shows up as the overflow uid.
func (s *Server) authorize(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := r.Context().Value(peerKey{}).(peer)
		log.Debug("control request", "peer", p.String(), "method", r.Method, "path", r.URL.Path)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) routes(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	svc := s.Service
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		st, err := svc.Status(r.Context())
		reply(w, st, err)
	})
	mux.HandleFunc("GET /v1/hits", func(w http.ResponseWriter, r *http.Request) {
		f, err := hitFilter(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		hs, err := svc.Hits(r.Context(), f)
		if hs == nil {
			hs = []leak.Hit{}
		}
		reply(w, hs, err)
	})
	mux.HandleFunc("GET /v1/hits/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("hit id %q: not a number", r.PathValue("id")))
			return
		}
		h, err := svc.Hit(r.Context(), id)
		reply(w, h, err)
	})
	mux.HandleFunc("POST /v1/hits/{id}/ack", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("hit id %q: not a number", r.PathValue("id")))
			return
		}
		var body struct {
			Note string `json:"note"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("ack body: %w", err))
			return
		}
		p, _ := r.Context().Value(peerKey{}).(peer)
		h, err := svc.Ack(r.Context(), id, p.String(), body.Note)
		if err == nil {
			log.Info("hit acknowledged", "hit_id", id, "by", p.String())
		}
		reply(w, h, err)
	})
	mux.HandleFunc("POST /v1/rescan", func(w http.ResponseWriter, r *http.Request) {
		var req RescanRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("rescan body: %w", err))
			return
		}
		p, _ := r.Context().Value(peerKey{}).(peer)
		log.Info("rescan requested", "by", p.String(), "source", req.Source, "dataset", req.Dataset, "dry_run", req.DryRun)
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		flusher, _ := w.(http.Flusher)
		sum, err := svc.Rescan(r.Context(), req, func(p Progress) {
			_ = enc.Encode(streamLine{Progress: &p})
			if flusher != nil {
				flusher.Flush()
			}
		})
		line := streamLine{Summary: &sum}
		if err != nil {
			line.Error, line.Busy = err.Error(), errors.Is(err, ErrBusy)
		}
		_ = enc.Encode(line)
		log.Info("rescan finished", "scanned", sum.Scanned, "new_hits", sum.NewHits, "alerts", sum.Alerts, "took", sum.Took.String())
	})
	mux.HandleFunc("GET /v1/onions", func(w http.ResponseWriter, r *http.Request) {
		os, err := svc.Onions(r.Context())
		if os == nil {
			os = []store.Onion{}
		}
		reply(w, os, err)
	})
	mux.HandleFunc("GET /v1/canaries", func(w http.ResponseWriter, r *http.Request) {
		cs, err := svc.Canaries(r.Context())
		if cs == nil {
			cs = []leak.Canary{}
		}
		reply(w, cs, err)
	})
	mux.HandleFunc("POST /v1/canaries", func(w http.ResponseWriter, r *http.Request) {
		var cs []leak.Canary
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&cs); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("canaries body: %w", err))
			return
		}
		err := svc.PutCanaries(r.Context(), cs)
		if err == nil {
			p, _ := r.Context().Value(peerKey{}).(peer)
			log.Info("canaries added", "count", len(cs), "by", p.String())
		}
		reply(w, map[string]int{"stored": len(cs)}, err)
	})
	mux.HandleFunc("POST /v1/reload-matchers", func(w http.ResponseWriter, r *http.Request) {
		err := svc.ReloadMatchers(r.Context())
		if err == nil {
			p, _ := r.Context().Value(peerKey{}).(peer)
			log.Info("matchers reloaded", "by", p.String())
		}
		reply(w, map[string]bool{"reloaded": err == nil}, err)
	})
	mux.HandleFunc("POST /v1/test-alert", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Severity leak.Severity `json:"severity"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("test-alert body: %w", err))
			return
		}
		a, err := svc.TestAlert(r.Context(), body.Severity)
		if err != nil {
			// The alert is queued: report it and why it did not go.
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(testAlertReply{Alert: a, Error: err.Error()})
			return
		}
		reply(w, testAlertReply{Alert: a}, nil)
	})
	mux.HandleFunc("GET /v1/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Backup-Bytes, Backup-Error")
		w.Header().Set("Content-Type", "application/octet-stream")
		n, err := svc.Backup(r.Context(), w)
		w.Header().Set("Backup-Bytes", strconv.FormatInt(n, 10))
		if err != nil {
			w.Header().Set("Backup-Error", err.Error())
			log.Warn("backup through the control socket failed", "error", err.Error())
		}
	})
	return mux
}

// streamLine is one line of a rescan's response.
type streamLine struct {
	Progress *Progress               `json:"progress,omitempty"`
	Summary  *pipeline.RescanSummary `json:"summary,omitempty"`
	Error    string                  `json:"error,omitempty"`
	Busy     bool                    `json:"busy,omitempty"`
}

func hitFilter(r *http.Request) (store.HitFilter, error) {
	q := r.URL.Query()
	var f store.HitFilter
	var err error
	if v := q.Get("severity"); v != "" {
		if f.Severity, err = leak.ParseSeverity(v); err != nil {
			return f, err
		}
	}
	if v := q.Get("since"); v != "" {
		if f.Since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return f, fmt.Errorf("since %q: %w", v, err)
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil {
			return f, fmt.Errorf("limit %q: not a number", v)
		}
	}
	f.Source = q.Get("source")
	f.Unacked = q.Get("unacked") == "true"
	return f, nil
}

// testAlertReply is the test alert as it stands, and why it was not
// delivered, if it was not.
type testAlertReply struct {
	Alert leak.Alert `json:"alert"`
	Error string     `json:"error,omitempty"`
}

// errorBody is a failed request's answer.
type errorBody struct {
	Error    string `json:"error"`
	NotFound bool   `json:"not_found,omitempty"`
}

func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			code = http.StatusNotFound
		}
		writeError(w, code, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorBody{Error: err.Error(), NotFound: code == http.StatusNotFound})
}
