package crawler

import (
	"bytes"
	"crypto/sha3"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// onionEncoding is RFC 4648 base32 in lower case, without padding, as
// onion addresses are written.
var onionEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrBadOnion is returned for a host that ends in .onion but is not a valid
// v3 onion address.
var ErrBadOnion = errors.New("invalid onion v3 address")

// CheckOnion validates host when it ends in ".onion": 56 base32 characters
// encoding a 32-byte ed25519 key, a 2-byte checksum and the version byte 3,
// with checksum = SHA3-256(".onion checksum" | key | version)[:2] (Tor's
// rend-spec-v3). Subdomains of an onion address are allowed. Hosts that do
// not end in .onion return nil.
func CheckOnion(host string) error {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !strings.HasSuffix(host, ".onion") {
		return nil
	}
	label := strings.TrimSuffix(host, ".onion")
	if i := strings.LastIndexByte(label, '.'); i >= 0 {
		label = label[i+1:]
	}
	if len(label) == 16 {
		return fmt.Errorf("%w: %q is a v2 address (retired by Tor in 2021)", ErrBadOnion, host)
	}
	if len(label) != 56 {
		return fmt.Errorf("%w: %q has %d characters before .onion, want 56", ErrBadOnion, host, len(label))
	}
	raw, err := onionEncoding.DecodeString(label)
	if err != nil || len(raw) != 35 {
		return fmt.Errorf("%w: %q is not base32", ErrBadOnion, host)
	}
	key, sum, version := raw[:32], raw[32:34], raw[34]
	if version != 3 {
		return fmt.Errorf("%w: %q has version byte %d, want 3", ErrBadOnion, host, version)
	}
	if !bytes.Equal(sum, onionChecksum(key, version)) {
		return fmt.Errorf("%w: %q fails its checksum (a typo?)", ErrBadOnion, host)
	}
	return nil
}

// OnionAddress returns the v3 onion host name (with ".onion") of an ed25519
// public key.
func OnionAddress(pub []byte) string {
	b := make([]byte, 0, 35)
	b = append(b, pub...)
	b = append(b, onionChecksum(pub, 3)...)
	b = append(b, 3)
	return onionEncoding.EncodeToString(b) + ".onion"
}

func onionChecksum(key []byte, version byte) []byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(key)
	h.Write([]byte{version})
	return h.Sum(nil)[:2]
}

// onionKey returns the ed25519 public key of a valid v3 onion host name
// (without subdomains).
func onionKey(host string) ([]byte, bool) {
	label := strings.TrimSuffix(strings.ToLower(host), ".onion")
	raw, err := onionEncoding.DecodeString(label)
	if err != nil || len(raw) != 35 || CheckOnion(host) != nil {
		return nil, false
	}
	return raw[:32], true
}

// onionPattern finds v3 onion addresses in text, defanged ones too
// ("[.]onion", "(.)onion", "[dot]onion").
var onionPattern = regexp.MustCompile(`(?i)\b([a-z2-7]{56})(?:\.|\[\.\]|\(\.\)|\[dot\]|\(dot\))onion\b`)

// Onions returns the checksum-valid v3 onion addresses the texts name,
// lower case ("x.onion"), without repeats, in order; at most 100. A text
// without "onion" in it (most posts) costs only substring searches.
func Onions(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range texts {
		if !containsOnion(text) {
			continue
		}
		for _, m := range onionPattern.FindAllStringSubmatch(text, 500) {
			a := strings.ToLower(m[1]) + ".onion"
			if seen[a] || CheckOnion(a) != nil {
				continue
			}
			seen[a] = true
			if out = append(out, a); len(out) == 100 {
				return out
			}
		}
	}
	return out
}

// containsOnion reports whether text holds "onion" as addresses are
// written (lower, upper or title case): three fast substring searches
// instead of the case-folding pattern over every post.
func containsOnion(text string) bool {
	return strings.Contains(text, "onion") || strings.Contains(text, "ONION") || strings.Contains(text, "Onion")
}
