package main

import (
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

func fakeSetup() (*generator, lexemeCache) {
	var teams []benchTeam
	for i, bt := range benchTeams {
		teams = append(teams, benchTeam{id: int64(i + 1), name: bt.name, lang: bt.lang, tier: bt.tier, reps: []int64{int64(10 + i), int64(20 + i)}})
	}
	g := newGenerator(1, 100000, 20000, 5, time.Now(), teams)
	cache := lexemeCache{simple: map[string]chunkLexemes{}, stems: map[string]map[string]chunkLexemes{}}
	for _, w := range vocabulary(g.books) {
		cache.simple[w] = chunkLexemes{lexemes: []string{strings.Trim(tickets.Fold(w), ".,?!।")}, rel: [][]uint16{{1}}, width: 1}
	}
	for lang := range stemConfigs {
		cache.stems[lang] = cache.simple // stems as long as the words: the same work
	}
	return g, cache
}

func BenchmarkTicketGen(b *testing.B) {
	g, _ := fakeSetup()
	var td ticketData
	for i := 0; b.Loop(); i++ {
		g.ticket(int64(i%100000)+1, &td)
	}
}

func BenchmarkTicketValues(b *testing.B) {
	g, cache := fakeSetup()
	s := &ticketSource{g: g, withVectors: true, vb: newVectorBuilder(cache)}
	for b.Loop() {
		if !s.Next() {
			s.i = 0
			s.Next()
		}
		if _, err := s.Values(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCustomer(b *testing.B) {
	g, _ := fakeSetup()
	for i := 0; b.Loop(); i++ {
		g.customer(int64(i%20000) + 1)
	}
}
