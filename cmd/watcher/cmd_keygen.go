package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"leakwatch/matchers"
)

func newKeygenCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen FILE",
		Short: "Write a new secret key for keyed hashes (mode 0600)",
		Long: `keygen writes 32 random bytes, hex-encoded, to FILE with mode 0600. It refuses to
overwrite an existing file: every canary and fingerprint is hashed with this key,
and a new key makes them all unreadable.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("keygen takes one argument: the file to write")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeygen(args[0], cmd)
		},
	}
}

func runKeygen(path string, cmd *cobra.Command) error {
	key := make([]byte, matchers.KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("keygen: %s exists; refusing to overwrite a key", path)
	}
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(key)); err != nil {
		_ = f.Close()
		return fmt.Errorf("keygen: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote a new secret key to %s (mode 0600); keep a backup offline\n", path)
	return err
}
