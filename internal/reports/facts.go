package reports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// How ticket_facts stays current.
//
// Every change to a ticket writes an audit event in its own transaction
// (status, replies, owner, escalations, follow-ups, SLA firings), and most
// also bump tickets.updated_at. So a run finds the tickets to redo as those
// with an event or an update since its watermark — the start of the last
// successful run — minus refreshOverlap: an event's time is taken before its
// transaction commits, so a slow transaction can commit after a run that
// started later than the event's time; the overlap redoes such tickets again
// (upserts are idempotent) instead of missing them. Deadlines that passed
// since the watermark (tickets.next_due) are redone too, so an SLA breach
// shows even before its breach job has run.
//
// The first run, and the first run after a calendar changed (a team's
// calendar or a calendar's hours: business time of every ticket may change;
// report_refresh.calendar_event_id is the newest such event rebuilt for),
// rebuilds every ticket: it walks tickets by id in batches, each its own transaction, and
// records how far it got, so a rebuild of a million tickets spreads over
// several runs of at most budget each and survives restarts.
//
// The daily rollups (report_daily, see rollup.go) follow the facts in the
// same run: an incremental batch recomputes, in its transaction, the days
// its tickets were created or solved on, before and after the change; a
// rebuild recomputes every day when it finishes, in the transaction that
// sets the watermark (until then the dashboard reads the rollups of before
// the rebuild); a run that finds the rollups missing or built for another
// reporting zone recomputes every day before its incremental work.
//
// One run at a time: a session advisory lock, taken with try, makes a second
// runner (another instance, a manual refresh) skip instead of wait.

const (
	refreshOverlap = 5 * time.Minute
	// refreshLockKey is the advisory lock of a facts run ("ld-rprts" in ASCII);
	// distinct from postgres.migrationLockKey.
	refreshLockKey int64 = 0x6c642d7270727473
)

// Refreshed reports what one refresh run did.
type Refreshed struct {
	Skipped bool // another run holds the lock
	Rebuild bool // the run was (part of) a full rebuild
	Done    bool // false: a rebuild ran out of budget and goes on next run
	Tickets int  // tickets whose facts were written
	// RollupDays is how many days of the daily rollups were recomputed; -1:
	// all of them (after a rebuild, or for a new reporting zone).
	RollupDays int
	Duration   time.Duration
}

// sqlRefreshState reads the job's progress.
const sqlRefreshState = `
SELECT watermark, backfill_after, backfill_started, calendar_event_id, rollup_zone FROM report_refresh WHERE name = 'ticket_facts'`

// sqlLastCalendarChange is the newest audit event of a calendar change: a
// calendar saved, or a team given another calendar (events_calendar_changes_idx).
const sqlLastCalendarChange = `
SELECT coalesce(max(id), 0) FROM events
WHERE subject_type = 'calendar'
   OR (action = 'team.profile_changed'
       AND data->'old'->>'calendar_id' IS DISTINCT FROM data->'new'->>'calendar_id')`

// sqlChangedTickets lists tickets changed since $1 or whose deadline passed
// between $1 and $2.
const sqlChangedTickets = `
SELECT id FROM tickets WHERE updated_at >= $1
UNION
SELECT subject_id FROM events WHERE subject_type = 'ticket' AND created_at >= $1
UNION
SELECT id FROM tickets WHERE next_due >= $1 AND next_due < $2
ORDER BY 1`

// sqlNextTickets is the next batch of a rebuild.
const sqlNextTickets = `SELECT id FROM tickets WHERE id > $1 ORDER BY id LIMIT $2`

