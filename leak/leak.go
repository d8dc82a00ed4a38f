package leak

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Post is one unit of crawled content: a forum thread's posts or one paste.
type Post struct {
	Source  string    `json:"source"`           // configured source name
	Key     string    `json:"key"`              // stable id within the source (thread or paste id)
	URL     string    `json:"url"`              // where it was read
	Title   string    `json:"title,omitempty"`  // thread title or paste title, prefixes kept
	Author  string    `json:"author,omitempty"` // as shown by the site
	Posted  time.Time `json:"posted,omitzero"`  // as claimed by the site
	Updated time.Time `json:"updated,omitzero"` // last-update time shown on the listing
	Fetched time.Time `json:"fetched,omitzero"` // when leakwatch read it
	Text    string    `json:"-"`                // page text (a thread's: ThreadText); never serialised in plaintext
	Hash    string    `json:"content_hash"`     // ContentHash(Text)
	Bytes   int       `json:"bytes,omitempty"`  // len(Text)
	// Truncated: a page of the post was over the size cap and only its
	// first max_body_bytes were read. Flattened: a page was nested too
	// deep to parse and was read without its deepest tags or as plain
	// text. Either way the post was matched, never dropped.
	Truncated bool `json:"truncated,omitempty"`
	Flattened bool `json:"flattened,omitempty"`
	// Links are the links the seller's messages give (defanged ones
	// read), Samples those of them fetched and matched as part of the post
	// (on a host allowed for samples); the others were never dialled.
	Links   []string `json:"links,omitempty"`
	Samples []string `json:"samples,omitempty"`
	// Victim is set for a data-leak site's victim post: who the site says
	// it breached.
	Victim *Victim `json:"victim,omitempty"`
}

// Victim is one entry of a data-leak site (an extortion group's list of
// the organisations it claims to have breached), as the site shows it.
type Victim struct {
	Name        string `json:"name"`
	Domain      string `json:"domain,omitempty"`
	Description string `json:"description,omitempty"`
	Published   string `json:"published,omitempty"`
	Countdown   string `json:"countdown,omitempty"`
	Size        string `json:"size,omitempty"`
}

// ContentHash returns the hex SHA-256 of text. Post text is public content
// crawled from a site, so a plain hash is fine here (unlike customer values,
// which are only ever stored as keyed hashes).
func ContentHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Severity orders hits by how urgently a human must look at them.
type Severity int

// Severities, lowest first.
const (
	SeverityNone Severity = iota
	SeverityInfo
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"none", "info", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name as printed by String.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("unknown severity %q (want info, high or critical)", s)
}

// MarshalText makes severities readable in JSON and YAML.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Claim is what a post claims, as read from its title and its seller's own
// words (never a reply's or a quote's).
type Claim struct {
	// Intent is what the poster means to do: "sale", or "release" (a free
	// dump: the data is out).
	Intent  string   `json:"intent,omitempty"`
	Score   float64  `json:"score"`             // weighted sale intent; >= threshold means a sale post
	Phrases []string `json:"phrases,omitempty"` // the intent phrases seen (from the phrase table)
	Records int64    `json:"records,omitempty"` // claimed record count, 0 if none
	// RecordsText is the count as the seller wrote it ("14.8M", "30kk").
	RecordsText string   `json:"records_text,omitempty"`
	DataTypes   []string `json:"data_types,omitempty"` // e.g. ssn, dl, imei, dob
	Price       string   `json:"price,omitempty"`      // e.g. "6 BTC"
	Contacts    []string `json:"contacts,omitempty"`   // channel kinds: telegram, xmpp, tox, ...
	// Points are the seller's contact points themselves (a Jabber id, a
	// Tox id, a BTC address...): the seller's, never a customer's.
	Points   []Contact `json:"points,omitempty"`
	Negative []string  `json:"negative,omitempty"` // phrases that lowered the score
}

