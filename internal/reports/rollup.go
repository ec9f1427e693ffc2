package reports

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Daily rollups (report_daily): the dashboard's figures per day in the
// desk's reporting zone (Store.Zone), team and loop owner, worked out from
// ticket_facts, and the CSAT answers, escalations raised and follow-ups of
// the day per team and person (report_daily_reasons: escalations per
// reason). The facts job keeps them in step with the facts: an
// incremental run recomputes, in the transaction of each batch of facts it
// writes, every day a ticket of the batch was created or solved on, before
// or after the change, or its escalations were requested, its answer given
// or its follow-ups due on (recomputeDays: delete the days' rows, aggregate
// the days' facts, escalations, answers and follow-ups again — idempotent);
// a rebuild, and a change of the reporting zone, recompute every day at the
// end (recomputeAll). The dashboard then reads a row per day, team and
// owner instead of every ticket, answer, escalation and follow-up of its
// range, and its percentiles from the rows' histograms (hist.go), unless
// the range holds few enough tickets to read their exact percentiles from
// the facts (Store.exactLimit). Only the backlog, the open loops and
// today's overdue follow-ups are counted at request time (they are "now").

// rollKey is one row of report_daily.
type rollKey struct {
	day         time.Time // midnight UTC of the day in the zone
	team, owner int64     // 0: none
}

// rollRow is the figures of one rollKey.
type rollRow struct {
	created, firstResponses, escalated, escalationReturns int32
	firstResponseSum, escalationSum, leadSum              int64
	reopens, solves                                       int32
	slaFirstMet, slaFirstBreached                         int32
	slaNextMet, slaNextBreached                           int32
	slaResMet, slaResBreached                             int32
	solved, leads                                         int32
	firstResponseHist, escalationHist, leadHist           hist
	// About the row's owner_id as a person (see migration 00035).
	csatGood, csatBad, raised           int32
	followUpsDue, followUpsDone, onTime int32
}

// reasonKey is one row of report_daily_reasons.
type reasonKey struct {
	day    time.Time
	team   int64
	reason string
}

// dayOf is the calendar day of t in zone, as midnight UTC.
func dayOf(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayBounds are the instants that day (midnight UTC, see dayOf) starts and
// ends in zone.
func dayBounds(day time.Time, zone *time.Location) (start, end time.Time) {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, zone),
		time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, zone)
}

// sqlRollCreated reads the facts of the tickets created on the days whose
// bounds are $1 (starts) and $2 (ends): an index-only scan of
// ticket_facts_created_idx per day. Each of these day queries reads a day
// at a time in a LATERAL subquery that OFFSET 0 keeps from being flattened:
// otherwise the planner, which cannot tell how few days the arrays hold,
// may hash-join a whole table (seconds at a million tickets).
const sqlRollCreated = `
SELECT f.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) AS d(s, e)
CROSS JOIN LATERAL (
    SELECT f.created_at, coalesce(f.team_id, 0), coalesce(f.owner_id, 0), f.first_response_s, f.escalations,
           f.escalation_s, f.reopens, f.solves, f.sla_first_response, f.sla_next_response, f.sla_resolution
    FROM ticket_facts f WHERE f.created_at >= d.s AND f.created_at < d.e OFFSET 0) AS f`

// sqlRollSolved reads the facts of the tickets solved on those days
// (ticket_facts_solved_idx).
const sqlRollSolved = `
SELECT f.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) AS d(s, e)
CROSS JOIN LATERAL (
    SELECT f.solved_at, coalesce(f.team_id, 0), coalesce(f.owner_id, 0), f.lead_s
    FROM ticket_facts f WHERE f.solved_at >= d.s AND f.solved_at < d.e OFFSET 0) AS f`

// sqlRollEscalations reads the escalations requested on those days, with
// their ticket's team.
const sqlRollEscalations = `
SELECT x.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) AS d(s, e)
CROSS JOIN LATERAL (
    SELECT e.requested_at, coalesce(f.team_id, 0), coalesce(e.from_user_id, 0), e.reason
    FROM escalations e
    LEFT JOIN ticket_facts f ON f.ticket_id = e.ticket_id
    WHERE e.requested_at >= d.s AND e.requested_at < d.e AND e.kind = 'escalation' OFFSET 0) AS x`

// sqlRollCSAT reads the survey answers first given on those days.
const sqlRollCSAT = `
SELECT x.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) AS d(s, e)
CROSS JOIN LATERAL (
    SELECT c.answered_at, coalesce(f.team_id, 0), coalesce(c.owner_id, 0), c.rating = 'good'
    FROM csat_responses c
    LEFT JOIN ticket_facts f ON f.ticket_id = c.ticket_id
    WHERE c.answered_at >= d.s AND c.answered_at < d.e OFFSET 0) AS x`

