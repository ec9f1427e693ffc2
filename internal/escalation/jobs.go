package escalation

import (
	"context"
	"errors"
	"fmt"
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

// SLAArgs is one scheduled check of one deadline at one level. A check whose
// deadline has since moved or been met does nothing.
type SLAArgs struct {
	TicketID int64     `json:"ticket_id"`
	Target   string    `json:"target"` // first_response, next_response, resolution
	Due      time.Time `json:"due"`
	Level    string    `json:"level"`
}

// Kind names the job for River.
func (SLAArgs) Kind() string { return "sla_check" }

// InsertOpts keeps identical checks unique while one waits or runs, and on
// their own queue. A finished check does not block scheduling it again (a
// check that found the clock paused must run again when it resumes); the
// sla_firings key still makes each level fire once.
func (SLAArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSLA, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// QueueSLA is the River queue of SLA checks.
const QueueSLA = "sla"

// scheduleTx schedules the three levels of one deadline, in the transaction
// that moved it: a job at the at-risk point, at the deadline, and at the
// deadline plus the supervisor delay.
func (s *Service) scheduleTx(ctx context.Context, tx pgx.Tx, ticketID int64, target string, due time.Time, p Policy, start time.Time, length time.Duration) error {
	if s.jobs == nil {
		return nil
	}
	atRisk := due
	if !start.IsZero() && length > 0 {
		cal, err := s.ticketCalendarTx(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		pauses, err := pausesTx(ctx, tx, ticketID, s.now())
		if err != nil {
			return err
		}
		if d, err := cal.Deadline(start, length*time.Duration(p.AtRiskPercent)/100, pauses); err == nil {
			atRisk = d
		}
	}
	for _, j := range []struct {
		level string
		at    time.Time
	}{{LevelAtRisk, atRisk}, {LevelBreached, due}, {LevelSupervisors, due.Add(p.SupervisorDelay)}} {
		args := SLAArgs{TicketID: ticketID, Target: target, Due: due.UTC(), Level: j.level}
		opts := args.InsertOpts()
		opts.ScheduledAt = j.at
		if _, err := s.jobs.InsertTx(ctx, tx, args, &opts); err != nil {
			return fmt.Errorf("schedule sla %s/%s: %w", target, j.level, err)
		}
	}
	return nil
}

// SLAWorker runs SLA checks.
type SLAWorker struct {
	river.WorkerDefaults[SLAArgs]
	svc *Service
}

// NewSLAWorker returns the worker for s.
func NewSLAWorker(s *Service) *SLAWorker { return &SLAWorker{svc: s} }

// Work fires one SLA check; a check that runs early comes back when due.
func (w *SLAWorker) Work(ctx context.Context, job *river.Job[SLAArgs]) error {
	_, err := w.svc.FireSLA(ctx, job.Args)
	var early *EarlyError
	if errors.As(err, &early) {
		return river.JobSnooze(early.Wait)
	}
	return err
}

// EarlyError says an SLA check ran before its time and should run again
// after Wait.
type EarlyError struct{ Wait time.Duration }

func (e *EarlyError) Error() string { return fmt.Sprintf("sla check is early by %s", e.Wait) }

// FireSLA carries out one SLA check at the service's now. It reports whether
// it fired: false when the deadline moved or was met, the clock is paused,
// or this level already fired (the sla_firings key makes each level fire
// exactly once, whichever instance or retry gets there first).
func (s *Service) FireSLA(ctx context.Context, a SLAArgs) (bool, error) {
	fired := false
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
		if a.Level == LevelBreached && now.Before(a.Due) {
			return &EarlyError{Wait: a.Due.Sub(now)}
		}
		if a.Level == LevelSupervisors && now.Before(a.Due.Add(p.SupervisorDelay)) {
			return &EarlyError{Wait: a.Due.Add(p.SupervisorDelay).Sub(now)}
		}
		tag, err := tx.Exec(ctx, `
INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`, a.TicketID, a.Target, a.Due, a.Level, now)
		if err != nil {
			return fmt.Errorf("record sla firing: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // another instance or an earlier try fired this level
		}
		fired = true
		data := map[string]any{"target": a.Target, "due": a.Due, "level": a.Level}
		if err := tickets.RecordEventTx(ctx, tx, now, t.ID, 0, "ticket.sla_"+a.Level, data); err != nil {
			return err
		}
		switch a.Level {
		case LevelAtRisk:
			return s.notifyTx(ctx, tx, nonZero(t.OwnerID), t.ID, "sla_at_risk", data)
		case LevelBreached:
			leads, err := s.teamLeadsTx(ctx, tx, t.TeamID)
			if err != nil {
				return err
			}
			if err := s.notifyTx(ctx, tx, append(nonZero(t.OwnerID), leads...), t.ID, "sla_breached", data); err != nil {
				return err
			}
			tg := target{teamID: p.BreachTeamID}
			if p.BreachTeamID == 0 {
				tg = target{supervisors: true}
			}
			return s.autoEscalateTx(ctx, tx, t, tg, a.Target)
		case LevelSupervisors:
			return s.autoEscalateTx(ctx, tx, t, target{supervisors: true}, a.Target)
		}
		return nil
	})
	return fired, err
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
// without a breach firing gets its checks enqueued now, so a deadline missed
// while no server ran (or before jobs were scheduled) is handled, once.
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
		for _, m := range misses {
			for _, level := range []string{LevelBreached, LevelSupervisors} {
				args := SLAArgs{TicketID: m.id, Target: m.target, Due: m.due.UTC(), Level: level}
				opts := args.InsertOpts()
				if _, err := s.jobs.InsertTx(ctx, tx, args, &opts); err != nil {
					return fmt.Errorf("enqueue missed sla check: %w", err)
				}
			}
			n++
		}
		return nil
	})
	return n, err
}