// Refresh brings the facts up to date (the River job calls it every
// RefreshInterval). A rebuild may stop after the budget with Done false.
func (s *Store) Refresh(ctx context.Context) (Refreshed, error) {
	began := time.Now()
	res := Refreshed{Done: true}
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("refresh facts: %w", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, refreshLockKey).Scan(&locked); err != nil {
		return res, fmt.Errorf("refresh facts: lock: %w", err)
	}
	if !locked {
		res.Skipped = true
		return res, nil
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, refreshLockKey); err != nil {
			// Closing the session drops the lock; never hand a locked session back.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	db := conn.Conn()

	runStart := s.now()
	var watermark, backfillStarted *time.Time
	var after, calSeen, calLatest int64
	var rollupZone *string
	if err := db.QueryRow(ctx, sqlRefreshState).Scan(&watermark, &after, &backfillStarted, &calSeen, &rollupZone); err != nil {
		return res, fmt.Errorf("refresh facts: state: %w", err)
	}
	if err := db.QueryRow(ctx, sqlLastCalendarChange).Scan(&calLatest); err != nil {
		return res, fmt.Errorf("refresh facts: calendars: %w", err)
	}
	if calLatest > calSeen {
		// A new calendar change: (re)start a rebuild, which records it as seen.
		watermark, after, backfillStarted = nil, 0, nil
	}
	cals, err := loadCalendars(ctx, db)
	if err != nil {
		return res, err
	}
	if watermark == nil {
		res.Rebuild = true
		if backfillStarted == nil {
			backfillStarted = &runStart
		}
		err = s.rebuild(ctx, db, after, *backfillStarted, runStart, calLatest, cals, began, &res)
	} else {
		if rollupZone == nil || *rollupZone != s.zone.String() {
			// New rollups, or a new reporting zone: every day again.
			err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return recomputeAll(ctx, tx, s.zone) })
			res.RollupDays = -1
		}
		if err == nil {
			err = s.incremental(ctx, db, watermark.Add(-refreshOverlap), runStart, cals, &res)
		}
	}
	res.Duration = time.Since(began)
	if err != nil {
		return res, fmt.Errorf("refresh facts: %w", err)
	}
	return res, nil
}

// sqlRebuildProgress records how far a rebuild got, in its batch's transaction.
const sqlRebuildProgress = `
UPDATE report_refresh SET watermark = NULL, backfill_after = $1, backfill_started = $2, last_run_at = $3,
                          calendar_event_id = $4
WHERE name = 'ticket_facts'`

// sqlRebuildDone ends a rebuild: changes made while it ran are after its start.
const sqlRebuildDone = `
UPDATE report_refresh SET watermark = $1, backfill_after = 0, backfill_started = NULL, last_run_at = $2, last_run_tickets = $3,
                          calendar_event_id = $4
WHERE name = 'ticket_facts'`

// rebuild walks the tickets after id after, a batch per transaction, until
// none are left (then the watermark becomes started) or the budget is spent.
func (s *Store) rebuild(ctx context.Context, db *pgx.Conn, after int64, started, now time.Time, calendarEvent int64,
	cals calendars, began time.Time, res *Refreshed) error {
	for {
		rows, err := db.Query(ctx, sqlNextTickets, after, s.batch)
		if err != nil {
			return fmt.Errorf("next batch: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("next batch: %w", err)
		}
		if len(ids) > 0 {
			after = ids[len(ids)-1]
			if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
				if err := s.refreshTx(ctx, tx, ids, now, cals, nil); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, sqlRebuildProgress, after, started, now, calendarEvent)
				return err
			}); err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
			res.Tickets += len(ids)
		}
		if len(ids) < s.batch {
			// The rollups were left alone batch by batch (a batch's tickets
			// touch many days): every day again, with the watermark.
			if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
				if err := recomputeAll(ctx, tx, s.zone); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, sqlRebuildDone, started, now, res.Tickets, calendarEvent)
				return err
			}); err != nil {
				return fmt.Errorf("finish rebuild: %w", err)
			}
			res.RollupDays = -1
			return nil
		}
		if time.Since(began) > s.budget {
			res.Done = false
			return nil
		}
	}
}

// sqlAdvance moves the watermark after an incremental run.
const sqlAdvance = `
UPDATE report_refresh SET watermark = $1, last_run_at = $1, last_run_tickets = $2 WHERE name = 'ticket_facts'`

// incremental redoes the tickets changed since since, then moves the
// watermark to now. A failure leaves the watermark, so the next run redoes all.
func (s *Store) incremental(ctx context.Context, db *pgx.Conn, since, now time.Time, cals calendars, res *Refreshed) error {
	rows, err := db.Query(ctx, sqlChangedTickets, since, now)
	if err != nil {
		return fmt.Errorf("changed tickets: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("changed tickets: %w", err)
	}
	for len(ids) > 0 {
		n := min(len(ids), s.batch)
		days := &touchedDays{zone: s.zone}
		if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			if err := s.refreshTx(ctx, tx, ids[:n], now, cals, days); err != nil {
				return err
			}
			if err := recomputeDays(ctx, tx, s.zone, days.list); err != nil {
				return err
			}
			return recomputeBacklog(ctx, tx, days.teamList())
		}); err != nil {
			return err
		}
		if res.RollupDays >= 0 {
			res.RollupDays += len(days.list)
		}
		res.Tickets += n
		ids = ids[n:]
	}
	if _, err := db.Exec(ctx, sqlAdvance, now, res.Tickets); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	return nil
}