// sqlRollFollowUps reads the follow-ups due on those days.
const sqlRollFollowUps = `
SELECT x.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) AS d(s, e)
CROSS JOIN LATERAL (
    SELECT fu.due_at, coalesce(f.team_id, 0), fu.owner_id, fu.done_at IS NOT NULL, fu.done_at <= fu.due_at
    FROM follow_ups fu
    LEFT JOIN ticket_facts f ON f.ticket_id = fu.ticket_id
    WHERE fu.due_at >= d.s AND fu.due_at < d.e OFFSET 0) AS x`

// sqlRollDelete drops the rows of the days $1.
const sqlRollDelete = `DELETE FROM report_daily WHERE day = ANY($1::date[])`

// sqlRollDeleteTeams drops the per-team days of the days $1.
const sqlRollDeleteTeams = `DELETE FROM report_daily_teams WHERE day = ANY($1::date[])`

// sqlRollTeams writes recomputed per-team days.
const sqlRollTeams = `
INSERT INTO report_daily_teams (day, team_id, created, solved)
SELECT * FROM unnest($1::date[], $2::bigint[], $3::int[], $4::int[])`

// sqlRollDeleteReasons drops the reasons of the days $1.
const sqlRollDeleteReasons = `DELETE FROM report_daily_reasons WHERE day = ANY($1::date[])`

// sqlRollReasons writes recomputed reasons.
const sqlRollReasons = `
INSERT INTO report_daily_reasons (day, team_id, reason, n)
SELECT * FROM unnest($1::date[], $2::bigint[], $3::text[], $4::int[])`

// rollColumnList names report_daily's and report_monthly's columns after
// the first (day, month), in rollColumns' order.
const rollColumnList = `team_id, owner_id, created, first_responses, first_response_sum, first_response_hist,
    escalated, escalation_returns, escalation_sum, escalation_hist, reopens, solves,
    sla_first_met, sla_first_breached, sla_next_met, sla_next_breached,
    sla_resolution_met, sla_resolution_breached, solved, leads, lead_sum, lead_hist,
    csat_good, csat_bad, escalations_raised, follow_ups_due, follow_ups_done, follow_ups_on_time`

// rollUnnest reads rollColumns' arrays as rows.
const rollUnnest = `
SELECT * FROM unnest($1::date[], $2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::bigint[], $7::bytea[],
                     $8::int[], $9::int[], $10::bigint[], $11::bytea[], $12::int[], $13::int[],
                     $14::int[], $15::int[], $16::int[], $17::int[], $18::int[], $19::int[],
                     $20::int[], $21::int[], $22::bigint[], $23::bytea[],
                     $24::int[], $25::int[], $26::int[], $27::int[], $28::int[], $29::int[])`

// sqlRollInsert writes recomputed days.
const sqlRollInsert = `INSERT INTO report_daily (day, ` + rollColumnList + `)` + rollUnnest

// sqlMonthInsert writes recomputed months.
const sqlMonthInsert = `INSERT INTO report_monthly (month, ` + rollColumnList + `)` + rollUnnest

// sqlMonthDays reads the daily rows of the months whose first and next
// first days are $1 and $2, as their month's.
const sqlMonthDays = `
SELECT m.s, r.*
FROM unnest($1::date[], $2::date[]) AS m(s, e)
CROSS JOIN LATERAL (SELECT ` + rollColumnList + ` FROM report_daily WHERE day >= m.s AND day < m.e OFFSET 0) AS r`

// sqlMonthDelete drops the rows of the months $1.
const sqlMonthDelete = `DELETE FROM report_monthly WHERE month = ANY($1::date[])`

