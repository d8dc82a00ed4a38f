package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"leakwatch/internal/wait"
	"leakwatch/leak"
)

// Outbox is the part of the store the dispatcher needs.
type Outbox interface {
	Pending(limit int) ([]leak.Alert, error)
	AlertForHit(hitID uint64) (leak.Alert, bool, error)
	MarkSending(ids ...uint64) error
	MarkSent(ref string, ids ...uint64) error
	MarkSentShared(ref string, ids ...uint64) error
	MarkFailed(reason string, permanent bool, ids ...uint64) error
	MarkShown(id uint64, sev leak.Severity) error
	SetCondition(id string, active bool, reason string, alert bool) (bool, error)
}

// DispatcherOptions tune delivery.
type DispatcherOptions struct {
	// MinInterval spaces messages to one channel (Slack allows about one a
	// second per channel).
	MinInterval time.Duration
	// BaseBackoff and MaxBackoff bound the exponential backoff after a
	// transient failure.
	BaseBackoff, MaxBackoff time.Duration
	// MaxWait bounds how long one Flush waits on backoff and Retry-After in
	// total before it gives up and leaves the rest pending for the next one.
	MaxWait time.Duration
	// BurstLimit is the most leak messages one Flush sends; beyond it the
	// least severe go as one summary message (default 10).
	BurstLimit int
	// DigestEvery, if set, holds info-level alerts and sends them as one
	// digest once the oldest has waited this long (e.g. 24h).
	DigestEvery time.Duration
	// DestinationRetry is how long to wait before trying Slack again after
	// it refused the destination itself (a revoked token, a missing
	// channel): default 5 minutes. The alerts stay queued meanwhile.
	DestinationRetry time.Duration
	// BacklogAfter raises the "outbox" operator condition when an alert has
	// waited this long (default 30 minutes).
	BacklogAfter time.Duration
}

// Dispatcher delivers pending alerts.
type Dispatcher struct {
	outbox Outbox
	sender Sender
	log    *slog.Logger
	opts   DispatcherOptions

	mu      sync.Mutex // one Flush at a time
	last    map[string]time.Time
	blocked time.Time // no delivery before this (a destination error)
}

// NewDispatcher returns a dispatcher. A nil logger discards.
func NewDispatcher(o Outbox, s Sender, log *slog.Logger, opts DispatcherOptions) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Minute
	}
	if opts.BurstLimit <= 0 {
		opts.BurstLimit = 10
	}
	if opts.DestinationRetry <= 0 {
		opts.DestinationRetry = 5 * time.Minute
	}
	if opts.BacklogAfter <= 0 {
		opts.BacklogAfter = 30 * time.Minute
	}
	return &Dispatcher{outbox: o, sender: s, log: log, opts: opts, last: map[string]time.Time{}}
}

// FlushResult counts what one Flush did, in alerts (a message may carry
// several) and messages.
type FlushResult struct {
	Sent, Failed, Left int
	Messages           int
}

// ErrGaveUp is returned by Flush when transient failures outlasted MaxWait;
// the unsent alerts stay pending.
var ErrGaveUp = errors.New("slack kept failing; alerts left pending")

// ErrDestination is returned by Flush when Slack refused the destination
// itself (credentials, channel): the alerts stay pending, and delivery
// resumes by itself once it is fixed (tried again after DestinationRetry).
var ErrDestination = errors.New("slack refuses the destination; alerts stay queued")

