package fpstore

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/FastFilter/xorfilter"
	"golang.org/x/sys/unix"
)

const (
	shards    = 256
	entrySize = 24
	// MaxRecord is the largest record tag (40 bits).
	MaxRecord = 1<<40 - 1
)

// SourceInfo describes one import.
type SourceInfo struct {
	ID        uint16    `json:"id"`
	Dataset   string    `json:"dataset"`
	Partition string    `json:"partition"`
	File      string    `json:"file"` // base name of the imported file
	Rows      int64     `json:"rows"`
	Values    int64     `json:"values"`
	BadRows   int64     `json:"bad_rows"`
	Imported  time.Time `json:"imported"`
}

type manifest struct {
	Version    int          `json:"version"`
	Generation int          `json:"generation"`
	Entries    int64        `json:"entries"`
	Sources    []SourceInfo `json:"sources"`
}

// Store is an open fingerprint store. It is safe for concurrent lookups.
type Store struct {
	dir     string
	man     manifest
	filters [shards]*xorfilter.BinaryFuse[uint16]
	data    [shards][]byte // memory-mapped entries
	names   map[uint16][2]string
}

func manifestPath(dir string) string { return filepath.Join(dir, "manifest.json") }

func genDir(dir string, gen int) string { return filepath.Join(dir, "gen-"+strconv.Itoa(gen)) }

func shardName(i int, ext string) string { return fmt.Sprintf("%02x.%s", i, ext) }

// Open opens the store in dir; a directory without a manifest is an empty
// store.
func Open(dir string) (*Store, error) {
	s := &Store{dir: dir, names: map[uint16][2]string{}}
	b, err := os.ReadFile(manifestPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open fingerprints: %w", err)
	}
	if err := json.Unmarshal(b, &s.man); err != nil {
		return nil, fmt.Errorf("open fingerprints: %s: %w", manifestPath(dir), err)
	}
	for _, src := range s.man.Sources {
		s.names[src.ID] = [2]string{src.Dataset, src.Partition}
	}
	g := genDir(dir, s.man.Generation)
	for i := range shards {
		if err := s.openShard(g, i); err != nil {
			s.Close()
			return nil, fmt.Errorf("open fingerprints: shard %02x: %w", i, err)
		}
	}
	return s, nil
}

func (s *Store) openShard(g string, i int) error {
	f, err := os.Open(filepath.Join(g, shardName(i, "dat")))
	if errors.Is(err, os.ErrNotExist) {
		return nil // an empty shard has no files
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size()%entrySize != 0 {
		return fmt.Errorf("%s: size %d is not a multiple of %d", f.Name(), fi.Size(), entrySize)
	}
	if fi.Size() == 0 {
		return nil
	}
	s.data[i], err = unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap %s: %w", f.Name(), err)
	}
	bf, err := os.Open(filepath.Join(g, shardName(i, "bf")))
	if err != nil {
		return err
	}
	defer bf.Close()
	s.filters[i], err = xorfilter.LoadBinaryFuse[uint16](bufio.NewReaderSize(bf, 1<<20))
	return err
}

// Close unmaps the store.
func (s *Store) Close() error {
	var errs []error
	for i := range s.data {
		if s.data[i] != nil {
			errs = append(errs, unix.Munmap(s.data[i]))
			s.data[i] = nil
		}
	}
	return errors.Join(errs...)
}

func key64(d *[16]byte) uint64 { return binary.LittleEndian.Uint64(d[0:8]) }

