// Package matchers decides what a post's text means for the company: which
// planted canaries and which fingerprinted customer values it contains, how
// many of its rows are real customer records, whether it names the company,
// and whether it claims to sell data.
//
// # Basics
//
// A Set is built from Config: the Hasher (secret key), canaries, a
// Fingerprints index (fpstore on disk, or MemIndex), brand and profile
// terms and thresholds. Match runs two passes over the text:
//
//   - the value scanner (scan.go) finds emails, phones, SSNs, IMEIs and
//     cards without regular expressions, validates them (NANP rules, SSN
//     ranges, Luhn) and normalises them exactly as Normalize does at import;
//     rows.go groups them into rows (lines, key-value records, SQL tuples)
//     and rowvals.go adds dates of birth, licences and name+ZIP pairs from
//     dump rows;
//   - the term scanner (terms.go) reads the text word by word in a
//     canonical form (case, leetspeak, look-alike letters, spacing) for
//     brands, profile words, sale phrases, data types, contacts, record
//     counts and prices (saleclaim.go).
//
// Every value is hashed and looked up; rows with two values of one record,
// a strong value or a canary are real. Severity follows from the evidence.
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
// A Set is built once and is safe for concurrent Match calls (each takes
// its buffers from a pool). Matching does no I/O besides the fingerprint
// index's memory-mapped reads, and logs nothing.
//
// # Caveats
//
// Match returns leak.Evidence, which carries counts, types, partitions and
// configured terms only, never a matched value. Explain (for the scan
// command) adds line numbers and what each value is, still never the value.
package matchers
