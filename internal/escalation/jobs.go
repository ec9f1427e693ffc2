package escalation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// SLA levels a deadline fires at.
const (
	LevelAtRisk      = "at_risk"     // a share of the target is used: tell the owner
	LevelBreached    = "breached"    // the deadline passed: tell owner and lead, escalate to tier 2
	LevelSupervisors = "supervisors" // still breached after the policy's delay: to supervisors
)

// SLAArgs is the scheduled check of one deadline. A check whose deadline
// has since moved or been met, or whose clock is paused, does nothing and
// ends.
//
// A check carries no Level: it is scheduled at the deadline's first level
// (the at-risk point), fires each level as it comes due — at risk, breached,
// supervisors — and snoozes until the next one (one River job per deadline).
// Such checks wait in their own queue, QueueSLAChecks, which versions before
// them do not work: during a rolling deploy an older instance never picks
// one up (it would refuse a check without a level, and River's retries
// would make the breach late), and after a rollback they wait for the next
// version instead of failing until River discards them. Checks queued by
// older versions name one Level each in QueueSLA, the deadline's other
// levels having checks of their own: such a check waits for its level,
// fires every level due by then and ends.
type SLAArgs struct {
	TicketID int64     `json:"ticket_id"`
	Target   string    `json:"target"` // first_response, next_response, resolution
	Due      time.Time `json:"due"`
	Level    string    `json:"level,omitempty"` // "" for every level; set only in checks queued by older versions
}

// Kind names the job for River.
func (SLAArgs) Kind() string { return "sla_check" }

// InsertOpts keeps identical checks unique while one waits (snoozing too) or
// runs, and on their own queue. A finished check does not block scheduling
// it again (a check that found the clock paused must run again when it
// resumes); the sla_firings key still makes each level fire once. A snooze
// does not use up an attempt (River sets the attempt back), so a check may
// wait for each of its levels in turn.
func (SLAArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSLAChecks, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// The River queues of the SLA: QueueSLAChecks holds the checks (one per
// deadline); QueueSLA the recomputes, and the checks that versions before
// QueueSLAChecks queued (one per level).
const (
	QueueSLAChecks = "sla_checks"
	QueueSLA       = "sla"
)

// slaCheck is the check of one deadline, for the transaction that moved it,
// scheduled at its at-risk point: the instant the policy's share of the
// target is used, counting the same pauses as the deadline (the deadline
// itself when there is no start or length to measure the share of).
func slaCheck(ticketID int64, target string, due time.Time, p Policy, cal *Calendar, pauses []Pause, start time.Time, length time.Duration) river.InsertManyParams {
	at := due
	if !start.IsZero() && length > 0 {
		if d, err := cal.Deadline(start, length*time.Duration(p.AtRiskPercent)/100, pauses); err == nil {
			at = d
		}
	}
	args := SLAArgs{TicketID: ticketID, Target: target, Due: due.UTC()}
	opts := args.InsertOpts()
	opts.ScheduledAt = at
	return river.InsertManyParams{Args: args, InsertOpts: &opts}
}

// manyInserter is the River client's batch insert: a ticket's checks go in
// one round trip.
type manyInserter interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// insertJobsTx inserts jobs in the caller's transaction, in one round trip
// when the client can. Without a job client nothing is scheduled.
func (s *Service) insertJobsTx(ctx context.Context, tx pgx.Tx, jobs []river.InsertManyParams) error {
	if s.jobs == nil || len(jobs) == 0 {
		return nil
	}
	if m, ok := s.jobs.(manyInserter); ok {
		if _, err := m.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("schedule %d jobs: %w", len(jobs), err)
		}
		return nil
	}
	for _, j := range jobs {
		if _, err := s.jobs.InsertTx(ctx, tx, j.Args, j.InsertOpts); err != nil {
			return fmt.Errorf("schedule %s job: %w", j.Args.Kind(), err)
		}
	}
	return nil
}

// AddWorkers registers the escalation package's River workers: SLA checks
// and SLA recomputes.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, NewSLAWorker(s))
	river.AddWorker(w, NewRecomputeWorker(s))
}

// SLAWorker runs SLA checks.
type SLAWorker struct {
	river.WorkerDefaults[SLAArgs]
	svc *Service
}

// NewSLAWorker returns the worker for s.
func NewSLAWorker(s *Service) *SLAWorker { return &SLAWorker{svc: s} }

