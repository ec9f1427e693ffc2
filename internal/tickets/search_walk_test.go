package tickets_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestSearchWordOfOtherTeams: a word that fills another team's tickets but
// none of the rep's finds nothing for the rep without walking every ticket
// (the planner, reckoning the word as common desk-wide, walked tickets_pkey
// through the whole table looking for the rep's 400th match), while the
// team whose word it is still gets its 400 newest matches, newest first.
func TestSearchWordOfOtherTeams(t *testing.T) {
	b := setup(t)
	vi := b.create(t, b.repB, tickets.NewTicket{CustomerName: "Nguyễn Văn An", CustomerLocale: "vi",
		Subject: "Giao hàng chậm", Body: "Đơn hàng giao hàng chậm ba ngày."})
	en := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Jane Roe", CustomerLocale: "en",
		Subject: "Kettle stopped working", Body: "It broke after a week."})
	// 6,000 more tickets, alternately Billing's (Vietnamese) and Intake's
	// (English), copied from the two.
	const copies = 3000
	if _, err := b.db.Exec(b.ctx, `
INSERT INTO tickets (subject, channel, customer_id, team_id, search)
SELECT t.subject, t.channel, t.customer_id, t.team_id, t.search || to_tsvector('simple', 'w' || (g % 500) || ' x' || (g % 37))
FROM generate_series(1, $3::int) g CROSS JOIN LATERAL (
    SELECT * FROM tickets WHERE id IN ($1, $2) ORDER BY id) t
ORDER BY g, t.id`, vi.ID, en.ID, copies); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `VACUUM ANALYZE tickets`); err != nil {
		t.Fatal(err)
	}
	var total int
	var billing []int64
	rows, err := b.db.Query(b.ctx, `SELECT id FROM tickets WHERE team_id = $1 ORDER BY id DESC LIMIT 400`, b.teamB)
	if err != nil {
		t.Fatal(err)
	}
	if billing, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM tickets`).Scan(&total); err != nil {
		t.Fatal(err)
	}

	// The English rep finds nothing, reading few of the tickets by id.
	if res := b.search(t, b.repA, "giao hang"); len(res.Hits) != 0 || res.Next != "" {
		t.Errorf("rep A's search for giao hang: %d hits, next %q; want none", len(res.Hits), res.Next)
	}
	if read := pkeyRowsRead(t, b, b.repA, "giao hang"); read >= total/2 {
		t.Errorf("rep A's search for giao hang read %d of %d tickets by tickets_pkey", read, total)
	}

	// Finding nothing, the search counts the words to correct them: so
	// few of the rep's tickets hold them that they are not counted by
	// walking the tickets either.
	for _, word := range []string{"giao", "hang"} {
		a := b.repA
		if read := pkeyRowsReadBy(t, b, tickets.SearchStatements.CountWord, word, a.SeeAll, a.TeamIDs, a.UserID, "exact"); read >= total/2 {
			t.Errorf("rep A's count of %s walked %d of %d tickets", word, read, total)
		}
	}

	// The Vietnamese rep pages through their 400 newest matches, newest first.
	var seen []int64
	r := tickets.SearchRequest{Query: "giao hang", Limit: 50}
	for {
		res, err := b.store.Find(b.ctx, b.repB, r)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, hitIDs(res)...)
		if res.Next == "" {
			break
		}
		r.After = res.Next
	}
	if !slices.Equal(seen, billing) {
		t.Errorf("rep B's pages hold %d hits (%v ...), want the 400 newest of Billing (%v ...)", len(seen), seen[:min(5, len(seen))], billing[:5])
	}
	if read := pkeyRowsRead(t, b, b.repB, "giao hang"); read >= total/2 {
		t.Errorf("rep B's search for giao hang read %d of %d tickets by tickets_pkey", read, total)
	}
	// A supervisor sees the same 400.
	if res := b.search(t, b.sup, "giao hang"); len(res.Hits) != 20 || res.Hits[0].Ticket.ID != billing[0] {
		t.Errorf("supervisor's search for giao hang: %d hits, first %v", len(res.Hits), hitIDs(res)[:min(1, len(res.Hits))])
	}
}

// pkeyRowsRead runs the first page of actor's search for words under
// EXPLAIN ANALYZE and counts the rows it walks tickets_pkey or tickets
// for (see pkeyRowsReadBy).
func pkeyRowsRead(t *testing.T, b *bundle, a tickets.Actor, words string) int {
	t.Helper()
	var match, index string
	if err := b.db.QueryRow(b.ctx, tickets.SearchStatements.ReadQuery, words).Scan(&match, &index); err != nil {
		t.Fatal(err)
	}
	return pkeyRowsReadBy(t, b, tickets.SearchStatements.Search,
		match, index, match != index, a.SeeAll, a.TeamIDs, a.UserID, []int64{}, 3, float32(0), int64(0), 21)
}

// pkeyRowsReadBy runs sql under EXPLAIN ANALYZE and counts the rows its
// scans of tickets_pkey, and its sequential scans of tickets, read (kept and
// filtered out).
func pkeyRowsReadBy(t *testing.T, b *bundle, sql string, args ...any) int {
	t.Helper()
	var out []byte
	if err := b.db.QueryRow(b.ctx, "EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) "+sql,
		append([]any{pgx.QueryExecModeExec}, args...)...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	type node struct {
		NodeType  string  `json:"Node Type"`
		Relation  string  `json:"Relation Name"`
		IndexName string  `json:"Index Name"`
		Rows      float64 `json:"Actual Rows"`
		Loops     float64 `json:"Actual Loops"`
		Removed   float64 `json:"Rows Removed by Filter"`
		Plans     []node  `json:"Plans"`
	}
	var plans []struct{ Plan node }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	var walk func(n node) float64
	walk = func(n node) float64 {
		var sum float64
		if n.IndexName == "tickets_pkey" || n.NodeType == "Seq Scan" && n.Relation == "tickets" {
			sum = n.Rows*n.Loops + n.Removed
		}
		for _, c := range n.Plans {
			sum += walk(c)
		}
		return sum
	}
	return int(walk(plans[0].Plan))
}
