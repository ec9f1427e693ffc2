package reports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Store reads the dashboard from the facts and keeps the facts up to date.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
	log *slog.Logger

	batch  int           // tickets per refresh transaction
	budget time.Duration // how long one refresh run may keep backfilling
}

// NewStore returns a Store on db; now is the clock (time.Now in production).
func NewStore(db *pgxpool.Pool, now func() time.Time, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{db: db, now: now, log: log, batch: 1000, budget: 45 * time.Second}
}

// Every dashboard query takes the range as $1 (start, inclusive) and $2 (end,
// exclusive) instants and the team as $3 (0 for every team).

// sqlCreatedCohort aggregates the tickets created in the range.
const sqlCreatedCohort = `
SELECT count(*),
       count(first_response_s),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response_s),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY first_response_s),
       count(*) FILTER (WHERE escalations > 0),
       count(escalation_s),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY escalation_s),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY escalation_s),
       coalesce(sum(reopens), 0),
       coalesce(sum(solves), 0),
       count(*) FILTER (WHERE sla_first_response = 'met'),
       count(*) FILTER (WHERE sla_first_response = 'breached'),
       count(*) FILTER (WHERE sla_next_response = 'met'),
       count(*) FILTER (WHERE sla_next_response = 'breached'),
       count(*) FILTER (WHERE sla_resolution = 'met'),
       count(*) FILTER (WHERE sla_resolution = 'breached')
FROM ticket_facts
WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint = 0 OR team_id = $3)`

// sqlSolvedCohort aggregates the tickets solved in the range.
const sqlSolvedCohort = `
SELECT count(*),
       count(lead_s),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lead_s),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY lead_s)
FROM ticket_facts
WHERE solved_at >= $1 AND solved_at < $2 AND ($3::bigint = 0 OR team_id = $3)`

// sqlDaily counts created and solved tickets per day of the range, days in
// the viewer's zone ($6), every day present even when nothing happened.
const sqlDaily = `
WITH days AS (
    SELECT d::date AS day FROM generate_series($4::date, $5::date, interval '1 day') AS d
), created AS (
    SELECT (created_at AT TIME ZONE $6)::date AS day, count(*) AS n
    FROM ticket_facts
    WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint = 0 OR team_id = $3)
    GROUP BY 1
), solved AS (
    SELECT (solved_at AT TIME ZONE $6)::date AS day, count(*) AS n
    FROM ticket_facts
    WHERE solved_at >= $1 AND solved_at < $2 AND ($3::bigint = 0 OR team_id = $3)
    GROUP BY 1
)
SELECT days.day, coalesce(created.n, 0), coalesce(solved.n, 0)
FROM days
LEFT JOIN created ON created.day = days.day
LEFT JOIN solved ON solved.day = days.day
ORDER BY days.day`

// sqlBacklog counts the open tickets now by status, priority and team ($1).
const sqlBacklog = `
SELECT b.status, b.priority, coalesce(b.team_id, 0), coalesce(tm.name, ''), b.n
FROM (
    SELECT status, priority, team_id, count(*) AS n
    FROM ticket_facts
    WHERE status IN ('new', 'open', 'pending', 'on_hold') AND ($1::bigint = 0 OR team_id = $1)
    GROUP BY status, priority, team_id
) b
LEFT JOIN teams tm ON tm.id = b.team_id`

// sqlReasons counts escalations requested in the range by reason, most first.
const sqlReasons = `
SELECT e.reason, count(*)
FROM escalations e
JOIN ticket_facts f ON f.ticket_id = e.ticket_id
WHERE e.kind = 'escalation' AND e.requested_at >= $1 AND e.requested_at < $2
  AND ($3::bigint = 0 OR f.team_id = $3)
GROUP BY e.reason
ORDER BY count(*) DESC, e.reason`

// sqlOpenLoops counts the follow-ups open now, and those past due at $1, for team $2.
const sqlOpenLoops = `
SELECT count(*), count(*) FILTER (WHERE fu.due_at < $1)
FROM follow_ups fu
JOIN ticket_facts f ON f.ticket_id = fu.ticket_id
WHERE fu.done_at IS NULL AND ($2::bigint = 0 OR f.team_id = $2)`

// sqlRepTickets works out each loop owner's handled tickets, median first
// response (created in the range) and median lead time (solved in it).
const sqlRepTickets = `
SELECT owner_id,
       count(*) FILTER (WHERE solved_at >= $1 AND solved_at < $2),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response_s) FILTER (WHERE created_at >= $1 AND created_at < $2),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lead_s) FILTER (WHERE solved_at >= $1 AND solved_at < $2)
FROM ticket_facts
WHERE owner_id IS NOT NULL
  AND ((created_at >= $1 AND created_at < $2) OR (solved_at >= $1 AND solved_at < $2))
  AND ($3::bigint = 0 OR team_id = $3)
GROUP BY owner_id`

