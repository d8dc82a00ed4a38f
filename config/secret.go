package config

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"leakwatch/matchers"
)

// ReadSecret reads a secret file, refusing one that group or others can
// read: a secret left world-readable is a leak waiting to happen.
func ReadSecret(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s has mode %04o: group and others must have no access (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

// ReadKey reads the secret key: 64 hex characters (as keygen writes) or 32
// raw bytes.
func ReadKey(path string) ([]byte, error) {
	b, err := ReadSecret(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 2*matchers.KeySize {
		if k, err := hex.DecodeString(string(b)); err == nil {
			return k, nil
		}
	}
	if len(b) == matchers.KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("secret key file %s: want 64 hex characters (watcher keygen writes one)", path)
}
