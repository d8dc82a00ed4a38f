// Package fpstore keeps the fingerprints of the company's customer data:
// keyed digests (never values) of hundreds of millions of emails, phones,
// SSNs and other identifiers, each with the import it came from, its type
// and the customer record it belongs to.
//
// # Layout
//
// A directory holds manifest.json, which names the current generation and
// the imports (dataset, partition, counts), and one folder per generation
// with 256 shards, one per first byte of the digest: NN.dat holds the
// shard's entries (16-byte digest, 8-byte tag) sorted by digest, and NN.bf a
// 16-bit binary fuse filter of its digests. A lookup asks the filter (in
// memory, about 2.3 bytes per value, false positive rate 2^-16) and only on
// a filter hit binary-searches the memory-mapped entries, comparing all 128
// bits of the digest: a false match would take a 128-bit collision.
//
// # Caveats
//
// An import writes a new generation (every shard: the old entries merged
// with the new) and switches to it by renaming the manifest, so a crash mid-import leaves the
// previous generation in force. One writer at a time; readers see the
// generation that was current when they opened the store.
package fpstore
