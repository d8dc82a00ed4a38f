// Package crawler reads forum listings, forum threads and paste sites through
// a SOCKS5 proxy (Tor) and turns their pages into posts.
//
// # Basics
//
// NewClient is the only way to get an HTTP client for crawling. Every
// connection it makes goes through the configured SOCKS5 proxy with the host
// name sent to the proxy (socks5h semantics), so .onion names never reach the
// local resolver. There is no direct-dial fallback: when the proxy is down a
// fetch fails. The dialer also refuses hosts the source does not name, so a
// hostile page cannot point the crawler at anything else (the Tor control
// port, a metrics listener) through Tor.
//
// Parsing is separate from fetching: the Parse* functions take saved bytes
// and return posts or listing entries, with no network, so they can be tested
// against files under testdata/.
//
// # Concurrency
//
// A Client may be used by several goroutines at once. Parse functions are pure.
//
// # Caveats
//
// Page text may hold customer data from a seller's sample. This package never
// logs it; callers must not either.
package crawler