// Rebuild makes the next refresh recompute every ticket's facts (after a
// change the incremental run cannot see, or a fix in how facts are computed).
func (s *Store) Rebuild(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `
UPDATE report_refresh SET watermark = NULL, backfill_after = 0, backfill_started = NULL WHERE name = 'ticket_facts'`)
	if err != nil {
		return fmt.Errorf("rebuild facts: %w", err)
	}
	return nil
}

// calendars are the business-hours calendars by id; 0 is round the clock
// (a team without a calendar, as the SLA clock treats it).
type calendars map[int64]*escalation.Calendar

func (c calendars) of(id int64) *escalation.Calendar {
	if cal, ok := c[id]; ok {
		return cal
	}
	return escalation.AlwaysOpen()
}

func loadCalendars(ctx context.Context, db *pgx.Conn) (calendars, error) {
	rows, err := db.Query(ctx, `SELECT id, time_zone, hours, holidays::text[] FROM calendars`)
	if err != nil {
		return nil, fmt.Errorf("refresh facts: calendars: %w", err)
	}
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (escalation.CalendarDef, error) {
		var d escalation.CalendarDef
		var raw map[string][]string
		if err := r.Scan(&d.ID, &d.TimeZone, &raw, &d.Holidays); err != nil {
			return d, err
		}
		d.Hours = map[int][]string{}
		for k, v := range raw {
			n, err := strconv.Atoi(k)
			if err != nil {
				return d, fmt.Errorf("calendar %d: weekday %q", d.ID, k)
			}
			d.Hours[n] = v
		}
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("refresh facts: calendars: %w", err)
	}
	out := calendars{}
	for _, d := range defs {
		cal, err := d.Build()
		if err != nil {
			// The admin form validates calendars; a broken one counts round the clock
			// rather than stopping every report.
			continue
		}
		out[d.ID] = cal
	}
	return out, nil
}

// ticketBase is what the facts of one ticket are worked out from.
type ticketBase struct {
	id, teamID, ownerID, calendarID  int64
	status                           tickets.Status
	priority                         tickets.Priority
	createdAt                        time.Time
	firstResponseAt, solvedAt        *time.Time
	hasPolicy                        bool
	frTarget, resTarget              int32 // policy targets, business seconds
	frDue, nrDue, resDue, pausedFrom *time.Time
}

// sqlFactsBase reads the tickets of a batch with their team's calendar.
const sqlFactsBase = `
SELECT t.id, coalesce(t.team_id, 0), coalesce(t.owner_id, 0), coalesce(tm.calendar_id, 0),
       t.status, t.priority, t.created_at, t.first_response_at, t.solved_at,
       t.sla_policy_id IS NOT NULL, coalesce(sp.first_response_minutes * 60, 0), coalesce(sp.resolution_minutes * 60, 0),
       t.first_response_due, t.next_response_due, t.resolution_due, t.paused_since
FROM tickets t
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN sla_policies sp ON sp.id = t.sla_policy_id
WHERE t.id = ANY($1)`

// sqlFactsPauses reads the batch's SLA pauses; one still running ends at $2.
const sqlFactsPauses = `
SELECT ticket_id, started_at, coalesce(ended_at, $2) FROM sla_pauses WHERE ticket_id = ANY($1)`

// sqlFactsBreaches lists the targets whose breach fired, per ticket.
const sqlFactsBreaches = `
SELECT DISTINCT ticket_id, target FROM sla_firings WHERE ticket_id = ANY($1) AND level = 'breached'`

// sqlFactsEscalations reads the batch's escalations (not transfers).
const sqlFactsEscalations = `
SELECT ticket_id, requested_at, returned_at FROM escalations WHERE ticket_id = ANY($1) AND kind = 'escalation'`

