package crawler

// OnionKey is onionKey, for the fuzz tests.
var OnionKey = onionKey
