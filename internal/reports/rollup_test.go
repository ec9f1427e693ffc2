package reports_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/reports/reportstest"
)

// rollupZone is the reporting zone of the rollup tests: New York's clocks
// go forward on 10 March 2030, inside the generated data.
var rollupZone = func() *time.Location {
	z, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return z
}()

// generate adds n tickets created over the 70 days before Now, spread over
// both teams and none, three owners and none, with first responses, solves,
// SLA policies and breaches, reopens, second solves and escalations.
func generate(t *testing.T, b *bundle, n int) {
	t.Helper()
	steps := []string{
		`SELECT setseed(0.25)`,
		`INSERT INTO tickets (subject, status, priority, channel, customer_id, team_id, owner_id, created_at, updated_at,
                      first_response_at, solved_at, sla_policy_id, first_response_due, resolution_due, next_due)
SELECT 'Generated ' || g,
       CASE WHEN solved IS NOT NULL THEN (ARRAY['solved', 'closed'])[1 + (g % 2)]
            ELSE (ARRAY['new', 'open', 'pending', 'on_hold'])[1 + (g % 4)] END,
       1 + g % 4, 'web', (SELECT min(id) FROM customers), team, owner, created, created,
       fr, solved, policy,
       CASE WHEN policy IS NOT NULL AND fr IS NULL THEN created + interval '1 hour' END,
       CASE WHEN policy IS NOT NULL AND solved IS NULL THEN created + interval '8 hours' END,
       CASE WHEN policy IS NOT NULL AND solved IS NULL THEN created + CASE WHEN fr IS NULL THEN interval '1 hour' ELSE interval '8 hours' END END
FROM (
    SELECT g, created, team, owner, policy, fr,
           CASE WHEN fr IS NOT NULL AND r < 0.65 THEN least($1::timestamptz, fr + random() ^ 2 * interval '12 days') END AS solved
    FROM (
        SELECT g, created, team, owner, policy, r,
               CASE WHEN r2 < 0.05 THEN created
                    WHEN r2 < 0.85 THEN least($1::timestamptz, created + random() ^ 3 * interval '4 days') END AS fr
        FROM (
            SELECT g, $1::timestamptz - random() * interval '70 days' AS created,
                   (ARRAY[$2::bigint, $3::bigint, NULL])[1 + floor(random() * 3)::int] AS team,
                   (ARRAY[$4::bigint, $5::bigint, $6::bigint, NULL])[1 + floor(random() * 4)::int] AS owner,
                   CASE WHEN random() < 0.7 THEN (SELECT min(id) FROM sla_policies) END AS policy,
                   random() AS r, random() AS r2
            FROM generate_series(1, $7::int) g
        ) a
    ) b
) c`,
		// Moves to solved, a second solve after a reopen for some.
		`INSERT INTO events (subject_type, subject_id, action, data, created_at)
SELECT 'ticket', id, 'ticket.status_changed', '{"new": "solved"}', solved_at FROM tickets WHERE solved_at IS NOT NULL AND subject LIKE 'Generated %'`,
		`INSERT INTO events (subject_type, subject_id, action, data, created_at)
SELECT 'ticket', id, a, d::jsonb, solved_at - interval '1 hour'
FROM tickets, (VALUES ('ticket.reopened', '{"new": "open"}'), ('ticket.status_changed', '{"new": "solved"}')) v(a, d)
WHERE solved_at IS NOT NULL AND subject LIKE 'Generated %' AND id % 9 = 0`,
		`INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at)
SELECT id, (ARRAY['first_response', 'next_response', 'resolution'])[1 + (id % 3)::int], created_at + interval '1 hour', 'breached', created_at + interval '1 hour'
FROM tickets WHERE sla_policy_id IS NOT NULL AND subject LIKE 'Generated %' AND id % 7 = 0`,
		`INSERT INTO escalations (ticket_id, kind, level, from_user_id, to_team_id, reason, note, urgency, status, requested_at, returned_at)
SELECT id, 'escalation', 2, owner_id, (SELECT min(id) FROM teams WHERE name = 'Returns desk'), (ARRAY['billing_adjustment', 'technical_fault'])[1 + (id % 2)::int], 'Generated', 'normal',
       CASE WHEN id % 3 = 0 THEN 'requested' ELSE 'returned' END, created_at + interval '10 minutes',
       CASE WHEN id % 3 <> 0 THEN least($1, created_at + interval '10 minutes' + (id % 50) * interval '37 minutes') END
FROM tickets WHERE subject LIKE 'Generated %' AND id % 8 = 0`,
		// Answers on solved tickets, by the owner then (some by none).
		`INSERT INTO csat_responses (ticket_id, rating, owner_id, answered_at, changed_at)
SELECT id, CASE WHEN id % 4 = 0 THEN 'bad' ELSE 'good' END, CASE WHEN id % 10 <> 0 THEN owner_id END,
       least($1::timestamptz, solved_at + (id % 30) * interval '1 hour'), least($1::timestamptz, solved_at + (id % 30) * interval '1 hour')
FROM tickets WHERE solved_at IS NOT NULL AND subject LIKE 'Generated %' AND id % 3 = 0`,
		// Follow-ups due over the days before and after now: done on time,
		// done late, and not done (overdue or not yet due), some due today.
		`INSERT INTO follow_ups (ticket_id, owner_id, reason, due_at, created_at, done_at)
SELECT id, coalesce(owner_id, (SELECT min(id) FROM users WHERE name = 'Aino Rep')), 'proactive', due, due - interval '1 day',
       CASE WHEN id % 3 = 0 THEN NULL WHEN id % 3 = 1 THEN least($1::timestamptz, due - interval '30 minutes')
            ELSE least($1::timestamptz, due + interval '2 hours') END
FROM (SELECT id, owner_id, $1::timestamptz - (id % 97) * interval '9 hours' + interval '3 days' AS due
      FROM tickets WHERE subject LIKE 'Generated %' AND id % 5 = 0) AS t
WHERE due - interval '1 day' < $1::timestamptz AND NOT (id % 3 = 0 AND due - interval '1 day' >= $1::timestamptz)`,
	}
	d := b.data
	for _, sql := range steps {
		var args []any
		if sql != steps[0] {
			args = []any{b.now, d.TeamA, d.TeamB, d.Aino, d.Binh, d.Chitra, n}
			// Each statement takes only the parameters it names.
			args = args[:maxParam(sql)]
		}
		if _, err := b.db.Exec(b.ctx, sql, args...); err != nil {
			t.Fatalf("generate: %v\n%s", err, sql)
		}
	}
}