// monthOf is the first day of day's month.
func monthOf(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// recomputeMonths rebuilds report_monthly's rows of the months of days
// from report_daily, in tx.
func recomputeMonths(ctx context.Context, tx pgx.Tx, days []time.Time) error {
	seen := map[time.Time]bool{}
	var months, nexts []time.Time
	for _, d := range days {
		if m := monthOf(d); !seen[m] {
			seen[m] = true
			months, nexts = append(months, m), append(nexts, m.AddDate(0, 1, 0))
		}
	}
	if len(months) == 0 {
		return nil
	}
	q, err := tx.Query(ctx, sqlMonthDays, months, nexts)
	if err != nil {
		return fmt.Errorf("rollups: months: %w", err)
	}
	rows := map[rollKey]*rollRow{}
	var k rollKey
	var r rollRow
	var frB, escB, leadB []byte
	if _, err := pgx.ForEachRow(q, []any{&k.day, &k.team, &k.owner, &r.created, &r.firstResponses, &r.firstResponseSum, &frB,
		&r.escalated, &r.escalationReturns, &r.escalationSum, &escB, &r.reopens, &r.solves,
		&r.slaFirstMet, &r.slaFirstBreached, &r.slaNextMet, &r.slaNextBreached, &r.slaResMet, &r.slaResBreached,
		&r.solved, &r.leads, &r.leadSum, &leadB, &r.csatGood, &r.csatBad, &r.raised,
		&r.followUpsDue, &r.followUpsDone, &r.onTime}, func() error {
		m := rows[k]
		if m == nil {
			m = &rollRow{}
			rows[k] = m
		}
		m.created += r.created
		m.firstResponses += r.firstResponses
		m.firstResponseSum += r.firstResponseSum
		m.escalated += r.escalated
		m.escalationReturns += r.escalationReturns
		m.escalationSum += r.escalationSum
		m.reopens += r.reopens
		m.solves += r.solves
		m.slaFirstMet += r.slaFirstMet
		m.slaFirstBreached += r.slaFirstBreached
		m.slaNextMet += r.slaNextMet
		m.slaNextBreached += r.slaNextBreached
		m.slaResMet += r.slaResMet
		m.slaResBreached += r.slaResBreached
		m.solved += r.solved
		m.leads += r.leads
		m.leadSum += r.leadSum
		m.csatGood += r.csatGood
		m.csatBad += r.csatBad
		m.raised += r.raised
		m.followUpsDue += r.followUpsDue
		m.followUpsDone += r.followUpsDone
		m.onTime += r.onTime
		if err := m.firstResponseHist.merge(frB); err != nil {
			return err
		}
		if err := m.escalationHist.merge(escB); err != nil {
			return err
		}
		return m.leadHist.merge(leadB)
	}); err != nil {
		return fmt.Errorf("rollups: months: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlMonthDelete, months); err != nil {
		return fmt.Errorf("rollups: delete months: %w", err)
	}
	return insertRows(ctx, tx, sqlMonthInsert, rows)
}

// insertRows writes rows with sql (sqlRollInsert or sqlMonthInsert), in key order.
func insertRows(ctx context.Context, tx pgx.Tx, sql string, rows map[rollKey]*rollRow) error {
	if len(rows) == 0 {
		return nil
	}
	var c rollColumns
	keys := make([]rollKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rollKey) int {
		if c := a.day.Compare(b.day); c != 0 {
			return c
		}
		if a.team != b.team {
			return cmpInt(a.team, b.team)
		}
		return cmpInt(a.owner, b.owner)
	})
	for _, k := range keys {
		c.add(k, rows[k])
	}
	if _, err := tx.Exec(ctx, sql, c.args()...); err != nil {
		return fmt.Errorf("rollups: insert: %w", err)
	}
	return nil
}

// recomputeDays rebuilds the rollups of days (midnight UTC dates of zone)
// from the facts, and then their months', in tx.
func recomputeDays(ctx context.Context, tx pgx.Tx, zone *time.Location, days []time.Time) error {
	if len(days) == 0 {
		return nil
	}
	starts, ends := make([]time.Time, len(days)), make([]time.Time, len(days))
	for i, d := range days {
		starts[i], ends[i] = dayBounds(d, zone)
	}
	rows := map[rollKey]*rollRow{}
	row := func(at time.Time, team, owner int64) *rollRow {
		k := rollKey{dayOf(at, zone), team, owner}
		r, ok := rows[k]
		if !ok {
			r = &rollRow{}
			rows[k] = r
		}
		return r
	}
	q, err := tx.Query(ctx, sqlRollCreated, starts, ends)
	if err != nil {
		return fmt.Errorf("rollups: created: %w", err)
	}
	var at time.Time
	var team, owner int64
	var fr, esc, lead *int32
	var escalations, reopens, solves int16
	var slaFirst, slaNext, slaRes *string
	if _, err := pgx.ForEachRow(q, []any{&at, &team, &owner, &fr, &escalations, &esc, &reopens, &solves,
		&slaFirst, &slaNext, &slaRes}, func() error {
		r := row(at, team, owner)
		r.created++
		if fr != nil {
			r.firstResponses++
			r.firstResponseSum += int64(*fr)
			r.firstResponseHist.add(*fr)
		}
		if escalations > 0 {
			r.escalated++
		}
		if esc != nil {
			r.escalationReturns++
			r.escalationSum += int64(*esc)
			r.escalationHist.add(*esc)
		}
		r.reopens += int32(reopens)
		r.solves += int32(solves)
		tally(slaFirst, &r.slaFirstMet, &r.slaFirstBreached)
		tally(slaNext, &r.slaNextMet, &r.slaNextBreached)
		tally(slaRes, &r.slaResMet, &r.slaResBreached)
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: created: %w", err)
	}
	q, err = tx.Query(ctx, sqlRollSolved, starts, ends)
	if err != nil {
		return fmt.Errorf("rollups: solved: %w", err)
	}
	if _, err := pgx.ForEachRow(q, []any{&at, &team, &owner, &lead}, func() error {
		r := row(at, team, owner)
		r.solved++
		if lead != nil {
			r.leads++
			r.leadSum += int64(*lead)
			r.leadHist.add(*lead)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: solved: %w", err)
	}

	reasons := map[reasonKey]int32{}
	var reason string
	q, err = tx.Query(ctx, sqlRollEscalations, starts, ends)
	if err != nil {
		return fmt.Errorf("rollups: escalations: %w", err)
	}
	if _, err := pgx.ForEachRow(q, []any{&at, &team, &owner, &reason}, func() error {
		row(at, team, owner).raised++
		reasons[reasonKey{dayOf(at, zone), team, reason}]++
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: escalations: %w", err)
	}
	var good bool
	q, err = tx.Query(ctx, sqlRollCSAT, starts, ends)
	if err != nil {
		return fmt.Errorf("rollups: CSAT: %w", err)
	}
	if _, err := pgx.ForEachRow(q, []any{&at, &team, &owner, &good}, func() error {
		if r := row(at, team, owner); good {
			r.csatGood++
		} else {
			r.csatBad++
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: CSAT: %w", err)
	}
	var done bool
	var onTime *bool
	q, err = tx.Query(ctx, sqlRollFollowUps, starts, ends)
	if err != nil {
		return fmt.Errorf("rollups: follow-ups: %w", err)
	}
	if _, err := pgx.ForEachRow(q, []any{&at, &team, &owner, &done, &onTime}, func() error {
		r := row(at, team, owner)
		r.followUpsDue++
		if done {
			r.followUpsDone++
		}
		if onTime != nil && *onTime {
			r.onTime++
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: follow-ups: %w", err)
	}

	if _, err := tx.Exec(ctx, sqlRollDelete, days); err != nil {
		return fmt.Errorf("rollups: delete: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlRollDeleteReasons, days); err != nil {
		return fmt.Errorf("rollups: delete reasons: %w", err)
	}
	if len(reasons) > 0 {
		var rd []time.Time
		var rt []int64
		var rr []string
		var rn []int32
		for k, n := range reasons {
			rd, rt, rr, rn = append(rd, k.day), append(rt, k.team), append(rr, k.reason), append(rn, n)
		}
		if _, err := tx.Exec(ctx, sqlRollReasons, rd, rt, rr, rn); err != nil {
			return fmt.Errorf("rollups: reasons: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, sqlRollDeleteTeams, days); err != nil {
		return fmt.Errorf("rollups: delete team days: %w", err)
	}
	type dayTeam struct {
		day  time.Time
		team int64
	}
	teams := map[dayTeam][2]int32{}
	for k, r := range rows {
		if r.created > 0 || r.solved > 0 {
			t := teams[dayTeam{k.day, k.team}]
			teams[dayTeam{k.day, k.team}] = [2]int32{t[0] + r.created, t[1] + r.solved}
		}
	}
	if len(teams) > 0 {
		var td []time.Time
		var tt []int64
		var tc, ts []int32
		for k, n := range teams {
			td, tt, tc, ts = append(td, k.day), append(tt, k.team), append(tc, n[0]), append(ts, n[1])
		}
		if _, err := tx.Exec(ctx, sqlRollTeams, td, tt, tc, ts); err != nil {
			return fmt.Errorf("rollups: team days: %w", err)
		}
	}
	if err := insertRows(ctx, tx, sqlRollInsert, rows); err != nil {
		return err
	}
	return recomputeMonths(ctx, tx, days)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tally counts an SLA outcome.
func tally(outcome *string, met, breached *int32) {
	if outcome == nil {
		return
	}
	switch *outcome {
	case "met":
		*met++
	case "breached":
		*breached++
	}
}

// rollColumns gathers rows column-wise for sqlRollInsert's unnest.
type rollColumns struct {
	day                                                               []time.Time
	team, owner                                                       []int64
	created, firstResponses, escalated, escalationReturns             []int32
	reopens, solves, slaFM, slaFB, slaNM, slaNB, slaRM, slaRB, solved []int32
	leads, csatGood, csatBad, raised, fuDue, fuDone, fuOnTime         []int32
	firstResponseSum, escalationSum, leadSum                          []int64
	firstResponseHist, escalationHist, leadHist                       [][]byte
}

func (c *rollColumns) add(k rollKey, r *rollRow) {
	c.day = append(c.day, k.day)
	c.team = append(c.team, k.team)
	c.owner = append(c.owner, k.owner)
	c.created = append(c.created, r.created)
	c.firstResponses = append(c.firstResponses, r.firstResponses)
	c.firstResponseSum = append(c.firstResponseSum, r.firstResponseSum)
	c.firstResponseHist = append(c.firstResponseHist, r.firstResponseHist.encode())
	c.escalated = append(c.escalated, r.escalated)
	c.escalationReturns = append(c.escalationReturns, r.escalationReturns)
	c.escalationSum = append(c.escalationSum, r.escalationSum)
	c.escalationHist = append(c.escalationHist, r.escalationHist.encode())
	c.reopens = append(c.reopens, r.reopens)
	c.solves = append(c.solves, r.solves)
	c.slaFM = append(c.slaFM, r.slaFirstMet)
	c.slaFB = append(c.slaFB, r.slaFirstBreached)
	c.slaNM = append(c.slaNM, r.slaNextMet)
	c.slaNB = append(c.slaNB, r.slaNextBreached)
	c.slaRM = append(c.slaRM, r.slaResMet)
	c.slaRB = append(c.slaRB, r.slaResBreached)
	c.solved = append(c.solved, r.solved)
	c.leads = append(c.leads, r.leads)
	c.leadSum = append(c.leadSum, r.leadSum)
	c.leadHist = append(c.leadHist, r.leadHist.encode())
	c.csatGood = append(c.csatGood, r.csatGood)
	c.csatBad = append(c.csatBad, r.csatBad)
	c.raised = append(c.raised, r.raised)
	c.fuDue = append(c.fuDue, r.followUpsDue)
	c.fuDone = append(c.fuDone, r.followUpsDone)
	c.fuOnTime = append(c.fuOnTime, r.onTime)
}

func (c *rollColumns) args() []any {
	return []any{c.day, c.team, c.owner, c.created, c.firstResponses, c.firstResponseSum, c.firstResponseHist,
		c.escalated, c.escalationReturns, c.escalationSum, c.escalationHist, c.reopens, c.solves,
		c.slaFM, c.slaFB, c.slaNM, c.slaNB, c.slaRM, c.slaRB, c.solved, c.leads, c.leadSum, c.leadHist,
		c.csatGood, c.csatBad, c.raised, c.fuDue, c.fuDone, c.fuOnTime}
}

// sqlFactsDays is the first and last day (in zone $1) with a ticket created
// or solved, an escalation requested, an answer given or a follow-up due.
const sqlFactsDays = `
SELECT (min(lo) AT TIME ZONE $1)::date, (max(hi) AT TIME ZONE $1)::date
FROM (
    SELECT min(created_at) AS lo, greatest(max(created_at), max(solved_at)) AS hi FROM ticket_facts
    UNION ALL SELECT min(requested_at), max(requested_at) FROM escalations WHERE kind = 'escalation'
    UNION ALL SELECT min(answered_at), max(answered_at) FROM csat_responses
    UNION ALL SELECT min(due_at), max(due_at) FROM follow_ups
) AS b`

// recomputeAll rebuilds every rollup from the facts in tx and records zone
// as the rollups' zone.
func recomputeAll(ctx context.Context, tx pgx.Tx, zone *time.Location) error {
	if _, err := tx.Exec(ctx, `DELETE FROM report_daily`); err != nil {
		return fmt.Errorf("rollups: clear: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM report_daily_teams`); err != nil {
		return fmt.Errorf("rollups: clear: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM report_monthly`); err != nil {
		return fmt.Errorf("rollups: clear: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM report_daily_reasons`); err != nil {
		return fmt.Errorf("rollups: clear: %w", err)
	}
	var first, last *time.Time
	if err := tx.QueryRow(ctx, sqlFactsDays, zone.String()).Scan(&first, &last); err != nil {
		return fmt.Errorf("rollups: days: %w", err)
	}
	if first != nil && last != nil {
		// A month at a time: its days, then the month from them.
		for day := *first; !day.After(*last); {
			var days []time.Time
			for month := day.Month(); day.Month() == month && !day.After(*last); day = day.AddDate(0, 0, 1) {
				days = append(days, day)
			}
			if err := recomputeDays(ctx, tx, zone, days); err != nil {
				return err
			}
		}
	}
	if err := recomputeBacklog(ctx, tx, nil); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE report_refresh SET rollup_zone = $1 WHERE name = 'ticket_facts'`, zone.String()); err != nil {
		return fmt.Errorf("rollups: zone: %w", err)
	}
	return nil
}

// touchedDays lists the days (in zone) that the facts rows with these
// created and solved times count on, once each; and the teams whose
// backlog a batch changed.
type touchedDays struct {
	zone *time.Location
	seen map[time.Time]bool
	list []time.Time

	before map[int64]backlogCell // the stored facts' cells, by ticket (readBacklog)
	teams  map[int64]bool
}

// backlogCell is where a ticket counts in the backlog (when open).
type backlogCell struct {
	team     int64
	status   tickets.Status
	priority tickets.Priority
}

func (c backlogCell) open() bool {
	switch c.status {
	case tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold:
		return true
	}
	return false
}

// sqlBacklogBefore reads the stored facts' backlog cells of a batch.
const sqlBacklogBefore = `
SELECT ticket_id, coalesce(team_id, 0), status, priority FROM ticket_facts WHERE ticket_id = ANY($1)`

// readBacklog reads where the tickets ids count in the backlog before the batch.
func (t *touchedDays) readBacklog(ctx context.Context, tx pgx.Tx, ids []int64) error {
	rows, err := tx.Query(ctx, sqlBacklogBefore, ids)
	if err != nil {
		return fmt.Errorf("read stored backlog: %w", err)
	}
	t.before = map[int64]backlogCell{}
	var id int64
	var c backlogCell
	_, err = pgx.ForEachRow(rows, []any{&id, &c.team, &c.status, &c.priority}, func() error {
		t.before[id] = c
		return nil
	})
	if err != nil {
		return fmt.Errorf("read stored backlog: %w", err)
	}
	return nil
}

// moved notes ticket id's new cell: a team whose open tickets change is touched.
func (t *touchedDays) moved(id int64, now backlogCell) {
	was, ok := t.before[id]
	delete(t.before, id)
	if ok && was == now {
		return
	}
	if ok && was.open() {
		t.touchTeam(was.team)
	}
	if now.open() {
		t.touchTeam(now.team)
	}
}

// gone notes that the tickets not moved lose their facts.
func (t *touchedDays) gone() {
	for _, was := range t.before {
		if was.open() {
			t.touchTeam(was.team)
		}
	}
	t.before = nil
}

func (t *touchedDays) touchTeam(team int64) {
	if t.teams == nil {
		t.teams = map[int64]bool{}
	}
	t.teams[team] = true
}

func (t *touchedDays) teamList() []int64 {
	out := make([]int64, 0, len(t.teams))
	for team := range t.teams {
		out = append(out, team)
	}
	return out
}

// sqlBacklogDelete drops the backlog of teams $1 (0: none), or all with NULL.
const sqlBacklogDelete = `DELETE FROM report_backlog WHERE $1::bigint[] IS NULL OR team_id = ANY($1)`

// sqlBacklogCount counts the open facts of teams $1 (NULL: every team) by
// status and priority (ticket_facts_open_idx).
const sqlBacklogCount = `
INSERT INTO report_backlog (team_id, status, priority, n)
SELECT coalesce(team_id, 0), status, priority, count(*)
FROM ticket_facts
WHERE status IN ('new', 'open', 'pending', 'on_hold')
  AND ($1::bigint[] IS NULL OR team_id = ANY($1) OR (team_id IS NULL AND 0 = ANY($1)))
GROUP BY 1, 2, 3`

// recomputeBacklog recounts the backlog of teams (0: no team), or of every
// team when teams is nil.
func recomputeBacklog(ctx context.Context, tx pgx.Tx, teams []int64) error {
	if teams != nil && len(teams) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, sqlBacklogDelete, teams); err != nil {
		return fmt.Errorf("backlog: delete: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlBacklogCount, teams); err != nil {
		return fmt.Errorf("backlog: count: %w", err)
	}
	return nil
}

func (t *touchedDays) add(at *time.Time) {
	if at == nil {
		return
	}
	d := dayOf(*at, t.zone)
	if t.seen == nil {
		t.seen = map[time.Time]bool{}
	}
	if !t.seen[d] {
		t.seen[d] = true
		t.list = append(t.list, d)
	}
}

// sqlRollOwners sums a dashboard range's rollups per owner (0: none):
// days $1..$2 (dates, inclusive), team $3 (0: every team), its whole months
// $5 up to $6 (exclusive) read from report_monthly and the days around them
// from report_daily. string_agg adds up the histograms (see hist.encode),
// so a year of every team is a row per owner, not one per day and owner.
// Follow-ups count when done, or, not done, when due before today ($4;
// today's come from sqlFollowUpsToday; whole months are before today's).
const sqlRollOwners = `
SELECT owner_id, sum(created)::int, sum(first_responses)::int, string_agg(first_response_hist, ''::bytea),
       sum(escalated)::int, sum(escalation_returns)::int, string_agg(escalation_hist, ''::bytea),
       sum(reopens)::int, sum(solves)::int, sum(sla_first_met)::int, sum(sla_first_breached)::int,
       sum(sla_next_met)::int, sum(sla_next_breached)::int, sum(sla_resolution_met)::int,
       sum(sla_resolution_breached)::int, sum(solved)::int, sum(leads)::int, string_agg(lead_hist, ''::bytea),
       sum(csat_good)::int, sum(csat_bad)::int, sum(escalations_raised)::int,
       sum(follow_ups_done + CASE WHEN day < $4::date THEN follow_ups_due - follow_ups_done ELSE 0 END)::int,
       sum(follow_ups_on_time)::int
FROM (
    SELECT day, ` + rollColumnList + ` FROM report_daily
    WHERE ((day >= $1::date AND day < $5::date) OR (day >= $6::date AND day <= $2::date))
      AND ($3::bigint = 0 OR team_id = $3)
    UNION ALL
    SELECT month, ` + rollColumnList + ` FROM report_monthly
    WHERE month >= $5::date AND month < $6::date AND ($3::bigint = 0 OR team_id = $3)
) AS r
GROUP BY owner_id`

// wholeMonths are the months the rollups of From..To read from
// report_monthly: from first up to next (exclusive), those wholly in the
// range and before today's month; first == next for none.
func wholeMonths(f Filter, today time.Time) (first, next time.Time) {
	from := time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, time.UTC)
	after := time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, time.UTC)
	first, next = monthOf(from), monthOf(after)
	if !first.Equal(from) {
		first = first.AddDate(0, 1, 0)
	}
	if lim := monthOf(today); next.After(lim) {
		next = lim
	}
	if !first.Before(next) {
		return after, after
	}
	return first, next
}

// sqlFollowUpsToday counts, per owner, the follow-ups not done that fell due
// between $1 and $2 (today's part of the range, up to now), for team $3.
const sqlFollowUpsToday = `
SELECT fu.owner_id, count(*)::int
FROM follow_ups fu
WHERE fu.done_at IS NULL AND fu.due_at >= $1 AND fu.due_at < $2
  AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM ticket_facts f WHERE f.ticket_id = fu.ticket_id AND f.team_id = $3))
GROUP BY fu.owner_id`

// sqlRollReasonsRange sums the range's escalations per reason.
const sqlRollReasonsRange = `
SELECT reason, sum(n)::int
FROM report_daily_reasons
WHERE day >= $1::date AND day <= $2::date AND ($3::bigint = 0 OR team_id = $3)
GROUP BY reason`

// rollupReasons reads the range's escalations per reason from the rollups.
func (s *Store) rollupReasons(ctx context.Context, tx pgx.Tx, f Filter, d *Dashboard) error {
	rows, err := tx.Query(ctx, sqlRollReasonsRange, f.From, f.To, f.TeamID)
	if err != nil {
		return err
	}
	var rc ReasonCount
	if _, err := pgx.ForEachRow(rows, []any{&rc.Reason, &rc.N}, func() error {
		d.Reasons = append(d.Reasons, rc)
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: reasons: %w", err)
	}
	sortReasons(d.Reasons)
	return nil
}

// sqlRollDays sums the range's tickets created and solved per day (days
// with neither are left out).
const sqlRollDays = `
SELECT day, sum(created)::int, sum(solved)::int
FROM report_daily_teams
WHERE day >= $1::date AND day <= $2::date AND ($3::bigint = 0 OR team_id = $3)
GROUP BY day`

// fromRollups fills the created and solved cohorts, the days and the per-rep
// handled counts and medians of d from the rollups.
func (s *Store) fromRollups(ctx context.Context, tx pgx.Tx, f Filter, now time.Time, d *Dashboard, reps *repRows) error {
	// Follow-ups not done that fell due today, up to now, are not in the
	// rollups' "settled" counts (those only know due before today).
	today := dayOf(now, f.zone())
	todayStart, _ := dayBounds(today, f.zone())
	from, to := f.start(), f.end()
	if from.Before(todayStart) {
		from = todayStart
	}
	if to.After(now) {
		to = now
	}
	overdueToday := map[int64]int{}
	if from.Before(to) {
		rows, err := tx.Query(ctx, sqlFollowUpsToday, from, to, f.TeamID)
		if err != nil {
			return err
		}
		var owner int64
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&owner, &n}, func() error {
			overdueToday[owner] = n
			return nil
		}); err != nil {
			return fmt.Errorf("rollups: today's follow-ups: %w", err)
		}
	}
	first, next := wholeMonths(f, today)
	q, err := tx.Query(ctx, sqlRollOwners, f.From, f.To, f.TeamID, today, first, next)
	if err != nil {
		return err
	}
	var fr, esc, lead hist
	var r rollRow
	var owner int64
	var frB, escB, leadB []byte
	var settled int32 // follow-ups done, or due before today
	sla := make([]SLATarget, 3)
	if _, err := pgx.ForEachRow(q, []any{&owner, &r.created, &r.firstResponses, &frB, &r.escalated,
		&r.escalationReturns, &escB, &r.reopens, &r.solves, &r.slaFirstMet, &r.slaFirstBreached, &r.slaNextMet,
		&r.slaNextBreached, &r.slaResMet, &r.slaResBreached, &r.solved, &r.leads, &leadB,
		&r.csatGood, &r.csatBad, &r.raised, &settled, &r.onTime}, func() error {
		d.Created += int(r.created)
		d.FirstResponse.N += int(r.firstResponses)
		d.Escalated += int(r.escalated)
		d.EscalationTime.N += int(r.escalationReturns)
		d.Reopens += int(r.reopens)
		d.Solves += int(r.solves)
		sla[0].Met += int(r.slaFirstMet)
		sla[0].Breached += int(r.slaFirstBreached)
		sla[1].Met += int(r.slaNextMet)
		sla[1].Breached += int(r.slaNextBreached)
		sla[2].Met += int(r.slaResMet)
		sla[2].Breached += int(r.slaResBreached)
		d.Solved += int(r.solved)
		d.LeadTime.N += int(r.leads)
		if err := esc.merge(escB); err != nil {
			return err
		}
		var ownFR, ownLead hist
		if err := ownFR.merge(frB); err != nil {
			return err
		}
		if err := ownLead.merge(leadB); err != nil {
			return err
		}
		fr.sum(ownFR)
		lead.sum(ownLead)
		csat := CSAT{Good: int(r.csatGood), Bad: int(r.csatBad)}
		d.CSAT.Good += csat.Good
		d.CSAT.Bad += csat.Bad
		due, onTime := int(settled)+overdueToday[owner], int(r.onTime)
		delete(overdueToday, owner)
		d.FollowUpsDue += due
		d.FollowUpsOnTime += onTime
		if owner == 0 {
			return nil
		}
		if csat.Total() > 0 {
			reps.update(owner, func(r *RepRow) { r.CSAT = csat })
		}
		if r.raised > 0 {
			raised := int(r.raised)
			reps.update(owner, func(r *RepRow) { r.EscalationsRaised = raised })
		}
		if due > 0 {
			reps.update(owner, func(r *RepRow) { r.FollowUpsDue, r.FollowUpsOnTime = due, onTime })
		}
		if r.created > 0 {
			median, ok := ownFR.percentile(0.5)
			reps.update(owner, func(r *RepRow) {
				if ok {
					r.FirstResponse = &median
				}
			})
		}
		if r.solved > 0 {
			median, ok := ownLead.percentile(0.5)
			solved := int(r.solved)
			reps.update(owner, func(r *RepRow) {
				r.Handled = solved
				if ok {
					r.LeadTime = &median
				}
			})
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: %w", err)
	}
	for owner, due := range overdueToday { // not in the rollups yet: the facts job runs soon
		d.FollowUpsDue += due
		reps.update(owner, func(r *RepRow) { r.FollowUpsDue += due })
	}
	sla[0].Target, sla[1].Target, sla[2].Target = TargetFirstResponse, TargetNextResponse, TargetResolution
	d.SLA = sla
	d.FirstResponse = fr.spread(d.FirstResponse.N)
	d.EscalationTime = esc.spread(d.EscalationTime.N)
	d.LeadTime = lead.spread(d.LeadTime.N)
	d.Approximate = true

	q, err = tx.Query(ctx, sqlRollDays, f.From, f.To, f.TeamID)
	if err != nil {
		return err
	}
	byDay := map[time.Time]Day{}
	var day Day
	if _, err := pgx.ForEachRow(q, []any{&day.Date, &day.Created, &day.Solved}, func() error {
		byDay[day.Date] = day
		return nil
	}); err != nil {
		return fmt.Errorf("rollups: days: %w", err)
	}
	firstDay := time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, time.UTC)
	for i := range f.Days() {
		date := firstDay.AddDate(0, 0, i)
		day := byDay[date]
		day.Date = date
		d.Daily = append(d.Daily, day)
	}
	return nil
}
