// Package control lets the analyst's commands work beside the running
// daemon. The daemon holds the bbolt file (one process at a time), so it
// serves a local control socket, a Unix socket in its runtime directory
// with mode 0600 (or 0660 for a group of analysts), and every analyst
// command (status, hits, rescan, backup) talks to it when the daemon runs
// and opens the database itself when it does not.
//
// Service is what those commands need. Local implements it over an open
// database (used by the daemon behind the socket, and by a command when
// the daemon is stopped); Client implements it over the socket. Both
// return the same values, so a command prints the same output either way.
//
// The protocol is HTTP/1.1 over the Unix socket with JSON bodies; a rescan
// streams its progress as JSON lines and a backup streams the database
// file, with its length and any error in trailers. Who may connect is
// the kernel's decision (the socket's mode and directory, which Listen
// requires no other user can write); the client talks only to a socket
// that root, its own user or the daemon's user owns and serves
// (SO_PEERCRED), so a socket another user bound first learns nothing; the
// server reads
// the peer's credentials (SO_PEERCRED) to log requests and to record who
// acknowledged a hit, rather than taking the client's word for it.
package control
