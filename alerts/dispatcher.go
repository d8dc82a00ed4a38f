package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"leakwatch/leak"
)

// Outbox is the part of the store the dispatcher needs.
type Outbox interface {
	Pending(limit int) ([]leak.Alert, error)
	MarkSending(id uint64) error
	MarkSent(id uint64, ref string) error
	MarkFailed(id uint64, reason string, permanent bool) error
}

// DispatcherOptions tune delivery.
type DispatcherOptions struct {
	// MinInterval spaces messages (Slack allows about one a second per
	// channel).
	MinInterval time.Duration
	// BaseBackoff and MaxBackoff bound the exponential backoff after a
	// transient failure.
	BaseBackoff, MaxBackoff time.Duration
	// MaxWait bounds how long one Flush waits on backoff and Retry-After in
	// total before it gives up and leaves the rest pending for the next one.
	MaxWait time.Duration
}

// Dispatcher delivers pending alerts in outbox order.
type Dispatcher struct {
	outbox Outbox
	sender Sender
	log    *slog.Logger
	opts   DispatcherOptions
	last   time.Time
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
	return &Dispatcher{outbox: o, sender: s, log: log, opts: opts}
}

// FlushResult counts what one Flush did.
type FlushResult struct {
	Sent, Failed, Left int
}

// ErrGaveUp is returned by Flush when transient failures outlasted MaxWait;
// the unsent alerts stay pending.
var ErrGaveUp = errors.New("slack kept failing; alerts left pending")

// Flush delivers every pending alert, oldest first. On a transient error it
// backs off and retries the same alert, so order holds; on a permanent error
// the alert is marked failed and stays in the outbox for an operator. It
// returns when the outbox is empty, ctx ends, or waiting exceeds MaxWait.
func (d *Dispatcher) Flush(ctx context.Context) (FlushResult, error) {
	var res FlushResult
	pending, err := d.outbox.Pending(0)
	if err != nil {
		return res, fmt.Errorf("read outbox: %w", err)
	}
	var waited time.Duration
	for i := 0; i < len(pending); {
		a := pending[i]
		if err := d.pace(ctx); err != nil {
			res.Left = len(pending) - i
			return res, err
		}
		var ref string
		var err error
		done := false
		if a.Sending {
			// A crash cut an attempt short: it may have arrived.
			done, ref, err = d.confirm(ctx, a)
		}
		if err == nil && !done {
			if err := d.outbox.MarkSending(a.ID); err != nil {
				res.Left = len(pending) - i
				return res, fmt.Errorf("mark alert %d sending: %w", a.ID, err)
			}
			a.Sending = true
			ref, err = d.sender.Send(ctx, a)
			d.last = time.Now()
		}
		if err == nil {
			if err := d.outbox.MarkSent(a.ID, ref); err != nil {
				// Delivered but not recorded: the next flush sends it again.
				res.Left = len(pending) - i
				return res, fmt.Errorf("mark alert %d sent: %w", a.ID, err)
			}
			d.log.Info("alert sent", "alert_id", a.ID, "hit_id", a.Hit.ID, "severity", a.Hit.Evidence.Severity.String())
			res.Sent++
			i++
			a.Attempts = 0
			continue
		}
		if ctx.Err() != nil {
			res.Left = len(pending) - i
			return res, ctx.Err()
		}
		permanent := Permanent(err)
		if merr := d.outbox.MarkFailed(a.ID, err.Error(), permanent); merr != nil {
			return res, fmt.Errorf("mark alert %d failed: %w", a.ID, merr)
		}
		if permanent {
			d.log.Error("alert refused by slack; it stays queued as failed until an operator acts",
				"alert_id", a.ID, "hit_id", a.Hit.ID, "error", err.Error())
			res.Failed++
			i++
			continue
		}
		a.Attempts++
		pending[i] = a
		wait, limited := RetryAfter(err)
		if !limited {
			wait = backoff(d.opts.BaseBackoff, d.opts.MaxBackoff, a.Attempts)
		}
		if waited+wait > d.opts.MaxWait {
			res.Left = len(pending) - i
			d.log.Warn("alert delivery deferred", "alert_id", a.ID, "attempt", a.Attempts, "error", err.Error())
			return res, fmt.Errorf("%w: %v", ErrGaveUp, err)
		}
		d.log.Warn("alert delivery failed, retrying", "alert_id", a.ID, "attempt", a.Attempts, "wait", wait.String(), "error", err.Error())
		waited += wait
		if err := sleep(ctx, wait); err != nil {
			res.Left = len(pending) - i
			return res, err
		}
	}
	return res, nil
}

// confirm asks a Confirmer whether an alert cut short by a crash arrived.
// A sender that cannot tell gets the alert again (at least once).
func (d *Dispatcher) confirm(ctx context.Context, a leak.Alert) (bool, string, error) {
	c, ok := d.sender.(Confirmer)
	if !ok {
		d.log.Warn("alert delivery was cut short by a stop; sending again (this destination cannot be asked whether it arrived)", "alert_id", a.ID)
		return false, "", nil
	}
	ref, found, err := c.Delivered(ctx, a)
	if err != nil {
		return false, "", fmt.Errorf("check whether alert %d arrived: %w", a.ID, err)
	}
	if found {
		d.log.Info("alert had arrived before a stop; not sent again", "alert_id", a.ID, "ref", ref)
	}
	return found, ref, nil
}

func (d *Dispatcher) pace(ctx context.Context) error {
	if d.opts.MinInterval <= 0 || d.last.IsZero() {
		return nil
	}
	return sleep(ctx, time.Until(d.last.Add(d.opts.MinInterval)))
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

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