// Sample is the verification of the rows a post contains, counted as an
// analyst counts them: a row is a record (a line of a dump, a key-value
// block, an SQL tuple); the seller's contact line and a value in running
// prose are not rows.
type Sample struct {
	Rows       int `json:"rows"`        // record rows (holding a value the scanner reads)
	RealRows   int `json:"real_rows"`   // rows proven to be our customers (canary rows not among them)
	CanaryRows int `json:"canary_rows"` // rows holding a planted canary
	Unmatched  int `json:"unmatched"`   // rows that match nothing of ours
	// Mentions counts our customers' values written in running prose ("my
	// number is ..."): not rows, not a dump.
	Mentions   int      `json:"mentions,omitempty"`
	Customers  int      `json:"customers"`            // distinct fingerprinted records in the real rows
	Types      []string `json:"types,omitempty"`      // value types matched in the real rows
	Datasets   []string `json:"datasets,omitempty"`   // datasets the real rows came from
	Partitions []string `json:"partitions,omitempty"` // partitions the real rows and canaries came from
	// Records are keyed ids of the matched records and canaries (the
	// smallest few hundred): two posts sharing most of them carry the same
	// dataset, whatever their wrapper text. They reveal nothing without
	// the secret key and the fingerprint store.
	Records []uint64 `json:"records,omitempty"`
}

// CanaryHit names a planted canary that was found, never its value.
type CanaryHit struct {
	ID        string `json:"id"`
	Partition string `json:"partition"`
	Type      string `json:"type"` // the value type that matched (email, phone, ...)
	Line      int    `json:"line"`
}

// Evidence is everything the matchers concluded about one post. It holds no
// customer value: counts, types, partitions and config-defined terms only.
type Evidence struct {
	Severity Severity    `json:"severity"`
	Headline string      `json:"headline"`
	Brands   []string    `json:"brands,omitempty"`  // configured brand terms seen
	Profile  []string    `json:"profile,omitempty"` // profile terms of an unnamed sale claim
	Claim    *Claim      `json:"claim,omitempty"`
	Sample   *Sample     `json:"sample,omitempty"`
	Canaries []CanaryHit `json:"canaries,omitempty"`
	// Why says, in an analyst's words, what decided the severity: "our
	// brand only in passing", "3 of 1000 rows match: another dataset
	// sharing customers", ...
	Why []string `json:"why,omitempty"`
}

// Empty reports whether the evidence warrants no hit.
func (e Evidence) Empty() bool { return e.Severity == SeverityNone }

// Hit is a post with evidence, as recorded in the store.
type Hit struct {
	ID       uint64    `json:"id"`
	Source   string    `json:"source"`
	PostKey  string    `json:"post_key"`
	PostURL  string    `json:"post_url"`
	Title    string    `json:"title,omitempty"`
	Author   string    `json:"author,omitempty"`
	Posted   time.Time `json:"posted,omitzero"`
	Found    time.Time `json:"found"`
	Evidence Evidence  `json:"evidence"`
	// Truncated and Flattened are the post's (see Post): the evidence may
	// be incomplete, the post was not hidden.
	Truncated bool `json:"truncated,omitempty"`
	Flattened bool `json:"flattened,omitempty"`
	// Links, Samples and Victim are the post's (see Post).
	Links   []string `json:"links,omitempty"`
	Samples []string `json:"samples,omitempty"`
	Victim  *Victim  `json:"victim,omitempty"`
	// RepostOf names the post ("source/key") whose identical text was
	// recorded first, when this post is a repost of it.
	RepostOf string `json:"repost_of,omitempty"`
	// Repeats is the hit whose dataset this one repeats: the same text
	// elsewhere, or the same customers under other wrapper text (most of
	// their keyed record ids in common).
	Repeats uint64 `json:"repeats,omitempty"`
	// UpdateOf is the earlier hit on the same post that this one
	// supersedes with stronger evidence (a rescan found canaries, say).
	UpdateOf uint64 `json:"update_of,omitempty"`
	// Thread is the first hit of the leak this hit adds to (an update of
	// the same post, or a repost of it elsewhere): its alert goes as a
	// reply in that hit's alert thread.
	Thread uint64 `json:"thread,omitempty"`
	// Case is the leak this hit is a sighting of; Recycled how many of its
	// sample's customers earlier cases held.
	Case     uint64    `json:"case,omitempty"`
	Recycled *Recycled `json:"recycled,omitempty"`
	// SellerCases counts the earlier cases the post's seller (a handle or
	// a contact point) appeared in.
	SellerCases int `json:"seller_cases,omitempty"`
	// Rescan says the hit was found by a rescan of stored posts.
	Rescan bool `json:"rescan,omitempty"`
	// Acknowledged: an analyst has handled the hit (watcher hits ack);
	// stronger evidence on its post is recorded but not alerted again.
	Acked   time.Time `json:"acked,omitzero"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckNote string    `json:"ack_note,omitempty"`
}

// AlertState is where an alert is in the outbox.
type AlertState string

// Outbox states. An alert moves pending -> sent, or pending -> failed when
// Slack refuses that message for good (malformed, too long); failed
// alerts stay in the outbox for an operator. When Slack refuses the
// destination itself (a revoked token, a missing channel) alerts stay
// pending until it is fixed.
const (
	AlertPending AlertState = "pending"
	AlertSent    AlertState = "sent"
	AlertFailed  AlertState = "failed"
)

// Alert is one message waiting in, or delivered from, the outbox.
type Alert struct {
	ID   uint64    `json:"id"` // outbox sequence number; with Instance, the idempotency key
	Kind AlertKind `json:"kind,omitempty"`
	Hit  Hit       `json:"hit"` // a copy, so delivery needs no other lookup (leak alerts)
	// Operator is the condition an operator alert reports.
	Operator *OperatorEvent `json:"operator,omitempty"`
	// Instance names the database that queued the alert (random, made
	// when the database was created): alert IDs are unique within it.
	Instance string `json:"instance,omitempty"`
	// Shown is the severity the alert's message shows now, when an update
	// raised it in place (chat.update).
	Shown     Severity   `json:"shown,omitempty"`
	State     AlertState `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	Created   time.Time  `json:"created"`
	Sent      time.Time  `json:"sent,omitzero"`
	Ref       string     `json:"ref,omitempty"` // where it went, e.g. the Slack channel and ts
	// Shared says the alert went out in a message that carries other
	// alerts too (a burst summary, a digest, one leak's posts folded
	// together): that message is never edited for one of them.
	Shared bool `json:"shared,omitempty"`
	// Sending is set, and committed, before each delivery attempt and
	// cleared with its outcome: an alert still Sending after a crash may
	// have reached Slack, and is checked there before it is sent again.
	Sending bool `json:"sending,omitempty"`
}

