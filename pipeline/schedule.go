package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule runs every job on its cron schedule and flush every
// flushEvery, until ctx ends. A job still running when its next slot comes
// is skipped, not stacked, and a panic in one job is recovered and logged
// without stopping the others. On return every running job has finished.
func (p *Pipeline) Schedule(ctx context.Context, jobs []Job, flush func(context.Context), flushEvery time.Duration) error {
	clog := cronLogger{p.logger()}
	c := cron.New(cron.WithChain(cron.Recover(clog), cron.SkipIfStillRunning(clog)), cron.WithLogger(clog))
	for _, j := range jobs {
		j := j
		_, err := c.AddFunc(j.Schedule, func() {
			st, _ := p.RunJob(ctx, j)
			if st.Alerts > 0 {
				flush(ctx)
			}
		})
		if err != nil {
			return fmt.Errorf("schedule %s: %w", j.Source.Name, err)
		}
	}
	_, err := c.AddFunc(fmt.Sprintf("@every %s", flushEvery), func() { flush(ctx) })
	if err != nil {
		return fmt.Errorf("schedule alert dispatch: %w", err)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err.Error())...)
}
