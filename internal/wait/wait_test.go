package wait

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		base, limit time.Duration
		n           int
		jitter      float64
		lo, hi      time.Duration
	}{
		{time.Second, 0, 0, 0, time.Second, time.Second},
		{time.Second, 0, 3, 0, 8 * time.Second, 8 * time.Second},
		{time.Second, 5 * time.Second, 3, 0, 5 * time.Second, 5 * time.Second},
		{time.Second, 0, 2, 0.5, 4 * time.Second, 6 * time.Second},
		{time.Second, 10 * time.Second, 100, 0.2, 10 * time.Second, 12 * time.Second},
		{time.Second, 0, 200, 0, time.Second, 1 << 62}, // no overflow to a negative wait
	} {
		for range 50 {
			if d := Backoff(c.base, c.limit, c.n, c.jitter); d < c.lo || d > c.hi {
				t.Errorf("Backoff(%v, %v, %d, %v) = %v, want %v..%v", c.base, c.limit, c.n, c.jitter, d, c.lo, c.hi)
				break
			}
		}
	}
}
