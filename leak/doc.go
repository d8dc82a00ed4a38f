// Package leak holds the nouns that the crawler, the matchers, the store and
// the alerts share: a crawled Post, the Evidence a post carries, the Hit that
// records it and the Alert queued for delivery.
//
// It has no behaviour beyond small helpers on these types and imports nothing
// from this module, so every other package may depend on it without cycles.
//
// # Caveats
//
// None of these types may ever hold a customer value, a canary value or a
// secret: Evidence carries counts, types, partitions and redacted excerpts
// only. Post.Text holds the page text, which may contain a seller's sample,
// and is therefore never logged, never put in an Alert and never stored in
// plaintext.
package leak
