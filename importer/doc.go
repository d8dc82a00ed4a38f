// Package importer turns a CSV export of customer data into keyed digests
// in the fingerprint store: it streams the file (hundreds of millions of
// rows), normalises each mapped column by its type, hashes it with the
// secret key and adds it with the row's record tag. Bad values are counted
// and reported by file, line and column, never by value.
package importer
