package canary

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"leakwatch/leak"
	"leakwatch/matchers"
)

func hasher(t *testing.T) *matchers.Hasher {
	t.Helper()
	h, err := matchers.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestWriteThenRead: the CSV generate writes is what import reads back,
// to the same digests, ids and partition.
func TestWriteThenRead(t *testing.T) {
	h := hasher(t)
	recs, err := Generate(3, "billing-db", "canary.example.com")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Digests(recs, h, time.Now())
	if err != nil || len(want) != 6 {
		t.Fatalf("Digests: %d, %v", len(want), err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf, "c.csv", "", h)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Canaries) != 6 || len(got.IDs) != 3 || got.BadRows != 0 {
		t.Fatalf("read back: %+v", got)
	}
	for i := range want {
		if got.Canaries[i].Digest != want[i].Digest || got.Canaries[i].ID != want[i].ID || got.Canaries[i].Partition != "billing-db" {
			t.Errorf("canary %d: %+v, want %+v", i, got.Canaries[i], want[i])
		}
	}
	if strings.Join(got.Ignored, ",") != "name (column 3)" {
		t.Errorf("ignored: %v", got.Ignored)
	}
}

// TestReadRefusesWeakColumns: a date of birth identifies nobody, so it is
// refused as an identifier (and said); a row with only one is a bad row;
// a value of another canary is a conflict.
func TestReadRefusesWeakColumns(t *testing.T) {
	h := hasher(t)
	csv := "canary_id,partition,email,dob\n" +
		"c1,crm,a.b@canary.example.com,1980-01-02\n" +
		"c2,crm,,1981-02-03\n" +
		"c3,crm,not-an-email,1982-03-04\n" +
		"c4,crm,d.e@canary.example.com,\n"
	rep, err := Read(strings.NewReader(csv), "c.csv", "", h)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0], "dob (column 4): a date of birth identifies nobody") {
		t.Errorf("refused: %v", rep.Refused)
	}
	if rep.BadRows != 2 || len(rep.Canaries) != 2 || !strings.Contains(strings.Join(rep.Bad, "\n"), "c.csv:3: canary c2 has no identifier value") ||
		!strings.Contains(strings.Join(rep.Bad, "\n"), "c.csv:4:3: email: not a valid") {
		t.Errorf("bad: %d %v (%d canaries)", rep.BadRows, rep.Bad, len(rep.Canaries))
	}
	moved := rep.Canaries[0]
	moved.ID = "c9"
	if c := Conflicts(rep.Canaries, append(rep.Canaries[:1:1], moved)); len(c) != 1 || !strings.Contains(c[0], "canary c9 (partition crm): its email is already canary c1's") {
		t.Errorf("conflicts: %v", c)
	}
	if c := Conflicts(rep.Canaries, rep.Canaries); len(c) != 0 {
		t.Errorf("re-import conflicts: %v", c)
	}
}

// TestListOrdersTypes: a canary is listed once, whatever order its
// digests were stored in, with its types in matchers.Types order, so
// rows read alike ("email,phone" on every row, never "phone,email").
func TestListOrdersTypes(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cs := []leak.Canary{
		{ID: "c1", Partition: "crm", Type: "phone", Created: now},
		{ID: "c2", Partition: "billing", Type: "email", Created: now},
		{ID: "c1", Partition: "crm", Type: "email", Created: now},
		{ID: "c2", Partition: "billing", Type: "ssn", Created: now},
		{ID: "c2", Partition: "billing", Type: "phone", Created: now},
		{ID: "c1", Partition: "crm", Type: "phone", Created: now}, // the same type twice
	}
	got := List(cs)
	if len(got) != 2 || got[0].ID != "c1" || got[1].ID != "c2" {
		t.Fatalf("List: %+v, want c1 then c2", got)
	}
	if a, b := strings.Join(got[0].Types, ","), strings.Join(got[1].Types, ","); a != "email,phone" || b != "email,phone,ssn" {
		t.Errorf("types %q and %q, want email,phone and email,phone,ssn", a, b)
	}
	if got[1].Partition != "billing" {
		t.Errorf("c2's partition %q", got[1].Partition)
	}
}
