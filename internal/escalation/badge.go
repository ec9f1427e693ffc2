package escalation

import (
	"context"
	"fmt"
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
// function reads the policies and calendars again only when their version
// moved (slaConfigAt).
func (s *Service) ClocksBatch(b *pgx.Batch, ticketIDs []int64) func(context.Context) (map[int64]Clock, error) {
	var version int64
	b.Queue(sqlSLAConfigVersion).QueryRow(func(row pgx.Row) error { return row.Scan(&version) })
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
	pauses := queuePauses(b, ticketIDs)
	return func(ctx context.Context) (map[int64]Clock, error) {
		out := make(map[int64]Clock, len(ticketIDs))
		list, err := facts()
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return out, nil
		}
		cfg, err := s.slaConfigAt(ctx, version)
		if err != nil {
			return nil, err
		}
		now := s.now()
		for _, x := range list {
			out[x.id] = clockAt(x.f, cfg.calendar(x.f.teamID), pauses[x.id], now)
		}
		return out, nil
	}
}

// ClocksOf is Clocks for tickets already read (a queue page's rows): the
// ticket rows carry their stored clock and the policy they run under, so
// one round trip reads only the version of the policies and calendars and
// the past pauses of the tickets whose clocks run, and none is needed when
// no clock runs. It returns what Clocks returns for the same tickets (a
// test holds the two together).
func (s *Service) ClocksOf(ctx context.Context, list []tickets.Ticket) (map[int64]Clock, error) {
	out := make(map[int64]Clock, len(list))
	now := s.now()
	runs := func(t tickets.Ticket) bool {
		return t.Status != tickets.StatusSolved && t.Status != tickets.StatusClosed && t.PausedSince == nil
	}
	var running []int64
	for _, t := range list {
		switch {
		case t.SLAPolicyID == 0:
		case runs(t):
			running = append(running, t.ID)
		default:
			// clockAt's answer for a stopped or paused clock needs neither the
			// policy's targets nor the calendar.
			out[t.ID] = clockAt(clockFactsOf(t, Policy{}), AlwaysOpen(), nil, now)
		}
	}
	if len(running) == 0 {
		return out, nil
	}
	var b pgx.Batch
	var version int64
	b.Queue(sqlSLAConfigVersion).QueryRow(func(row pgx.Row) error { return row.Scan(&version) })
	pauses := queuePauses(&b, running)
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("sla clocks: %w", err)
	}
	cfg, err := s.slaConfigAt(ctx, version)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if t.SLAPolicyID == 0 || !runs(t) {
			continue
		}
		p, ok := cfg.policyByID(t.SLAPolicyID)
		if !ok {
			continue // a policy deleted since the row was read: no badge, as Clocks
		}
		out[t.ID] = clockAt(clockFactsOf(t, p), cfg.calendar(t.TeamID), pauses[t.ID], now)
	}
	return out, nil
}

// queuePauses queues the read of the ended pauses of tickets on b; the map
// holds them by ticket, oldest first, once b is closed.
func queuePauses(b *pgx.Batch, ticketIDs []int64) map[int64][]Pause {
	pauses := map[int64][]Pause{}
	b.Queue(sqlClockPauses, ticketIDs).Query(func(rows pgx.Rows) error {
		var id int64
		var p Pause
		_, err := pgx.ForEachRow(rows, []any{&id, &p.Start, &p.End}, func() error {
			pauses[id] = append(pauses[id], p)
			return nil
		})
		return err
	})
	return pauses
}

// clockFactsOf is a ticket row's clock under policy p.
func clockFactsOf(t tickets.Ticket, p Policy) clockFacts {
	return clockFacts{
		status: t.Status, teamID: t.TeamID, createdAt: t.CreatedAt,
		awaitingSince: t.AwaitingReplySince, pausedSince: t.PausedSince,
		frDue: t.FirstResponseDue, nrDue: t.NextResponseDue, resDue: t.ResolutionDue,
		fr: p.FirstResponse, nr: p.NextResponse, res: p.Resolution, atRiskPercent: p.AtRiskPercent,
	}
}

// slaConfigAt returns the SLA policies and team calendars as of version,
// read from sla_config_version in the caller's round trip: the copy this
// instance holds (the one new tickets' clocks use), read again only when
// the version moved. A change saved on any instance moves it, so every
// instance's badges follow the change from their next page on.
func (s *Service) slaConfigAt(ctx context.Context, version int64) (*slaConfig, error) {
	if cfg := s.slaCfg.Load(); cfg != nil && cfg.version == version {
		return cfg, nil
	}
	cfg, err := s.loadSLAConfig(ctx, s.db)
	if err != nil {
		return nil, err
	}
	s.slaCfg.Store(cfg)
	return cfg, nil
}
