// Package pipeline is the one place that wires the steps of leakwatch:
// list a source (crawler) -> drop entries already seen (store) -> fetch the
// new ones (crawler) -> match (matchers) -> record post, hit and alert in one
// transaction (store); and, separately, deliver the outbox (alerts).
//
// The daemon (run), the demo and later the analyst commands all call the
// same functions here. The interfaces it consumes are declared here and kept
// to the methods it uses.
//
// # Concurrency
//
// Crawl may run for several sources at once; the store serialises writes.
package pipeline