// Lookup calls fn for every entry with digest d.
func (s *Store) Lookup(d [16]byte, fn func(source uint16, typ uint8, record uint64)) {
	i := d[0]
	f := s.filters[i]
	if f == nil || !f.Contains(key64(&d)) {
		return
	}
	data := s.data[i]
	n := len(data) / entrySize
	lo, hi := 0, n
	for lo < hi { // first entry >= d
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(data[m*entrySize:m*entrySize+16], d[:]) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for ; lo < n && bytes.Equal(data[lo*entrySize:lo*entrySize+16], d[:]); lo++ {
		tag := binary.LittleEndian.Uint64(data[lo*entrySize+16:])
		fn(uint16(tag>>48), uint8(tag>>40), tag&MaxRecord)
	}
}

// Source names an import's dataset and partition.
func (s *Store) Source(id uint16) (string, string) {
	n, ok := s.names[id]
	if !ok {
		return "?", "?"
	}
	return n[0], n[1]
}

// Generation is the store generation that is open: it changes with every
// import.
func (s *Store) Generation() int { return s.man.Generation }

// CurrentGeneration reads the generation an Open of dir would get now.
func CurrentGeneration(dir string) (int, error) {
	b, err := os.ReadFile(manifestPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, fmt.Errorf("%s: %w", manifestPath(dir), err)
	}
	return m.Generation, nil
}

// Len is the number of entries.
func (s *Store) Len() int { return int(s.man.Entries) }

// Sources lists the imports.
func (s *Store) Sources() []SourceInfo { return slices.Clone(s.man.Sources) }

// Memory reports the bytes held in RAM by the filters and the bytes of
// entries on disk (memory-mapped, paged in on demand).
func (s *Store) Memory() (filterBytes, dataBytes int64) {
	for i := range shards {
		if f := s.filters[i]; f != nil {
			filterBytes += int64(len(f.Fingerprints)) * 2
		}
		dataBytes += int64(len(s.data[i]))
	}
	return filterBytes, dataBytes
}

// ---------------------------------------------------------------- import

// ErrImportRunning is returned by NewImport while another import holds the
// store.
var ErrImportRunning = errors.New("another fingerprint import is running on this store")

// Import adds one file's values to the store. Add may be called from one
// goroutine; Commit makes the values visible to stores opened afterwards.
type Import struct {
	lock  *os.File // flock on dir/lock: one import at a time
	dir   string
	man   manifest
	info  SourceInfo
	spill [shards]*bufio.Writer
	files [shards]*os.File
	tmp   string
	n     int64
	drop  map[uint16]bool // sources whose entries the commit leaves out (ReplaceDataset)

	// Cleaned and CleanedBytes count what NewImport removed: spill
	// folders of imports that were killed, and generations no manifest
	// names (a commit cut short).
	Cleaned      int
	CleanedBytes int64
}

// NewImport starts an import of dataset and partition from file (its base
// name is recorded).
func NewImport(dir, dataset, partition, file string) (*Import, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return nil, ErrImportRunning
	}
	if err := sameOwner(dir, lock.Name()); err != nil {
		lock.Close()
		return nil, err
	}
	im := &Import{dir: dir, lock: lock}
	if b, err := os.ReadFile(manifestPath(dir)); err == nil {
		if err := json.Unmarshal(b, &im.man); err != nil {
			lock.Close()
			return nil, fmt.Errorf("%s: %w", manifestPath(dir), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		lock.Close()
		return nil, err
	}
	im.clean()
	id := uint16(0)
	for _, s := range im.man.Sources {
		if s.ID >= id {
			id = s.ID + 1
		}
	}
	if len(im.man.Sources) >= 1<<16-1 {
		return nil, errors.New("too many imports")
	}
	im.info = SourceInfo{ID: id, Dataset: dataset, Partition: partition, File: filepath.Base(file), Imported: time.Now().UTC()}
	tmp, err := os.MkdirTemp(dir, "import-")
	if err != nil {
		lock.Close()
		return nil, err
	}
	im.tmp = tmp
	for i := range shards {
		f, err := os.OpenFile(filepath.Join(tmp, shardName(i, "new")), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			im.Abort()
			return nil, err
		}
		im.files[i] = f
		im.spill[i] = bufio.NewWriterSize(f, 64<<10)
	}
	return im, nil
}

// clean removes, under the import lock (so no import is running), the
// spill folders of imports that were killed and the generation folders
// the manifest does not name.
func (im *Import) clean() {
	ents, err := os.ReadDir(im.dir)
	if err != nil {
		return
	}
	current := filepath.Base(genDir(im.dir, im.man.Generation))
	for _, e := range ents {
		name := e.Name()
		stale := e.IsDir() && (strings.HasPrefix(name, "import-") || strings.HasPrefix(name, "gen-") && (name != current || len(im.man.Sources) == 0))
		if !stale {
			continue
		}
		path := filepath.Join(im.dir, name)
		_ = filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					im.CleanedBytes += fi.Size()
				}
			}
			return nil
		})
		if os.RemoveAll(path) == nil {
			im.Cleaned++
		}
	}
}

// Dataset returns the imports already in the store under the dataset
// name being imported.
func (im *Import) Dataset() []SourceInfo {
	var out []SourceInfo
	for _, s := range im.man.Sources {
		if s.Dataset == im.info.Dataset {
			out = append(out, s)
		}
	}
	return out
}

// ReplaceDataset makes the commit replace the dataset's earlier imports:
// their values are left out of the new generation.
func (im *Import) ReplaceDataset() {
	im.drop = map[uint16]bool{}
	for _, s := range im.Dataset() {
		im.drop[s.ID] = true
	}
}

// Source is the import's source id, as Lookup reports it.
func (im *Import) Source() uint16 { return im.info.ID }

// Add records one value: its digest, type index and record tag.
func (im *Import) Add(d [16]byte, typ uint8, record uint64) error {
	if record > MaxRecord {
		return fmt.Errorf("record tag %d exceeds 40 bits", record)
	}
	var e [entrySize]byte
	copy(e[:16], d[:])
	binary.LittleEndian.PutUint64(e[16:], uint64(im.info.ID)<<48|uint64(typ)<<40|record)
	if _, err := im.spill[d[0]].Write(e[:]); err != nil {
		return err
	}
	im.n++
	return nil
}

// CountRow records one imported row (good or bad) for the manifest.
func (im *Import) CountRow(bad bool) {
	im.info.Rows++
	if bad {
		im.info.BadRows++
	}
}

