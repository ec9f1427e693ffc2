package escalation_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// BenchmarkRecomputeTeam measures the River recompute after a team's calendar changes, over
// a desk of 200,000 tickets of which 3% are open (1,500 of them in the team, under a policy):
// each iteration moves the team to the other of two office calendars and runs the batches
// through the worker, every deadline moving (so every ticket's breach checks are scheduled
// again). It prints the plan of one batch's query and the time per batch of 300.
//
//	go test -run '^$' -bench RecomputeTeam -benchtime=3x ./internal/escalation/
func BenchmarkRecomputeTeam(b *testing.B) {
	const total, openEvery, teams = 200_000, 33, 4
	ctx := b.Context()
	db := pgtest.New(b)
	clock := escalationtest.NewClock(hel(5, 15, 0))
	_, svc := escalation.Wire(db, clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{})
	jobs, err := river.NewClient(riverpgxv5.New(db), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	svc.SetJobs(jobs)
	team := ticketstest.Team(ctx, b, db, "Front line")
	for i := 1; i < teams; i++ {
		ticketstest.Team(ctx, b, db, fmt.Sprintf("Other %d", i))
	}
	office := map[int][]string{1: {"08:00-16:00"}, 2: {"08:00-16:00"}, 3: {"08:00-16:00"}, 4: {"08:00-16:00"}, 5: {"08:00-16:00"}}
	late := map[int][]string{1: {"10:00-18:00"}, 2: {"10:00-18:00"}, 3: {"10:00-18:00"}, 4: {"10:00-18:00"}, 5: {"10:00-18:00"}}
	calendars := []int64{
		escalationtest.Calendar(ctx, b, db, "Early office", "Europe/Helsinki", office, nil),
		escalationtest.Calendar(ctx, b, db, "Late office", "Europe/Helsinki", late, nil, team),
	}
	if err := svc.SavePolicy(ctx, 0, escalation.Policy{Name: "High", Priority: tickets.PriorityHigh, FirstResponse: 2 * time.Hour,
		NextResponse: 4 * time.Hour, Resolution: 16 * time.Hour, AtRiskPercent: 75, SupervisorDelay: time.Hour}); err != nil {
		b.Fatal(err)
	}
	customer := ticketstest.Customer(ctx, b, db, tickets.Customer{Name: "Bench customer"})
	// Tickets round-robin over the teams; one in openEvery is open, the rest closed.
	if _, err := db.Exec(ctx, fmt.Sprintf(`
INSERT INTO tickets (subject, status, priority, channel, customer_id, team_id, created_at, updated_at)
SELECT 'Bench ' || g, CASE WHEN g %% %d = 0 THEN 'open' ELSE 'closed' END, 3, 'phone', $1,
       (SELECT min(id) FROM teams) + g %% %d, $2::timestamptz - g * interval '1 minute', $2
FROM generate_series(1, %d) g`, openEvery, teams, total), customer.ID, clock.Now()); err != nil {
		b.Fatal(err)
	}
	// The policy's own recompute found no tickets yet; the benchmark runs its batches itself.
	if _, err := db.Exec(ctx, `DELETE FROM river_job`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `VACUUM (ANALYZE) tickets`); err != nil {
		b.Fatal(err)
	}
	var open int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM tickets WHERE team_id = $1 AND status = 'open'`, team).Scan(&open); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Query(ctx, `EXPLAIN SELECT t.id FROM tickets t
WHERE t.status IN ('new', 'open', 'pending', 'on_hold') AND t.id > $1 AND t.team_id = $2
ORDER BY t.id LIMIT $3
FOR UPDATE OF t`, total/2, team, escalation.DefaultRecomputeBatch)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d tickets, %d open in the team; a batch's plan:\n%s", total, open, strings.Join(plan, "\n"))
	if !strings.Contains(strings.Join(plan, "\n"), "tickets_open_id_idx") {
		b.Errorf("the batch query does not use tickets_open_id_idx")
	}

	w := escalation.NewRecomputeWorker(svc)
	batches := 0
	var spent time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if _, err := db.Exec(ctx, `UPDATE teams SET calendar_id = $2 WHERE id = $1`, team, calendars[i%2]); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		args := escalation.RecomputeArgs{Scope: escalation.RecomputeTeam, ID: team}
		for {
			if err := w.Work(ctx, &river.Job[escalation.RecomputeArgs]{JobRow: &rivertype.JobRow{}, Args: args}); err != nil {
				b.Fatal(err)
			}
			batches++
			var next []byte
			err := db.QueryRow(ctx, `DELETE FROM river_job WHERE id = (SELECT max(id) FROM river_job WHERE kind = 'sla_recompute') RETURNING args`).Scan(&next)
			if errors.Is(err, pgx.ErrNoRows) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(next, &args); err != nil {
				b.Fatal(err)
			}
		}
		spent += time.Since(start)
	}
	b.ReportMetric(float64(spent.Milliseconds())/float64(batches), "ms/batch")
	b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
}
