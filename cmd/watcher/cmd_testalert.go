package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"leakwatch/config"
	"leakwatch/control"
	"leakwatch/daemon"
	"leakwatch/leak"
)

func newTestAlertCmd(g *globals) *cobra.Command {
	var severity string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test-alert --config FILE [--severity critical]",
		Short: "Send a clearly marked test alert through the real alert path",
		Long: `test-alert queues a test alert in the outbox and delivers the outbox to Slack, the way a
real alert goes (routing by severity, the critical mention, retries): it proves the token,
the channels and the delivery work. The message says it is a test and that no leak was
found. While the daemon runs, the daemon sends it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sev, err := leak.ParseSeverity(severity)
			if err != nil || sev == leak.SeverityNone {
				return usageError{fmt.Errorf("--severity %q: want info, high or critical", severity)}
			}
			log, err := g.logger(slog.LevelWarn)
			if err != nil {
				return err
			}
			return withService(cmd.Context(), g, "test-alert", daemon.LocalOptions{Deliver: true, Log: log}, func(cfg *config.Config, svc control.Service) error {
				return runTestAlert(cmd.Context(), cmd, svc, sev, asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the test alert as it stands (sent, or why not) as JSON")
	cmd.Flags().StringVar(&severity, "severity", "critical", "the severity to test: info, high or critical (each may route elsewhere)")
	return cmd
}

func runTestAlert(ctx context.Context, cmd *cobra.Command, svc control.Tester, sev leak.Severity, asJSON bool) error {
	a, err := svc.TestAlert(ctx, sev)
	if asJSON {
		if perr := printJSON(cmd.OutOrStdout(), a); perr != nil {
			return perr
		}
	}
	if err != nil {
		return fmt.Errorf("test alert %d is queued but was not delivered: %w", a.ID, err)
	}
	if a.State != leak.AlertSent {
		return fmt.Errorf("test alert %d is %s: %s", a.ID, a.State, a.LastError)
	}
	if asJSON {
		return nil
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "test alert %d (%s) delivered: %s\n", a.ID, sev, a.Ref)
	return err
}