// maxParam is the highest $n in sql.
func maxParam(sql string) int {
	n := 0
	for i := 0; i+1 < len(sql); i++ {
		if sql[i] == '$' && sql[i+1] >= '1' && sql[i+1] <= '9' {
			n = max(n, int(sql[i+1]-'0'))
		}
	}
	return n
}

// sameFigures checks that a dashboard from the rollups has the figures of
// the one aggregated from the facts: every count equal, every median and
// p90 within the histograms' bound.
func sameFigures(t *testing.T, what string, approx, exact reports.Dashboard) {
	t.Helper()
	if !approx.Approximate || exact.Approximate {
		t.Fatalf("%s: approximate %v and %v, want the rollups' and the facts'", what, approx.Approximate, exact.Approximate)
	}
	if exact.Created == 0 || exact.Solved == 0 {
		t.Fatalf("%s: nothing to compare (created %d, solved %d)", what, exact.Created, exact.Solved)
	}
	eq(t, what+": created", approx.Created, exact.Created)
	eq(t, what+": solved", approx.Solved, exact.Solved)
	eq(t, what+": escalated", approx.Escalated, exact.Escalated)
	eq(t, what+": reopens", approx.Reopens, exact.Reopens)
	eq(t, what+": solves", approx.Solves, exact.Solves)
	for i := range exact.SLA {
		eq(t, what+": SLA", approx.SLA[i], exact.SLA[i])
	}
	near := func(name string, a, e reports.Spread) {
		t.Helper()
		if a.N != e.N || !reports.ApproxWithin(a.Median, e.Median) || !reports.ApproxWithin(a.P90, e.P90) {
			t.Errorf("%s: %s = {N %d, median %v, p90 %v}, exact {N %d, median %v, p90 %v}", what, name, a.N, a.Median, a.P90, e.N, e.Median, e.P90)
		}
	}
	near("first response", approx.FirstResponse, exact.FirstResponse)
	near("lead time", approx.LeadTime, exact.LeadTime)
	near("time in escalation", approx.EscalationTime, exact.EscalationTime)
	if len(approx.Daily) != len(exact.Daily) {
		t.Fatalf("%s: %d days, want %d", what, len(approx.Daily), len(exact.Daily))
	}
	for i := range exact.Daily {
		if a, e := approx.Daily[i], exact.Daily[i]; !a.Date.Equal(e.Date) || a.Created != e.Created || a.Solved != e.Solved {
			t.Errorf("%s: day %+v, exact %+v", what, a, e)
		}
	}
	if len(approx.Reps) != len(exact.Reps) {
		t.Fatalf("%s: %d reps, want %d", what, len(approx.Reps), len(exact.Reps))
	}
	nearPtr := func(a, e *time.Duration) bool {
		return (a == nil) == (e == nil) && (a == nil || reports.ApproxWithin(*a, *e))
	}
	for i, e := range exact.Reps {
		a := approx.Reps[i]
		if a.UserID != e.UserID || a.Handled != e.Handled || !nearPtr(a.FirstResponse, e.FirstResponse) || !nearPtr(a.LeadTime, e.LeadTime) ||
			a.CSAT != e.CSAT || a.EscalationsRaised != e.EscalationsRaised || a.FollowUpsDue != e.FollowUpsDue ||
			a.FollowUpsOnTime != e.FollowUpsOnTime {
			t.Errorf("%s: rep %s, exact %s", what, repString(a), repString(e))
		}
	}
	if !reflect.DeepEqual(approx.Backlog, exact.Backlog) {
		t.Errorf("%s: backlog %+v, exact %+v", what, approx.Backlog, exact.Backlog)
	}
	if exact.Backlog.Total == 0 {
		t.Errorf("%s: backlog %+v: nothing to compare", what, exact.Backlog)
	}
	eq(t, what+": CSAT", approx.CSAT, exact.CSAT)
	eq(t, what+": follow-ups due", approx.FollowUpsDue, exact.FollowUpsDue)
	eq(t, what+": follow-ups on time", approx.FollowUpsOnTime, exact.FollowUpsOnTime)
	if exact.CSAT.Total() == 0 || exact.FollowUpsDue == 0 || len(exact.Reasons) == 0 {
		t.Errorf("%s: nothing to compare: CSAT %+v, follow-ups %d, reasons %+v", what, exact.CSAT, exact.FollowUpsDue, exact.Reasons)
	}
	if len(approx.Reasons) != len(exact.Reasons) {
		t.Errorf("%s: reasons %+v, exact %+v", what, approx.Reasons, exact.Reasons)
	} else {
		for i := range exact.Reasons {
			eq(t, what+": reason", approx.Reasons[i], exact.Reasons[i])
		}
	}
}

