package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"leakwatch/alerts"
	"leakwatch/internal/slackserver"
	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Open(t, store.Options{})
	return db
}

func record(t *testing.T, db *store.DB, source, key, text string, ev leak.Evidence) store.Recorded {
	t.Helper()
	p := leak.Post{Source: source, Key: key, URL: "http://forumxyz.onion" + key, Title: "thread " + key, Text: text, Hash: leak.ContentHash(text)}
	r, err := storetest.Record(db, p, "v", ev, true)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ev(sev leak.Severity, headline string) leak.Evidence {
	return leak.Evidence{Severity: sev, Headline: headline}
}

// crashAfterPost is an outbox whose first MarkSent fails: the process
// "dies" after Slack took the message and before the store knew.
type crashAfterPost struct {
	*store.DB
	crashed bool
}

func (c *crashAfterPost) MarkSent(ref string, ids ...uint64) error {
	if !c.crashed {
		c.crashed = true
		return errors.New("killed")
	}
	return c.DB.MarkSent(ref, ids...)
}

// TestCrashBetweenPostAndMarkSent: Slack took the message, the store never
// heard. After the restart, the bot-token sender finds the message by its
// metadata and nothing is posted twice; a webhook (which cannot be asked)
// posts it once more: at most one duplicate.
func TestCrashBetweenPostAndMarkSent(t *testing.T) {
	for _, mode := range []string{"bot", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			srv := slackserver.New("xoxb-good")
			defer srv.Close()
			db := newOutbox(t, 2)
			var s alerts.Sender = botSender(t, srv, "xoxb-good")
			if mode == "webhook" {
				s, _ = alerts.NewSlack(alerts.SlackOptions{WebhookURL: srv.WebhookURL()})
			}
			d := alerts.NewDispatcher(&crashAfterPost{DB: db}, s, nil, fastOpts())
			if _, err := d.Flush(context.Background()); err == nil || len(srv.Messages()) != 1 {
				t.Fatalf("first flush: %v, %d messages; want the crash after one message", err, len(srv.Messages()))
			}
			p, _ := db.Pending(0)
			if len(p) != 2 || !p[0].Sending {
				t.Fatalf("after the crash: %d pending, first sending=%v", len(p), p[0].Sending)
			}
			d = alerts.NewDispatcher(db, s, nil, fastOpts()) // the restart
			res, err := d.Flush(context.Background())
			if err != nil || res.Sent != 2 {
				t.Fatalf("flush after restart: %+v, %v", res, err)
			}
			msgs := srv.Messages()
			want := 2
			if mode == "webhook" {
				want = 3 // the first one again: at most one duplicate
			}
			if len(msgs) != want {
				t.Errorf("%d messages in Slack, want %d", len(msgs), want)
			}
			if mode == "bot" && srv.Reads() == 0 {
				t.Error("the bot sender never looked the message up")
			}
			a, _ := db.Alert(1)
			if a.State != leak.AlertSent || (mode == "bot" && a.Ref != "#leaks/"+msgs[0].TS) {
				t.Errorf("alert 1: %s ref %q; want sent, pointing at the first message %s", a.State, a.Ref, msgs[0].TS)
			}
		})
	}
}