// sqlFactsEvents counts reopens and moves to solved from the audit log.
const sqlFactsEvents = `
SELECT subject_id,
       count(*) FILTER (WHERE action = 'ticket.reopened'),
       count(*) FILTER (WHERE action = 'ticket.status_changed' AND data->>'new' = 'solved')
FROM events
WHERE subject_type = 'ticket' AND subject_id = ANY($1) AND action IN ('ticket.reopened', 'ticket.status_changed')
GROUP BY subject_id`

// sqlFactsNextResponses lists tickets where a customer wrote after the first
// response and staff answered: a next-response target was decided.
const sqlFactsNextResponses = `
SELECT DISTINCT c.ticket_id
FROM messages c
JOIN tickets t ON t.id = c.ticket_id
WHERE c.ticket_id = ANY($1) AND c.kind = 'public' AND c.author_customer_id IS NOT NULL
  AND t.first_response_at IS NOT NULL AND c.created_at > t.first_response_at
  AND EXISTS (SELECT 1 FROM messages r
              WHERE r.ticket_id = c.ticket_id AND r.kind = 'public' AND r.author_user_id IS NOT NULL
                AND r.created_at >= c.created_at)`

// sqlUpsertFacts replaces the facts of a batch.
const sqlUpsertFacts = `
INSERT INTO ticket_facts (ticket_id, team_id, owner_id, status, priority, created_at, first_response_at, solved_at,
                          first_response_s, lead_s, sla_first_response, sla_next_response, sla_resolution,
                          escalations, escalation_s, reopens, solves, refreshed_at)
SELECT u.*, $18::timestamptz
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::smallint[], $6::timestamptz[],
            $7::timestamptz[], $8::timestamptz[], $9::integer[], $10::integer[], $11::text[], $12::text[],
            $13::text[], $14::smallint[], $15::integer[], $16::smallint[], $17::smallint[]) AS u
ON CONFLICT (ticket_id) DO UPDATE SET
    team_id = EXCLUDED.team_id, owner_id = EXCLUDED.owner_id, status = EXCLUDED.status,
    priority = EXCLUDED.priority, created_at = EXCLUDED.created_at,
    first_response_at = EXCLUDED.first_response_at, solved_at = EXCLUDED.solved_at,
    first_response_s = EXCLUDED.first_response_s, lead_s = EXCLUDED.lead_s,
    sla_first_response = EXCLUDED.sla_first_response, sla_next_response = EXCLUDED.sla_next_response,
    sla_resolution = EXCLUDED.sla_resolution, escalations = EXCLUDED.escalations,
    escalation_s = EXCLUDED.escalation_s, reopens = EXCLUDED.reopens, solves = EXCLUDED.solves,
    refreshed_at = EXCLUDED.refreshed_at`

// sqlFactsDaysOf reads when the stored facts of a batch were created and
// solved, and when their escalations were requested, their answers given
// and their follow-ups due: the days of the rollups the batch counts on
// (none of the latter times ever changes; a ticket's new team moves its
// rows within their days).
const sqlFactsDaysOf = `
SELECT created_at, solved_at FROM ticket_facts WHERE ticket_id = ANY($1)
UNION ALL SELECT requested_at, NULL FROM escalations WHERE ticket_id = ANY($1) AND kind = 'escalation'
UNION ALL SELECT answered_at, NULL FROM csat_responses WHERE ticket_id = ANY($1)
UNION ALL SELECT due_at, NULL FROM follow_ups WHERE ticket_id = ANY($1)`

