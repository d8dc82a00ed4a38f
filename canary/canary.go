package canary

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Record is one canary in plaintext. It is shown once, for planting, and
// never stored.
type Record struct {
	ID        string
	Partition string
	Name      string
	Email     string
	Phone     string
}

var first = []string{"Alicia", "Brendan", "Carmen", "Darius", "Elena", "Farid", "Greta", "Hassan", "Ingrid", "Jonah",
	"Keiko", "Lionel", "Marisol", "Nikolai", "Odette", "Pavel", "Quinn", "Rosalind", "Soren", "Tamsin", "Ulric",
	"Vanessa", "Wendell", "Xiomara", "Yusuf", "Zelda"}

var last = []string{"Abernathy", "Bellweather", "Castellanos", "Drummond", "Ellingsworth", "Fairbanks", "Galloway",
	"Hargrove", "Ingleby", "Jessup", "Kettering", "Lockhart", "Montague", "Northcott", "Okonkwo", "Pemberton",
	"Quarles", "Rutherford", "Stanhope", "Thistlewood", "Underhill", "Vandermeer", "Whitcombe", "Yardley"}

// Generate makes n canaries for partition, with emails at domain.
func Generate(n int, partition, domain string) ([]Record, error) {
	out := make([]Record, 0, n)
	for range n {
		id, err := randHex(4)
		if err != nil {
			return nil, err
		}
		tag, err := randHex(3)
		if err != nil {
			return nil, err
		}
		f, l := pick(first), pick(last)
		area := 201 + randInt(780) // 201-980: a plausible area code
		if area%100 == 11 {
			area++ // no N11 service codes
		}
		out = append(out, Record{
			ID:        "cn-" + partition + "-" + id,
			Partition: partition,
			Name:      f + " " + l,
			Email:     strings.ToLower(f+"."+l) + "." + tag + "@" + domain,
			Phone:     fmt.Sprintf("(%03d) 555-01%02d", area, randInt(100)),
		})
	}
	return out, nil
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return int(v.Int64())
}

func pick(s []string) string { return s[randInt(len(s))] }

func randHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