// Work runs one SLA check: it fires the levels due and, when a later level
// of the deadline remains, snoozes until it comes due. FireSLA has
// committed the firings before the job snoozes. A snooze does not count as
// an attempt.
func (w *SLAWorker) Work(ctx context.Context, job *river.Job[SLAArgs]) error {
	run, err := w.svc.FireSLA(ctx, job.Args)
	if err != nil {
		return err
	}
	if run.Wait > 0 {
		return river.JobSnooze(run.Wait)
	}
	return nil
}

// SLARun is what one run of an SLA check did: whether it fired a level, and
// how long until it must run again — a check that ran before its level, or
// one with a later level of its deadline still to come. Wait is 0 when the
// check is done.
type SLARun struct {
	Fired bool
	Wait  time.Duration
}

// levelOrder is the order in which one deadline's levels fire.
var levelOrder = []string{LevelAtRisk, LevelBreached, LevelSupervisors}

// FireSLA carries out one SLA check at the service's now, in one
// transaction that has committed when it returns. It fires every level of
// the deadline due by now that has not fired, in order — at risk, breached,
// supervisors — and says when the next one comes due. It fires nothing, and
// the check is done, when the deadline moved or was met, the clock is paused
// or no policy applies; a paused clock that resumes gets a new check from
// the code that recomputes the deadlines.
//
// The sla_firings key makes each level fire exactly once, whichever
// instance, retry or check gets there first; the transaction holds the
// ticket's lock, so checks of the same deadline racing each other wait for
// it, then find their levels fired.
//
// The at-risk level is due whenever the check runs: a check is scheduled at
// its deadline's at-risk point, and a check of a later level finds it past.
// A check naming a level (queued by an older version) runs again when it ran
// before that level, and otherwise ends after firing: its deadline's later
// levels have their own checks.
func (s *Service) FireSLA(ctx context.Context, a SLAArgs) (SLARun, error) {
	first := 0
	if a.Level != "" {
		if first = slices.Index(levelOrder, a.Level); first < 0 {
			return SLARun{}, fmt.Errorf("sla check of ticket %d: unknown level %q", a.TicketID, a.Level)
		}
	}
	var run SLARun
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := tickets.GetTx(ctx, tx, a.TicketID, true)
		if err != nil {
			return err
		}
		current := map[string]*time.Time{"first_response": t.FirstResponseDue, "next_response": t.NextResponseDue, "resolution": t.ResolutionDue}[a.Target]
		if current == nil || !current.Equal(a.Due) || t.PausedSince != nil ||
			t.Status == tickets.StatusSolved || t.Status == tickets.StatusClosed {
			return nil
		}
		now := s.now()
		p, ok, err := policyTx(ctx, tx, t.Priority, t.Category)
		if err != nil || !ok {
			return err
		}
		// The instant each level comes due, in levelOrder.
		dueAt := []time.Time{{}, a.Due, a.Due.Add(p.SupervisorDelay)}
		if now.Before(dueAt[first]) {
			run.Wait = dueAt[first].Sub(now)
			return nil
		}
		for i, level := range levelOrder {
			if now.Before(dueAt[i]) {
				if a.Level == "" {
					run.Wait = dueAt[i].Sub(now)
				}
				break
			}
			ok, err := s.fireLevelTx(ctx, tx, t, p, a, level, now)
			if err != nil {
				return err
			}
			run.Fired = run.Fired || ok
		}
		return nil
	})
	if err != nil {
		return SLARun{}, err
	}
	return run, nil
}

// fireLevelTx fires one level of one deadline unless it already fired: the
// firing row, the ticket event, the notifications and escalations.
func (s *Service) fireLevelTx(ctx context.Context, tx pgx.Tx, t tickets.Ticket, p Policy, a SLAArgs, level string, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `
INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`, a.TicketID, a.Target, a.Due, level, now)
	if err != nil {
		return false, fmt.Errorf("record sla firing: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil // another instance or an earlier try fired this level
	}
	data := map[string]any{"target": a.Target, "due": a.Due, "level": level}
	if err := tickets.RecordEventTx(ctx, tx, now, t.ID, 0, "ticket.sla_"+level, data); err != nil {
		return false, err
	}
	switch level {
	case LevelAtRisk:
		return true, s.notifyTx(ctx, tx, nonZero(t.OwnerID), t.ID, "sla_at_risk", data)
	case LevelBreached:
		leads, err := s.teamLeadsTx(ctx, tx, t.TeamID)
		if err != nil {
			return false, err
		}
		if err := s.notifyTx(ctx, tx, append(nonZero(t.OwnerID), leads...), t.ID, "sla_breached", data); err != nil {
			return false, err
		}
		tg := target{teamID: p.BreachTeamID}
		if p.BreachTeamID == 0 {
			tg = target{supervisors: true}
		}
		return true, s.autoEscalateTx(ctx, tx, t, tg, a.Target)
	case LevelSupervisors:
		return true, s.autoEscalateTx(ctx, tx, t, target{supervisors: true}, a.Target)
	}
	return true, nil
}

