// Command watcher is leakwatch's one binary: the daemon (watcher run,
// under systemd), the demo, and the analyst's commands (status, hits,
// rescan, canary, fingerprint, scan, backup, check...). This package is
// the face only: flags, options, output and exit codes. The daemon is
// assembled in package daemon, the config read in package config.
package main
