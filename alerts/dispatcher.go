package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"leakwatch/internal/wait"
	"leakwatch/leak"
)

// Queue is where alerts wait for delivery: read oldest first, marked as
// each attempt goes.
type Queue interface {
	Pending(limit int) ([]leak.Alert, error)
	AlertForHit(hitID uint64) (leak.Alert, bool, error)
	MarkSending(ids ...uint64) error
	MarkSent(ref string, ids ...uint64) error
	MarkSentShared(ref string, ids ...uint64) error
	MarkFailed(reason string, permanent bool, ids ...uint64) error
	MarkShown(id uint64, sev leak.Severity) error
}

// Conditions raises and clears a problem of leakwatch itself that an
// operator should know of (Slack refusing, a backlog).
type Conditions interface {
	SetCondition(id string, active bool, reason string, alert bool) (bool, error)
}

// DeliveryState keeps how delivery goes (the burst round, each channel's
// last message, recent failures) across restarts.
type DeliveryState interface {
	Delivery() (leak.Delivery, error)
	SetDelivery(leak.Delivery) error
}

// Outbox is what the dispatcher needs of the store: the queue, the
// operator conditions and its own state.
type Outbox interface {
	Queue
	Conditions
	DeliveryState
}

// Checker is a sender that can ask its destination, without posting,
// whether it accepts the credentials (Slack's auth.test).
type Checker interface {
	Check(ctx context.Context) (string, error)
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
	// BurstLimit is the most leak messages one delivery round sends (a
	// round: from an outbox with leak alerts until it is empty again, kept
	// across restarts, at most an hour); beyond it the least severe go as
	// one summary message (default 10).
	BurstLimit int
	// DigestEvery, if set, holds info-level alerts and sends them as one
	// digest once the oldest has waited this long (e.g. 24h).
	DigestEvery time.Duration
	// DestinationRetry is how long to wait before sending to Slack again
	// after it refused the destination itself (a revoked token, a missing
	// channel): default 1 minute. The alerts stay queued meanwhile.
	DestinationRetry time.Duration
	// ProbeEvery: meanwhile, a sender that can be asked without posting (a
	// Checker: auth.test) is asked this often (default 15 s), and delivery
	// resumes as soon as it accepts the credentials again.
	ProbeEvery time.Duration
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

	mu       sync.Mutex // one Flush at a time
	last     map[string]time.Time
	blocked  time.Time // no delivery before this (a destination error)
	blockErr error     // what Slack said when it refused the destination
	probed   time.Time // the last auth.test while blocked
	state    leak.Delivery
	recent   []string // the last attempts' trouble ("" for a success), newest last
	troubled bool     // the "delivery" condition is raised
}

// roundTTL ends a delivery round that never drained (Slack refusing for
// hours): the next alerts start a new one.
const roundTTL = time.Hour

