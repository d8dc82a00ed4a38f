package crawler

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"leakwatch/internal/wait"
)

// limiter bounds one source's requests: at most parallel in flight, and
// starts at least delay apart plus a random extra of up to jitter, so a
// forum sees a polite, irregular visitor (the idea of colly's LimitRule).
type limiter struct {
	slots  chan struct{}
	delay  time.Duration
	jitter time.Duration
	mu     sync.Mutex
	next   time.Time // earliest start of the next request
}

func newLimiter(parallel int, delay, jitter time.Duration) *limiter {
	return &limiter{slots: make(chan struct{}, max(parallel, 1)), delay: delay, jitter: jitter}
}

// acquire waits for a free slot and the request's start time; release
// frees the slot.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-l.slots }
	l.mu.Lock()
	now := time.Now()
	start := now
	if l.next.After(now) {
		start = l.next
	}
	gap := l.delay
	if l.jitter > 0 {
		gap += time.Duration(rand.Int64N(int64(l.jitter)))
	}
	l.next = start.Add(gap)
	l.mu.Unlock()
	if delay := start.Sub(now); delay > 0 {
		if err := wait.Sleep(ctx, delay); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}