// Abort discards the import. It may be called more than once.
func (im *Import) Abort() {
	for i, f := range im.files {
		if f != nil {
			f.Close()
			im.files[i] = nil
		}
	}
	os.RemoveAll(im.tmp)
	if im.lock != nil {
		im.lock.Close() // releases the flock
		im.lock = nil
	}
}

// Commit merges the new values into a new generation, shard by shard with
// workers goroutines, and switches the manifest to it. When ctx ends
// first, nothing changes (the new generation is removed) and it returns
// ctx's error.
func (im *Import) Commit(ctx context.Context, workers int) error {
	defer im.Abort()
	for i := range shards {
		if err := im.spill[i].Flush(); err != nil {
			return err
		}
	}
	old := genDir(im.dir, im.man.Generation)
	if len(im.man.Sources) == 0 {
		old = ""
	}
	gen := im.man.Generation + 1
	out := genDir(im.dir, gen)
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	var total int64
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					continue
				}
				n, err := im.mergeShard(old, out, i)
				mu.Lock()
				total += n
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("shard %02x: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range shards {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		os.RemoveAll(out)
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		os.RemoveAll(out)
		return err
	}
	im.info.Values = im.n
	im.man.Version = 1
	im.man.Generation = gen
	im.man.Entries = total
	im.man.Sources = slices.DeleteFunc(im.man.Sources, func(s SourceInfo) bool { return im.drop[s.ID] })
	im.man.Sources = append(im.man.Sources, im.info)
	b, err := json.MarshalIndent(im.man, "", "  ")
	if err != nil {
		return err
	}
	tmp := manifestPath(im.dir) + ".tmp"
	if err := writeSync(tmp, b); err != nil {
		return err
	}
	if err := sameOwner(im.dir, out, tmp); err != nil {
		os.RemoveAll(out)
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, manifestPath(im.dir)); err != nil {
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// sameOwner gives the new generation and manifest the owner of the store's
// folder, when root writes into a folder another user owns: a daemon
// running as its own user (systemd's DynamicUser) must be able to read
// what an analyst imported as root while it runs.
func sameOwner(dir string, paths ...string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	uid, gid := int(st.Uid), int(st.Gid)
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, gid)
		})
		if err != nil {
			return fmt.Errorf("give %s to the owner of %s (uid %d): %w", p, dir, uid, err)
		}
	}
	return nil
}

type entry struct {
	hi, lo, tag uint64
}

// mergeShard writes shard i of the new generation: the old entries plus
// the new, sorted and deduplicated, and its filter.
func (im *Import) mergeShard(old, out string, i int) (int64, error) {
	var es []entry
	read := func(path string) error {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		for j := 0; j+entrySize <= len(b); j += entrySize {
			if im.drop[uint16(binary.LittleEndian.Uint64(b[j+16:])>>48)] {
				continue // a replaced import's value
			}
			es = append(es, entry{
				hi:  binary.BigEndian.Uint64(b[j:]),
				lo:  binary.BigEndian.Uint64(b[j+8:]),
				tag: binary.LittleEndian.Uint64(b[j+16:]),
			})
		}
		return nil
	}
	if old != "" {
		if err := read(filepath.Join(old, shardName(i, "dat"))); err != nil {
			return 0, err
		}
	}
	spill := im.files[i]
	im.files[i] = nil
	if err := spill.Close(); err != nil {
		return 0, err
	}
	if err := read(filepath.Join(im.tmp, shardName(i, "new"))); err != nil {
		return 0, err
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.hi != b.hi:
			return cmpU(a.hi, b.hi)
		case a.lo != b.lo:
			return cmpU(a.lo, b.lo)
		}
		return cmpU(a.tag, b.tag)
	})
	es = slices.Compact(es)
	if len(es) == 0 {
		return 0, nil
	}
	buf := make([]byte, 0, len(es)*entrySize)
	keys := make([]uint64, 0, len(es))
	for _, e := range es {
		buf = binary.BigEndian.AppendUint64(buf, e.hi)
		buf = binary.BigEndian.AppendUint64(buf, e.lo)
		buf = binary.LittleEndian.AppendUint64(buf, e.tag)
		// The filter key is the digest's first 8 bytes, read as Lookup
		// reads them.
		keys = append(keys, binary.LittleEndian.Uint64(buf[len(buf)-entrySize:]))
	}
	if err := writeSync(filepath.Join(out, shardName(i, "dat")), buf); err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return 0, nil
	}
	keys = slices.Compact(keys) // a value in two datasets is one key
	filter, err := xorfilter.NewBinaryFuse[uint16](keys)
	if err != nil {
		return 0, err
	}
	var fb bytes.Buffer
	if err := filter.Save(&fb); err != nil {
		return 0, err
	}
	return int64(len(es)), writeSync(filepath.Join(out, shardName(i, "bf")), fb.Bytes())
}

func cmpU(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// writeSync writes a file with mode 0600 and syncs it.
func writeSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