// AlertKind says what an outbox entry reports.
type AlertKind string

// Alert kinds.
const (
	AlertLeak     AlertKind = ""         // a hit
	AlertOperator AlertKind = "operator" // leakwatch's own health: a condition started or cleared
	AlertTest     AlertKind = "test"     // watcher test-alert
)

// OperatorEvent is a condition of leakwatch itself (a source unhealthy,
// Tor unreachable, the outbox backing up, the matchers failing to load)
// that started or cleared.
type OperatorEvent struct {
	Condition string    `json:"condition"` // e.g. "source:breachbazaar", "tor", "outbox", "matchers"
	Reason    string    `json:"reason,omitempty"`
	Cleared   bool      `json:"cleared,omitempty"`
	Since     time.Time `json:"since"`
}

// Severity of an alert: its hit's, or the severity shown after an update.
func (a Alert) Severity() Severity {
	return max(a.Shown, a.Hit.Evidence.Severity)
}

// Canary is a planted fake customer value, known to leakwatch only by its
// keyed digest, and the partition it was planted in.
type Canary struct {
	ID        string    `json:"id"`
	Partition string    `json:"partition"`
	Type      string    `json:"type"`
	Digest    [16]byte  `json:"digest"`
	Created   time.Time `json:"created,omitzero"`
}

// Fingerprint is one real customer value, known only by its keyed digest.
// Record groups the values of one customer within a dataset.
type Fingerprint struct {
	Digest    [16]byte `json:"digest"`
	Type      string   `json:"type"`
	Dataset   string   `json:"dataset"`
	Partition string   `json:"partition"`
	Record    uint64   `json:"record"`
}

// Delivery is the alert delivery's state, kept in the store across
// restarts: the burst round in progress and when each channel last got a
// message (a crash loop resets neither the burst limit nor the pacing),
// and how the last attempts went (for status, also without the daemon).
type Delivery struct {
	// RoundStarted and RoundSent: the delivery round in progress (from the
	// first leak message after an empty outbox until the outbox is empty
	// again) and the leak messages it has sent, against the burst limit.
	RoundStarted time.Time `json:"round_started,omitzero"`
	RoundSent    int       `json:"round_sent,omitempty"`
	// LastSent is when each channel last got a message (pacing).
	LastSent map[string]time.Time `json:"last_sent,omitempty"`
	// LastAttempt, LastSuccess: the last send tried and the last that
	// Slack took; LastError and Trouble say how the last one failed
	// ("rate limited", "server error", "no answer", "unreachable",
	// "refused"); Failures counts attempts failed in a row.
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Trouble     string    `json:"trouble,omitempty"`
	Failures    int       `json:"failures,omitempty"`
	// SendingSince is set while a send waits for Slack's answer.
	SendingSince time.Time `json:"sending_since,omitzero"`
}