// Flush delivers the pending alerts, oldest first, grouped into messages
// (see plan). On a transient error it backs off and retries the same
// message, so order holds; a message Slack will never take is marked
// failed and stays in the outbox for an operator; when Slack refuses the
// destination, everything stays pending. It returns when the outbox is
// empty, ctx ends, or waiting exceeds MaxWait.
func (d *Dispatcher) Flush(ctx context.Context) (FlushResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var res FlushResult
	pending, err := d.outbox.Pending(0)
	if err != nil {
		return res, fmt.Errorf("read outbox: %w", err)
	}
	defer func() { d.noteBacklog(pending, res) }()
	if time.Now().Before(d.blocked) {
		res.Left = len(pending)
		return res, ErrDestination
	}
	msgs, held := d.plan(pending, time.Now())
	left := func(i int) int {
		n := held
		for _, m := range msgs[i:] {
			n += 1 + len(m.Also)
		}
		return n
	}
	var waited time.Duration
	attempts := 0
	for i := 0; i < len(msgs); {
		o := msgs[i]
		if err := d.resolveRoot(&o); err != nil {
			res.Left = left(i)
			return res, err
		}
		ch := channelOf(d.sender, o)
		if err := d.pace(ctx, ch); err != nil {
			res.Left = left(i)
			return res, err
		}
		ref, err := d.deliver(ctx, o)
		d.last[ch] = time.Now()
		if err == nil {
			mark := d.outbox.MarkSent
			if o.shared() {
				mark = d.outbox.MarkSentShared
			}
			if err := mark(ref, o.IDs()...); err != nil {
				// Delivered but not recorded: the next flush asks Slack
				// (Sending is set) before sending again.
				res.Left = left(i)
				return res, fmt.Errorf("mark alert %d sent: %w", o.Alert.ID, err)
			}
			if o.Raise || o.Broadcast {
				if err := d.outbox.MarkShown(o.Root.ID, o.Alert.Hit.Evidence.Severity); err != nil {
					d.log.Warn("record raised severity", "alert_id", o.Root.ID, "error", err.Error())
				}
			}
			if changed, _ := d.outbox.SetCondition("slack", false, "", false); changed {
				d.log.Info("slack accepts messages again")
			}
			d.log.Info("alert sent", "alert_id", o.Alert.ID, "message", string(o.Kind), "alerts", 1+len(o.Also),
				"hit_id", o.Alert.Hit.ID, "severity", o.Alert.Severity().String())
			res.Sent += 1 + len(o.Also)
			res.Messages++
			i++
			attempts = 0
			continue
		}
		if ctx.Err() != nil {
			res.Left = left(i)
			return res, ctx.Err()
		}
		switch {
		case DestinationError(err):
			_ = d.outbox.MarkFailed(err.Error(), false, o.IDs()...)
			_, _ = d.outbox.SetCondition("slack", true, err.Error(), false)
			d.blocked = time.Now().Add(d.opts.DestinationRetry)
			d.log.Error("slack refuses the destination: alerts stay queued until it is fixed (see watcher status)",
				"error", err.Error(), "queued", left(i), "retry_in", d.opts.DestinationRetry.String())
			res.Left = left(i)
			return res, fmt.Errorf("%w: %v", ErrDestination, err)
		case MessageError(err):
			if merr := d.outbox.MarkFailed(err.Error(), true, o.IDs()...); merr != nil {
				return res, fmt.Errorf("mark alert %d failed: %w", o.Alert.ID, merr)
			}
			d.log.Error("slack refused this message; it stays in the outbox as failed until an operator acts",
				"alert_id", o.Alert.ID, "hit_id", o.Alert.Hit.ID, "error", err.Error())
			res.Failed += 1 + len(o.Also)
			i++
			continue
		}
		if merr := d.outbox.MarkFailed(err.Error(), false, o.IDs()...); merr != nil {
			return res, fmt.Errorf("mark alert %d failed: %w", o.Alert.ID, merr)
		}
		attempts++
		delay, limited := RetryAfter(err)
		if !limited {
			delay = backoff(d.opts.BaseBackoff, d.opts.MaxBackoff, attempts)
		}
		if waited+delay > d.opts.MaxWait {
			res.Left = left(i)
			d.log.Warn("alert delivery deferred", "alert_id", o.Alert.ID, "attempt", attempts, "error", err.Error())
			return res, fmt.Errorf("%w: %v", ErrGaveUp, err)
		}
		d.log.Warn("alert delivery failed, retrying", "alert_id", o.Alert.ID, "attempt", attempts, "wait", delay.String(), "error", err.Error())
		waited += delay
		if err := wait.Sleep(ctx, delay); err != nil {
			res.Left = left(i)
			return res, err
		}
	}
	res.Left = held
	return res, nil
}

