package alerts_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"leakwatch/alerts"
	"leakwatch/internal/slackserver"
	"leakwatch/store"
)

func condition(t *testing.T, db *store.DB, id string) store.Condition {
	t.Helper()
	conds, err := db.Conditions()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conds {
		if c.ID == id {
			return c
		}
	}
	return store.Condition{}
}

// TestRateLimitStormIsShown: a 429 storm was invisible (status "ok", no
// operator alert): it raises the "delivery" condition, naming the rate
// limit, the delivery state says so, and it clears once Slack takes
// messages again.
func TestRateLimitStormIsShown(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	for range 6 {
		srv.Script(slackserver.Response{Status: http.StatusTooManyRequests, RetryAfter: 1})
	}
	db := newOutbox(t, 3)
	opts := fastOpts()
	opts.MaxWait = 10 * time.Millisecond
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	for i := 0; i < 20 && srv.Calls() < 6; i++ {
		_, _ = d.Flush(context.Background())
	}
	c := condition(t, db, "delivery")
	if !c.Active || !strings.Contains(c.Reason, "rate limited") {
		t.Fatalf("delivery condition during a 429 storm: %+v", c)
	}
	st, _ := db.Delivery()
	if st.Trouble != "rate limited" || st.Failures == 0 || st.LastAttempt.IsZero() {
		t.Errorf("delivery state during the storm: %+v", st)
	}
	for range 3 {
		if _, err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if c := condition(t, db, "delivery"); c.Active {
		t.Errorf("delivery condition still active after the storm: %+v", c)
	}
	if st, _ := db.Delivery(); st.Trouble != "" || st.Failures != 0 || st.LastSuccess.IsZero() {
		t.Errorf("delivery state after the storm: %+v", st)
	}
}

// TestSlackThatNeverAnswersIsShown: Slack accepting connections and never
// answering was invisible: while a send waits, the delivery state says
// since when; after the sends time out, the "delivery" condition says
// Slack does not answer, and the alerts stay queued.
func TestSlackThatNeverAnswersIsShown(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	for range 4 {
		srv.Script(slackserver.Response{Hang: 5 * time.Second})
	}
	db := newOutbox(t, 2)
	s := slackSender(t, srv, alerts.SlackOptions{HTTPClient: &http.Client{Timeout: 150 * time.Millisecond}})
	opts := fastOpts()
	opts.MaxWait = 50 * time.Millisecond
	d := alerts.NewDispatcher(db, s, nil, opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 10 && srv.Calls() < 4; i++ {
			_, _ = d.Flush(context.Background())
		}
	}()
	var sawSending bool
	for i := 0; i < 100 && !sawSending; i++ {
		st, _ := db.Delivery()
		sawSending = !st.SendingSince.IsZero()
		time.Sleep(5 * time.Millisecond)
	}
	<-done
	if !sawSending {
		t.Error("the delivery state never said a send was waiting for Slack")
	}
	c := condition(t, db, "delivery")
	if !c.Active || !strings.Contains(c.Reason, "no answer") {
		t.Errorf("delivery condition after sends that got no answer: %+v", c)
	}
	if p, _ := db.Pending(0); len(p) < 2 || len(srv.Messages()) != 0 {
		t.Errorf("%d pending, %d delivered; want the alerts queued", len(p), len(srv.Messages()))
	}
}

// TestFixedTokenResumesWithinAMinute: after invalid_auth, alerts waited
// the whole destination retry (5 minutes) once the token worked again;
// auth.test is asked every ProbeEvery meanwhile, without posting, and
// delivery resumes at the first flush after it accepts.
func TestFixedTokenResumesWithinAMinute(t *testing.T) {
	srv := slackserver.New("xoxb-other")
	defer srv.Close()
	db := newOutbox(t, 2)
	opts := fastOpts()
	opts.DestinationRetry = time.Hour // only the probe can resume it
	opts.ProbeEvery = 20 * time.Millisecond
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	if _, err := d.Flush(context.Background()); !errors.Is(err, alerts.ErrDestination) {
		t.Fatalf("flush with a refused token: %v", err)
	}
	time.Sleep(30 * time.Millisecond)
	if _, err := d.Flush(context.Background()); !errors.Is(err, alerts.ErrDestination) || srv.Calls() != 1 || srv.AuthTests() != 1 {
		t.Fatalf("flush while still refused: %v, %d posts, %d auth.tests; want a probe, no post", err, srv.Calls(), srv.AuthTests())
	}
	srv.SetToken("xoxb-good") // the app is re-enabled
	if _, err := d.Flush(context.Background()); !errors.Is(err, alerts.ErrDestination) {
		t.Errorf("flush within ProbeEvery of the last probe: %v; want no probe yet", err)
	}
	time.Sleep(30 * time.Millisecond)
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 2 || len(srv.Messages()) != 2 {
		t.Fatalf("flush after the fix: %+v, %v", res, err)
	}
	if c := condition(t, db, "slack"); c.Active {
		t.Errorf("slack condition still active: %+v", c)
	}
}

// cutAfter is a sender that stops its process (cancels the flush) after n
// messages, like a crash between sends.
type cutAfter struct {
	alerts.Sender
	n      int
	cancel context.CancelFunc
}

func (c *cutAfter) Send(ctx context.Context, o alerts.Outgoing) (string, error) {
	ref, err := c.Sender.Send(ctx, o)
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return ref, err
}

func (c *cutAfter) Channel(o alerts.Outgoing) string {
	if ch, ok := c.Sender.(interface{ Channel(alerts.Outgoing) string }); ok {
		return ch.Channel(o)
	}
	return ""
}

// TestBurstAndPacingSurviveARestart: a crash loop sent up to 5x the
// messages of a clean run, with 0.36 s gaps, since each start had a fresh
// burst limit and no memory of the last message. The round's count and
// each channel's last message are in the store: 30 alerts over three
// "processes" killed after 4 and 3 messages send what one clean run does
// (burst_limit messages), and no two messages come closer than the pacing.
func TestBurstAndPacingSurviveARestart(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := newOutbox(t, 30)
	opts := fastOpts()
	opts.MinInterval = 100 * time.Millisecond
	opts.BurstLimit = 10
	for _, n := range []int{4, 3} {
		ctx, cancel := context.WithCancel(context.Background())
		d := alerts.NewDispatcher(db, &cutAfter{Sender: botSender(t, srv, "xoxb-good"), n: n, cancel: cancel}, nil, opts)
		if _, err := d.Flush(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("cut flush: %v", err)
		}
		cancel()
	}
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	if _, err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != opts.BurstLimit {
		t.Errorf("%d messages over two crashes, want %d as in a clean run", len(msgs), opts.BurstLimit)
	}
	if !strings.Contains(msgs[len(msgs)-1].Text, "more") {
		t.Errorf("the last message is not the summary: %q", msgs[len(msgs)-1].Text)
	}
	for i := 1; i < len(msgs); i++ {
		if gap := msgs[i].At.Sub(msgs[i-1].At); gap < opts.MinInterval-5*time.Millisecond {
			t.Errorf("messages %d and %d %s apart, under the pacing of %s", i-1, i, gap, opts.MinInterval)
		}
	}
	if c, _ := db.Counts(); c.Pending != 0 || c.Sent != 30 {
		t.Errorf("counts %+v; want all 30 sent", c)
	}
	// The round is over: the next alerts start a fresh one.
	if st, _ := db.Delivery(); st.RoundSent != 0 {
		t.Errorf("round still counts %d after the outbox drained", st.RoundSent)
	}
}