// TestUpdatesThreadAndRaise: new evidence on an alerted post goes as a
// reply in its thread and raises the root's severity in place; a repost
// elsewhere goes in the same thread. In webhook mode both are follow-ups.
func TestUpdatesThreadAndRaise(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := openDB(t)
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, fastOpts())
	root := record(t, db, "forum", "/t/1", "selling acme db", ev(leak.SeverityHigh, "Sale claim: 30M Acme records"))
	if _, err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stronger := ev(leak.SeverityCritical, "Sale claim: 30M Acme records")
	stronger.Canaries = []leak.CanaryHit{{ID: "c9", Partition: "billing-db", Type: "email", Line: 3}}
	up := record(t, db, "forum", "/t/1", "selling acme db, sample: ...", stronger)
	record(t, db, "paste", "/p/7", "selling acme db, sample: ...", stronger) // a repost
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 2 || res.Messages != 1 {
		t.Fatalf("flush of the update and the repost: %+v, %v; want one thread reply for both", res, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the root and one reply", len(msgs))
	}
	rootMsg, reply := msgs[0], msgs[1]
	if reply.ThreadTS != rootMsg.TS || reply.Channel != rootMsg.Channel {
		t.Errorf("reply thread %q in %q; want thread %q in %q", reply.ThreadTS, reply.Channel, rootMsg.TS, rootMsg.Channel)
	}
	if !strings.Contains(string(reply.Blocks), "raised from HIGH to CRITICAL") || !strings.Contains(string(reply.Blocks), "And 1 more") {
		t.Errorf("reply blocks: %s", reply.Blocks)
	}
	if rootMsg.Edits != 1 || !strings.Contains(rootMsg.Text, "[CRITICAL]") {
		t.Errorf("root edits %d, text %q; want raised to critical in place", rootMsg.Edits, rootMsg.Text)
	}
	a, _, _ := db.AlertForHit(root.HitID)
	if a.Shown != leak.SeverityCritical {
		t.Errorf("root alert shows %s, want critical", a.Shown)
	}
	if h, _ := db.Hit(up.HitID); h.Thread != root.HitID {
		t.Errorf("update hit thread %d, want %d", h.Thread, root.HitID)
	}

	// Webhook mode: the update is a follow-up message of its own.
	srv2 := slackserver.New("unused")
	defer srv2.Close()
	db2 := openDB(t)
	wh, _ := alerts.NewSlack(alerts.SlackOptions{WebhookURL: srv2.WebhookURL()})
	d2 := alerts.NewDispatcher(db2, wh, nil, fastOpts())
	record(t, db2, "forum", "/t/1", "selling acme db", ev(leak.SeverityHigh, "Sale claim: 30M Acme records"))
	_, _ = d2.Flush(context.Background())
	record(t, db2, "forum", "/t/1", "selling acme db, sample", stronger)
	if _, err := d2.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := srv2.Messages(); len(m) != 2 || !strings.Contains(m[1].Text, "Update") {
		t.Errorf("webhook follow-up: %+v", m)
	}
}

// TestBurstIsGrouped: 30 posts of one leak make one message; 30 different
// leaks beyond the burst limit make a few messages and one summary, and
// every alert leaves the outbox.
func TestBurstIsGrouped(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := openDB(t)
	opts := fastOpts()
	opts.BurstLimit = 5
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	for i := range 30 {
		record(t, db, "paste", fmt.Sprintf("/p/%d", i), fmt.Sprintf("dump %d", i), ev(leak.SeverityCritical, "Dump with 2 canaries from billing-db"))
	}
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 30 || res.Messages != 1 || len(srv.Messages()) != 1 {
		t.Fatalf("one leak in 30 posts: %+v, %v, %d messages", res, err, len(srv.Messages()))
	}
	if !strings.Contains(string(srv.Messages()[0].Blocks), "Also seen in 29 more posts") {
		t.Errorf("folded message: %s", srv.Messages()[0].Blocks)
	}
	for i := range 30 {
		sev := leak.SeverityHigh
		if i == 17 {
			sev = leak.SeverityCritical
		}
		record(t, db, "forum", fmt.Sprintf("/t/%d", i), fmt.Sprintf("claim %d", i), ev(sev, fmt.Sprintf("Sale claim %d", i)))
	}
	res, err = d.Flush(context.Background())
	if err != nil || res.Sent != 30 || res.Messages != 5 {
		t.Fatalf("30 leaks, burst limit 5: %+v, %v; want 5 messages", res, err)
	}
	msgs := srv.Messages()[1:]
	var first []string
	for _, m := range msgs[:4] {
		first = append(first, m.Text)
	}
	if !strings.Contains(strings.Join(first, "|"), "Sale claim 17") {
		t.Errorf("the critical one is not among the messages of their own: %q", first)
	}
	last := msgs[len(msgs)-1]
	if !strings.Contains(last.Text, "Burst: 26 more hits") {
		t.Errorf("summary: %q", last.Text)
	}
	if p, _ := db.Pending(0); len(p) != 0 {
		t.Errorf("%d alerts left pending", len(p))
	}
}