// deliver sends o, unless an attempt cut short by a crash already got it
// there (asked of a Confirmer).
func (d *Dispatcher) deliver(ctx context.Context, o Outgoing) (string, error) {
	sending := o.Alert.Sending
	for _, a := range o.Also {
		sending = sending || a.Sending
	}
	if sending {
		c, ok := d.sender.(Confirmer)
		var ref string
		var arrived []uint64
		var err error
		if ok {
			ref, arrived, err = c.Delivered(ctx, o)
			ok = !errors.Is(err, ErrCannotConfirm)
		}
		if ok {
			if err != nil {
				return "", fmt.Errorf("check whether alert %d arrived: %w", o.Alert.ID, err)
			}
			if len(arrived) > 0 {
				mark := d.outbox.MarkSent
				if o.shared() {
					mark = d.outbox.MarkSentShared
				}
				if err := mark(ref, arrived...); err != nil {
					return "", err
				}
				d.log.Info("alerts had arrived before a stop; not sent again", "alert_ids", fmt.Sprint(arrived), "ref", ref)
			}
			rest, ok := o.without(arrived)
			if !ok {
				return ref, nil // all of it had arrived
			}
			o = rest
		} else {
			d.log.Warn("alert delivery was cut short by a stop; sending again (this destination cannot be asked whether it arrived)", "alert_id", o.Alert.ID)
		}
	}
	if err := d.outbox.MarkSending(o.IDs()...); err != nil {
		return "", fmt.Errorf("mark alert %d sending: %w", o.Alert.ID, err)
	}
	return d.sender.Send(ctx, o)
}

// resolveRoot finds the message an update follows up; an update whose
// root was never delivered goes as a message of its own.
func (d *Dispatcher) resolveRoot(o *Outgoing) error {
	if o.Kind != MessageUpdate {
		return nil
	}
	root, found, err := d.outbox.AlertForHit(o.Alert.Hit.Thread)
	if err != nil {
		return fmt.Errorf("find the alert thread of hit %d: %w", o.Alert.Hit.Thread, err)
	}
	if !found || root.State != leak.AlertSent || root.Ref == "" {
		o.Kind = MessageAlert
		return nil
	}
	o.Root = &root
	higher := o.Alert.Hit.Evidence.Severity > root.Severity()
	if root.Shared {
		// The root went out in a summary (or with other posts folded in):
		// editing it would overwrite the others. The update is a reply
		// that leaves it intact, also shown in the channel when it raises
		// the severity.
		o.Broadcast = higher
	} else {
		o.Raise = higher
	}
	return nil
}

