package escalation

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// State is what a timer badge shows.
type State string

// The SLA states.
const (
	StateNone       State = ""            // no policy applies, or the ticket is solved or closed
	StateOK         State = "ok"          // running, less than the policy's at-risk share used
	StateAtRisk     State = "at_risk"     // running, at least the policy's at-risk share used
	StateBreached   State = "breached"    // past a deadline
	StatePaused     State = "paused"      // pending on the customer or on hold
	StateNoDeadline State = "no_deadline" // a policy applies but the calendar has no business hours
)

// Clock summarises a ticket's SLA for a badge: its state, which target it
// is about, that target's deadline, and the business time left until it
// (negative: how far past it). Views only format it.
type Clock struct {
	State  State
	Target string // first_response, next_response or resolution
	Due    time.Time
	Left   time.Duration // business time; negative when breached
}

// urgency orders badge states: a breached target outranks one at risk,
// which outranks one on time.
var urgency = map[State]int{StateOK: 0, StateAtRisk: 1, StateBreached: 2}

// clockFacts is what a badge is worked out from: one ticket's stored SLA
// clock and the targets of the policy it runs under.
type clockFacts struct {
	status                     tickets.Status
	teamID                     int64
	createdAt                  time.Time
	awaitingSince, pausedSince *time.Time
	frDue, nrDue, resDue       *time.Time
	fr, nr, res                time.Duration
	atRiskPercent              int
}

// clockAt is THE badge: every page shows what this returns. It works in the
// business time of the ticket team's calendar, leaves the ticket's past
// pauses out of the share used, warns at the policy's at-risk percentage
// (the same instant the at-risk job fires), and measures a next response
// from the customer's message that awaits it. Of the running targets it
// shows the most urgent: breached before at risk before on time, the
// soonest deadline first.
func clockAt(f clockFacts, cal *Calendar, pauses []Pause, now time.Time) Clock {
	if f.status == tickets.StatusSolved || f.status == tickets.StatusClosed {
		return Clock{}
	}
	if f.pausedSince != nil {
		return Clock{State: StatePaused}
	}
	if !cal.HasHours() {
		return Clock{State: StateNoDeadline}
	}
	var best Clock
	for _, tg := range []struct {
		name   string
		due    *time.Time
		start  time.Time
		length time.Duration
	}{
		{"first_response", f.frDue, f.createdAt, f.fr},
		{"next_response", f.nrDue, deref(f.awaitingSince), f.nr},
		{"resolution", f.resDue, f.createdAt, f.res},
	} {
		if tg.due == nil {
			continue
		}
		c := targetClock(cal, pauses, now, tg.name, tg.start, tg.length, *tg.due, f.atRiskPercent)
		if best.State == StateNone || urgency[c.State] > urgency[best.State] ||
			(urgency[c.State] == urgency[best.State] && c.Due.Before(best.Due)) {
			best = c
		}
	}
	if best.State == StateNone {
		// A policy applies and the clock runs, but no deadline could be set
		// (none within the ten-year horizon): say so rather than nothing.
		return Clock{State: StateNoDeadline}
	}
	return best
}

// targetClock is one target's badge at now: breached from its deadline on,
// at risk once atRiskPercent of its length is used (business time since
// start, pauses left out), else on time. Left is business time too.
func targetClock(cal *Calendar, pauses []Pause, now time.Time, target string, start time.Time, length time.Duration, due time.Time, atRiskPercent int) Clock {
	c := Clock{State: StateOK, Target: target, Due: due}
	if !now.Before(due) {
		over, _ := cal.Elapsed(due, now, pauses)
		c.State, c.Left = StateBreached, -over
		return c
	}
	c.Left, _ = cal.Elapsed(now, due, pauses)
	// Elapsed fails only when now is before start (a clock set back): nothing used.
	used, _ := cal.Elapsed(start, now, pauses)
	if used >= length*time.Duration(atRiskPercent)/100 {
		c.State = StateAtRisk
	}
	return c
}

// sqlClockFacts reads the SLA clocks of tickets that run under a policy,
// with that policy's targets. A ticket without a policy is not returned.
// The ids are read through (SELECT $1): the planner cannot count them, so
// one ticket (the ticket page) and fifty (a queue) get the same plan and
// Postgres keeps it, instead of planning every ticket page's statement
// again (which cost ten times more than running it).
const sqlClockFacts = `
SELECT t.id, t.status, coalesce(t.team_id, 0), t.created_at, t.awaiting_reply_since, t.paused_since,
       t.first_response_due, t.next_response_due, t.resolution_due,
       p.first_response_minutes, p.next_response_minutes, p.resolution_minutes, p.at_risk_percent
FROM tickets t JOIN sla_policies p ON p.id = t.sla_policy_id
WHERE t.id = ANY((SELECT $1::bigint[])::bigint[])`