// refreshTx recomputes and stores the facts of the tickets ids at now. With
// days, it adds the days the tickets count on, before and after: the
// rollups to recompute.
func (s *Store) refreshTx(ctx context.Context, tx pgx.Tx, ids []int64, now time.Time, cals calendars, days *touchedDays) error {
	if days != nil {
		rows, err := tx.Query(ctx, sqlFactsDaysOf, ids)
		if err != nil {
			return fmt.Errorf("read stored facts: %w", err)
		}
		var created time.Time
		var solved *time.Time
		if _, err := pgx.ForEachRow(rows, []any{&created, &solved}, func() error {
			days.add(&created)
			days.add(solved)
			return nil
		}); err != nil {
			return fmt.Errorf("read stored facts: %w", err)
		}
		if err := days.readBacklog(ctx, tx, ids); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, sqlFactsBase, ids)
	if err != nil {
		return fmt.Errorf("read tickets: %w", err)
	}
	bases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketBase, error) {
		var b ticketBase
		return b, r.Scan(&b.id, &b.teamID, &b.ownerID, &b.calendarID, &b.status, &b.priority, &b.createdAt,
			&b.firstResponseAt, &b.solvedAt, &b.hasPolicy, &b.frTarget, &b.resTarget, &b.frDue, &b.nrDue, &b.resDue, &b.pausedFrom)
	})
	if err != nil {
		return fmt.Errorf("read tickets: %w", err)
	}

	pauses := map[int64][]escalation.Pause{}
	rows, err = tx.Query(ctx, sqlFactsPauses, ids, now)
	if err != nil {
		return fmt.Errorf("read pauses: %w", err)
	}
	var id int64
	var a, b time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &a, &b}, func() error {
		if !b.Before(a) {
			pauses[id] = append(pauses[id], escalation.Pause{Start: a, End: b})
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read pauses: %w", err)
	}

	breached := map[int64]map[string]bool{}
	rows, err = tx.Query(ctx, sqlFactsBreaches, ids)
	if err != nil {
		return fmt.Errorf("read breaches: %w", err)
	}
	var target string
	if _, err := pgx.ForEachRow(rows, []any{&id, &target}, func() error {
		if breached[id] == nil {
			breached[id] = map[string]bool{}
		}
		breached[id][target] = true
		return nil
	}); err != nil {
		return fmt.Errorf("read breaches: %w", err)
	}

	type escSpan struct {
		requested time.Time
		returned  *time.Time
	}
	escs := map[int64][]escSpan{}
	rows, err = tx.Query(ctx, sqlFactsEscalations, ids)
	if err != nil {
		return fmt.Errorf("read escalations: %w", err)
	}
	var req time.Time
	var ret *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &req, &ret}, func() error {
		escs[id] = append(escs[id], escSpan{req, ret})
		return nil
	}); err != nil {
		return fmt.Errorf("read escalations: %w", err)
	}

	type counts struct{ reopens, solves int16 }
	evs := map[int64]counts{}
	rows, err = tx.Query(ctx, sqlFactsEvents, ids)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	var c counts
	if _, err := pgx.ForEachRow(rows, []any{&id, &c.reopens, &c.solves}, func() error {
		evs[id] = c
		return nil
	}); err != nil {
		return fmt.Errorf("read events: %w", err)
	}

	answered := map[int64]bool{}
	rows, err = tx.Query(ctx, sqlFactsNextResponses, ids)
	if err != nil {
		return fmt.Errorf("read next responses: %w", err)
	}
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error {
		answered[id] = true
		return nil
	}); err != nil {
		return fmt.Errorf("read next responses: %w", err)
	}

	var cols factColumns
	for _, t := range bases {
		if days != nil {
			days.add(&t.createdAt)
			days.add(t.solvedAt)
			days.moved(t.id, backlogCell{t.teamID, t.status, t.priority})
		}
		cal := cals.of(t.calendarID)
		p := pauses[t.id]
		f := fact{ticket: t}
		if t.firstResponseAt != nil {
			f.firstResponse = businessSeconds(cal, t.createdAt, *t.firstResponseAt, p)
		}
		if t.solvedAt != nil {
			f.lead = businessSeconds(cal, t.createdAt, *t.solvedAt, p)
		}
		paused := t.pausedFrom != nil
		open := t.status != tickets.StatusSolved && t.status != tickets.StatusClosed
		// A target is breached when its breach fired (sla_firings), when its
		// deadline has passed unmet (the due columns; the breach job may not
		// have run yet), or, for first response and resolution, when the
		// business time taken exceeds the policy's target: the same test as
		// "done after the deadline", since Elapsed(start, Deadline(start, T)) == T.
		overdue := func(due *time.Time) bool { return due != nil && due.Before(now) && !paused && open }
		over := func(took *int32, target int32) bool { return t.hasPolicy && took != nil && *took > target }
		f.slaFirst = outcome(t.hasPolicy, t.firstResponseAt != nil,
			breached[t.id][TargetFirstResponse] || overdue(t.frDue) || over(f.firstResponse, t.frTarget))
		f.slaNext = outcome(t.hasPolicy, answered[t.id], breached[t.id][TargetNextResponse] || overdue(t.nrDue))
		f.slaResolution = outcome(t.hasPolicy, t.solvedAt != nil,
			breached[t.id][TargetResolution] || overdue(t.resDue) || over(f.lead, t.resTarget))
		for _, e := range escs[t.id] {
			f.escalations++
			if e.returned == nil || e.returned.Before(e.requested) {
				continue
			}
			// The loop owner's calendar: the time the customer's issue spent away
			// from their team. Pauses are not taken out: the ticket was with tier 2.
			spent := businessSeconds(cal, e.requested, *e.returned, nil)
			if f.escalation == nil {
				f.escalation = new(int32)
			}
			*f.escalation += *spent
		}
		f.reopens, f.solves = evs[t.id].reopens, evs[t.id].solves
		cols.add(f)
	}
	if _, err := tx.Exec(ctx, sqlUpsertFacts, cols.args(now)...); err != nil {
		return fmt.Errorf("store facts: %w", err)
	}
	if days != nil {
		days.gone() // tickets without a base row lose their facts below
	}
	// Tickets that are gone (none are deleted today) lose their facts.
	if len(bases) < len(ids) {
		if _, err := tx.Exec(ctx, `
DELETE FROM ticket_facts f WHERE f.ticket_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = f.ticket_id)`, ids); err != nil {
			return fmt.Errorf("drop facts: %w", err)
		}
	}
	return nil
}

