package wait

import (
	"context"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); err != context.Canceled || time.Since(start) > time.Second {
		t.Errorf("Sleep on a cancelled context = %v after %s", err, time.Since(start))
	}
	if err := Sleep(ctx, 0); err != context.Canceled {
		t.Errorf("Sleep(0) on a cancelled context = %v", err)
	}
}
