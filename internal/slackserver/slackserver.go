// Package slackserver is a local Slack API server for tests: it speaks
// chat.postMessage, auth.test and incoming webhooks on 127.0.0.1, records
// what it receives, and can be scripted to answer with Slack's failures
// (429 with Retry-After, 5xx, invalid_auth, channel_not_found).
package slackserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Response scripts one answer. The zero value is success.
type Response struct {
	Status     int    // HTTP status; 0 means 200
	RetryAfter int    // seconds, sent with a 429
	Error      string // Slack error code for an ok:false answer (HTTP 200)
}

// Message is one message Slack accepted.
type Message struct {
	Via     string // "api" or "webhook"
	Channel string
	Text    string
	Blocks  json.RawMessage
	TS      string
}

// Server is a running fake of Slack's API.
type Server struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	script   []Response
	messages []Message
	calls    int
	seq      int
}

// New starts a server that accepts token for the Web API.
func New(token string) *Server {
	s := &Server{token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/auth.test", s.authTest)
	mux.HandleFunc("POST /webhook/", s.webhook)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// APIURL is the base to give slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// WebhookURL is an incoming-webhook URL served here.
func (s *Server) WebhookURL() string { return s.srv.URL + "/webhook/T0001/B0001/secretpart" }

// Script queues answers for the next calls; once used up, calls succeed.
func (s *Server) Script(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, rs...)
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls counts every request to a message endpoint, failed ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// next pops the scripted answer; ok reports a plain success.
func (s *Server) next(w http.ResponseWriter) (ok bool) {
	s.calls++
	if len(s.script) == 0 {
		return true
	}
	r := s.script[0]
	s.script = s.script[1:]
	switch {
	case r.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", fmt.Sprint(r.RetryAfter))
		http.Error(w, "rate_limited", r.Status)
	case r.Status != 0 && r.Status != http.StatusOK:
		http.Error(w, "<html>upstream error</html>", r.Status)
	case r.Error != "":
		writeJSON(w, map[string]any{"ok": false, "error": r.Error})
	default:
		return true
	}
	return false
}

func (s *Server) authorized(r *http.Request) bool {
	tok := r.FormValue("token")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	return tok == s.token
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.next(w) {
		return
	}
	if !s.authorized(r) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	ch := r.FormValue("channel")
	if ch == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	s.seq++
	ts := fmt.Sprintf("1700000000.%06d", s.seq)
	s.messages = append(s.messages, Message{Via: "api", Channel: ch, Text: r.FormValue("text"), Blocks: json.RawMessage(r.FormValue("blocks")), TS: ts})
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts})
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !s.authorized(r) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "team": "test", "user": "leakwatch", "team_id": "T0001", "user_id": "U0001"})
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.next(w) {
		return
	}
	if r.URL.Path != "/webhook/T0001/B0001/secretpart" {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	var m struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.messages = append(s.messages, Message{Via: "webhook", Text: m.Text, Blocks: m.Blocks})
	_, _ = io.WriteString(w, "ok")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
