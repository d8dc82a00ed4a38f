// Package demo is a small dark web in a box: two fictional onion sites (a
// MyBB-like forum with a "Databases" board of two pages, and a paste site)
// served from files built into the binary, a SOCKS5 proxy that stands in for
// Tor, and a fictional company's customer data, canaries and brand terms.
//
// `watcher demo` crawls it through the proxy with the same code the daemon
// uses against Tor; tests use it as a fixture world. Everything listens on
// 127.0.0.1 only, and the proxy, like Tor, resolves names itself and refuses
// every host it does not serve.
//
// # Caveats
//
// The demo's secret key is a published constant and its customer data is
// invented; both are for the demo only.
package demo
