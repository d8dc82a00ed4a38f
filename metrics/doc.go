// Package metrics exposes what the daemon does to Prometheus, on a
// listener that only accepts loopback addresses, with /healthz and /readyz
// beside /metrics.
package metrics
