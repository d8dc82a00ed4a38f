package alerts

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leakwatch/leak"
	"leakwatch/matchers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// kinds is one message of every kind, from the same sale alert.
func kinds(a leak.Alert) map[string]Outgoing {
	info := a
	info.ID, info.Hit.ID = 8, 13
	info.Hit.Evidence = leak.Evidence{Severity: leak.SeverityInfo, Headline: "Mention of Halcyon", Brands: []string{"Halcyon"}}
	profile := a
	profile.ID, profile.Hit.ID = 9, 14
	profile.Hit.Evidence = leak.Evidence{Severity: leak.SeverityInfo, Headline: "Sale claim naming no company, fits our profile: review",
		Profile: []string{"us carrier"}, Claim: &leak.Claim{Score: 6, Phrases: []string{"selling"}, Records: 30_000_000, DataTypes: []string{"ssn", "dl"}, Price: "6 BTC"}}
	repost := a
	repost.ID, repost.Hit.ID, repost.Hit.Thread, repost.Hit.RepostOf = 10, 15, 12, "breachbazaar//t/1"
	repost.Hit.Source, repost.Hit.PostURL = "quietbin", "http://pastezzz.onion/raw/9"
	rescanned := a
	rescanned.ID, rescanned.Hit.ID, rescanned.Hit.Thread, rescanned.Hit.UpdateOf, rescanned.Hit.Rescan = 11, 16, 12, 12, true
	root := a
	root.Hit.Evidence.Severity, root.Hit.Evidence.Canaries = leak.SeverityHigh, nil
	root.State, root.Ref = leak.AlertSent, "C0LEAKS/1764064800.000100"
	op := leak.Alert{ID: 20, Kind: leak.AlertOperator, Created: a.Created,
		Operator: &leak.OperatorEvent{Condition: "source:breachbazaar", Reason: "login wall: the session cookie is missing or expired", Since: a.Created}}
	cleared := op
	cleared.ID, cleared.Operator = 21, &leak.OperatorEvent{Condition: "tor", Cleared: true, Since: a.Created}
	test := leak.Alert{ID: 22, Kind: leak.AlertTest, Created: a.Created, Hit: leak.Hit{Evidence: leak.Evidence{Severity: leak.SeverityCritical}}}
	raised := raisedRoot(root, a)
	dataset := repost
	dataset.ID, dataset.Hit.ID, dataset.Hit.Repeats = 23, 17, 12
	dataset.Hit.Source, dataset.Hit.PostURL = "xenforo-board", "http://forumqqq.onion/threads/reupload.9/"
	shared := root
	shared.Shared = true
	return map[string]Outgoing{
		"sale-critical":     {Kind: MessageAlert, Alert: a},
		"sale-folded":       {Kind: MessageAlert, Alert: a, Also: []leak.Alert{repost}},
		"mention-info":      {Kind: MessageAlert, Alert: info},
		"profile-review":    {Kind: MessageAlert, Alert: profile},
		"update-raise":      {Kind: MessageUpdate, Alert: rescanned, Root: &root, Raise: true},
		"update-repost":     {Kind: MessageUpdate, Alert: repost, Root: &root},
		"update-dataset":    {Kind: MessageUpdate, Alert: dataset, Root: &root},
		"update-summarised": {Kind: MessageUpdate, Alert: rescanned, Root: &shared, Broadcast: true},
		"root-raised":       {Kind: MessageAlert, Alert: raised},
		"burst":             {Kind: MessageBurst, Alert: a, Also: []leak.Alert{info, profile}},
		"digest":            {Kind: MessageDigest, Alert: info, Also: []leak.Alert{profile}},
		"operator-start":    {Kind: MessageAlert, Alert: op},
		"operator-clear":    {Kind: MessageAlert, Alert: cleared},
		"test-alert":        {Kind: MessageAlert, Alert: test},
	}
}

// TestGoldenMessages holds every kind of message to its Block Kit JSON
// (go test ./alerts -run Golden -update rewrites them).
func TestGoldenMessages(t *testing.T) {
	a := sampleAlert()
	a.Created = time.Date(2026, 11, 25, 9, 0, 5, 0, time.UTC)
	for name, o := range kinds(a) {
		m := Format(o, Commands{})
		got, err := json.MarshalIndent(struct {
			Text   string `json:"text"`
			Blocks any    `json:"blocks"`
		}{m.Text, m.Blocks}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", name+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with -update)", name, err)
		}
		if !bytes.Equal(bytes.TrimSpace(want), got) {
			t.Errorf("%s: message differs from %s (run with -update and review the diff)\n%s", name, path, got)
		}
		if len(m.Blocks) > maxBlocks {
			t.Errorf("%s: %d blocks", name, len(m.Blocks))
		}
	}
}

// TestMessagesHoldNoValues runs the real matchers over a seller's post
// full of customer values and canaries, builds every kind of message from
// the evidence, and finds none of the values, the key or a token in them.
func TestMessagesHoldNoValues(t *testing.T) {
	key := bytes.Repeat([]byte{5}, matchers.KeySize)
	h, _ := matchers.NewHasher(key)
	values := []struct {
		t matchers.Type
		v string
	}{
		{matchers.TypeEmail, "dana.whitfield@example.net"}, {matchers.TypePhone, "+1 312 555 0147"},
		{matchers.TypeSSN, "219-09-9999"}, {matchers.TypeEmail, "canary.7731@halcyon-canary.example"},
	}
	var fps []leak.Fingerprint
	var canaries []leak.Canary
	for i, v := range values {
		d, ok := h.Value(v.t, v.v)
		if !ok {
			t.Fatalf("%s does not normalise", v.v)
		}
		if i == 3 {
			canaries = append(canaries, leak.Canary{ID: "c-77", Partition: "billing-db", Type: string(v.t), Digest: d})
			continue
		}
		fps = append(fps, leak.Fingerprint{Digest: d, Type: string(v.t), Dataset: "crm", Partition: "crm-prod", Record: 42})
	}
	set, err := matchers.NewSet(matchers.Config{Hasher: h, Canaries: canaries, Fingerprints: fps, Brands: []string{"Halcyon"}})
	if err != nil {
		t.Fatal(err)
	}
	post := "WTS Halcyon wireless customer db 30M rows, SSN+DL, 6 BTC, escrow ok, sample below\n" +
		"Dana Whitfield,dana.whitfield@example.net,+1 312 555 0147,219-09-9999\n" +
		"Canary Person,canary.7731@halcyon-canary.example,+1 202 555 0188,123-45-6789\n"
	ev := set.MatchPost(leak.Post{Text: post})
	if ev.Severity != leak.SeverityCritical || len(ev.Canaries) != 1 {
		t.Fatalf("evidence %+v; want critical with the canary", ev)
	}
	a := sampleAlert()
	a.Hit.Evidence = ev
	a.Hit.Title = "WTS Halcyon db"
	for name, o := range kinds(a) {
		m := Format(o, Commands{})
		raw, _ := json.Marshal(m.Blocks)
		all := m.Text + string(raw) + Render(m)
		for _, v := range append([]string{"dana.whitfield", "whitfield@", "555 0147", "555-0147", "3125550147", "219-09-9999", "219099999",
			"canary.7731", "0188", "123-45-6789", "xoxb-"}, string(key)) {
			if strings.Contains(all, v) {
				t.Errorf("%s: message holds %q", name, v)
			}
		}
	}
}
