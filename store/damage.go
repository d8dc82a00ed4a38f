package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// ErrDamaged is returned when the database file is damaged (truncated,
// overwritten): opening or reading it stops with this error instead of a
// crash, and nothing is written to it. Restore a backup, or copy what is
// readable into a new file (Salvage).
var ErrDamaged = errors.New("the database file is damaged")

// ErrEmptyFile is returned by Open for a file of 0 bytes: it is not a
// database (a database is created only where no file exists), and taking
// it for a new one would alert every post again.
var ErrEmptyFile = errors.New("the database file is empty (0 bytes)")

// The on-disk format of bbolt (version 2), read here without bbolt, so that
// a damaged file is recognised before bbolt maps it (bbolt trusts its
// pages, and a truncated file makes it fault or panic) and so that Salvage
// can read around damaged pages.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16 // id u64, flags u16, count u16, overflow u32
	elementSize    = 16 // branch: pos, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	metaSize       = 64 // magic, version, page size, flags u32; root bucket (root, sequence u64); freelist, pgid, txid, checksum u64
	branchPage     = 0x01
	leafPage       = 0x02
	metaPage       = 0x04
	freelistPage   = 0x10
	bucketLeaf     = 0x01
	noFreelist     = ^uint64(0)
)

// boltMeta is a meta page's content.
type boltMeta struct {
	pageSize       uint32
	root, freelist uint64
	hwm            uint64 // pages in use: the file holds at least hwm*pageSize bytes
	txid           uint64
}

var le = binary.LittleEndian

// readMeta reads and validates the meta page at off.
func readMeta(f io.ReaderAt, off int64) (boltMeta, error) {
	var b [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return boltMeta{}, fmt.Errorf("meta page at %d: %w", off, err)
	}
	if flags := le.Uint16(b[8:]); flags&metaPage == 0 {
		return boltMeta{}, fmt.Errorf("meta page at %d: page type %#x is not a meta page", off, flags)
	}
	m := b[pageHeaderSize:]
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, fmt.Errorf("meta page at %d: not a bbolt file (no magic number)", off)
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("meta page at %d: format version %d, want %d", off, v, boltVersion)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, fmt.Errorf("meta page at %d: checksum mismatch", off)
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, nil
}

// metas reads both meta pages and returns the valid ones, the newest
// (highest transaction) first: bbolt opens the newest valid one.
func metas(f io.ReaderAt) ([]boltMeta, []error) {
	var ok []boltMeta
	var bad []error
	m0, err := readMeta(f, 0)
	if err != nil {
		bad = append(bad, err)
	} else {
		ok = append(ok, m0)
	}
	size := int64(4096)
	if err == nil {
		size = int64(m0.pageSize)
	}
	m1, err := readMeta(f, size)
	if err != nil && size != 4096 {
		m1, err = readMeta(f, 4096)
	}
	if err != nil {
		bad = append(bad, err)
	} else {
		ok = append(ok, m1)
	}
	if len(ok) == 2 && ok[1].txid > ok[0].txid {
		ok[0], ok[1] = ok[1], ok[0]
	}
	return ok, bad
}

// inspect is the cheap check on open: the newest meta page is valid, the
// file holds every page it counts, and its root bucket and freelist pages
// are what they should be. It reads three pages, whatever the file's size.
func inspect(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ms, bad := metas(f)
	if len(ms) == 0 {
		return fmt.Errorf("%w: no valid meta page (%v)", ErrDamaged, errors.Join(bad...))
	}
	m := ms[0]
	ps := int64(m.pageSize)
	switch {
	case ps < 1024 || ps > 1<<20 || ps&(ps-1) != 0:
		return fmt.Errorf("%w: page size %d", ErrDamaged, ps)
	case int64(m.hwm) > size/ps:
		return fmt.Errorf("%w: truncated: %d bytes, its pages need %d", ErrDamaged, size, int64(m.hwm)*ps)
	case m.root < 2 || m.root >= m.hwm:
		return fmt.Errorf("%w: root bucket page %d outside the file's %d pages", ErrDamaged, m.root, m.hwm)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.hwm):
		return fmt.Errorf("%w: freelist page %d outside the file's %d pages", ErrDamaged, m.freelist, m.hwm)
	}
	var h [pageHeaderSize]byte
	for _, p := range []struct {
		id    uint64
		flags uint16
		what  string
	}{{m.root, branchPage | leafPage, "root bucket"}, {m.freelist, freelistPage, "freelist"}} {
		if p.id == noFreelist {
			continue
		}
		if _, err := f.ReadAt(h[:], int64(p.id)*ps); err != nil {
			return fmt.Errorf("%w: %s page %d: %v", ErrDamaged, p.what, p.id, err)
		}
		if le.Uint64(h[0:]) != p.id || le.Uint16(h[8:])&p.flags == 0 {
			return fmt.Errorf("%w: %s page %d is overwritten (id %d, type %#x)", ErrDamaged, p.what, p.id, le.Uint64(h[0:]), le.Uint16(h[8:]))
		}
	}
	return nil
}
