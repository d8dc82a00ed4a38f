// Package daemon is the composition root: it turns a config into the
// running parts and owns how they are put together. New opens the
// database and the matchers (canaries from the database, fingerprints
// from fpstore, keyed by the secret key), gives every source its own
// crawl client (its own Tor circuit), and builds the Slack sender, the
// dispatcher and the pipeline; Run serves them as the systemd service
// (scheduler, control socket, metrics, delivery on its own goroutine,
// SIGHUP reloads); Once crawls every source once and delivers (run
// --once, the demo); Reload swaps in a new config. Service and ScanSet
// give the analyst's commands the daemon, or the same parts when none runs.
//
// Every post takes one path: crawl -> match -> record post, hit and
// alert in one transaction (pipeline, store) -> outbox -> dispatcher ->
// Slack (alerts). Packages take plain option structs; the mapping from
// the config to them lives here.
package daemon
