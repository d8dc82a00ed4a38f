// Command watcher is leakwatch: it watches paste sites and dark-web forum
// listings through Tor for sales of the company's customer data, and alerts
// the security team in Slack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // crawl.timezone works on hosts without a zoneinfo database
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	g := &globals{stdout: os.Stdout, stderr: os.Stderr}
	err := newRootCmd(g).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "watcher:", err)
		if hint := errorHint(err); hint != "" {
			fmt.Fprintln(os.Stderr, hint)
		}
	}
	return exitCode(err)
}
