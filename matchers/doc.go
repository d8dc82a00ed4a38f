// Package matchers decides what a post means for the company: which
// planted canaries and which fingerprinted customer values it holds, how
// many of its rows are real customer records, whose data it offers, and
// whether its poster sells it, gives it away, wants it or reports it.
//
// # Basics
//
// A Set is built from Config: the Hasher (secret key), canaries, a
// Fingerprints index (fpstore on disk, or MemIndex), brand, not-brand and
// profile terms and thresholds. MatchPost reads a post's title and text;
// a thread text (leak.ThreadText) is read in parts (thread.go), each
// message with its role: the seller's (the first post's author), another
// poster's, or a quoted passage. Two passes run over every part:
//
//   - the term scanner (terms.go) reads words in a canonical form (case,
//     leetspeak, look-alike letters, spacing) for brands, profile words,
//     intent phrases, data types, contacts, record counts and prices. The
//     claim (saleclaim.go) is built from the title and the seller's parts
//     only; brand.go decides, from the words around each brand term,
//     whether the data is ours, named in passing, or another company's;
//   - the value scanner (scan.go) finds emails, phones, SSNs, IMEIs and
//     cards without regular expressions, validates them and normalises
//     them exactly as Normalize does at import; rows.go groups them into
//     rows (lines, key-value records, SQL tuples), rowvals.go adds dates
//     of birth, licences and name+ZIP pairs read field by field, and
//     verify.go checks each row against canaries and fingerprints and
//     tells record rows from contact lines and values in prose.
//
// A row is real when a unique value (Type.Unique) of a fingerprinted
// record matches; a date of birth only corroborates. A canary is found
// only by a unique value. The severity follows from the claim, whose data
// it is and the sample (Set.severity), with the reasons in Evidence.Why.
//
// # Keyed hashes
//
// Canaries and fingerprints are held only as truncated HMAC-SHA256 digests
// of the value's type and normalised form, under a secret key. A bare
// SHA-256 would not do: phone numbers, SSNs and emails are guessable, and a
// stolen digest list could be reversed by hashing every candidate. Without
// the key the digests reveal nothing. The record ids a hit keeps to
// recognise its dataset elsewhere are keyed too.
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
// configured terms only, never a matched value nor text of the post.
// Explain (for the scan command) adds line numbers and what each value is,
// still never the value.
package matchers
