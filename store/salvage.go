package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SalvageReport says what Salvage copied: per top-level bucket, the
// records copied and the pages that could not be read (their records
// are lost).
type SalvageReport struct {
	Buckets []SalvagedBucket
	// Meta says which meta page was used (the newest valid one) and how
	// many the file had valid.
	Meta string
	// RootLostPages are pages of the bucket directory itself that could
	// not be read (whole buckets under them are missing).
	RootLostPages int
	// Orphans are records taken from pages outside the readable tree
	// (where the tree lost pages): they may be older than what was lost.
	Orphans int
	// Unsure are the pending alerts marked as possibly sent already: the
	// dispatcher asks Slack (bot token) before it sends them.
	Unsure int
}

// SalvagedBucket is one bucket's part of a SalvageReport.
type SalvagedBucket struct {
	Name      string
	Records   int // keys copied (nested buckets' keys included)
	LostPages int // pages unreadable or not what their parent said
	// Implausible counts records left out because they do not have the
	// bucket's shape (a page reused by another bucket since).
	Implausible int
	Missing     bool
}

// Records is the total copied.
func (r SalvageReport) Records() int {
	n := 0
	for _, b := range r.Buckets {
		n += b.Records
	}
	return n
}

// LostPages is the total of unreadable pages.
func (r SalvageReport) LostPages() int {
	n := r.RootLostPages
	for _, b := range r.Buckets {
		n += b.LostPages
	}
	return n
}

// Salvage copies every record that can be read from the damaged database
// at src into a new database at dst (which must not exist), reading the
// file's pages itself (not through bbolt, which trusts them): a page that
// is beyond the end of the file, overwritten, or not what its parent page
// says is skipped with its subtree, and everything else is kept. The
// copy is verified (Verify) before it takes its name. src is only read.
func Salvage(src, dst string) (SalvageReport, error) {
	var rep SalvageReport
	if _, err := os.Lstat(dst); err == nil {
		return rep, fmt.Errorf("%s already exists", dst)
	}
	f, err := os.Open(src)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		return rep, ErrLocked // read only a file nobody writes
	}
	fi, err := f.Stat()
	if err != nil {
		return rep, err
	}
	ms, bad := metas(f)
	if len(ms) == 0 {
		return rep, fmt.Errorf("%s: no valid meta page, nothing can be read: %w", src, errors.Join(bad...))
	}
	r := &pageReader{f: f, size: fi.Size(), pageSize: int64(ms[0].pageSize)}
	// The tree to copy: the newest meta page's, or the older one's if that
	// reads more (the last transaction but one, whose pages copy-on-write
	// left intact). Older trees are not looked for among the pages: what
	// they hold is stale (alerts since sent would be pending again).
	root, best := uint64(0), -1
	for i, m := range ms {
		if n := r.count(m.root); n > best {
			root, best = m.root, n
			rep.Meta = fmt.Sprintf("the tree of transaction %d (meta page %d of %d valid)", m.txid, i+1, len(ms))
		}
	}

	tmp := dst + ".partial"
	_ = os.Remove(tmp)
	out, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, PageSize: pageSize})
	if err != nil {
		return rep, err
	}
	w := &salvageWriter{db: out}
	werr := func() error {
		seen := map[uint64]bool{}
		var top []SalvagedBucket
		var walkErr error
		if best <= 0 {
			rep.Meta = "no tree: the bucket directory of both meta pages is in the lost part of the file"
			rep.RootLostPages++
			root = 0
		}
		r.walk(root, nil, seen, func(k, v []byte, isBucket bool, lost int) {
			if root == 0 {
				return
			}
			if walkErr != nil {
				return
			}
			if lost > 0 {
				rep.RootLostPages += lost
				return
			}
			if !isBucket {
				return // the root holds only buckets
			}
			b := SalvagedBucket{Name: string(k)}
			walkErr = w.bucket([][]byte{k}, v, r, seen, &b)
			top = append(top, b)
		})
		if walkErr != nil {
			return walkErr
		}
		for _, name := range allBuckets {
			if !slices.ContainsFunc(top, func(b SalvagedBucket) bool { return b.Name == string(name) }) {
				top = append(top, SalvagedBucket{Name: string(name), Missing: true})
			}
		}
		rep.Buckets = top
		if err := w.flush(); err != nil {
			return err
		}
		if rep.LostPages() > 0 {
			if err := r.orphans(out, seen, &rep); err != nil {
				return err
			}
		}
		if rep.Records()+rep.Orphans == 0 {
			return fmt.Errorf("%s: %w: no record could be read: restore the last backup", src, ErrDamaged)
		}
		var err error
		rep.Unsure, err = markUnsure(out)
		return err
	}()
	if cerr := out.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = Verify(tmp, time.Second)
	}
	if werr == nil {
		if err := os.Link(tmp, dst); err != nil {
			werr = err
			if errors.Is(err, fs.ErrExist) {
				werr = fmt.Errorf("%s already exists", dst)
			}
		}
	}
	_ = os.Remove(tmp)
	return rep, werr
}

// count is how many records the tree at root holds, as far as it reads.
func (r *pageReader) count(root uint64) int {
	n := 0
	seen := map[uint64]bool{}
	var bucket func(v []byte)
	bucket = func(v []byte) {
		if len(v) < 16 {
			return
		}
		id, inline := le.Uint64(v), []byte(nil)
		if id == 0 {
			inline = v[16:]
		}
		r.walk(id, inline, seen, func(_, v []byte, isBucket bool, lost int) {
			switch {
			case isBucket:
				bucket(v)
			case lost == 0:
				n++
			}
		})
	}
	buckets := 0
	r.walk(root, nil, seen, func(k, v []byte, isBucket bool, lost int) {
		if isBucket && slices.ContainsFunc(allBuckets, func(b []byte) bool { return string(b) == string(k) }) {
			buckets++
			bucket(v)
		}
	})
	if buckets == 0 {
		return -1
	}
	return n
}