// TestUpdateOfSummarisedHit: stronger evidence on a hit that went out in a
// burst summary must not edit the summary (the other hits in it would
// vanish from Slack): it is a reply in the summary's thread, also shown in
// the channel since it raises the severity; a hit folded with the other
// posts of its leak is the same.
func TestUpdateOfSummarisedHit(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := openDB(t)
	opts := fastOpts()
	opts.BurstLimit = 3
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	for i := range 6 {
		record(t, db, "forum", fmt.Sprintf("/t/%d", i), fmt.Sprintf("claim %d", i), ev(leak.SeverityHigh, fmt.Sprintf("Sale claim %d", i)))
	}
	if res, err := d.Flush(context.Background()); err != nil || res.Messages != 3 {
		t.Fatalf("6 leaks, burst limit 3: %+v, %v; want 3 messages", res, err)
	}
	summary := srv.Messages()[2]
	if !strings.Contains(summary.Text, "Burst: 4 more hits") {
		t.Fatalf("third message %q, want the summary of 4", summary.Text)
	}
	// Post /t/5 (in the summary) now holds canaries: a stronger hit.
	r := record(t, db, "forum", "/t/5", "claim 5 with a sample", ev(leak.SeverityCritical, "Canary values posted (2 canaries)"))
	if r.AlertID == 0 {
		t.Fatalf("the stronger evidence queued no alert: %+v", r)
	}
	if res, err := d.Flush(context.Background()); err != nil || res.Messages != 1 {
		t.Fatalf("the update: %+v, %v", res, err)
	}
	msgs := srv.Messages()
	if got := msgs[2]; got.Edits != 0 || got.Text != summary.Text {
		t.Errorf("the summary was edited (%d edits): %q", got.Edits, got.Text)
	}
	reply := msgs[len(msgs)-1]
	if reply.ThreadTS != summary.TS || !reply.Broadcast {
		t.Errorf("the update went %+v; want a reply in the summary's thread, broadcast to the channel", reply)
	}
	if !strings.Contains(string(reply.Blocks), "went out in a summary") || !strings.Contains(reply.Text, "[CRITICAL]") {
		t.Errorf("the reply does not say what changed: %s", reply.Blocks)
	}
	// A hit alerted alone is raised in place, as before.
	r = record(t, db, "forum", "/t/0", "claim 0 with a sample", ev(leak.SeverityCritical, "Canary values posted (1 canary)"))
	if _, err := d.Flush(context.Background()); err != nil || r.AlertID == 0 {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); msgs[0].Edits != 1 || msgs[len(msgs)-1].Broadcast {
		t.Errorf("a lone root: %d edits, last reply broadcast %v; want one edit in place", msgs[0].Edits, msgs[len(msgs)-1].Broadcast)
	}
}

// TestInfoDigest: info-level alerts wait for the digest, then go as one.
func TestInfoDigest(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := openDB(t)
	opts := fastOpts()
	opts.DigestEvery = time.Hour
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	for i := range 4 {
		record(t, db, "forum", fmt.Sprintf("/t/%d", i), fmt.Sprint(i), ev(leak.SeverityInfo, fmt.Sprintf("Mention of Acme %d", i)))
	}
	record(t, db, "forum", "/t/9", "sale", ev(leak.SeverityHigh, "Sale claim"))
	res, err := d.Flush(context.Background())
	if err != nil || res.Sent != 1 || res.Left != 4 || len(srv.Messages()) != 1 {
		t.Fatalf("before the digest is due: %+v, %v, %d messages; want the high alert only", res, err, len(srv.Messages()))
	}
	opts.DigestEvery = time.Nanosecond // the day has passed
	d = alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	res, err = d.Flush(context.Background())
	if err != nil || res.Sent != 4 || res.Messages != 1 {
		t.Fatalf("digest: %+v, %v", res, err)
	}
	if m := srv.Messages()[1]; !strings.Contains(m.Text, "Digest: 4 info-level hits") {
		t.Errorf("digest text %q", m.Text)
	}
}