// sqlRepEscalations counts the escalations each person raised in the range.
const sqlRepEscalations = `
SELECT e.from_user_id, count(*)
FROM escalations e
JOIN ticket_facts f ON f.ticket_id = e.ticket_id
WHERE e.kind = 'escalation' AND e.from_user_id IS NOT NULL
  AND e.requested_at >= $1 AND e.requested_at < $2 AND ($3::bigint = 0 OR f.team_id = $3)
GROUP BY e.from_user_id`

// sqlRepFollowUps counts, per owner, the follow-ups due in the range that are
// settled — done, or past due at $4 — and those done by their due time.
const sqlRepFollowUps = `
SELECT fu.owner_id,
       count(*),
       count(*) FILTER (WHERE fu.done_at IS NOT NULL AND fu.done_at <= fu.due_at)
FROM follow_ups fu
JOIN ticket_facts f ON f.ticket_id = fu.ticket_id
WHERE fu.due_at >= $1 AND fu.due_at < $2 AND (fu.done_at IS NOT NULL OR fu.due_at < $4)
  AND ($3::bigint = 0 OR f.team_id = $3)
GROUP BY fu.owner_id`

// sqlNames names the people of the per-rep table.
const sqlNames = `SELECT id, name FROM users WHERE id = ANY($1)`

// sqlAsOf is the facts' watermark.
const sqlAsOf = `SELECT watermark FROM report_refresh WHERE name = 'ticket_facts'`

// Dashboard computes every figure for f. All queries run in one read-only
// snapshot, so the figures agree with each other even while the facts job runs.
func (s *Store) Dashboard(ctx context.Context, f Filter) (Dashboard, error) {
	if err := f.Validate(); err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Filter: f}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return d, fmt.Errorf("dashboard: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	now := s.now()
	from, to, team := f.start(), f.end(), f.TeamID
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"as of", func() error { return tx.QueryRow(ctx, sqlAsOf).Scan(&d.AsOf) }},
		{"created", func() error { return s.createdCohort(ctx, tx, from, to, team, &d) }},
		{"solved", func() error { return s.solvedCohort(ctx, tx, from, to, team, &d) }},
		{"daily", func() error { return s.daily(ctx, tx, f, &d) }},
		{"backlog", func() error { return s.backlog(ctx, tx, team, &d) }},
		{"reasons", func() error { return s.reasons(ctx, tx, from, to, team, &d) }},
		{"loops", func() error {
			return tx.QueryRow(ctx, sqlOpenLoops, now, team).Scan(&d.OpenLoops, &d.OverdueLoops)
		}},
		{"csat", func() error { return s.csat(ctx, tx, from, to, team, &d) }},
		{"reps", func() error { return s.reps(ctx, tx, from, to, team, now, &d) }},
	} {
		if err := step.run(); err != nil {
			if errors.Is(err, pgx.ErrNoRows) && step.name == "as of" {
				continue
			}
			return Dashboard{}, fmt.Errorf("dashboard %s: %w", step.name, err)
		}
	}
	return d, nil
}

// seconds turns a nullable count of seconds into a duration.
func seconds(s *int32) time.Duration {
	if s == nil {
		return 0
	}
	return time.Duration(*s) * time.Second
}

func secondsPtr(s *int32) *time.Duration {
	if s == nil {
		return nil
	}
	d := seconds(s)
	return &d
}

func (s *Store) createdCohort(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard) error {
	var frMed, frP90, escMed, escP90 *int32
	fr := SLATarget{Target: TargetFirstResponse}
	nr := SLATarget{Target: TargetNextResponse}
	res := SLATarget{Target: TargetResolution}
	err := tx.QueryRow(ctx, sqlCreatedCohort, from, to, team).Scan(
		&d.Created, &d.FirstResponse.N, &frMed, &frP90,
		&d.Escalated, &d.EscalationTime.N, &escMed, &escP90,
		&d.Reopens, &d.Solves,
		&fr.Met, &fr.Breached, &nr.Met, &nr.Breached, &res.Met, &res.Breached)
	if err != nil {
		return err
	}
	d.FirstResponse.Median, d.FirstResponse.P90 = seconds(frMed), seconds(frP90)
	d.EscalationTime.Median, d.EscalationTime.P90 = seconds(escMed), seconds(escP90)
	d.SLA = []SLATarget{fr, nr, res}
	return nil
}

