package alerts

import (
	"context"
	"slices"

	"leakwatch/leak"
)

// MessageKind says what a message is.
type MessageKind string

// Message kinds.
const (
	MessageAlert  MessageKind = "alert"  // a new leak (other posts of it folded in), an operator or a test alert
	MessageUpdate MessageKind = "update" // new evidence on an alerted leak: a thread reply (Root)
	MessageBurst  MessageKind = "burst"  // the rest of a burst, summarised
	MessageDigest MessageKind = "digest" // info-level alerts, summarised
)

// Outgoing is one message to deliver: an alert, and the alerts it carries
// along.
type Outgoing struct {
	Kind  MessageKind
	Alert leak.Alert   // the message's alert: its ID and Instance name the message
	Also  []leak.Alert // more alerts the message covers (the same leak, reposts, a burst, a digest)
	Root  *leak.Alert  // an update's thread: the alert whose message it follows up
	Raise bool         // an update raises its root's severity: the root is edited in place
	// Broadcast: an update raises the severity of a root that went out in
	// a shared message (never edited): the reply is also shown in the
	// channel.
	Broadcast bool
}

// shared reports whether the message carries more than one alert, or is
// a summary: it must never be edited for one of them.
func (o Outgoing) shared() bool {
	return len(o.Also) > 0 || o.Kind == MessageBurst || o.Kind == MessageDigest
}

// IDs lists the alerts the message covers.
func (o Outgoing) IDs() []uint64 {
	ids := []uint64{o.Alert.ID}
	for _, a := range o.Also {
		ids = append(ids, a.ID)
	}
	return ids
}

// fold adds a to the message; the most severe alert leads.
func (o *Outgoing) fold(a leak.Alert) {
	if a.Hit.Evidence.Severity > o.Alert.Hit.Evidence.Severity {
		o.Alert, a = a, o.Alert
	}
	o.Also = append(o.Also, a)
}

// without drops the given alerts from the message; ok is false when none
// is left.
func (o Outgoing) without(ids []uint64) (Outgoing, bool) {
	var left []leak.Alert
	for _, a := range append([]leak.Alert{o.Alert}, o.Also...) {
		if !slices.Contains(ids, a.ID) {
			left = append(left, a)
		}
	}
	if len(left) == 0 {
		return o, false
	}
	o.Alert, o.Also = left[0], left[1:]
	return o, true
}

// Sender delivers one message and returns where it went (e.g. channel and
// message ts). Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, o Outgoing) (ref string, err error)
}

// Confirmer is a Sender that can tell which alerts of a message already
// arrived: the dispatcher asks it about a message whose delivery a crash
// cut short, so that nothing is sent twice.
type Confirmer interface {
	Delivered(ctx context.Context, o Outgoing) (ref string, arrived []uint64, err error)
}

// Router is a Sender that names the channel a message goes to, so that
// the dispatcher paces each channel on its own.
type Router interface {
	Channel(o Outgoing) string
}

func channelOf(s Sender, o Outgoing) string {
	if r, ok := s.(Router); ok {
		return r.Channel(o)
	}
	return ""
}
