package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/leak"
)

func sampleAlert() leak.Alert {
	return leak.Alert{ID: 7, Hit: leak.Hit{
		ID: 12, Source: "breachbazaar", PostURL: "http://abc.onion/threads/1?x=1", Title: "[SELLING] <!channel> 68M db",
		Author: "n0v4", Posted: time.Date(2026, 11, 24, 3, 14, 0, 0, time.UTC), Found: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Evidence: leak.Evidence{
			Severity: leak.SeverityCritical, Headline: "Sale claim: 68M Halcyon customer records, SSN+DL",
			Brands: []string{"Halcyon"},
			Claim:  &leak.Claim{Score: 9.5, Phrases: []string{"selling", "btc"}, Records: 68_000_000, DataTypes: []string{"dl", "ssn"}, Price: "6 BTC", Contacts: []string{"telegram"}},
			Sample: &leak.Sample{Rows: 50, RealRows: 37, Customers: 36, Types: []string{"email", "ssn"}, Datasets: []string{"crm"}, Partitions: []string{"crm-prod"}},
			Canaries: []leak.CanaryHit{{ID: "c1", Partition: "billing-db", Type: "email", Line: 4},
				{ID: "c2", Partition: "billing-db", Type: "phone", Line: 9}},
		},
	}}
}

func TestFormatCarriesEvidence(t *testing.T) {
	m := Format(Outgoing{Kind: MessageAlert, Alert: sampleAlert()}, Commands{})
	text := Render(m)
	for _, want := range []string{
		"CRITICAL: Sale claim: 68M Halcyon customer records, SSN+DL",
		"Source: breachbazaar",
		"hxxp://abc[.]onion/threads/1?x=1",
		"Records claimed: 68,000,000",
		"37 of 50 sample rows are real customers",
		"Canaries from partition billing-db: 2",
		"watcher hits show 12",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered alert lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(m.Text, "[CRITICAL]") {
		t.Errorf("fallback text %q", m.Text)
	}
	// Site-controlled text must not become a Slack mention.
	raw, _ := json.Marshal(m.Blocks)
	if strings.Contains(string(raw), "<!channel>") {
		t.Errorf("thread title injected a mention: %s", raw)
	}
}

func TestFormatRespectsSlackLimits(t *testing.T) {
	a := sampleAlert()
	a.Hit.Evidence.Headline = strings.Repeat("very long headline ", 40)
	a.Hit.Title = strings.Repeat("x", 5000)
	m := Format(Outgoing{Kind: MessageAlert, Alert: a}, Commands{})
	for _, b := range m.Blocks {
		switch v := b.(type) {
		case *slack.HeaderBlock:
			if n := len([]rune(v.Text.Text)); n > maxHeader {
				t.Errorf("header %d runes > %d", n, maxHeader)
			}
			if !strings.HasSuffix(v.Text.Text, "…") {
				t.Errorf("cut header has no marker")
			}
		case *slack.SectionBlock:
			for _, f := range v.Fields {
				if n := len([]rune(f.Text)); n > maxField {
					t.Errorf("field %d runes > %d", n, maxField)
				}
			}
		}
	}
}

func TestDefang(t *testing.T) {
	cases := map[string]string{
		"http://abc.onion/x.html":     "hxxp://abc[.]onion/x.html",
		"https://paste.example/raw/1": "hxxps://paste[.]example/raw/1",
		"not a url.onion":             "not a url[.]onion",
	}
	for in, want := range cases {
		if got := Defang(in); got != want {
			t.Errorf("Defang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatSaysWhenAPostWasReadInPart(t *testing.T) {
	whole := Render(Format(Outgoing{Kind: MessageAlert, Alert: sampleAlert()}, Commands{}))
	if strings.Contains(whole, "Read in part") {
		t.Errorf("a whole post said read in part:\n%s", whole)
	}
	a := sampleAlert()
	a.Hit.Truncated, a.Hit.Flattened = true, true
	text := Render(Format(Outgoing{Kind: MessageAlert, Alert: a}, Commands{}))
	for _, want := range []string{"Read in part", "over max_body_bytes", "read as plain text"} {
		if !strings.Contains(text, want) {
			t.Errorf("alert on a cut, flattened post lacks %q:\n%s", want, text)
		}
	}
}

// TestFormatCommandsCarryTheConfig: every command a message suggests runs
// as printed: with --config when the daemon's config is not the default,
// quoted when its path needs it, and without it when it is the default.
func TestFormatCommandsCarryTheConfig(t *testing.T) {
	a := sampleAlert()
	root := a
	root.Ref = "C1/1.2"
	op := leak.Alert{ID: 3, Kind: leak.AlertOperator, Operator: &leak.OperatorEvent{Condition: "source:x", Reason: "down"}}
	msgs := []Outgoing{
		{Kind: MessageAlert, Alert: a},
		{Kind: MessageUpdate, Alert: a, Root: &root},
		{Kind: MessageBurst, Alert: a, Also: []leak.Alert{a}},
		{Kind: MessageDigest, Alert: a, Also: []leak.Alert{a}},
		{Kind: MessageAlert, Alert: op},
	}
	for _, o := range msgs {
		with := Render(Format(o, Commands{Config: "/srv/lw/demo dir/demo.yaml"}))
		without := Render(Format(o, Commands{}))
		n := strings.Count(with, "`watcher ")
		if n == 0 {
			t.Errorf("kind %v: no command suggested:\n%s", o.Kind, with)
		}
		if got := strings.Count(with, " --config '/srv/lw/demo dir/demo.yaml'`"); got != n {
			t.Errorf("kind %v: %d of %d commands carry the quoted --config:\n%s", o.Kind, got, n, with)
		}
		if strings.Contains(without, "--config") || strings.Count(without, "`watcher ") != n {
			t.Errorf("kind %v: the default config needs no flag:\n%s", o.Kind, without)
		}
	}
	if got := Render(Format(msgs[0], Commands{Config: "/etc/lw/c.yaml"})); !strings.Contains(got, "`watcher hits show 12 --config /etc/lw/c.yaml`") {
		t.Errorf("plain path quoted or missing:\n%s", got)
	}
}

// TestFormatVictimAndSamples: a leak site victim and the linked samples
// read with the post are in the alert, links defanged.
func TestFormatVictimAndSamples(t *testing.T) {
	a := sampleAlert()
	a.Hit.Victim = &leak.Victim{Name: "Halcyon Wireless", Domain: "halcyonwireless.com", Size: "1.2 TB", Countdown: "3d 21h"}
	a.Hit.Samples = []string{"http://paste.example.onion/raw/s1"}
	text := Render(Format(Outgoing{Kind: MessageAlert, Alert: a}, Commands{}))
	for _, want := range []string{"Leak site victim", "Halcyon Wireless · halcyonwireless[.]com · 1.2 TB · countdown 3d 21h", "Linked samples", "hxxp://paste[.]example[.]onion/raw/s1"} {
		if !strings.Contains(text, want) {
			t.Errorf("alert lacks %q:\n%s", want, text)
		}
	}
}
