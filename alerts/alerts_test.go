package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/alerts"
	"leakwatch/internal/slackserver"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

// newOutbox returns a real store holding n pending alerts.
func newOutbox(t *testing.T, n int) *store.DB {
	t.Helper()
	db := storetest.Open(t, store.Options{})
	for i := range n {
		text := fmt.Sprintf("post %d", i)
		p := leak.Post{Source: "forum", Key: fmt.Sprintf("/t/%d", i), URL: fmt.Sprintf("http://example.onion/t/%d", i), Title: "t", Text: text, Hash: leak.ContentHash(text)}
		ev := leak.Evidence{Severity: leak.SeverityCritical, Headline: fmt.Sprintf("Sale claim %d", i),
			Sample: &leak.Sample{Rows: 50, RealRows: 37, Customers: 37, Datasets: []string{"crm"}}}
		if _, err := storetest.Record(db, p, "v1", ev, true); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func fastOpts() alerts.DispatcherOptions {
	return alerts.DispatcherOptions{BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxWait: 5 * time.Second}
}

// botSender is the one way these tests reach the local Slack: a bot
// token sender at srv posting to #leaks.
func botSender(t *testing.T, srv *slackserver.Server, token string) alerts.Sender {
	t.Helper()
	return slackSender(t, srv, alerts.SlackOptions{BotToken: token})
}

// slackSender is a sender at srv with o's settings; the bot token
// "xoxb-good" and channel #leaks unless o says otherwise.
func slackSender(t *testing.T, srv *slackserver.Server, o alerts.SlackOptions) alerts.Sender {
	t.Helper()
	o.APIURL = srv.APIURL()
	if o.BotToken == "" && o.WebhookURL == "" {
		o.BotToken = "xoxb-good"
	}
	if o.Channel == "" && o.WebhookURL == "" {
		o.Channel = "#leaks"
	}
	s, err := alerts.NewSlack(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDispatcherDeliversInOrderAndMarksSent(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := newOutbox(t, 3)
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, fastOpts())
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 3 {
		t.Fatalf("Flush = %+v, %v; want 3 sent", res, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("slack got %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if !strings.Contains(m.Text, fmt.Sprintf("Sale claim %d", i)) || m.Channel != "#leaks" {
			t.Errorf("message %d = %q to %q, want Sale claim %d to #leaks", i, m.Text, m.Channel, i)
		}
		var blocks []map[string]any
		if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) < 3 {
			t.Errorf("message %d blocks %s: %v", i, m.Blocks, err)
		}
	}
	pending, _ := db.Pending(0)
	if len(pending) != 0 {
		t.Errorf("%d alerts still pending after delivery", len(pending))
	}
	// A second flush sends nothing: sent alerts are never sent again.
	if res, err := d.Flush(context.Background()); err != nil || res.Sent != 0 || len(srv.Messages()) != 3 {
		t.Errorf("second Flush = %+v, %v, %d messages; want nothing sent", res, err, len(srv.Messages()))
	}
}

func TestDispatcherHonoursRetryAfter(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	srv.Script(slackserver.Response{Status: 429, RetryAfter: 1})
	db := newOutbox(t, 1)
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, fastOpts())
	start := time.Now()
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 1 {
		t.Fatalf("Flush = %+v, %v; want 1 sent", res, err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before Slack's Retry-After of 1s", waited)
	}
	if srv.Calls() != 2 || len(srv.Messages()) != 1 {
		t.Errorf("calls %d, messages %d; want 2 calls, 1 message", srv.Calls(), len(srv.Messages()))
	}
}

func TestDispatcherRetries5xxThenSucceeds(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	srv.Script(slackserver.Response{Status: 500}, slackserver.Response{Status: 503})
	db := newOutbox(t, 2)
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, fastOpts())
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 2 {
		t.Fatalf("Flush = %+v, %v; want 2 sent", res, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Sale claim 0") {
		t.Errorf("messages %+v; want both, oldest first", msgs)
	}
	a, _ := db.Alert(1)
	if a.Attempts != 3 || a.State != leak.AlertSent {
		t.Errorf("alert 1: attempts %d state %s; want 3 attempts, sent", a.Attempts, a.State)
	}
}

func TestDispatcherOutageKeepsAlertsQueued(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	for range 20 {
		srv.Script(slackserver.Response{Status: 502})
	}
	db := newOutbox(t, 2)
	opts := fastOpts()
	opts.MaxWait = 30 * time.Millisecond
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	res, err := d.Flush(context.Background())
	if !errors.Is(err, alerts.ErrGaveUp) || res.Sent != 0 || res.Left != 2 {
		t.Fatalf("Flush during outage = %+v, %v; want ErrGaveUp with 2 left", res, err)
	}
	// The alerts wait; an operator alert says delivery is degraded.
	p, _ := db.Pending(0)
	if len(p) != 3 || p[2].Kind != leak.AlertOperator || p[2].Operator.Condition != "delivery" {
		t.Fatalf("%d pending after outage, want the 2 alerts and a delivery operator alert", len(p))
	}
	// Slack comes back: drain the script and flush again.
	for i := 0; i < 100 && srv.Calls() < 20; i++ {
		_, _ = d.Flush(context.Background())
	}
	_, _ = d.Flush(context.Background())
	res, err = d.Flush(context.Background()) // the "recovered" alert queued by the one before
	var texts []string
	for _, m := range srv.Messages() {
		texts = append(texts, m.Text)
	}
	joined := strings.Join(texts, "\n")
	if err != nil || strings.Count(joined, "Sale claim") != 2 || strings.Count(joined, "Slack delivery is degraded") != 1 || strings.Count(joined, "Slack delivery has recovered") != 1 {
		t.Fatalf("after recovery Flush = %+v, %v; messages:\n%s", res, err, joined)
	}
}

// TestDestinationErrorKeepsAlertsQueued: a revoked token is reported
// (error, the "slack" condition) and every alert stays queued; Slack is not
// hammered meanwhile; once the token is fixed everything goes, in order.
func TestDestinationErrorKeepsAlertsQueued(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := newOutbox(t, 3)
	opts := fastOpts()
	opts.DestinationRetry = time.Hour
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-revoked"), nil, opts)
	res, err := d.Flush(context.Background())
	if !errors.Is(err, alerts.ErrDestination) || res.Sent != 0 || res.Left != 3 || res.Failed != 0 {
		t.Fatalf("Flush = %+v, %v; want ErrDestination with 3 left", res, err)
	}
	if _, err := d.Flush(context.Background()); !errors.Is(err, alerts.ErrDestination) || srv.Calls() != 1 {
		t.Errorf("second flush within the retry delay: %v, %d calls; want no new call", err, srv.Calls())
	}
	if p, _ := db.Pending(0); len(p) != 3 || !strings.Contains(p[0].LastError, "invalid_auth") {
		t.Fatalf("pending after invalid_auth: %d, last error %q", len(p), p[0].LastError)
	}
	conds, _ := db.Conditions()
	if len(conds) != 1 || conds[0].ID != "slack" || !conds[0].Active || !strings.Contains(conds[0].Reason, "invalid_auth") {
		t.Errorf("conditions %+v; want slack active with invalid_auth", conds)
	}
	// The operator fixes the token (a restart builds a new dispatcher).
	d = alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	res, err = d.Flush(context.Background())
	if err != nil || res.Sent != 3 || len(srv.Messages()) != 3 {
		t.Fatalf("after the fix: %+v, %v, %d messages", res, err, len(srv.Messages()))
	}
	if conds, _ := db.Conditions(); conds[0].Active {
		t.Errorf("slack condition still active after delivery")
	}
}

// TestMessageErrorFailsOnlyThatMessage: Slack refusing one message for
// good (malformed) fails that alert; the others go.
func TestMessageErrorFailsOnlyThatMessage(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	srv.Script(slackserver.Response{Error: "invalid_blocks"})
	db := newOutbox(t, 2)
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, fastOpts())
	res, err := d.Flush(context.Background())
	if err != nil || res.Failed != 1 || res.Sent != 1 {
		t.Fatalf("Flush = %+v, %v; want 1 failed, 1 sent", res, err)
	}
	a, _ := db.Alert(1)
	if a.State != leak.AlertFailed || !strings.Contains(a.LastError, "invalid_blocks") {
		t.Errorf("alert 1: %s %q", a.State, a.LastError)
	}
}

func TestWebhookSender(t *testing.T) {
	srv := slackserver.New("unused")
	defer srv.Close()
	s, err := alerts.NewSlack(alerts.SlackOptions{WebhookURL: srv.WebhookURL()})
	if err != nil {
		t.Fatal(err)
	}
	db := newOutbox(t, 1)
	res, err := alerts.NewDispatcher(db, s, nil, fastOpts()).Flush(context.Background())
	if err != nil || res.Sent != 1 {
		t.Fatalf("Flush = %+v, %v", res, err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Via != "webhook" || len(m[0].Blocks) == 0 {
		t.Fatalf("webhook messages %+v", m)
	}

	// A webhook that no longer exists (404) is permanent, and its secret
	// URL is not in the error.
	bad, _ := alerts.NewSlack(alerts.SlackOptions{WebhookURL: srv.WebhookURL() + "-gone"})
	_, err = bad.Send(context.Background(), alerts.Outgoing{Kind: alerts.MessageAlert, Alert: leak.Alert{ID: 9}})
	if err == nil || !alerts.DestinationError(err) {
		t.Fatalf("Send to a dead webhook = %v; want a destination error", err)
	}
	if strings.Contains(err.Error(), "secretpart") {
		t.Errorf("error leaks the webhook URL: %v", err)
	}
}

func TestErrorClassesAndRetryAfter(t *testing.T) {
	cases := []struct {
		err                  error
		destination, message bool // neither: retried
	}{
		{slack.SlackErrorResponse{Err: "invalid_auth"}, true, false},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, true, false},
		{slack.SlackErrorResponse{Err: "invalid_blocks"}, false, true},
		{slack.SlackErrorResponse{Err: "msg_too_long"}, false, true},
		{slack.SlackErrorResponse{Err: "internal_error"}, false, false},
		{slack.StatusCodeError{Code: 500}, false, false},
		{slack.StatusCodeError{Code: 404}, true, false},
		{slack.StatusCodeError{Code: 400}, false, true},
		{&slack.RateLimitedError{RetryAfter: time.Second}, false, false},
		{errors.New("connection refused"), false, false},
	}
	for _, c := range cases {
		err := fmt.Errorf("wrapped: %w", c.err)
		if d, m := alerts.DestinationError(err), alerts.MessageError(err); d != c.destination || m != c.message {
			t.Errorf("%v: destination %v message %v, want %v %v", c.err, d, m, c.destination, c.message)
		}
	}
	if d, ok := alerts.RetryAfter(fmt.Errorf("x: %w", &slack.RateLimitedError{RetryAfter: 7 * time.Second})); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 7s", d, ok)
	}
}
