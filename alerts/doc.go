// Package alerts turns hits into Slack messages and delivers the store's
// outbox to Slack.
//
// # Basics
//
// Format builds the Block Kit message for an alert; Render prints a message
// as a person would read it in Slack (the demo's output). A Dispatcher reads
// pending alerts from an outbox, hands each to a Sender and marks it sent:
// delivery is at-least-once, in outbox order, and an alert leaves the outbox
// only by being delivered or by failing permanently.
//
// # Concurrency
//
// Format and Render are pure. One Dispatcher must not Flush from two
// goroutines at once; Senders are safe for concurrent use.
//
// # Caveats
//
// A message carries counts, types, partitions, ids and a defanged link,
// never a customer value, a canary value or a secret. Slack gets its own
// clearnet HTTP client; it never shares the crawler's Tor client.
package alerts
