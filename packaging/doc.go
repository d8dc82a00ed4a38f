// Package packaging holds the Debian package's build (build-deb.sh, debian/)
// and its test: the package is built, installed into a clean root with
// dpkg, and the installed watcher checks the example config from there.
package packaging
