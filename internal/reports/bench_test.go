package reports

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

// benchTickets is the size of the big benchmark's desk.
const benchTickets = 1_000_000

// BenchmarkDashboard measures the dashboard's queries over the facts of a
// million tickets (a year of a busy desk: 20 teams, 200 reps, 10% escalated,
// 5% with a follow-up, 20% with a CSAT answer). Loading takes a while, so it
// only runs when LOOPDESK_BIG_BENCH is set:
//
//	LOOPDESK_BIG_BENCH=1 go test -run '^$' -bench Dashboard -benchtime=20x ./internal/reports/
func BenchmarkDashboard(b *testing.B) {
	if os.Getenv("LOOPDESK_BIG_BENCH") == "" {
		b.Skip("set LOOPDESK_BIG_BENCH=1 to load a million tickets' facts")
	}
	ctx := b.Context()
	db := pgtest.New(b)
	now := time.Date(2030, 3, 15, 12, 0, 0, 0, time.UTC)
	loadFacts(b, db, benchTickets, now)

	s := NewStore(db, func() time.Time { return now }, nil)
	s.noCache = true // measure the queries, not the cache
	var teamID int64
	if err := db.QueryRow(ctx, `SELECT min(id) FROM teams`).Scan(&teamID); err != nil {
		b.Fatal(err)
	}
	day := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }
	explained := false
	for _, c := range []struct {
		name string
		f    Filter
	}{
		{"30days", Filter{From: day(29), To: day(0)}},
		{"30days_team", Filter{From: day(29), To: day(0), TeamID: teamID}},
		{"90days", Filter{From: day(89), To: day(0)}},
		{"366days", Filter{From: day(365), To: day(0)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			d, err := s.Dashboard(ctx, c.f)
			if err != nil {
				b.Fatal(err)
			}
			if d.Created == 0 || len(d.Reps) == 0 || d.Backlog.Total == 0 {
				b.Fatalf("empty dashboard: created %d, reps %d, backlog %d", d.Created, len(d.Reps), d.Backlog.Total)
			}
			if !explained {
				explained = true
				explain(b, s, c.f)
			}
			for b.Loop() {
				if _, err := s.Dashboard(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDashboardRanges times each range of the dashboard before the
// daily rollups (the facts aggregated at request time, NoRollups) and with
// them, cache off, and logs p50 and p95 of each: on LOOPDESK_BENCH_TICKETS
// tickets' facts (200,000 unless set; loading takes about a minute at 200k):
//
//	LOOPDESK_BENCH_TICKETS=200000 go test -run '^$' -bench DashboardRanges -benchtime=1x -v ./internal/reports/
//
// The "range" rows: 30 days for every team and for one, 90 and 365 days.
// The CSV download of a range is the same Store.Dashboard call plus a
// table's worth of formatting, so it costs what its range does.
func BenchmarkDashboardRanges(b *testing.B) {
	n := 200_000
	if v := os.Getenv("LOOPDESK_BENCH_TICKETS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			b.Fatalf("LOOPDESK_BENCH_TICKETS=%q: %v", v, err)
		}
	} else if testing.Short() {
		b.Skip("loads 200,000 tickets' facts")
	}
	ctx := b.Context()
	db := pgtest.New(b)
	now := time.Date(2030, 3, 15, 12, 0, 0, 0, time.UTC)
	loadFacts(b, db, n, now)
	var teamID int64
	if err := db.QueryRow(ctx, `SELECT min(id) FROM teams`).Scan(&teamID); err != nil {
		b.Fatal(err)
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM report_daily`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d tickets, %d rollup rows", n, rows)
	day := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }
	runs := 20
	if v := os.Getenv("LOOPDESK_BENCH_RUNS"); v != "" {
		if _, err := fmt.Sscan(v, &runs); err != nil || runs < 1 {
			b.Fatalf("LOOPDESK_BENCH_RUNS=%q: want a count", v)
		}
	}
	for b.Loop() {
		for _, c := range []struct {
			name string
			f    Filter
		}{
			{"30 days", Filter{From: day(29), To: day(0)}},
			{"30 days, one team", Filter{From: day(29), To: day(0), TeamID: teamID}},
			{"90 days", Filter{From: day(89), To: day(0)}},
			{"365 days", Filter{From: day(364), To: day(0)}},
		} {
			var line []string
			for _, before := range []bool{true, false} {
				s := NewStore(db, func() time.Time { return now }, nil)
				s.noCache, s.noRollups = true, before
				times := make([]time.Duration, 0, runs)
				var d Dashboard
				for i := range runs + 2 {
					start := time.Now()
					var err error
					if d, err = s.Dashboard(ctx, c.f); err != nil {
						b.Fatal(err)
					}
					if i >= 2 { // two to warm the caches
						times = append(times, time.Since(start))
					}
				}
				if (before && d.Approximate) || (!before && !d.Approximate && d.Created+d.Solved > s.exactLimit) || d.Created == 0 {
					b.Fatalf("%s: approximate %v, created %d", c.name, d.Approximate, d.Created)
				}
				slices.Sort(times)
				label := "after (rollups)"
				switch {
				case before:
					label = "before (facts)"
				case !d.Approximate:
					label = "after (rollups, exact percentiles of " + fmt.Sprint(d.Created+d.Solved) + " tickets)"
				}
				p50, p95 := times[len(times)/2], times[(len(times)*95+99)/100-1]
				line = append(line, fmt.Sprintf("%s p50 %.1f ms p95 %.1f ms", label, ms(p50), ms(p95)))
				if !before {
					b.ReportMetric(ms(p95), strings.ReplaceAll(c.name, " ", "_")+"_p95_ms")
				}
			}
			b.Logf("%-18s %s; %s", c.name+":", line[0], line[1])
			parts(b, db, c.f, now)
			if c.name == "365 days" {
				explainRollups(b, db, c.f, now, false)
			}
		}
	}
	// The "now" figures stay queries over the facts: with a busy desk's 15 %
	// of tickets open (the loader leaves few), the backlog reads them all.
	if _, err := db.Exec(ctx, `UPDATE ticket_facts SET status = (ARRAY['new', 'open', 'pending', 'on_hold'])[1 + (ticket_id % 4)::int]
		WHERE ticket_id % 20 < 3`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `VACUUM (ANALYZE) ticket_facts`); err != nil {
		b.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return recomputeBacklog(ctx, tx, nil) }); err != nil {
		b.Fatal(err)
	}
	explainRollups(b, db, Filter{From: day(29), To: day(0)}, now, true)
}

// parts logs the median time of each of the dashboard's statements alone for f.
func parts(b *testing.B, db *pgxpool.Pool, f Filter, now time.Time) {
	ctx := b.Context()
	s := NewStore(db, func() time.Time { return now }, nil)
	from, to, team := f.start(), f.end(), f.TeamID
	var out []string
	for _, p := range []struct {
		name string
		run  func(tx pgx.Tx) error
	}{
		{"rollups", func(tx pgx.Tx) error {
			var d Dashboard
			return s.fromRollups(ctx, tx, f, now, &d, &repRows{rows: map[int64]*RepRow{}})
		}},
		{"(its SQL)", func(tx pgx.Tx) error {
			today := dayOf(now, time.UTC)
			first, next := wholeMonths(f, today)
			rows, err := tx.Query(ctx, sqlRollOwners, f.From, f.To, f.TeamID, today, first, next)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		}},
		{"(days)", func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, sqlRollDays, f.From, f.To, f.TeamID)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		}},
		{"backlog", func(tx pgx.Tx) error { var d Dashboard; return s.backlog(ctx, tx, sqlBacklogRollup, team, &d) }},
		{"before: escalations", func(tx pgx.Tx) error {
			var d Dashboard
			return s.escalations(ctx, tx, from, to, team, &d, &repRows{rows: map[int64]*RepRow{}})
		}},
		{"loops", func(tx pgx.Tx) error {
			var a, c int
			return tx.QueryRow(ctx, sqlOpenLoops, now, team).Scan(&a, &c)
		}},
		{"before: follow-ups", func(tx pgx.Tx) error {
			var d Dashboard
			return s.followUps(ctx, tx, from, to, team, now, &d, &repRows{rows: map[int64]*RepRow{}})
		}},
		{"before: csat", func(tx pgx.Tx) error {
			var d Dashboard
			return s.csat(ctx, tx, from, to, team, &d, &repRows{rows: map[int64]*RepRow{}})
		}},
	} {
		var times []time.Duration
		for range 7 {
			start := time.Now()
			if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, sqlDashboardSettings); err != nil {
					return err
				}
				return p.run(tx)
			}); err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		out = append(out, fmt.Sprintf("%s %.1f", p.name, ms(times[len(times)/2])))
	}
	b.Logf("%20s statements alone, median ms: %s", "", strings.Join(out, ", "))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// explain logs the plans of the biggest dashboard queries, as the dashboard runs them.
func explain(b *testing.B, s *Store, f Filter) {
	ctx := b.Context()
	tx, err := s.db.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, sqlDashboardSettings); err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, sql string }{
		{"created", sqlCreatedCohort}, {"per owner", sqlCreatedPerOwner}, {"solved", sqlSolvedCohort},
	} {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+q.sql, f.start(), f.end(), f.TeamID)
		if err != nil {
			b.Fatal(err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("EXPLAIN %s:\n%s", q.name, strings.Join(plan, "\n"))
	}
}

// explainRollups logs the plans of the rollup path's statements and of the
// "now" figures for f.
func explainRollups(b *testing.B, db *pgxpool.Pool, f Filter, now time.Time, onlyNow bool) {
	ctx := b.Context()
	today := dayOf(now, time.UTC)
	first, next := wholeMonths(f, today)
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"rollups per owner", sqlRollOwners, []any{f.From, f.To, f.TeamID, today, first, next}},
		{"days", sqlRollDays, []any{f.From, f.To, f.TeamID}},
		{"reasons", sqlRollReasonsRange, []any{f.From, f.To, f.TeamID}},
		{"backlog (now, kept by the facts job)", sqlBacklogRollup, []any{f.TeamID}},
		{"before: backlog (now, from the facts)", sqlBacklog, []any{f.TeamID}},
		{"open loops (now)", sqlOpenLoops, []any{now, f.TeamID}},
	} {
		if onlyNow && !strings.Contains(q.name, "(now") {
			continue
		}
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, sqlDashboardSettings); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+q.sql, q.args...)
			if err != nil {
				return err
			}
			plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			b.Logf("EXPLAIN %s:\n%s", q.name, strings.Join(plan, "\n"))
			return nil
		})
		if err != nil {
			b.Fatalf("explain %s: %v", q.name, err)
		}
	}
}

// loadFacts loads the facts of n tickets created over the year before now
// (a busy desk: 20 teams, 200 reps, 10% escalated, 5% with a follow-up, 20%
// with a CSAT answer), and their daily rollups in UTC.
func loadFacts(b *testing.B, db *pgxpool.Pool, n int, now time.Time) {
	ctx := b.Context()
	load := time.Now()
	conn, err := db.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// Escalations, follow-ups and answers point at tickets and users that the
	// benchmark does not create (the facts stand in for them): load them
	// without foreign-key checks, as a restore would.
	steps := []string{
		`SET session_replication_role = replica`,
		`INSERT INTO teams (name) SELECT 'Bench team ' || g FROM generate_series(1, 20) g`,
		`INSERT INTO users (email, name, role, password_hash)
		 SELECT 'rep' || g || '@bench.example', 'Bench rep ' || g, 'rep', 'x' FROM generate_series(1, 200) g`,
		// Ticket g is created (365 days * g / N) before now; tickets older than a
		// week are solved, 3% of the rest are still open.
		fmt.Sprintf(`
INSERT INTO ticket_facts (ticket_id, team_id, owner_id, status, priority, created_at, first_response_at, solved_at,
                          first_response_s, lead_s, sla_first_response, sla_next_response, sla_resolution,
                          escalations, escalation_s, reopens, solves, refreshed_at)
SELECT g, (SELECT min(id) FROM teams) + g %% 20, (SELECT min(id) FROM users) + g %% 200,
       CASE WHEN open THEN (ARRAY['new', 'open', 'pending', 'on_hold'])[1 + (g %% 4)::int] ELSE 'solved' END,
       1 + g %% 4, created, created + fr * interval '1 second',
       CASE WHEN open THEN NULL ELSE created + lead * interval '1 second' END,
       fr, CASE WHEN open THEN NULL ELSE lead END,
       CASE WHEN g %% 7 = 0 THEN 'breached' ELSE 'met' END,
       CASE WHEN g %% 3 = 0 THEN NULL WHEN g %% 11 = 0 THEN 'breached' ELSE 'met' END,
       CASE WHEN open THEN NULL WHEN g %% 9 = 0 THEN 'breached' ELSE 'met' END,
       CASE WHEN g %% 10 = 0 THEN 1 ELSE 0 END, CASE WHEN g %% 10 = 0 THEN fr * 3 END,
       CASE WHEN g %% 25 = 0 THEN 1 ELSE 0 END, CASE WHEN open THEN 0 ELSE 1 END, $1
FROM (
    SELECT g, $1::timestamptz - (365 * 86400.0 * (%[1]d - g) / %[1]d) * interval '1 second' AS created,
           (g * 7919) %% 28800 AS fr, 3600 + (g * 104729) %% 259200 AS lead,
           g > %[1]d - 7 * %[1]d / 365 AND g %% 33 = 0 AS open
    FROM generate_series(1::bigint, %[1]d) g
) t`, n),
		`INSERT INTO escalations (ticket_id, kind, level, from_user_id, to_team_id, reason, note, urgency, status, requested_at, returned_at)
		 SELECT ticket_id, 'escalation', 2, owner_id, team_id,
		        (ARRAY['needs_expertise', 'billing_adjustment', 'technical_fault', 'delivery_problem', 'sla_breach'])[1 + (ticket_id % 5)::int],
		        'bench', 'normal', 'returned', created_at + interval '1 hour', created_at + interval '3 hours'
		 FROM ticket_facts WHERE escalations > 0`,
		`INSERT INTO follow_ups (ticket_id, owner_id, reason, due_at, created_at, done_at)
		 SELECT ticket_id, owner_id, 'escalation_returned', created_at + interval '1 day', created_at,
		        CASE WHEN status = 'solved' THEN created_at + interval '1 day' + (ticket_id % 3 - 1)::int * interval '2 hours' END
		 FROM ticket_facts WHERE ticket_id % 20 = 0`,
		`INSERT INTO csat_responses (ticket_id, rating, owner_id, answered_at, changed_at)
		 SELECT ticket_id, CASE WHEN ticket_id % 6 = 0 THEN 'bad' ELSE 'good' END, owner_id, solved_at + interval '2 hours', solved_at + interval '2 hours'
		 FROM ticket_facts WHERE solved_at IS NOT NULL AND ticket_id % 5 = 0`,
		`UPDATE report_refresh SET watermark = $1`,
		`RESET session_replication_role`,
		`VACUUM (ANALYZE) ticket_facts`,
		`VACUUM (ANALYZE) escalations`,
		`VACUUM (ANALYZE) follow_ups`,
		`VACUUM (ANALYZE) csat_responses`,
	}
	for _, sql := range steps {
		args := []any{}
		if strings.Contains(sql, "$1") {
			args = append(args, now)
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			conn.Release()
			b.Fatalf("load: %v\n%s", err, sql)
		}
	}
	conn.Release()
	loaded := time.Since(load)
	// The rollups, as the facts job's rebuild ends.
	start := time.Now()
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return recomputeAll(ctx, tx, time.UTC) }); err != nil {
		b.Fatal(err)
	}
	rolled := time.Since(start)
	for _, table := range []string{"report_daily", "report_monthly", "report_daily_teams", "report_daily_reasons"} {
		if _, err := db.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			b.Fatal(err)
		}
	}
	var size string
	if err := db.QueryRow(ctx, `SELECT pg_size_pretty(pg_total_relation_size('report_daily') + pg_total_relation_size('report_monthly')
       + pg_total_relation_size('report_daily_teams') + pg_total_relation_size('report_daily_reasons'))`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d tickets' facts in %v; every rollup built from them in %v (%s with indexes)", n,
		loaded.Round(time.Millisecond), rolled.Round(time.Millisecond), size)
	// What an incremental facts run adds for its rollups: recomputing the
	// days its tickets count on (and their months), here today and nine
	// days spread over the year.
	var days []time.Time
	for i := range 10 {
		days = append(days, dayOf(now, time.UTC).AddDate(0, 0, -i*37))
	}
	start = time.Now()
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return recomputeDays(ctx, tx, time.UTC, days) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("recomputing 10 days' rollups (and their 10 months) as a facts run does: %v", time.Since(start).Round(time.Millisecond))

}
