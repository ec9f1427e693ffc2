package tickets_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func cand(id int64, open int, langs ...string) tickets.Candidate {
	return tickets.Candidate{UserID: id, Open: open, Languages: langs}
}

func TestPickPolicies(t *testing.T) {
	t.Parallel()
	four := []tickets.Candidate{cand(1, 0, "en"), cand(2, 0, "en"), cand(3, 0, "en"), cand(4, 0, "en")}
	withCats := func(c tickets.Candidate, cats ...string) tickets.Candidate { c.Categories = cats; return c }
	for _, tc := range []struct {
		name   string
		rule   tickets.AssignRule
		cands  []tickets.Candidate
		want   int64 // 0: nobody
		reason string
	}{
		{"manual picks nobody", tickets.AssignRule{Mode: tickets.AssignManual}, four, 0, ""},
		{"unknown mode picks nobody", tickets.AssignRule{Mode: "lottery"}, four, 0, ""},
		{"no members", tickets.AssignRule{Mode: tickets.AssignRoundRobin}, nil, 0, ""},
		{"round robin starts with the lowest id", tickets.AssignRule{Mode: tickets.AssignRoundRobin}, four, 1, ""},
		{"round robin goes on after the cursor", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Cursor: 2}, four, 3, ""},
		{"round robin wraps", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Cursor: 4}, four, 1, ""},
		{"round robin after a member who left", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Cursor: 9}, four, 1, ""},
		{"round robin ignores load", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Cursor: 1},
			[]tickets.Candidate{cand(1, 0, "en"), cand(2, 9, "en")}, 2, ""},
		{"capacity skips a full member", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Cursor: 1, Capacity: 3},
			[]tickets.Candidate{cand(1, 0, "en"), cand(2, 3, "en"), cand(3, 2, "en")}, 3, ""},
		{"everyone full: nobody", tickets.AssignRule{Mode: tickets.AssignLeastLoaded, Capacity: 2},
			[]tickets.Candidate{cand(1, 2, "en"), cand(2, 5, "en")}, 0, ""},
		{"no cap when capacity is 0", tickets.AssignRule{Mode: tickets.AssignLeastLoaded},
			[]tickets.Candidate{cand(1, 500, "en")}, 1, ""},
		{"least loaded takes the fewest open", tickets.AssignRule{Mode: tickets.AssignLeastLoaded},
			[]tickets.Candidate{cand(1, 4, "en"), cand(2, 1, "en"), cand(3, 2, "en")}, 2, ""},
		{"least loaded breaks ties in turn", tickets.AssignRule{Mode: tickets.AssignLeastLoaded, Cursor: 2},
			[]tickets.Candidate{cand(1, 1, "en"), cand(2, 1, "en"), cand(3, 1, "en")}, 3, ""},
		{"a Vietnamese customer goes to a Vietnamese speaker", tickets.AssignRule{Mode: tickets.AssignLeastLoaded, Locale: "vi"},
			[]tickets.Candidate{cand(1, 0, "en"), cand(2, 7, "en", "vi"), cand(3, 0, "fi")}, 2, ""},
		{"round robin among the speakers", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Locale: "vi", Cursor: 2},
			[]tickets.Candidate{cand(1, 0, "vi"), cand(2, 0, "vi"), cand(3, 0, "en"), cand(4, 0, "vi")}, 4, ""},
		{"a full speaker: someone else", tickets.AssignRule{Mode: tickets.AssignLeastLoaded, Locale: "vi", Capacity: 3},
			[]tickets.Candidate{cand(1, 2, "en"), cand(2, 3, "vi")}, 1, ""},
		{"category breaks the tie", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Category: "billing"},
			[]tickets.Candidate{cand(1, 0, "en"), withCats(cand(2, 0, "en"), "billing")}, 2, ""},
		{"language before category", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Locale: "hi", Category: "billing"},
			[]tickets.Candidate{withCats(cand(1, 0, "en"), "billing"), cand(2, 0, "hi")}, 2, ""},
		{"both beat either", tickets.AssignRule{Mode: tickets.AssignRoundRobin, Locale: "fi", Category: "delivery"},
			[]tickets.Candidate{cand(1, 0, "fi"), withCats(cand(2, 0, "en"), "delivery"), withCats(cand(3, 0, "fi"), "delivery")}, 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tickets.Pick(tc.rule, tc.cands)
			if tc.want == 0 {
				if ok {
					t.Fatalf("picked %d, want nobody", got.UserID)
				}
				return
			}
			if !ok || got.UserID != tc.want {
				t.Fatalf("picked %d (%v), want %d", got.UserID, ok, tc.want)
			}
		})
	}
}

