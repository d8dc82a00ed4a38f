// Package pipeline runs the steps every post takes, and when: list a
// source (crawler) -> drop the entries already seen (store) -> fetch the
// new ones, a few at a time (crawler) -> match (matchers) -> record the
// posts, their hits and the alerts due in one transaction (store), then
// note the source's health (failures in a row, fetch failures, an
// operator condition for a source that stays down).
//
// Crawl and CrawlAll do one crawl; the Scheduler runs a crawl job per
// source on its cron schedule (with jitter, never two at once for one
// source, a heartbeat for the watchdog) and the daemon's other tasks;
// Rescan runs the current matchers over stored post text. Delivery of the
// recorded alerts is not here: the outbox is the alerts package's, and
// the composition root (package daemon) starts it.
//
// The interfaces it consumes (Fetcher, Matcher, Recorder, Rescanner) are
// declared here and kept to the methods it calls.
//
// # Concurrency
//
// Crawl may run for several sources at once; the store serialises writes.
package pipeline