// plausible says whether a record has its bucket's shape, so that a page
// another bucket reused is not copied as this one's.
func plausible(bucket string, k, v []byte) bool {
	object := func(marker string) bool {
		return len(v) > 1 && v[0] == '{' && json.Valid(v) && (marker == "" || bytes.Contains(v, []byte(marker)))
	}
	switch bucket {
	case string(bucketPosts):
		return object(`"content_hash"`)
	case string(bucketHits):
		return object(`"evidence"`)
	case string(bucketOutbox):
		return object(`"state"`)
	case string(bucketSources), string(bucketConds), string(bucketCanaries):
		return object("")
	case string(bucketOnions):
		return object(`"mentions"`)
	case string(bucketPostHits), string(bucketHitAlert), string(bucketRecords):
		return len(v) == 8
	case string(bucketContent):
		return bytes.IndexByte(v, 0) > 0
	}
	return true
}

// pageReader reads bbolt pages from the file with ReadAt, checking each.
type pageReader struct {
	f        io.ReaderAt
	size     int64
	pageSize int64
}

// page reads page id with its overflow pages, or says why it cannot.
func (r *pageReader) page(id uint64) ([]byte, error) {
	off := int64(id) * r.pageSize
	if id < 2 || off < 0 || off+r.pageSize > r.size {
		return nil, fmt.Errorf("page %d beyond the end of the file", id)
	}
	head := make([]byte, pageHeaderSize)
	if _, err := r.f.ReadAt(head, off); err != nil {
		return nil, err
	}
	if got := le.Uint64(head[0:]); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	n := (1 + int64(le.Uint32(head[12:]))) * r.pageSize
	if off+n > r.size || n > 1<<30 {
		return nil, fmt.Errorf("page %d runs past the end of the file", id)
	}
	buf := make([]byte, n)
	if _, err := r.f.ReadAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// walk visits the leaf elements of the tree rooted at page id (or, with
// inline set, of the inline page), in key order, calling emit for each;
// a page that cannot be read is reported once to emit with lost set, and
// its subtree skipped. seen guards against cycles.
func (r *pageReader) walk(id uint64, inline []byte, seen map[uint64]bool, emit func(k, v []byte, isBucket bool, lost int)) {
	var p []byte
	if inline != nil {
		p = inline
	} else {
		if seen[id] {
			emit(nil, nil, false, 1)
			return
		}
		seen[id] = true
		var err error
		if p, err = r.page(id); err != nil {
			emit(nil, nil, false, 1)
			return
		}
	}
	if len(p) < pageHeaderSize {
		emit(nil, nil, false, 1)
		return
	}
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if pageHeaderSize+count*elementSize > len(p) {
		emit(nil, nil, false, 1)
		return
	}
	for i := range count {
		e := pageHeaderSize + i*elementSize
		switch {
		case flags&branchPage != 0:
			child := le.Uint64(p[e+8:])
			r.walk(child, nil, seen, emit)
		case flags&leafPage != 0:
			lflags, pos, ksize, vsize := le.Uint32(p[e:]), int(le.Uint32(p[e+4:])), int(le.Uint32(p[e+8:])), int(le.Uint32(p[e+12:]))
			start := e + pos
			if pos < 0 || ksize < 0 || vsize < 0 || start+ksize+vsize > len(p) || start < 0 {
				emit(nil, nil, false, 1)
				return
			}
			emit(p[start:start+ksize], p[start+ksize:start+ksize+vsize], lflags&bucketLeaf != 0, 0)
		default:
			emit(nil, nil, false, 1)
			return
		}
	}
}

// salvageWriter puts what walk finds into the new database, in
// transactions of up to 10,000 records.
type salvageWriter struct {
	db      *bolt.DB
	pending []salvageRecord
}

type salvageRecord struct {
	path [][]byte // bucket names from the top
	k, v []byte
}

// bucket copies the bucket whose header (and inline page) is v, at path.
func (w *salvageWriter) bucket(path [][]byte, v []byte, r *pageReader, seen map[uint64]bool, rep *SalvagedBucket) error {
	if len(v) < 16 {
		rep.LostPages++
		return nil
	}
	root := le.Uint64(v[0:])
	var inline []byte
	if root == 0 {
		inline = v[16:]
	}
	w.pending = append(w.pending, salvageRecord{path: path}) // the bucket itself, even if empty
	var err error
	r.walk(root, inline, seen, func(k, val []byte, isBucket bool, lost int) {
		if err != nil {
			return
		}
		if lost > 0 {
			rep.LostPages += lost
			return
		}
		if isBucket {
			err = w.bucket(append(slices.Clone(path), slices.Clone(k)), val, r, seen, rep)
			return
		}
		if len(path) == 1 && !plausible(string(path[0]), k, val) {
			rep.Implausible++
			return
		}
		rep.Records++
		w.pending = append(w.pending, salvageRecord{path: path, k: slices.Clone(k), v: slices.Clone(val)})
		if len(w.pending) >= 10000 {
			err = w.flush()
		}
	})
	return err
}

func (w *salvageWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	err := w.db.Update(func(tx *bolt.Tx) error {
		for _, rec := range w.pending {
			b, err := tx.CreateBucketIfNotExists(rec.path[0])
			if err != nil {
				return err
			}
			for _, name := range rec.path[1:] {
				if b, err = b.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			if rec.k != nil {
				if err := b.Put(rec.k, rec.v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	w.pending = w.pending[:0]
	return err
}
