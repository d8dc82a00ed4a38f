// Package store keeps everything leakwatch learns in one bbolt file: which
// posts were seen, post metadata, hits, the alert outbox, canary digests,
// source health, and a schema version. Fingerprints live in package
// fpstore: there are far too many for a bbolt file.
//
// # Basics
//
// Open creates every bucket in one transaction. A post, its hit and its
// pending alert are written by Record in ONE bbolt Update, so after a crash
// either all of them exist or none does, and the post is crawled again.
// Delivery marks an alert sent in a later transaction: at-least-once.
//
// Keys sort: hits and outbox entries by big-endian NextSequence; seen
// entries and posts by source + 0x00 + post key.
//
// # Concurrency
//
// A DB may be used by several goroutines. bbolt allows one writer at a time
// and one process per file: a second process waits for Options.Timeout and
// then gets ErrLocked.
//
// # Caveats
//
// Post text is never stored here in plaintext: it may contain a seller's
// sample of customer data. It is kept compressed and sealed
// (XChaCha20-Poly1305 under a key derived from the secret key, the post's
// key as additional data) for rescans, and dropped after the retention
// period; the post's SHA-256 and size stay.
package store