// plan groups pending alerts into messages:
//   - an operator or test alert is a message of its own;
//   - alerts that follow up an earlier hit (a stronger edit or rescan, a
//     repost) go as one update per thread, reposts folded in;
//   - new leak alerts with the same headline, brands, canary partitions and
//     claimed count are one leak: one message, the other posts folded in;
//   - beyond BurstLimit leak messages, the least severe go as one summary;
//   - with DigestEvery, info-level alerts wait and go as one digest.
//
// held counts the alerts kept back for a later digest.
func (d *Dispatcher) plan(pending []leak.Alert, now time.Time) (msgs []Outgoing, held int) {
	var leaks, digest []Outgoing
	updates := map[uint64]int{}
	sameLeak := map[string]int{}
	var info []leak.Alert
	for _, a := range pending {
		switch {
		case a.Kind != leak.AlertLeak:
			msgs = append(msgs, Outgoing{Kind: MessageAlert, Alert: a})
		case a.Hit.Thread != 0:
			if i, ok := updates[a.Hit.Thread]; ok {
				leaks[i].fold(a)
				continue
			}
			updates[a.Hit.Thread] = len(leaks)
			leaks = append(leaks, Outgoing{Kind: MessageUpdate, Alert: a})
		case d.opts.DigestEvery > 0 && a.Hit.Evidence.Severity <= leak.SeverityInfo:
			info = append(info, a)
		default:
			k := leakKey(a)
			if i, ok := sameLeak[k]; ok {
				leaks[i].fold(a)
				continue
			}
			sameLeak[k] = len(leaks)
			leaks = append(leaks, Outgoing{Kind: MessageAlert, Alert: a})
		}
	}
	if len(info) > 0 {
		if now.Sub(info[0].Created) >= d.opts.DigestEvery {
			digest = []Outgoing{{Kind: MessageDigest, Alert: info[0], Also: info[1:]}}
		} else {
			held = len(info)
		}
	}
	if len(leaks) > d.opts.BurstLimit {
		byRank := slices.Clone(leaks)
		slices.SortStableFunc(byRank, func(a, b Outgoing) int {
			return cmp.Or(cmp.Compare(b.Alert.Severity(), a.Alert.Severity()), cmp.Compare(a.Alert.ID, b.Alert.ID))
		})
		keep := byRank[:d.opts.BurstLimit-1]
		slices.SortFunc(keep, func(a, b Outgoing) int { return cmp.Compare(a.Alert.ID, b.Alert.ID) })
		rest := byRank[d.opts.BurstLimit-1:]
		burst := Outgoing{Kind: MessageBurst, Alert: rest[0].Alert}
		for _, o := range rest[1:] {
			burst.Also = append(burst.Also, o.Alert)
		}
		for _, o := range rest {
			burst.Also = append(burst.Also, o.Also...)
		}
		leaks = append(keep, burst)
	}
	msgs = append(msgs, leaks...)
	slices.SortStableFunc(msgs, func(a, b Outgoing) int {
		return cmp.Or(cmp.Compare(b2i(a.Kind == MessageBurst), b2i(b.Kind == MessageBurst)), cmp.Compare(a.Alert.ID, b.Alert.ID))
	})
	return append(msgs, digest...), held
}

// leakKey says which new alerts report the same leak.
func leakKey(a leak.Alert) string {
	ev := a.Hit.Evidence
	var parts []string
	for _, c := range ev.Canaries {
		parts = append(parts, c.Partition)
	}
	slices.Sort(parts)
	var records int64
	if ev.Claim != nil {
		records = ev.Claim.Records
	}
	return fmt.Sprintf("%d|%s|%s|%s|%d", ev.Severity, ev.Headline, strings.Join(ev.Brands, ","), strings.Join(slices.Compact(parts), ","), records)
}

// noteBacklog raises the "outbox" operator condition while an alert has
// waited longer than BacklogAfter, and clears it when the outbox drains.
func (d *Dispatcher) noteBacklog(pending []leak.Alert, res FlushResult) {
	waiting := res.Left > 0 && len(pending) > 0 && time.Since(pending[0].Created) > d.opts.BacklogAfter
	reason := ""
	if waiting {
		reason = fmt.Sprintf("%d alerts waiting, the oldest since %s", res.Left, pending[0].Created.UTC().Format(time.RFC3339))
	}
	if changed, err := d.outbox.SetCondition("outbox", waiting, reason, true); err == nil && changed && waiting {
		d.log.Warn("alert outbox backing up", "pending", res.Left, "oldest", pending[0].Created.UTC().Format(time.RFC3339))
	}
}

func (d *Dispatcher) pace(ctx context.Context, channel string) error {
	last := d.last[channel]
	if d.opts.MinInterval <= 0 || last.IsZero() {
		return nil
	}
	return wait.Sleep(ctx, time.Until(last.Add(d.opts.MinInterval)))
}

// backoff is base*2^(attempt-1), capped, with up to 20% jitter.
func backoff(base, limit time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