// The rollups give the figures of the facts, on generated tickets across
// days, teams, owners, reopens and escalations, in a zone whose clocks
// change, and still after a refresh that changes old tickets.
func TestRollupsEqualFacts(t *testing.T) {
	b := setup(t)
	generate(t, b, 3000)
	b.store.SetZone(rollupZone)
	b.store.SetExactLimit(0)
	reports.Uncached(b.store)
	exact := reports.NewStore(b.db, func() time.Time { return b.now }, nil)
	exact.SetZone(rollupZone)
	reports.NoRollups(exact)
	reports.Uncached(exact)
	if err := b.store.Rebuild(b.ctx); err != nil {
		t.Fatal(err)
	}
	res, err := b.store.Refresh(b.ctx)
	if err != nil || !res.Done || res.RollupDays != -1 {
		t.Fatalf("rebuild = %+v, %v; want every day's rollups", res, err)
	}

	today := time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC)
	filters := map[string]reports.Filter{
		"30 days":           {From: today.AddDate(0, 0, -29), To: today},
		"75 days":           {From: today.AddDate(0, 0, -74), To: today},
		"the week of DST":   {From: time.Date(2030, 3, 8, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 3, 12, 0, 0, 0, 0, time.UTC)},
		"team A, 30 days":   {From: today.AddDate(0, 0, -29), To: today, TeamID: b.data.TeamA},
		"team B, 75 days":   {From: today.AddDate(0, 0, -74), To: today, TeamID: b.data.TeamB},
		"40 to 20 days ago": {From: today.AddDate(0, 0, -40), To: today.AddDate(0, 0, -20)},
	}
	compare := func(when string) {
		t.Helper()
		for name, f := range filters {
			a, err := b.store.Dashboard(b.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := exact.Dashboard(b.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			sameFigures(t, when+", "+name, a, e)
		}
	}
	compare("after the rebuild")

	// Old tickets change: the open ones of 40 days ago and more are solved
	// now; some solved ones are reopened; some change owner and team.
	b.now = b.now.Add(time.Minute)
	for _, sql := range []string{
		`UPDATE tickets SET status = 'solved', solved_at = $1::timestamptz - (id % 5) * interval '1 day', first_response_at = coalesce(first_response_at, created_at + interval '2 hours'),
		        first_response_due = NULL, resolution_due = NULL, next_due = NULL, updated_at = $1
		 WHERE solved_at IS NULL AND created_at < $1::timestamptz - interval '40 days' AND subject LIKE 'Generated %'`,
		`UPDATE tickets SET status = 'open', solved_at = NULL, updated_at = $1
		 WHERE solved_at IS NOT NULL AND created_at < $1::timestamptz - interval '30 days' AND id % 11 = 0 AND subject LIKE 'Generated %'`,
		`INSERT INTO events (subject_type, subject_id, action, data, created_at)
		 SELECT 'ticket', id, 'ticket.reopened', '{"new": "open"}', $1 FROM tickets WHERE id % 11 = 0 AND status = 'open' AND subject LIKE 'Generated %'`,
		`UPDATE tickets SET owner_id = CASE WHEN owner_id IS NULL THEN (SELECT min(id) FROM users WHERE name = 'Binh Rep') END,
		        team_id = CASE WHEN team_id IS NULL THEN (SELECT min(id) FROM teams WHERE name = 'Returns desk') END, updated_at = $1
		 WHERE id % 13 = 0 AND created_at < $1::timestamptz - interval '20 days' AND subject LIKE 'Generated %'`,
	} {
		if _, err := b.db.Exec(b.ctx, sql, b.now); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	b.now = b.now.Add(time.Minute)
	res, err = b.store.Refresh(b.ctx)
	if err != nil || res.Rebuild || res.Tickets < 100 || res.RollupDays < 30 {
		t.Fatalf("refresh after old tickets changed = %+v, %v; want an incremental run redoing their days", res, err)
	}
	compare("after old tickets changed")

	// One old ticket, solved days after it was created, is reopened: the day
	// it was solved on loses it, though no ticket of the run is on that day now.
	b.now = b.now.Add(10 * time.Minute)
	if _, err := b.store.Refresh(b.ctx); err != nil { // past the changes above and the run's overlap
		t.Fatal(err)
	}
	b.now = b.now.Add(10 * time.Minute)
	if _, err := b.db.Exec(b.ctx, `
UPDATE tickets SET status = 'open', solved_at = NULL, updated_at = $1
WHERE id = (SELECT min(id) FROM tickets WHERE subject LIKE 'Generated %' AND solved_at < $1::timestamptz - interval '35 days'
                                         AND solved_at > created_at + interval '3 days'
                                         AND id % 3 <> 0 AND id % 5 <> 0 AND id % 8 <> 0)`, b.now); err != nil { // no answer, follow-up or escalation
		t.Fatal(err)
	}
	b.now = b.now.Add(time.Minute)
	if res, err := b.store.Refresh(b.ctx); err != nil || res.Tickets != 1 || res.RollupDays != 2 {
		t.Fatalf("refresh after one reopen = %+v, %v; want one ticket and two days", res, err)
	}
	compare("after an old ticket reopened")

	// Kept up by the increments or recomputed from scratch, the rollups of
	// the same facts are the same rows.
	before := rollupRows(t, b)
	if _, err := b.db.Exec(b.ctx, `UPDATE report_refresh SET rollup_zone = NULL`); err != nil {
		t.Fatal(err)
	}
	if res, err := b.store.Refresh(b.ctx); err != nil || res.RollupDays != -1 {
		t.Fatalf("refresh without rollups = %+v, %v; want every day's rollups", res, err)
	}
	if after := rollupRows(t, b); after != before {
		t.Errorf("rollups recomputed from scratch differ from the incremental ones:\n%s\nwant\n%s", after, before)
	}
}

// rollupRows is the rollup tables as text, in key order.
func rollupRows(t *testing.T, b *bundle) string {
	t.Helper()
	var s string
	if err := b.db.QueryRow(b.ctx, `
SELECT (SELECT string_agg(r::text, E'\n' ORDER BY day, team_id, owner_id) FROM report_daily r) || E'\n' ||
       (SELECT string_agg(r::text, E'\n' ORDER BY month, team_id, owner_id) FROM report_monthly r) || E'\n' ||
       (SELECT string_agg(r::text, E'\n' ORDER BY day, team_id, reason) FROM report_daily_reasons r) || E'\n' ||
       (SELECT string_agg(r::text, E'\n' ORDER BY day, team_id) FROM report_daily_teams r) || E'\n' ||
       (SELECT string_agg(r::text, E'\n' ORDER BY team_id, status, priority) FROM report_backlog r)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == "" {
		t.Fatal("no rollups")
	}
	return s
}

// A new reporting zone rebuilds the rollups on the next run; until then the
// dashboard reads the facts.
func TestRollupsFollowTheZone(t *testing.T) {
	b := setup(t)
	d := b.dashboard(t, reports.Filter{})
	eq(t, "created in UTC days", d.Created, 6)
	b.store.SetZone(rollupZone) // a new store's setting: the rollups are UTC's
	reports.Uncached(b.store)
	d = b.dashboard(t, reports.Filter{})
	if d.Filter.Zone != rollupZone {
		t.Errorf("dashboard zone %v, want the reporting zone", d.Filter.Zone)
	}
	eq(t, "created in New York days, from the facts", d.Created, 6)
	b.now = b.now.Add(time.Minute)
	res, err := b.store.Refresh(b.ctx)
	if err != nil || res.RollupDays != -1 {
		t.Fatalf("refresh in a new zone = %+v, %v; want every day's rollups again", res, err)
	}
	var zone string
	if err := b.db.QueryRow(b.ctx, `SELECT rollup_zone FROM report_refresh`).Scan(&zone); err != nil || zone != rollupZone.String() {
		t.Errorf("rollup zone %q, %v", zone, err)
	}
	b.store.SetExactLimit(0)
	d = b.dashboard(t, reports.Filter{From: reportstest.From, To: reportstest.To})
	if !d.Approximate {
		t.Error("dashboard not from the rollups")
	}
	eq(t, "created in New York days, from the rollups", d.Created, 6)
}
