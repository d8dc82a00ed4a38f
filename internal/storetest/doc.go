// Package storetest opens real bbolt databases for tests: one helper for
// the one real resource, so that no test package writes its own.
package storetest
