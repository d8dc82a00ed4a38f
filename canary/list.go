package canary

import (
	"slices"
	"time"

	"leakwatch/leak"
	"leakwatch/matchers"
)

// Listing is one canary as an analyst lists it: its id, partition, the
// types of the values it is found by (in matchers.Types order) and when
// it was made. Never a value.
type Listing struct {
	ID        string    `json:"id"`
	Partition string    `json:"partition"`
	Types     []string  `json:"types"`
	Created   time.Time `json:"created"`
}

// List groups stored digests by canary, in the order the canaries first
// appear. A canary is one person however many values identify it, so
// "5 canaries" counts people, not digests.
func List(cs []leak.Canary) []Listing {
	var out []Listing
	at := map[string]int{}
	for _, c := range cs {
		i, ok := at[c.ID]
		if !ok {
			i = len(out)
			at[c.ID] = i
			out = append(out, Listing{ID: c.ID, Partition: c.Partition, Created: c.Created})
		}
		if !slices.Contains(out[i].Types, c.Type) {
			out[i].Types = append(out[i].Types, c.Type)
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Types, func(a, b string) int { return typeRank(a) - typeRank(b) })
	}
	return out
}

// typeRank is t's place in matchers.Types; unknown types sort last.
func typeRank(t string) int {
	if i := slices.Index(matchers.Types, matchers.Type(t)); i >= 0 {
		return i
	}
	return len(matchers.Types)
}
