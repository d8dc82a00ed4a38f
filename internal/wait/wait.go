package wait

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx ends (then it returns ctx's error). A d of
// zero or less returns at once with ctx's error, if any.
func Sleep(ctx context.Context, d time.Duration) error {
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

// Backoff is the wait before retry n (0 for the first retry): base
// doubled n times, at most limit (0: no limit), plus a random share of
// up to jitter of it (0.5: up to half again), so that clients that failed
// together do not retry together.
func Backoff(base, limit time.Duration, n int, jitter float64) time.Duration {
	d := base
	for i := 0; i < n && (limit <= 0 || d < limit) && d < time.Duration(math.MaxInt64/4); i++ {
		d *= 2
	}
	if limit > 0 {
		d = min(d, limit)
	}
	if j := int64(float64(d) * jitter); j > 0 {
		d += time.Duration(rand.Int64N(j + 1))
	}
	return d
}
