package store

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"unsafe"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/chacha20poly1305"
)

// Post text is kept compressed (zstd) and sealed (XChaCha20-Poly1305) with
// a key derived from leakwatch's secret key: a seller's sample holds
// customer data in plaintext, so a copy of the database without the key
// must reveal none of it. A sealed text is
//
//	version (1 byte) | nonce (24 bytes) | AEAD(zstd(text))
//
// with the post's key as additional data, so a sealed text cannot be moved
// to another post unnoticed.

const textVersion = 1

// TextKeySize is the size of the key that seals post text.
const TextKeySize = chacha20poly1305.KeySize

// ErrNoTextKey is returned when post text is asked for and the database
// was opened without a text key.
var ErrNoTextKey = errors.New("post text is sealed and no key was given")

// ErrTextOpen is returned when sealed text does not open with the key: a
// different secret key, or a damaged record.
var ErrTextOpen = errors.New("post text does not open with this key (another secret key, or a damaged record)")

// DeriveTextKey derives the text-sealing key from leakwatch's secret key
// (the one that keys the value hashes); the two uses never share a key.
func DeriveTextKey(secret []byte) ([]byte, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("secret key is %d bytes, want at least 32", len(secret))
	}
	return hkdf.Key(sha256.New, secret, nil, "leakwatch post text v1", TextKeySize)
}

var (
	// EncodeAll from many goroutines at once; no frame checksum, the AEAD
	// tag authenticates every byte.
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(false))
	// Sealed text is authenticated before it is decompressed, so only text
	// leakwatch wrote reaches the decoder; the memory cap is belt and braces.
	zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(256<<20))
)

// sealer seals and opens post text.
type sealer struct {
	aead interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		NonceSize() int
		Overhead() int
	}
}

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("text key: %w", err)
	}
	return &sealer{aead: a}, nil
}

func (s *sealer) seal(postKey []byte, text string) ([]byte, error) {
	z := zenc.EncodeAll([]byte(text), nil)
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(z)+s.aead.Overhead())
	out[0] = textVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:1+ns], z, postKey), nil
}

// open opens a sealed text. It decrypts in place, so sealed must be the
// caller's own copy (never bbolt's memory), and is garbage afterwards.
func (s *sealer) open(postKey, sealed []byte) (string, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != textVersion {
		return "", ErrTextOpen
	}
	ct := sealed[1+ns:]
	z, err := s.aead.Open(ct[:0], sealed[1:1+ns], ct, postKey)
	if err != nil {
		return "", ErrTextOpen
	}
	text, err := zdec.DecodeAll(z, nil)
	if err != nil {
		return "", fmt.Errorf("decompress post text: %w", err)
	}
	// text is a fresh buffer nothing else refers to or will change: it
	// becomes the string without a second copy of the post.
	return unsafe.String(unsafe.SliceData(text), len(text)), nil
}