// TestRoutingAndMention: critical to its channel with the mention, info
// and operator alerts to theirs, the rest to the default channel.
func TestRoutingAndMention(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	db := openDB(t)
	s := slackSender(t, srv, alerts.SlackOptions{CriticalChannel: "#incidents", CriticalMention: "S0ABC123", InfoChannel: "#mentions", OperatorChannel: "#ops"})
	record(t, db, "forum", "/t/1", "1", ev(leak.SeverityCritical, "Canary found"))
	record(t, db, "forum", "/t/2", "2", ev(leak.SeverityHigh, "Sale claim"))
	record(t, db, "forum", "/t/3", "3", ev(leak.SeverityInfo, "Mention"))
	if _, err := db.SetCondition("tor", true, "SOCKS port closed", true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetCondition("tor", true, "still closed", true); err != nil { // no second alert
		t.Fatal(err)
	}
	d := alerts.NewDispatcher(db, s, nil, fastOpts())
	if res, err := d.Flush(context.Background()); err != nil || res.Sent != 4 {
		t.Fatalf("flush: %+v, %v", res, err)
	}
	got := map[string]slackserver.Message{}
	for _, m := range srv.Messages() {
		got[m.Channel] = m
	}
	if m := got["#incidents"]; !strings.HasPrefix(m.Text, "<!subteam^S0ABC123>") || !strings.Contains(string(m.Blocks), "subteam^S0ABC123") {
		t.Errorf("critical: %q %s", m.Text, m.Blocks)
	}
	if m := got["#leaks"]; !strings.Contains(m.Text, "Sale claim") || strings.Contains(m.Text, "<!") {
		t.Errorf("high: %+v", m)
	}
	if m := got["#mentions"]; !strings.Contains(m.Text, "Mention") {
		t.Errorf("info: %+v", m)
	}
	if m := got["#ops"]; !strings.Contains(m.Text, "Tor is unreachable") {
		t.Errorf("operator: %+v", m)
	}
	// The condition clears: one more operator message, and no more after.
	_, _ = db.SetCondition("tor", false, "", true)
	_, _ = db.SetCondition("tor", false, "", true)
	_, _ = d.Flush(context.Background())
	if ms := srv.Messages(); len(ms) != 5 || !strings.Contains(ms[4].Text, "Tor is reachable again") {
		t.Errorf("after the clear: %d messages, last %q", len(ms), ms[len(ms)-1].Text)
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal(srv.Messages()[0].Metadata, &md); err != nil || md.EventType != "leakwatch_alert" || md.EventPayload["alert_ids"] != "1" || md.EventPayload["instance"] != db.Instance() {
		t.Errorf("metadata %+v, %v", md, err)
	}
}

// TestBacklogOperatorAlert: alerts waiting longer than BacklogAfter raise
// the "outbox" condition once; when the outbox drains it clears once.
func TestBacklogOperatorAlert(t *testing.T) {
	srv := slackserver.New("xoxb-good")
	defer srv.Close()
	for range 10 {
		srv.Script(slackserver.Response{Status: 503})
	}
	db := newOutbox(t, 2)
	opts := fastOpts()
	opts.MaxWait = 10 * time.Millisecond
	opts.BacklogAfter = time.Nanosecond
	d := alerts.NewDispatcher(db, botSender(t, srv, "xoxb-good"), nil, opts)
	for range 3 {
		_, _ = d.Flush(context.Background())
	}
	conds, _ := db.Conditions()
	active := map[string]bool{}
	for _, c := range conds {
		active[c.ID] = c.Active
	}
	if len(conds) != 2 || !active["outbox"] || !active["delivery"] {
		t.Fatalf("conditions during the outage: %+v; want outbox and delivery", conds)
	}
	p, _ := db.Pending(0)
	ops := 0
	for _, a := range p {
		if a.Kind == leak.AlertOperator {
			ops++
		}
	}
	if ops != 2 {
		t.Errorf("%d operator alerts queued after 3 flushes, want 2 (outbox, delivery)", ops)
	}
	for i := 0; i < 20 && srv.Calls() < 10; i++ { // the outage ends
		_, _ = d.Flush(context.Background())
	}
	_, _ = d.Flush(context.Background())
	_, _ = d.Flush(context.Background()) // delivers the "drained" alert queued by the one before
	var texts []string
	for _, m := range srv.Messages() {
		texts = append(texts, m.Text)
	}
	joined := strings.Join(texts, "\n")
	if strings.Count(joined, "outbox is backing up") != 1 || strings.Count(joined, "outbox has drained") != 1 || strings.Count(joined, "Sale claim") != 2 {
		t.Errorf("messages after the outage:\n%s", joined)
	}
}