// TestPickRoundRobinIsFair: picks in turn spread n tickets within one of
// each other, with the cursor moving as the store moves it.
func TestPickRoundRobinIsFair(t *testing.T) {
	t.Parallel()
	cands := []tickets.Candidate{cand(3, 0), cand(8, 0), cand(5, 0)}
	rule := tickets.AssignRule{Mode: tickets.AssignRoundRobin}
	got := map[int64]int{}
	for range 100 {
		c, ok := tickets.Pick(rule, cands)
		if !ok {
			t.Fatal("nobody picked")
		}
		got[c.UserID]++
		rule.Cursor = c.UserID
	}
	if got[3] != 34 || got[5] != 33 || got[8] != 33 {
		t.Fatalf("spread %v, want 34/33/33", got)
	}
}

// assignDesk is a team with automatic assignment and n reps in it.
type assignDesk struct {
	ctx   context.Context
	db    *pgxpool.Pool
	store *tickets.Store
	team  int64
	reps  []tickets.Actor
}

func newAssignDesk(t *testing.T, mode tickets.AssignMode, capacity, n int) *assignDesk {
	t.Helper()
	ctx := t.Context()
	db := pgtest.New(t)
	d := &assignDesk{ctx: ctx, db: db, store: ticketstest.NewStore(db)}
	d.team = ticketstest.Team(ctx, t, db, "Intake") // the first team takes the web form
	for range n {
		d.reps = append(d.reps, ticketstest.User(ctx, t, db, "rep", d.team))
	}
	// A supervisor in the team is never picked.
	ticketstest.User(ctx, t, db, "supervisor", d.team)
	if _, err := db.Exec(ctx, `INSERT INTO team_assignment (team_id, mode, capacity) VALUES ($1, $2, $3)`, d.team, mode, capacity); err != nil {
		t.Fatal(err)
	}
	return d
}