// troubleWindow is how many recent attempts judge whether Slack is
// degraded (rate limiting, failing, not answering).
const troubleWindow = 10

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
		opts.DestinationRetry = time.Minute
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = 15 * time.Second
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
func (d *Dispatcher) Flush(ctx context.Context) (res FlushResult, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pending, err := d.outbox.Pending(0)
	if err != nil {
		return res, fmt.Errorf("read outbox: %w", err)
	}
	defer func() { d.noteBacklog(pending, res) }()
	d.loadState()
	if d.stillBlocked(ctx) {
		res.Left = len(pending)
		if d.blockErr != nil {
			return res, fmt.Errorf("%w: %v", ErrDestination, d.blockErr)
		}
		return res, ErrDestination
	}
	now := time.Now()
	if d.state.RoundSent > 0 && now.Sub(d.state.RoundStarted) > roundTTL {
		d.state.RoundSent, d.state.RoundStarted = 0, time.Time{}
	}
	msgs, held := d.plan(pending, now, d.opts.BurstLimit-d.state.RoundSent)
	defer func() {
		// The outbox is empty (but for a held digest): the round is over.
		if err == nil && res.Left == held && d.state.RoundSent > 0 {
			d.state.RoundSent, d.state.RoundStarted = 0, time.Time{}
			d.saveState()
		}
	}()
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
		ref, err := d.deliver(ctx, o, ch)
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
			d.blocked, d.probed, d.blockErr = time.Now().Add(d.opts.DestinationRetry), time.Now(), err
			_ = d.outbox.MarkFailed(err.Error(), false, o.IDs()...)
			_, _ = d.outbox.SetCondition("slack", true, err.Error(), false)
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
			delay = wait.Backoff(d.opts.BaseBackoff, d.opts.MaxBackoff, attempts-1, 0.2)
		}
		if waited+delay > d.opts.MaxWait {
			res.Left = left(i)
			d.log.Warn("alert delivery deferred", "alert_id", o.Alert.ID, "attempt", attempts, "error", err.Error())
			d.noteTrouble(true, res.Left)
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
func (d *Dispatcher) deliver(ctx context.Context, o Outgoing, ch string) (string, error) {
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
				d.countRound(o)
				d.saveState()
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
	start := time.Now().UTC()
	d.state.SendingSince, d.state.LastAttempt = start, start
	d.saveState()
	ref, err := d.sender.Send(ctx, o)
	d.last[ch] = time.Now().UTC()
	if err == nil {
		d.countRound(o)
	}
	d.noteAttempt(ch, err) // saves the state: one write for the send's outcome
	return ref, err
}

// countRound counts a leak message sent against the round's burst limit.
func (d *Dispatcher) countRound(o Outgoing) {
	if o.Alert.Kind != leak.AlertLeak {
		return
	}
	if d.state.RoundSent == 0 {
		d.state.RoundStarted = time.Now().UTC()
	}
	d.state.RoundSent++
}

// loadState reads the delivery state the store keeps across restarts: the
// round's count, and each channel's last message, newer than this
// process's own if another wrote it since.
func (d *Dispatcher) loadState() {
	st, err := d.outbox.Delivery()
	if err != nil {
		d.log.Warn("alert delivery state unreadable: the burst round and pacing start afresh", "error", err.Error())
		return
	}
	d.state = st
	for ch, t := range st.LastSent {
		if t.After(d.last[ch]) {
			d.last[ch] = t
		}
	}
}

func (d *Dispatcher) saveState() {
	d.state.LastSent = d.last
	if err := d.outbox.SetDelivery(d.state); err != nil {
		d.log.Warn("record the alert delivery state", "error", err.Error())
	}
}

// stillBlocked: Slack refused the destination and its retry time has not
// come; a Checker is asked meanwhile (every ProbeEvery), and delivery
// resumes as soon as it accepts the credentials.
func (d *Dispatcher) stillBlocked(ctx context.Context) bool {
	if !time.Now().Before(d.blocked) {
		return false
	}
	c, ok := d.sender.(Checker)
	if !ok || time.Since(d.probed) < d.opts.ProbeEvery {
		return true
	}
	d.probed = time.Now()
	if _, err := c.Check(ctx); err != nil {
		return true
	}
	d.log.Info("slack accepts the credentials again (auth.test): delivering the queued alerts")
	d.blocked = time.Time{}
	return false
}

// noteAttempt records how one send went, in the delivery state and the
// recent window that judges whether Slack is degraded.
func (d *Dispatcher) noteAttempt(ch string, err error) {
	now := time.Now().UTC()
	d.state.SendingSince = time.Time{}
	trouble := troubleOf(err)
	if err == nil {
		d.state.LastSuccess, d.state.LastError, d.state.Trouble, d.state.Failures = now, "", "", 0
	} else {
		d.state.LastError, d.state.Trouble = err.Error(), trouble
		d.state.Failures++
	}
	d.saveState()
	if trouble == "refused" || MessageError(err) {
		return // the "slack" condition, or one bad message: not Slack's health
	}
	d.recent = append(d.recent, trouble)
	if len(d.recent) > troubleWindow {
		d.recent = d.recent[len(d.recent)-troubleWindow:]
	}
	d.noteTrouble(false, -1)
}

// noteTrouble raises the "delivery" operator condition when Slack is
// degraded: at least 3 of the last 10 sends failed and at least half of
// them (a 429 storm, 5xx, sends that never get an answer), or a flush
// gave up; it clears after 3 sends in a row went through. waiting, if
// known, is how many alerts are left.
func (d *Dispatcher) noteTrouble(gaveUp bool, waiting int) {
	failed, last := 0, ""
	for _, t := range d.recent {
		if t != "" {
			failed++
			last = t
		}
	}
	n := len(d.recent)
	okRun := 0
	for i := n - 1; i >= 0 && d.recent[i] == ""; i-- {
		okRun++
	}
	switch {
	case gaveUp || okRun == 0 && failed >= 3 && 2*failed >= n:
		if last == "" {
			last = d.state.Trouble
		}
		reason := fmt.Sprintf("Slack is degraded (%s): %d of the last %d sends failed; last error: %s", orWord(last, "failing"), failed, n, cut(d.state.LastError, 200))
		if waiting >= 0 {
			reason += fmt.Sprintf("; %d alerts waiting", waiting)
		}
		changed, err := d.outbox.SetCondition("delivery", true, reason, true)
		if err == nil && changed {
			d.log.Warn("slack delivery degraded: alerts are delayed (see watcher status)", "trouble", last, "failed", failed, "of", n)
		}
		d.troubled = true
	case d.troubled && okRun >= 3 || !d.troubled && okRun > 0:
		if changed, err := d.outbox.SetCondition("delivery", false, "", true); err == nil && changed {
			d.log.Info("slack delivery recovered")
		}
		d.troubled = false
	}
}

// troubleOf names how a send failed: "" for none.
func troubleOf(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case DestinationError(err):
		return "refused"
	case isLimited(err):
		return "rate limited"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "no answer"
	case serverError(err):
		return "server error"
	}
	return "unreachable"
}

// serverError: Slack answered with a 5xx.
func serverError(err error) bool {
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code >= 500
}

func isLimited(err error) bool {
	_, limited := RetryAfter(err)
	return limited
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
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
func (d *Dispatcher) plan(pending []leak.Alert, now time.Time, budget int) (msgs []Outgoing, held int) {
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
	if len(leaks) > max(budget, 1) {
		// Over what is left of the round's burst limit: the most severe
		// go alone, the rest as one summary (which is a message too).
		byRank := slices.Clone(leaks)
		slices.SortStableFunc(byRank, func(a, b Outgoing) int {
			return cmp.Or(cmp.Compare(b.Alert.Severity(), a.Alert.Severity()), cmp.Compare(a.Alert.ID, b.Alert.ID))
		})
		keep := byRank[:max(budget-1, 0)]
		slices.SortFunc(keep, func(a, b Outgoing) int { return cmp.Compare(a.Alert.ID, b.Alert.ID) })
		rest := byRank[len(keep):]
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

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
