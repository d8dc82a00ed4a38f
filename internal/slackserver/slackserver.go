package slackserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Response scripts one answer. The zero value is success.
type Response struct {
	Status     int    // HTTP status; 0 means 200
	RetryAfter int    // seconds, sent with a 429
	Error      string // Slack error code for an ok:false answer (HTTP 200)
	// Hang holds the request this long (or until the client gives up)
	// before answering: Slack accepting a connection and not answering.
	// A client still waiting then gets the rest of the answer.
	Hang time.Duration
}

// Message is one message Slack accepted.
type Message struct {
	Via       string // "api" or "webhook"
	Channel   string
	Text      string
	Blocks    json.RawMessage
	TS        string
	ThreadTS  string          // the thread it replies in, if any
	Broadcast bool            // a thread reply also shown in the channel (reply_broadcast)
	Metadata  json.RawMessage // message metadata, as posted
	Edits     int             // times chat.update replaced it
	At        time.Time       // when it arrived
}

// Server is a running fake of Slack's API.
type Server struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	script   []Response
	messages []Message
	calls    int
	reads    int
	auths    int
	seq      int
}

// New starts a server that accepts token for the Web API.
func New(token string) *Server {
	s := &Server{token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/chat.update", s.update)
	mux.HandleFunc("POST /api/conversations.history", s.history)
	mux.HandleFunc("POST /api/conversations.replies", s.history)
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

// SetToken changes the token the Web API accepts (a revoked token
// re-enabled, a token rotated).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// AuthTests counts auth.test calls.
func (s *Server) AuthTests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
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

// next pops the scripted answer; ok reports a plain success. It is
// called with the lock held, and holds it again when it returns; a Hang
// waits without it.
func (s *Server) next(w http.ResponseWriter, req *http.Request) (ok bool) {
	s.calls++
	if len(s.script) == 0 {
		return true
	}
	r := s.script[0]
	s.script = s.script[1:]
	if r.Hang > 0 {
		s.mu.Unlock()
		t := time.NewTimer(r.Hang)
		select {
		case <-t.C:
		case <-req.Context().Done():
		}
		t.Stop()
		s.mu.Lock()
		if req.Context().Err() != nil {
			return false // the client gave up: nothing was taken
		}
	}
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

// call starts a scripted Web API call: the form parsed, the lock held
// (the caller unlocks), the script's answer or a bad token already written
// when ok is false.
func (s *Server) call(w http.ResponseWriter, r *http.Request) (ok bool) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		s.mu.Lock()
		return false
	}
	s.mu.Lock()
	if !s.next(w, r) {
		return false
	}
	if !s.authorized(r) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return false
	}
	return true
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	ok := s.call(w, r)
	defer s.mu.Unlock()
	if !ok {
		return
	}
	ch := r.FormValue("channel")
	if ch == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	s.seq++
	ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq) // Slack's ts: epoch seconds, unique
	s.messages = append(s.messages, Message{Via: "api", Channel: ch, Text: r.FormValue("text"), Blocks: json.RawMessage(r.FormValue("blocks")),
		TS: ts, ThreadTS: r.FormValue("thread_ts"), Broadcast: r.FormValue("reply_broadcast") == "true", Metadata: json.RawMessage(r.FormValue("metadata")), At: time.Now()})
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts})
}

// update is chat.update: it replaces a message's text and blocks.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	ok := s.call(w, r)
	defer s.mu.Unlock()
	if !ok {
		return
	}
	for i := range s.messages {
		m := &s.messages[i]
		if m.Channel == r.FormValue("channel") && m.TS == r.FormValue("ts") {
			m.Text, m.Blocks = r.FormValue("text"), json.RawMessage(r.FormValue("blocks"))
			m.Edits++
			writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS})
			return
		}
	}
	writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
}

// history is conversations.history (a channel's top-level messages) and
// conversations.replies (a thread: its root and replies), newest first,
// with metadata when asked, from oldest on.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if !s.authorized(r) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	thread := r.FormValue("ts")
	var out []map[string]any
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		if m.Via != "api" || m.Channel != r.FormValue("channel") || m.TS < r.FormValue("oldest") {
			continue
		}
		if thread == "" && m.ThreadTS != "" || thread != "" && m.TS != thread && m.ThreadTS != thread {
			continue
		}
		msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "thread_ts": m.ThreadTS}
		if r.FormValue("include_all_metadata") == "1" && len(m.Metadata) > 0 {
			msg["metadata"] = m.Metadata
		}
		out = append(out, msg)
	}
	writeJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

// Reads counts conversations.history and conversations.replies calls.
func (s *Server) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auths++
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
	if !s.next(w, r) {
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
	s.messages = append(s.messages, Message{Via: "webhook", Text: m.Text, Blocks: m.Blocks, At: time.Now()})
	_, _ = io.WriteString(w, "ok")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
