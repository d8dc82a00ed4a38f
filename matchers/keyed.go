package matchers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"sync"
)

// KeySize is the size of the secret key for keyed hashes.
const KeySize = 32

// Digest is a truncated keyed hash of one typed, normalised value. 128 bits
// keep the chance that any of a billion stored digests collides with a
// candidate far below one in a billion posts.
type Digest [16]byte

func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Hasher computes keyed digests. It is safe for concurrent use.
type Hasher struct {
	pool sync.Pool // *mac
	// Region is assumed by Value for phone numbers written without a
	// country code; set it before use (default DefaultRegion).
	Region string
}

// mac is a keyed hash with its output buffer, reused through the pool so
// that hashing allocates nothing.
type mac struct {
	h   hash.Hash
	out [sha256.Size]byte
	msg []byte
}

// NewHasher returns a Hasher for key, which must be KeySize bytes.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) != KeySize {
		return nil, errors.New("secret key must be 32 bytes")
	}
	k := append([]byte(nil), key...)
	h := &Hasher{Region: DefaultRegion}
	h.pool.New = func() any { return &mac{h: hmac.New(sha256.New, k)} }
	return h, nil
}

// Sum returns the digest of a value of type t that is already normalised.
func (h *Hasher) Sum(t Type, norm string) Digest {
	m := h.pool.Get().(*mac)
	m.h.Reset()
	m.msg = append(append(append(m.msg[:0], t...), 0), norm...)
	m.h.Write(m.msg)
	sum := m.h.Sum(m.out[:0])
	var d Digest
	copy(d[:], sum)
	h.pool.Put(m)
	return d
}

// Value normalises raw as type t and returns its digest; ok is false when
// raw is not a valid value of that type.
func (h *Hasher) Value(t Type, raw string) (d Digest, ok bool) {
	norm, ok := NormalizeIn(t, raw, h.Region)
	if !ok {
		return Digest{}, false
	}
	return h.Sum(t, norm), true
}
