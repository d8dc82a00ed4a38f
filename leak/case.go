package leak

import (
	"fmt"
	"strings"
	"time"
)

// Case is one leak followed across sources: the hits that carry the same
// dataset (the same matched records, a repost of the same text, or the same
// seller making the same claim), with what they add up to and where the
// team stands with it. It holds no customer value: counts, partitions,
// keyed record ids, and the seller's own handles and contact points.
type Case struct {
	ID       uint64    `json:"id"`
	Title    string    `json:"title"` // the strongest hit's headline
	Severity Severity  `json:"severity"`
	State    CaseState `json:"state"`
	// StateBy and StateAt: who set the state, and when ("" and the case's
	// first sighting for a new case); History every change, oldest first.
	StateBy string       `json:"state_by,omitempty"`
	StateAt time.Time    `json:"state_at,omitzero"`
	History []CaseChange `json:"history,omitempty"`
	First   time.Time    `json:"first"`
	Last    time.Time    `json:"last"`
	// Root is the case's first hit; Thread the first of its hits that was
	// alerted, whose Slack message the case's later sightings reply to.
	Root      uint64     `json:"root"`
	Thread    uint64     `json:"thread,omitempty"`
	Strongest uint64     `json:"strongest"`
	Sightings []Sighting `json:"sightings"`
	Sources   []string   `json:"sources"`
	// Sellers are the handles that posted it; Contacts the seller's
	// contact points read from the sale posts.
	Sellers  []string  `json:"sellers,omitempty"`
	Contacts []Contact `json:"contacts,omitempty"`
	// Claimed is the largest record count claimed, as written.
	Claimed     int64  `json:"claimed,omitempty"`
	ClaimedText string `json:"claimed_text,omitempty"`
	// VerifiedRows sums the rows proven ours over the case's distinct
	// samples (a repost of the same text counts once); Customers is the
	// distinct customers over all samples, estimated from the keyed
	// record ids beyond RecordSketch of them (CustomersEstimated).
	VerifiedRows       int      `json:"verified_rows"`
	Customers          int      `json:"customers"`
	CustomersEstimated bool     `json:"customers_estimated,omitempty"`
	Canaries           int      `json:"canaries,omitempty"`
	Partitions         []string `json:"partitions,omitempty"`
	DataTypes          []string `json:"data_types,omitempty"`
	Brands             []string `json:"brands,omitempty"`
	// Records are the smallest RecordSketch keyed record ids over all the
	// case's samples (a bottom-k sketch: the distinct count estimate).
	Records []uint64 `json:"records,omitempty"`
}

// RecordSketch bounds a case's record ids.
const RecordSketch = 1024

// CaseState is where the team stands with a case.
type CaseState string

// Case states.
const (
	CaseNew           CaseState = "new"
	CaseInvestigating CaseState = "investigating"
	CaseConfirmed     CaseState = "confirmed"
	CaseFalsePositive CaseState = "false_positive"
	CaseResolved      CaseState = "resolved"
)

// CaseStates lists the states in their usual order.
var CaseStates = []CaseState{CaseNew, CaseInvestigating, CaseConfirmed, CaseFalsePositive, CaseResolved}

// ParseCaseState reads a state as written by an analyst ("false positive",
// "false-positive" and "fp" are false_positive).
func ParseCaseState(s string) (CaseState, error) {
	n := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	if n == "fp" {
		n = string(CaseFalsePositive)
	}
	for _, c := range CaseStates {
		if string(c) == n {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown case state %q (want new, investigating, confirmed, false_positive or resolved)", s)
}

// Label is the state as a person says it.
func (s CaseState) Label() string { return strings.ReplaceAll(string(s), "_", " ") }

// CaseChange is one change of a case's state.
type CaseChange struct {
	State CaseState `json:"state"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
	// Via says how it was set: "cli", "slack".
	Via string `json:"via,omitempty"`
}

// Sighting is one hit of a case: where the dataset was seen, and how the
// hit was tied to the case.
type Sighting struct {
	Hit      uint64    `json:"hit"`
	Source   string    `json:"source"`
	PostKey  string    `json:"post_key"`
	PostURL  string    `json:"post_url"`
	Found    time.Time `json:"found"`
	Seller   string    `json:"seller,omitempty"`
	Severity Severity  `json:"severity"`
	// How: "first", "update" (the same post, more evidence), "repost" (the
	// same text), "records" (the same customers), "seller" (the same seller
	// and claim).
	How       string `json:"how"`
	RealRows  int    `json:"real_rows,omitempty"`
	Customers int    `json:"customers,omitempty"`
	// Recycled is how many of the sample's customers earlier cases held.
	Recycled *Recycled `json:"recycled,omitempty"`
}

// Recycled says how many of a sample's matched customers had appeared in
// earlier cases, and in which: old data resold, or a fresh leak.
type Recycled struct {
	Matched int           `json:"matched"` // the sample's matched customers looked up (keyed record ids)
	Seen    int           `json:"seen"`    // of them, those an earlier case held
	From    []RecycledRef `json:"from,omitempty"`
}

// RecycledRef is an earlier case a sample shares customers with.
type RecycledRef struct {
	Case      uint64    `json:"case"`
	First     time.Time `json:"first"` // when that case was first seen
	Customers int       `json:"customers"`
}

// Fresh reports whether none of the sample's customers were seen before.
func (r *Recycled) Fresh() bool { return r == nil || r.Seen == 0 }

// Percent is the share seen before, rounded down.
func (r *Recycled) Percent() int {
	if r == nil || r.Matched == 0 {
		return 0
	}
	return 100 * r.Seen / r.Matched
}

// Contact is one of a seller's contact points, as the sale post gives it:
// Kind is xmpp, telegram, tox, session, email, pgp, btc or xmr.
type Contact struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func (c Contact) String() string { return c.Kind + ":" + c.Value }