func (s *Store) solvedCohort(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard) error {
	var med, p90 *int32
	if err := tx.QueryRow(ctx, sqlSolvedCohort, from, to, team).Scan(&d.Solved, &d.LeadTime.N, &med, &p90); err != nil {
		return err
	}
	d.LeadTime.Median, d.LeadTime.P90 = seconds(med), seconds(p90)
	return nil
}

func (s *Store) daily(ctx context.Context, tx pgx.Tx, f Filter, d *Dashboard) error {
	rows, err := tx.Query(ctx, sqlDaily, f.start(), f.end(), f.TeamID,
		f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.zone().String())
	if err != nil {
		return err
	}
	d.Daily, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Day, error) {
		var day Day
		return day, r.Scan(&day.Date, &day.Created, &day.Solved)
	})
	return err
}

func (s *Store) backlog(ctx context.Context, tx pgx.Tx, team int64, d *Dashboard) error {
	rows, err := tx.Query(ctx, sqlBacklog, team)
	if err != nil {
		return err
	}
	type cell struct {
		status   tickets.Status
		priority tickets.Priority
		team     TeamCount
	}
	cells, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cell, error) {
		var c cell
		return c, r.Scan(&c.status, &c.priority, &c.team.TeamID, &c.team.Name, &c.team.N)
	})
	if err != nil {
		return err
	}
	b := Backlog{}
	for _, st := range []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold} {
		b.ByStatus = append(b.ByStatus, StatusCount{Status: st})
	}
	for p := tickets.Priority(4); p >= 1; p-- {
		b.ByPriority = append(b.ByPriority, PriorityCount{Priority: p})
	}
	teams := map[int64]int{}
	for _, c := range cells {
		b.Total += c.team.N
		for i := range b.ByStatus {
			if b.ByStatus[i].Status == c.status {
				b.ByStatus[i].N += c.team.N
			}
		}
		for i := range b.ByPriority {
			if b.ByPriority[i].Priority == c.priority {
				b.ByPriority[i].N += c.team.N
			}
		}
		i, ok := teams[c.team.TeamID]
		if !ok {
			i = len(b.ByTeam)
			teams[c.team.TeamID] = i
			b.ByTeam = append(b.ByTeam, TeamCount{TeamID: c.team.TeamID, Name: c.team.Name})
		}
		b.ByTeam[i].N += c.team.N
	}
	slices.SortFunc(b.ByTeam, func(a, b TeamCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name), cmp.Compare(a.TeamID, b.TeamID))
	})
	d.Backlog = b
	return nil
}

func (s *Store) reasons(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard) error {
	rows, err := tx.Query(ctx, sqlReasons, from, to, team)
	if err != nil {
		return err
	}
	d.Reasons, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReasonCount, error) {
		var c ReasonCount
		return c, r.Scan(&c.Reason, &c.N)
	})
	return err
}

func (s *Store) reps(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, now time.Time, d *Dashboard) error {
	byID := map[int64]*RepRow{}
	row := func(id int64) *RepRow {
		r, ok := byID[id]
		if !ok {
			r = &RepRow{UserID: id}
			byID[id] = r
		}
		return r
	}
	rows, err := tx.Query(ctx, sqlRepTickets, from, to, team)
	if err != nil {
		return err
	}
	var id int64
	var handled int
	var fr, lead *int32
	if _, err := pgx.ForEachRow(rows, []any{&id, &handled, &fr, &lead}, func() error {
		r := row(id)
		r.Handled, r.FirstResponse, r.LeadTime = handled, secondsPtr(fr), secondsPtr(lead)
		return nil
	}); err != nil {
		return err
	}
	var n, onTime int
	rows, err = tx.Query(ctx, sqlRepEscalations, from, to, team)
	if err != nil {
		return err
	}
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		row(id).EscalationsRaised = n
		return nil
	}); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, sqlRepFollowUps, from, to, team, now)
	if err != nil {
		return err
	}
	if _, err := pgx.ForEachRow(rows, []any{&id, &n, &onTime}, func() error {
		r := row(id)
		r.FollowUpsDue, r.FollowUpsOnTime = n, onTime
		d.FollowUpsDue += n
		d.FollowUpsOnTime += onTime
		return nil
	}); err != nil {
		return err
	}
	if err := s.csatPerRep(ctx, tx, from, to, team, row); err != nil {
		return err
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err = tx.Query(ctx, sqlNames, ids)
	if err != nil {
		return err
	}
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		byID[id].Name = name
		return nil
	}); err != nil {
		return err
	}
	d.Reps = make([]RepRow, 0, len(byID))
	for _, r := range byID {
		d.Reps = append(d.Reps, *r)
	}
	slices.SortFunc(d.Reps, func(a, b RepRow) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID)) })
	return nil
}
