// Command watcher is leakwatch: it watches paste sites and dark-web forum
// listings through Tor for sales of the company's customer data, and alerts
// the security team in Slack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	_ "time/tzdata" // crawl.timezone works on hosts without a zoneinfo database
)

func main() { os.Exit(run()) }

func run() int {
	// SIGINT and SIGTERM cancel the command's context: the daemon stops
	// cleanly (exit 0), any other command stops what it does, cleans up,
	// and exits 128 + the signal's number (130, 143) as a shell expects.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var got atomic.Value
	go func() {
		select {
		case s := <-sigs:
			got.Store(s)
			signal.Stop(sigs) // a second one ends the process at once
			cancel()
		case <-ctx.Done():
		}
	}()
	g := &globals{stdout: os.Stdout, stderr: os.Stderr}
	err := newRootCmd(g).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "watcher:", err)
		if hint := errorHint(err); hint != "" {
			fmt.Fprintln(os.Stderr, hint)
		}
		if s, ok := got.Load().(syscall.Signal); ok {
			return 128 + int(s)
		}
	}
	return exitCode(err)
}
