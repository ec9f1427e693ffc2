package tickets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRankHits holds rankHits to the rule it keeps in a page's worth of
// memory: all hits sorted by bucket, rank and id (descending), a ticket
// that is a word match and a found customer's listed once as the match,
// those not after the cursor left out, the first n.
func TestRankHits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 500 {
		var words []searchCursor
		ids := r.Perm(60)
		for _, id := range ids[:r.IntN(40)] {
			// Few distinct ranks, so that ties fall to the id.
			words = append(words, searchCursor{id: int64(id + 1), bucket: 1 + r.IntN(2), rank: float32(r.IntN(4)) / 4})
		}
		var theirs []int64
		for _, id := range r.Perm(60)[:r.IntN(20)] {
			theirs = append(theirs, int64(id+1))
		}
		after := searchCursor{bucket: 3}
		if r.IntN(2) == 0 {
			after = searchCursor{id: int64(r.IntN(60)), bucket: r.IntN(3), rank: float32(r.IntN(4)) / 4}
		}
		n := 1 + r.IntN(25)

		var want []searchCursor
		matched := map[int64]bool{}
		for _, h := range words {
			matched[h.id] = true
			want = append(want, h)
		}
		for _, id := range theirs {
			if !matched[id] {
				want = append(want, searchCursor{id: id})
			}
		}
		want = slices.DeleteFunc(want, func(h searchCursor) bool { return !h.before(after) })
		slices.SortFunc(want, func(x, y searchCursor) int {
			if x.before(y) {
				return 1
			}
			if y.before(x) {
				return -1
			}
			return 0
		})
		want = want[:min(n, len(want))]
		if got := rankHits(words, theirs, after, n); !slices.Equal(got, want) {
			t.Fatalf("round %d: rankHits(%v, %v, %v, %d) = %v, want %v", round, words, theirs, after, n, got, want)
		}
	}
}