// sqlClockPauses lists the ended pauses of tickets (a running pause shows as
// paused, so its length does not matter); (SELECT $1) as in sqlClockFacts.
const sqlClockPauses = `
SELECT ticket_id, started_at, ended_at FROM sla_pauses
WHERE ticket_id = ANY((SELECT $1::bigint[])::bigint[]) AND ended_at IS NOT NULL
ORDER BY ticket_id, started_at`

// Clocks computes the SLA badges of tickets at the service's now, by id;
// tickets without a policy get the zero Clock. The queue, the ticket page and
// the supervisor review page all show what this returns.
func (s *Service) Clocks(ctx context.Context, ticketIDs []int64) (map[int64]Clock, error) {
	if len(ticketIDs) == 0 {
		return map[int64]Clock{}, nil
	}
	// The facts and the pauses in one round trip.
	var b pgx.Batch
	clocks := s.ClocksBatch(&b, ticketIDs)
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("sla clocks: %w", err)
	}
	return clocks(ctx)
}

// ClocksBatch is Clocks on a batch (a page's one round trip); the returned
// function may read the team calendars once (they are cached briefly).
func (s *Service) ClocksBatch(b *pgx.Batch, ticketIDs []int64) func(context.Context) (map[int64]Clock, error) {
	type row struct {
		id int64
		f  clockFacts
	}
	facts := postgres.QueueRows(b, "sla clocks", func(r pgx.CollectableRow) (row, error) {
		var x row
		var fr, nr, res int
		err := r.Scan(&x.id, &x.f.status, &x.f.teamID, &x.f.createdAt, &x.f.awaitingSince, &x.f.pausedSince,
			&x.f.frDue, &x.f.nrDue, &x.f.resDue, &fr, &nr, &res, &x.f.atRiskPercent)
		x.f.fr, x.f.nr, x.f.res = time.Duration(fr)*time.Minute, time.Duration(nr)*time.Minute, time.Duration(res)*time.Minute
		return x, err
	}, sqlClockFacts, ticketIDs)
	type pauseRow struct {
		id int64
		p  Pause
	}
	pauseRows := postgres.QueueRows(b, "sla clock pauses", func(r pgx.CollectableRow) (pauseRow, error) {
		var x pauseRow
		return x, r.Scan(&x.id, &x.p.Start, &x.p.End)
	}, sqlClockPauses, ticketIDs)
	return func(ctx context.Context) (map[int64]Clock, error) {
		out := make(map[int64]Clock, len(ticketIDs))
		list, err := facts()
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return out, nil
		}
		plist, err := pauseRows()
		if err != nil {
			return nil, err
		}
		pauses := map[int64][]Pause{}
		for _, x := range plist {
			pauses[x.id] = append(pauses[x.id], x.p)
		}
		cals, err := s.teamCalendars(ctx)
		if err != nil {
			return nil, err
		}
		now := s.now()
		for _, x := range list {
			cal, ok := cals[x.f.teamID]
			if !ok {
				cal = AlwaysOpen()
			}
			out[x.id] = clockAt(x.f, cal, pauses[x.id], now)
		}
		return out, nil
	}
}