// businessSeconds is the business time from start to end less pauses, in
// whole seconds; an end before the start (bad data) counts as zero.
func businessSeconds(cal *escalation.Calendar, start, end time.Time, pauses []escalation.Pause) *int32 {
	var n int32
	if end.After(start) {
		if d, err := cal.Elapsed(start, end, pauses); err == nil {
			n = int32(min(d/time.Second, 1<<31-1))
		}
	}
	return &n
}

// outcome is an SLA target's result: breached wins; met once the target was
// done under a policy; otherwise undecided (nil).
func outcome(hasPolicy, done, breached bool) *string {
	switch {
	case breached:
		s := "breached"
		return &s
	case hasPolicy && done:
		s := "met"
		return &s
	}
	return nil
}

// fact is one ticket's computed row.
type fact struct {
	ticket              ticketBase
	firstResponse, lead *int32
	slaFirst, slaNext   *string
	slaResolution       *string
	escalations         int16
	escalation          *int32
	reopens, solves     int16
}

// factColumns gathers facts column-wise for sqlUpsertFacts' unnest.
type factColumns struct {
	id                               []int64
	team, owner                      []*int64
	status                           []string
	priority                         []int16
	created                          []time.Time
	firstResponseAt, solvedAt        []*time.Time
	firstResponse, lead, escalation  []*int32
	slaFirst, slaNext, slaResolution []*string
	escalations, reopens, solves     []int16
}

func (c *factColumns) add(f fact) {
	t := f.ticket
	c.id = append(c.id, t.id)
	c.team = append(c.team, postgres.NullID(t.teamID))
	c.owner = append(c.owner, postgres.NullID(t.ownerID))
	c.status = append(c.status, string(t.status))
	c.priority = append(c.priority, int16(t.priority))
	c.created = append(c.created, t.createdAt)
	c.firstResponseAt = append(c.firstResponseAt, t.firstResponseAt)
	c.solvedAt = append(c.solvedAt, t.solvedAt)
	c.firstResponse = append(c.firstResponse, f.firstResponse)
	c.lead = append(c.lead, f.lead)
	c.slaFirst = append(c.slaFirst, f.slaFirst)
	c.slaNext = append(c.slaNext, f.slaNext)
	c.slaResolution = append(c.slaResolution, f.slaResolution)
	c.escalations = append(c.escalations, f.escalations)
	c.escalation = append(c.escalation, f.escalation)
	c.reopens = append(c.reopens, f.reopens)
	c.solves = append(c.solves, f.solves)
}

func (c *factColumns) args(now time.Time) []any {
	return []any{c.id, c.team, c.owner, c.status, c.priority, c.created, c.firstResponseAt, c.solvedAt,
		c.firstResponse, c.lead, c.slaFirst, c.slaNext, c.slaResolution, c.escalations, c.escalation,
		c.reopens, c.solves, now}
}