// owned counts the open tickets each rep owns, and the unowned ones.
func (d *assignDesk) owned(t *testing.T) (map[int64]int, int) {
	t.Helper()
	rows, err := d.db.Query(d.ctx, `SELECT coalesce(owner_id, 0), count(*) FROM tickets GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got, unowned := map[int64]int{}, 0
	for rows.Next() {
		var owner int64
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			t.Fatal(err)
		}
		if owner == 0 {
			unowned = n
		} else {
			got[owner] = n
		}
	}
	return got, unowned
}

// createParallel opens n web-form tickets at once.
func (d *assignDesk) createParallel(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, _, err := d.store.CreatePublic(d.ctx, tickets.NewPublicTicket{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i),
				Subject: "Where is my parcel?", Message: "It has not come."})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func spread(got map[int64]int, reps []tickets.Actor) (lo, hi int) {
	lo = 1 << 30
	for _, r := range reps {
		lo, hi = min(lo, got[r.UserID]), max(hi, got[r.UserID])
	}
	return lo, hi
}

// TestAssignParallelRoundRobin: 100 tickets made at once go round the four
// reps, 25 each, and the history says who got each one.
func TestAssignParallelRoundRobin(t *testing.T) {
	t.Parallel()
	d := newAssignDesk(t, tickets.AssignRoundRobin, 0, 4)
	d.createParallel(t, 100)
	got, unowned := d.owned(t)
	if lo, hi := spread(got, d.reps); unowned != 0 || hi-lo > 1 || lo+hi != 50 {
		t.Fatalf("owners %v, %d unowned: want 25 each", got, unowned)
	}
	var events, wrong int
	if err := d.db.QueryRow(d.ctx, `
SELECT count(*), count(*) FILTER (WHERE e.actor_id IS NOT NULL OR (e.data->>'new')::bigint <> t.owner_id)
FROM events e JOIN tickets t ON t.id = e.subject_id
WHERE e.subject_type = 'ticket' AND e.action = 'ticket.assigned'`).Scan(&events, &wrong); err != nil {
		t.Fatal(err)
	}
	if events != 100 || wrong != 0 {
		t.Fatalf("%d ticket.assigned events (%d not naming the owner, or with an actor), want 100", events, wrong)
	}
}

// TestAssignParallelCapacity: with a cap of 20 open tickets each, 100
// tickets made at once fill four reps to exactly 20 and leave 20 in the
// team queue; nobody goes over.
func TestAssignParallelCapacity(t *testing.T) {
	t.Parallel()
	d := newAssignDesk(t, tickets.AssignLeastLoaded, 20, 4)
	// One rep already has five open tickets: least loaded fills the others first.
	for range 5 {
		ticketstest.Create(d.ctx, t, d.store, d.reps[0], tickets.NewTicket{})
	}
	d.createParallel(t, 100)
	got, unowned := d.owned(t)
	for _, r := range d.reps {
		if got[r.UserID] != 20 {
			t.Errorf("rep %d owns %d open tickets, want the cap of 20", r.UserID, got[r.UserID])
		}
	}
	if unowned != 25 {
		t.Errorf("%d tickets left for the team queue, want 25", unowned)
	}
}

// TestAssignParallelLeastLoadedSpread: without a cap, least loaded evens
// out an uneven start and keeps every rep within one ticket of the others.
func TestAssignParallelLeastLoadedSpread(t *testing.T) {
	t.Parallel()
	d := newAssignDesk(t, tickets.AssignLeastLoaded, 0, 3)
	for range 6 {
		ticketstest.Create(d.ctx, t, d.store, d.reps[1], tickets.NewTicket{})
	}
	d.createParallel(t, 100)
	got, unowned := d.owned(t)
	total := 0
	for _, n := range got {
		total += n
	}
	if lo, hi := spread(got, d.reps); unowned != 0 || hi-lo > 1 || total != 106 {
		t.Fatalf("owners %v (%d unowned): want 106 tickets within one of each other", got, unowned)
	}
}

// TestAssignSkillsAwayAndPaths: language first, away reps get nothing, and
// email and a supervisor's intake for the team are assigned too; a rep's
// own intake stays theirs.
func TestAssignSkillsAwayAndPaths(t *testing.T) {
	t.Parallel()
	d := newAssignDesk(t, tickets.AssignRoundRobin, 0, 3)
	en, vi, away := d.reps[0], d.reps[1], d.reps[2]
	if _, err := d.db.Exec(d.ctx, `UPDATE users SET languages = '{en}' WHERE id = $1`, en.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(d.ctx, `UPDATE users SET languages = '{en,vi}' WHERE id = $1`, vi.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(d.ctx, `UPDATE users SET away = true, languages = '{vi}' WHERE id = $1`, away.UserID); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		tk, _, err := d.store.CreatePublic(d.ctx, tickets.NewPublicTicket{Name: "Nguyễn", Email: fmt.Sprintf("vi%d@example.vn", i),
			Subject: "Đơn hàng", Message: "Chưa nhận được.", Locale: "vi"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.OwnerID != vi.UserID {
			t.Fatalf("Vietnamese ticket %d went to %d, want the Vietnamese speaker %d", i, tk.OwnerID, vi.UserID)
		}
	}
	// English customers: round robin between the two who are in.
	var owners []int64
	for i := range 4 {
		res, err := d.store.ReceiveEmail(d.ctx, tickets.InboundEmail{MessageID: fmt.Sprintf("<a%d@example.com>", i),
			FromName: "Ann", FromEmail: fmt.Sprintf("ann%d@example.com", i), Subject: "Refund", Body: "Please refund."})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := tickets.GetTx(d.ctx, d.db, res.TicketID, false)
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, tk.OwnerID)
	}
	if slices.Contains(owners, away.UserID) || slices.Contains(owners, 0) {
		t.Fatalf("email owners %v: the away rep %d got one, or one was left", owners, away.UserID)
	}
	// A supervisor takes a call for the team: the team's assignment picks.
	sup := ticketstest.User(d.ctx, t, d.db, "supervisor")
	tk := ticketstest.Create(d.ctx, t, d.store, sup, tickets.NewTicket{TeamID: d.team})
	if tk.OwnerID == sup.UserID || tk.OwnerID == 0 || tk.OwnerID == away.UserID {
		t.Fatalf("supervisor's intake for the team went to %d", tk.OwnerID)
	}
	// A rep's own call stays theirs.
	mine := ticketstest.Create(d.ctx, t, d.store, en, tickets.NewTicket{})
	if mine.OwnerID != en.UserID {
		t.Fatalf("rep's own intake went to %d, want the rep %d", mine.OwnerID, en.UserID)
	}
	hist, err := d.store.History(d.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var assigned bool
	for _, e := range hist {
		if e.Action == "ticket.assigned" && e.ActorID == 0 && e.Data["new_name"] != "" {
			assigned = true
		}
		if e.Action == "ticket.taken" {
			t.Fatalf("the supervisor's intake was taken by someone: %+v", e)
		}
	}
	if !assigned {
		t.Fatalf("history lacks the assignment: %+v", hist)
	}
}

// TestAssignManualLeavesTheQueue: a manual team's web tickets stay unowned.
func TestAssignManualLeavesTheQueue(t *testing.T) {
	t.Parallel()
	d := newAssignDesk(t, tickets.AssignManual, 0, 2)
	tk, _, err := d.store.CreatePublic(d.ctx, tickets.NewPublicTicket{Name: "A", Email: "a@example.com", Subject: "Hi", Message: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.OwnerID != 0 {
		t.Fatalf("manual team's ticket owned by %d", tk.OwnerID)
	}
}

// TestAssignCapAcrossTeams: reps in two automatic teams never go over
// their cap when both teams assign at the same moment (each team has its
// own lock; a rep's own lock is what keeps the cap). 100 tickets made at
// once into the two teams fill every rep to exactly the cap, the three
// who are in both teams included.
func TestAssignCapAcrossTeams(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	store := ticketstest.NewStore(db)
	const capacity = 4
	teamA := ticketstest.Team(ctx, t, db, "Returns")
	teamB := ticketstest.Team(ctx, t, db, "Billing")
	var reps []tickets.Actor
	for range 3 {
		reps = append(reps, ticketstest.User(ctx, t, db, "rep", teamA, teamB))
	}
	reps = append(reps, ticketstest.User(ctx, t, db, "rep", teamA), ticketstest.User(ctx, t, db, "rep", teamB))
	for _, team := range []int64{teamA, teamB} {
		if _, err := db.Exec(ctx, `INSERT INTO team_assignment (team_id, mode, capacity) VALUES ($1, 'least_loaded', $2)`, team, capacity); err != nil {
			t.Fatal(err)
		}
	}
	sup := ticketstest.User(ctx, t, db, "supervisor")
	errs := ticketstest.Parallel(100, func(i int) error {
		team := teamA
		if i%2 == 1 {
			team = teamB
		}
		_, _, err := store.Create(ctx, sup, tickets.NewTicket{Subject: "Parcel", Body: "Late.", Channel: "phone",
			Priority: tickets.PriorityNormal, CustomerName: fmt.Sprintf("Customer %d", i), TeamID: team})
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(ctx, `SELECT coalesce(owner_id, 0), count(*) FROM tickets GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for rows.Next() {
		var owner int64
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			t.Fatal(err)
		}
		got[owner] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if got[r.UserID] != capacity {
			t.Errorf("rep %d owns %d open tickets, want the cap of %d", r.UserID, got[r.UserID], capacity)
		}
	}
	if want := 100 - len(reps)*capacity; got[0] != want {
		t.Errorf("%d tickets left for the team queues, want %d (owners %v)", got[0], want, got)
	}
}