// ClocksOf is Clocks for tickets already read (a queue page's rows): the
// ticket rows carry their stored clock, the policies' targets and the team
// calendars come from the instance's brief caches, so only the past pauses
// of the tickets whose clocks run are read, in one round trip, and none
// when no clock runs. It returns what Clocks returns for the same tickets
// (a test holds the two together).
func (s *Service) ClocksOf(ctx context.Context, list []tickets.Ticket) (map[int64]Clock, error) {
	out := make(map[int64]Clock, len(list))
	var running []int64
	for i := range list {
		t := &list[i]
		if t.SLAPolicyID != 0 && t.PausedSince == nil && t.Status != tickets.StatusSolved && t.Status != tickets.StatusClosed {
			running = append(running, t.ID)
		}
	}
	pols, err := s.policiesByID(ctx, list)
	if err != nil {
		return nil, err
	}
	cals, err := s.teamCalendars(ctx)
	if err != nil {
		return nil, err
	}
	pauses := map[int64][]Pause{}
	if len(running) > 0 {
		rows, err := s.db.Query(ctx, sqlClockPauses, running)
		if err != nil {
			return nil, fmt.Errorf("sla clock pauses: %w", err)
		}
		var id int64
		var p Pause
		if _, err := pgx.ForEachRow(rows, []any{&id, &p.Start, &p.End}, func() error {
			pauses[id] = append(pauses[id], p)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("sla clock pauses: %w", err)
		}
	}
	now := s.now()
	for _, t := range list {
		pol, ok := pols[t.SLAPolicyID]
		if !ok {
			continue // no policy (or one deleted since the row was read): no badge, as Clocks
		}
		cal, ok := cals[t.TeamID]
		if !ok {
			cal = AlwaysOpen()
		}
		f := clockFacts{
			status: t.Status, teamID: t.TeamID, createdAt: t.CreatedAt,
			awaitingSince: t.AwaitingReplySince, pausedSince: t.PausedSince,
			frDue: t.FirstResponseDue, nrDue: t.NextResponseDue, resDue: t.ResolutionDue,
			fr: pol.FirstResponse, nr: pol.NextResponse, res: pol.Resolution, atRiskPercent: pol.AtRiskPercent,
		}
		out[t.ID] = clockAt(f, cal, pauses[t.ID], now)
	}
	return out, nil
}

// policyCache keeps the SLA policies by id briefly, as calendarCache keeps
// calendars: a badge needs a policy's targets, which change rarely. Saving
// a policy empties it; another instance sees the change within the TTL, or
// at once when a ticket names a policy it does not hold.
type policyCache struct {
	mu     sync.Mutex
	loaded time.Time
	byID   map[int64]Policy
}

// forgetPolicies empties the cache after a policy change.
func (s *Service) forgetPolicies() {
	s.pols.mu.Lock()
	defer s.pols.mu.Unlock()
	s.pols.byID = nil
}

// policiesByID returns id -> policy, holding every policy the tickets name
// that exists.
func (s *Service) policiesByID(ctx context.Context, list []tickets.Ticket) (map[int64]Policy, error) {
	s.pols.mu.Lock()
	defer s.pols.mu.Unlock()
	fresh := s.pols.byID != nil && time.Since(s.pols.loaded) < calendarCacheTTL
	if fresh {
		for _, t := range list {
			if _, ok := s.pols.byID[t.SLAPolicyID]; t.SLAPolicyID != 0 && !ok {
				fresh = false // a policy created since: read them again
				break
			}
		}
	}
	if fresh {
		return s.pols.byID, nil
	}
	rows, err := s.db.Query(ctx, sqlSelectPolicy)
	if err != nil {
		return nil, fmt.Errorf("sla policies: %w", err)
	}
	list2, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Policy, error) { return scanPolicy(r) })
	if err != nil {
		return nil, fmt.Errorf("sla policies: %w", err)
	}
	out := make(map[int64]Policy, len(list2))
	for _, p := range list2 {
		out[p.ID] = p
	}
	s.pols.byID, s.pols.loaded = out, time.Now()
	return out, nil
}

// calendarCache keeps each team's calendar briefly, so a queue page of 50
// rows reads calendars once rather than per row. Saving a calendar or a
// team's calendar empties it.
type calendarCache struct {
	mu     sync.Mutex
	loaded time.Time
	byTeam map[int64]*Calendar
}

const calendarCacheTTL = 30 * time.Second

// forgetCalendars empties the cache after a calendar change.
func (s *Service) forgetCalendars() {
	s.cals.mu.Lock()
	defer s.cals.mu.Unlock()
	s.cals.byTeam = nil
}

// sqlTeamCalendars reads the calendar of every team that has one.
const sqlTeamCalendars = `
SELECT tm.id, c.id, c.time_zone, c.hours, c.holidays::text[]
FROM teams tm JOIN calendars c ON c.id = tm.calendar_id`

// teamCalendars returns team id -> calendar (teams without one are absent:
// round the clock). An invalid stored calendar has no business hours.
func (s *Service) teamCalendars(ctx context.Context) (map[int64]*Calendar, error) {
	s.cals.mu.Lock()
	defer s.cals.mu.Unlock()
	if s.cals.byTeam != nil && time.Since(s.cals.loaded) < calendarCacheTTL {
		return s.cals.byTeam, nil
	}
	rows, err := s.db.Query(ctx, sqlTeamCalendars)
	if err != nil {
		return nil, fmt.Errorf("team calendars: %w", err)
	}
	out := map[int64]*Calendar{}
	var teamID int64
	var d CalendarDef
	var raw map[string][]string
	if _, err := pgx.ForEachRow(rows, []any{&teamID, &d.ID, &d.TimeZone, &raw, &d.Holidays}, func() error {
		d.Hours = hoursOf(raw)
		out[teamID] = s.storedCalendar(d)
		raw = nil // json decodes into a map it is given: start the next row afresh
		return nil
	}); err != nil {
		return nil, fmt.Errorf("team calendars: %w", err)
	}
	s.cals.byTeam, s.cals.loaded = out, time.Now()
	return out, nil
}
