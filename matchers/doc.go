// Package matchers decides what a post's text means for the company: which
// planted canaries and which fingerprinted customer values it contains, how
// many of its rows are real customer records, whether it names the company,
// and whether it claims to sell data.
//
// # Keyed hashes
//
// Canaries and fingerprints are held only as truncated HMAC-SHA256 digests
// of the value's type and normalised form, under a secret key. A bare
// SHA-256 would not do: phone numbers, SSNs and emails are guessable, and a
// stolen digest list could be reversed by hashing every candidate. Without
// the key the digests reveal nothing.
//
// # Concurrency
//
// A Set is built once and is safe for concurrent Match calls. Matching does
// no I/O and logs nothing.
//
// # Caveats
//
// Match returns leak.Evidence, which carries counts, types, partitions and
// configured terms only, never a matched value.
package matchers