// autoEscalateTx escalates for the SLA clock: a new escalation when none is
// open; to supervisors, an open tier-2 escalation nobody accepted moves up a
// level, while one a senior is working stays with them and supervisors are
// notified.
func (s *Service) autoEscalateTx(ctx context.Context, tx pgx.Tx, t tickets.Ticket, tg target, what string) error {
	var openID int64
	var level int
	var status Status
	err := tx.QueryRow(ctx, `SELECT id, level, status FROM escalations WHERE ticket_id = $1 AND status IN ('requested', 'accepted')`, t.ID).Scan(&openID, &level, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("open escalation: %w", err)
	case !tg.supervisors || level == 3:
		return nil // already escalated as far as this level goes
	case status == StatusAccepted:
		// A senior is working it: supervisors are told, the work is not taken away.
		sups, err := s.targetUsersTx(ctx, tx, 3, target{supervisors: true})
		if err != nil {
			return err
		}
		return s.notifyTx(ctx, tx, sups, t.ID, "sla_breached", map[string]any{"target": what, "escalation_id": openID})
	default:
		if err := s.closeAsEscalatedTx(ctx, tx, openID); err != nil {
			return err
		}
	}
	_, err = s.insertTx(ctx, tx, t, 0, Request{Kind: "escalation", Reason: ReasonSLABreach, Note: what, Urgency: "high"}, tg)
	return err
}

