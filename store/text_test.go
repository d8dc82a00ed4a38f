package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"leakwatch/internal/storetest"
	"leakwatch/leak"
	"leakwatch/store"
)

func textKey(t testing.TB, b byte) []byte {
	t.Helper()
	k, err := store.DeriveTextKey(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openKeyed(t testing.TB, path string, key []byte) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{Timeout: time.Second, TextKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// sampleRows is a seller's sample: customer data in plaintext.
func sampleRows(n int) []string {
	var rows []string
	for i := range n {
		rows = append(rows, fmt.Sprintf("Jane%03d Doe%03d,jane.doe%03d@example.net,+1 (212) 555-%04d,078-05-%04d", i, i, i, 1000+i, 1100+i))
	}
	return rows
}

// TestTextEncryptedAtRest stores posts holding a sample and then reads the
// database file as an attacker with a copy would: no sample row, no
// distinctive field of one, and no zstd frame in the file decodes to any
// of them. With the key the text comes back whole; with another key it
// does not open.
func TestTextEncryptedAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leakwatch.db")
	db := openKeyed(t, path, textKey(t, 1))
	rows := sampleRows(40)
	text := "selling Halcyon customers, sample below\n" + strings.Join(rows, "\n") + "\n"
	for i := range 20 {
		p := post(fmt.Sprintf("/t/%d", i), text+fmt.Sprint(i))
		if _, err := storetest.Record(db, p, "v", critical, true); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PostText("forum", "/t/3")
	if err != nil || got.Text != text+"3" {
		t.Fatalf("PostText with the key = %q, %v", got.Text, err)
	}
	db.Close()

	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"sample below", "jane.doe007@example.net", "555-1007", "078-05-1107", "Jane007 Doe007"}
	for _, s := range secrets {
		if bytes.Contains(file, []byte(s)) {
			t.Errorf("database file holds plaintext %q", s)
		}
	}
	// Compression alone would hide the text from bytes.Contains: decode
	// every zstd frame the file holds and look again.
	dec, _ := zstd.NewReader(nil)
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	frames := 0
	for off := 0; ; {
		i := bytes.Index(file[off:], magic)
		if i < 0 {
			break
		}
		off += i + 1
		out, err := dec.DecodeAll(file[off-1:], nil)
		if err != nil && len(out) == 0 {
			continue
		}
		frames++
		for _, s := range secrets {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("a zstd frame in the file decodes to plaintext %q", s)
			}
		}
	}
	t.Logf("%d bytes, %d decodable zstd frames", len(file), frames)

	other := openKeyed(t, path, textKey(t, 2))
	defer other.Close()
	if _, err := other.PostText("forum", "/t/3"); !errors.Is(err, store.ErrTextOpen) {
		t.Errorf("PostText with another key = %v, want ErrTextOpen", err)
	}
	nokey, err := store.Open(path+"2", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer nokey.Close()
	if _, err := nokey.PostText("forum", "/t/3"); !errors.Is(err, store.ErrNoTextKey) {
		t.Errorf("PostText without a key = %v, want ErrNoTextKey", err)
	}
}

// TestSealedTextBoundToItsPost: a sealed text copied under another post's
// key does not open.
func TestSealedTextBoundToItsPost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leakwatch.db")
	db := openKeyed(t, path, textKey(t, 1))
	for _, k := range []string{"/a", "/b"} {
		if _, err := storetest.Record(db, post(k, "text of "+k), "v", leak.Evidence{}, false); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		tb := tx.Bucket([]byte("text"))
		return tb.Put([]byte("forum\x00/b"), bytes.Clone(tb.Get([]byte("forum\x00/a"))))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db = openKeyed(t, path, textKey(t, 1))
	defer db.Close()
	if _, err := db.PostText("forum", "/b"); !errors.Is(err, store.ErrTextOpen) {
		t.Errorf("moved text opened: %v", err)
	}
	if p, err := db.PostText("forum", "/a"); err != nil || p.Text != "text of /a" {
		t.Errorf("original = %q, %v", p.Text, err)
	}
}

func TestScanSealedBatchesAndFilters(t *testing.T) {
	db := openKeyed(t, filepath.Join(t.TempDir(), "l.db"), textKey(t, 1))
	defer db.Close()
	for i := range 25 {
		p := post(fmt.Sprintf("/t/%02d", i), fmt.Sprintf("post %d", i))
		if i%5 == 0 {
			p.Source = "paste"
		}
		p.Fetched = time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		if _, err := storetest.Record(db, p, "v", leak.Evidence{}, false); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(f store.PostFilter) (keys []string, batches int) {
		err := db.ScanSealed(context.Background(), f, 4, func(sps []store.SealedPost, _ int) error {
			if len(sps) > 0 {
				batches++
			}
			for i := range sps {
				p, err := db.OpenText(&sps[i])
				if err != nil {
					return err
				}
				if p.Text != "post "+strings.TrimLeft(strings.TrimPrefix(p.Key, "/t/"), "0") && p.Key != "/t/00" {
					t.Errorf("%s: text %q", p.Key, p.Text)
				}
				keys = append(keys, p.Source+p.Key)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys, batches
	}
	all, batches := scan(store.PostFilter{})
	if len(all) != 25 || batches != 7 {
		t.Errorf("all: %d posts in %d batches, want 25 in 7", len(all), batches)
	}
	forum, _ := scan(store.PostFilter{Source: "forum"})
	if len(forum) != 20 || forum[0] != "forum/t/01" {
		t.Errorf("forum: %v", forum)
	}
	recent, _ := scan(store.PostFilter{Since: time.Date(2026, 1, 21, 0, 0, 0, 0, time.UTC)})
	if len(recent) != 5 {
		t.Errorf("since Jan 21: %v, want 5 posts", recent)
	}
}

// TestMigrateFromVersion1 opens a database written by schema 1 (hits
// without the post index) and finds it migrated: the index built, the
// version raised, the data intact.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	hit := leak.Hit{ID: 7, Source: "forum", PostKey: "/t/1", Evidence: critical, Found: time.Now().UTC()}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "seen", "posts", "hits", "outbox", "canaries", "sources", "content"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, 1)
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), v); err != nil {
			return err
		}
		k := make([]byte, 8)
		binary.BigEndian.PutUint64(k, 7)
		return tx.Bucket([]byte("hits")).Put(k, []byte(`{"id":7,"source":"forum","post_key":"/t/1","found":"2026-01-01T00:00:00Z","evidence":{"severity":"critical","headline":"h"}}`))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db := openKeyed(t, path, textKey(t, 1))
	defer db.Close()
	// The index is there: a rescan's weaker finding on that post is no new hit.
	out, err := db.RecordFindings([]store.Finding{{Post: leak.Post{Source: "forum", Key: "/t/1"}, Evidence: hit.Evidence, Alert: true}}, false)
	if err != nil || out[0].HitID != 0 {
		t.Errorf("finding on a migrated hit: %+v, %v; want nothing new", out, err)
	}
	if v := db.SchemaVersion(); v != store.SchemaVersion {
		t.Errorf("schema version %d after open, want %d", v, store.SchemaVersion)
	}
	// Schema 6 filed the old hit into a case of its own.
	if c, err := db.CaseOfHit(7); err != nil || c.Root != 7 || len(c.Sightings) != 1 || c.Severity != leak.SeverityCritical {
		t.Errorf("the migrated hit's case: %+v, %v", c, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v9.db")
	b, _ := bolt.Open(path, 0o600, nil)
	_ = b.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucket([]byte("meta"))
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, 99)
		return m.Put([]byte("schema_version"), v)
	})
	b.Close()
	_, err := store.Open(path, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
		t.Errorf("Open of a schema 99 database = %v", err)
	}
}