// teamLeadsTx lists the supervisors of a team (all supervisors when the team
// has none of its own).
func (s *Service) teamLeadsTx(ctx context.Context, tx pgx.Tx, teamID int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `
SELECT u.id FROM users u
WHERE u.role = 'supervisor' AND u.active
  AND (u.id IN (SELECT user_id FROM team_members WHERE team_id = $1)
       OR NOT EXISTS (SELECT 1 FROM users s JOIN team_members m ON m.user_id = s.id
                      WHERE s.role = 'supervisor' AND s.active AND m.team_id = $1))`, teamID)
	if err != nil {
		return nil, fmt.Errorf("team leads: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func nonZero(id int64) []int64 {
	if id == 0 {
		return nil
	}
	return []int64{id}
}

// CatchUp runs at start-up: every open ticket whose deadline already passed
// without a breach firing gets its check enqueued now, so a deadline missed
// while no server ran (or before jobs were scheduled) is handled, once. A
// deadline whose check still waits keeps that one (checks are unique).
func (s *Service) CatchUp(ctx context.Context) (int, error) {
	if s.jobs == nil {
		return 0, nil
	}
	n := 0
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
SELECT t.id, x.target, x.due
FROM tickets t
CROSS JOIN LATERAL (VALUES ('first_response', t.first_response_due), ('next_response', t.next_response_due),
                           ('resolution', t.resolution_due)) AS x(target, due)
WHERE t.next_due IS NOT NULL AND t.next_due <= $1 AND x.due IS NOT NULL AND x.due <= $1
  AND NOT EXISTS (SELECT 1 FROM sla_firings f WHERE f.ticket_id = t.id AND f.target = x.target
                  AND f.due_at = x.due AND f.level = 'breached')`, s.now())
		if err != nil {
			return fmt.Errorf("find missed deadlines: %w", err)
		}
		type miss struct {
			id     int64
			target string
			due    time.Time
		}
		misses, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (miss, error) {
			var m miss
			return m, r.Scan(&m.id, &m.target, &m.due)
		})
		if err != nil {
			return err
		}
		checks := make([]river.InsertManyParams, 0, len(misses))
		for _, m := range misses {
			args := SLAArgs{TicketID: m.id, Target: m.target, Due: m.due.UTC()}
			opts := args.InsertOpts()
			checks = append(checks, river.InsertManyParams{Args: args, InsertOpts: &opts})
		}
		n = len(misses)
		return s.insertJobsTx(ctx, tx, checks)
	})
	return n, err
}

// What a recompute covers: the open tickets of the teams using a calendar,
// of one team, or of one priority.
const (
	RecomputeCalendar = "calendar"
	RecomputeTeam     = "team"
	RecomputePriority = "priority"
)

// sqlRecomputeBatch picks a recompute's next open tickets, in id order after
// $1 (keyset), and locks them: a ticket being changed right now is
// recomputed after that change commits, not over it. The open-status list is
// inlined for the partial index tickets_open_id_idx.
var sqlRecomputeBatch = map[string]string{
	RecomputeCalendar: `
SELECT t.id FROM tickets t
WHERE t.status IN ('new', 'open', 'pending', 'on_hold') AND t.id > $1
  AND t.team_id IN (SELECT tm.id FROM teams tm WHERE tm.calendar_id = $2)
ORDER BY t.id LIMIT $3
FOR UPDATE OF t`,
	RecomputeTeam: `
SELECT t.id FROM tickets t
WHERE t.status IN ('new', 'open', 'pending', 'on_hold') AND t.id > $1 AND t.team_id = $2
ORDER BY t.id LIMIT $3
FOR UPDATE OF t`,
	RecomputePriority: `
SELECT t.id FROM tickets t
WHERE t.status IN ('new', 'open', 'pending', 'on_hold') AND t.id > $1 AND t.priority = $2
ORDER BY t.id LIMIT $3
FOR UPDATE OF t`,
}

// RecomputeArgs is one batch of an SLA recompute after a calendar, a team's
// calendar or a policy changed: the open tickets in scope with ids above
// After. Each batch enqueues the next in its own transaction, so a long
// recompute keeps its progress and no transaction holds many tickets.
type RecomputeArgs struct {
	Scope string `json:"scope"` // RecomputeCalendar, RecomputeTeam or RecomputePriority
	ID    int64  `json:"id"`    // the calendar, the team, or the priority
	After int64  `json:"after"` // the last ticket id done
}

// Kind names the job for River.
func (RecomputeArgs) Kind() string { return "sla_recompute" }

// InsertOpts puts recomputes on the SLA queue. They are not unique: a second
// save while the first recompute runs needs its own pass over the tickets.
func (RecomputeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSLA, MaxAttempts: 25}
}

// enqueueRecomputeTx schedules the recompute of the open tickets in scope,
// in the admin's transaction: it runs once that commits. Without a job
// client (tools, tests of other parts) nothing is scheduled.
func (s *Service) enqueueRecomputeTx(ctx context.Context, tx pgx.Tx, scope string, id int64) error {
	if s.jobs == nil {
		return nil
	}
	args := RecomputeArgs{Scope: scope, ID: id}
	opts := args.InsertOpts()
	if _, err := s.jobs.InsertTx(ctx, tx, args, &opts); err != nil {
		return fmt.Errorf("schedule sla recompute of %s %d: %w", scope, id, err)
	}
	return nil
}

// DefaultRecomputeBatch is how many tickets one recompute transaction does.
const DefaultRecomputeBatch = 300

// RecomputeWorker runs SLA recompute batches.
type RecomputeWorker struct {
	river.WorkerDefaults[RecomputeArgs]
	svc *Service
	// Batch is how many tickets one transaction recomputes
	// (DefaultRecomputeBatch; tests set a small one to cross batches).
	Batch int
}

// NewRecomputeWorker returns the worker for s.
func NewRecomputeWorker(s *Service) *RecomputeWorker {
	return &RecomputeWorker{svc: s, Batch: DefaultRecomputeBatch}
}

// Work recomputes one batch and, when the batch was full, enqueues the next.
func (w *RecomputeWorker) Work(ctx context.Context, job *river.Job[RecomputeArgs]) error {
	a := job.Args
	sql, ok := sqlRecomputeBatch[a.Scope]
	if !ok {
		return river.JobCancel(fmt.Errorf("sla recompute: unknown scope %q", a.Scope))
	}
	batch := max(w.Batch, 1)
	s := w.svc
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sql, a.After, a.ID, batch)
		if err != nil {
			return fmt.Errorf("sla recompute of %s %d: %w", a.Scope, a.ID, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("sla recompute of %s %d: %w", a.Scope, a.ID, err)
		}
		for _, id := range ids {
			if err := s.recomputeTx(ctx, tx, id); err != nil {
				return err
			}
		}
		if len(ids) < batch {
			return nil
		}
		if s.jobs == nil {
			return errors.New("sla recompute: no job client to schedule the next batch")
		}
		next := RecomputeArgs{Scope: a.Scope, ID: a.ID, After: ids[len(ids)-1]}
		opts := next.InsertOpts()
		if _, err := s.jobs.InsertTx(ctx, tx, next, &opts); err != nil {
			return fmt.Errorf("schedule the next sla recompute batch: %w", err)
		}
		return nil
	})
}
