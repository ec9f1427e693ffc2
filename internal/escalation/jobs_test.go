package escalation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// newRiver returns a River client on the test's database working SLA checks with svc; it
// is not started. A started client is stopped when the test ends.
func (e *deskEnv) newRiver(t *testing.T, svc *escalation.Service) *river.Client[pgx.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	svc.AddWorkers(workers)
	client, err := river.NewClient(riverpgxv5.New(e.db), &river.Config{
		Queues: map[string]river.QueueConfig{
			escalation.QueueSLAChecks: {MaxWorkers: 5},
			escalation.QueueSLA:       {MaxWorkers: 1},
			river.QueueDefault:        {MaxWorkers: 1},
		},
		Workers:           workers,
		Logger:            escalationtest.Discard(),
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		TestOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// slaJob is one scheduled SLA check as River stores it.
type slaJob struct {
	args        escalation.SLAArgs
	queue       string
	state       string
	scheduledAt time.Time
}

// slaJobs reads River's sla_check jobs, keyed "target/level/due" (the level empty in
// a check of a whole deadline).
func (e *deskEnv) slaJobs(t *testing.T) map[string]slaJob {
	t.Helper()
	rows, err := e.db.Query(e.ctx, `SELECT args, queue, state, scheduled_at FROM river_job WHERE kind = 'sla_check'`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slaJob, error) {
		var j slaJob
		var raw []byte
		if err := r.Scan(&raw, &j.queue, &j.state, &j.scheduledAt); err != nil {
			return j, err
		}
		return j, json.Unmarshal(raw, &j.args)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]slaJob{}
	for _, j := range list {
		k := jobKey(j.args.Target, j.args.Level, j.args.Due)
		if _, dup := out[k]; dup {
			t.Fatalf("two jobs for %s", k)
		}
		out[k] = j
	}
	return out
}

func jobKey(target, level string, due time.Time) string {
	return target + "/" + level + "/" + due.UTC().Format(time.RFC3339)
}

// count runs a count(*) query.
func (e *deskEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// fire runs one SLA check and reports whether it fired a level.
func (e *deskEnv) fire(t *testing.T, svc *escalation.Service, a escalation.SLAArgs) bool {
	t.Helper()
	return e.run(t, svc, a).Fired
}

// run runs one SLA check and returns what it did.
func (e *deskEnv) run(t *testing.T, svc *escalation.Service, a escalation.SLAArgs) escalation.SLARun {
	t.Helper()
	run, err := svc.FireSLA(e.ctx, a)
	if err != nil {
		t.Fatalf("FireSLA(%+v): %v", a, err)
	}
	return run
}

// wantRun fails unless an SLA check did what it should: fired a level or not, and run
// again after wait (0: done).
func wantRun(t *testing.T, what string, got escalation.SLARun, fired bool, wait time.Duration) {
	t.Helper()
	if got.Fired != fired || got.Wait != wait {
		t.Fatalf("%s: fired %v, run again after %v; want fired %v, again after %v", what, got.Fired, got.Wait, fired, wait)
	}
}

// TestScheduleJobs: every deadline the clock sets gets one River job, at its at-risk point,
// on the SLA queue: a create schedules one per deadline, not one per level.
func TestScheduleJobs(t *testing.T) {
	e := newDeskEnv(t)
	e.svc.SetJobs(e.newRiver(t, e.svc))
	e.savePolicy(t, e.highPolicy())
	created := hel(5, 15, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)

	frDue, resDue := hel(6, 9, 0), hel(9, 15, 0)
	want := map[string]time.Time{
		// 75% of 2h is 90 min: Thursday 15:00-16:00 and Friday 08:00-08:30.
		jobKey("first_response", "", frDue): e.deadline(t, created, 90*time.Minute),
		jobKey("resolution", "", resDue):    e.deadline(t, created, 12*time.Hour),
	}
	if !want[jobKey("first_response", "", frDue)].Equal(hel(6, 8, 30)) ||
		!want[jobKey("resolution", "", resDue)].Equal(hel(9, 11, 0)) {
		t.Fatalf("independent at-risk times: %v", want)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND (args->>'ticket_id')::bigint = $1`, tk.ID); n != 2 {
		t.Fatalf("the create scheduled %d SLA jobs, want 2 (one per deadline)", n)
	}
	checkJobs := func(when string, want map[string]time.Time) {
		t.Helper()
		got := e.slaJobs(t)
		if len(got) != len(want) {
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, k)
			}
			t.Fatalf("%s: %d jobs %v, want %d", when, len(got), keys, len(want))
		}
		for k, at := range want {
			j, ok := got[k]
			if !ok {
				t.Fatalf("%s: no job %s", when, k)
			}
			if !j.scheduledAt.Equal(at) || j.queue != escalation.QueueSLAChecks || j.state != "scheduled" || j.args.TicketID != tk.ID {
				t.Errorf("%s: job %s scheduled at %v on %s (%s, ticket %d); want %v on %s, ticket %d", when, k,
					j.scheduledAt.In(helsinki), j.queue, j.state, j.args.TicketID, at.In(helsinki), escalation.QueueSLAChecks, tk.ID)
			}
		}
	}
	checkJobs("created", want)

	// Meeting the first response schedules nothing new; a customer reply schedules its own.
	e.clock.Set(hel(6, 8, 45))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "On it."}); err != nil {
		t.Fatal(err)
	}
	checkJobs("first response met", want)
	e.clock.Set(hel(6, 10, 0))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Any news?"); err != nil {
		t.Fatal(err)
	}
	nrDue := hel(6, 14, 0)
	want[jobKey("next_response", "", nrDue)] = hel(6, 13, 0)
	checkJobs("customer replied", want)

	// A pause schedules nothing; resuming schedules the moved deadline, its at-risk point
	// counting the pause too.
	e.clock.Set(hel(6, 11, 0))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Photo?", SetStatus: tickets.StatusPending}); err != nil {
		t.Fatal(err)
	}
	checkJobs("paused", want)
	e.clock.Set(hel(6, 13, 0))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusOpen); err != nil {
		t.Fatal(err)
	}
	pause := escalation.Pause{Start: hel(6, 11, 0), End: hel(6, 13, 0)}
	newRes := e.deadline(t, created, 16*time.Hour, pause)
	wantTime(t, "resolution_due", e.ticket(t, tk.ID).ResolutionDue, newRes)
	want[jobKey("resolution", "", newRes)] = e.deadline(t, created, 12*time.Hour, pause)
	checkJobs("resumed", want)
}

// TestFireSLALevels walks one deadline's check through its three levels with direct
// calls: each level fires once, not before its time, with its notifications and
// escalations, and after each the check waits for the next level.
func TestFireSLALevels(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due}

	// At risk (the check is scheduled there): the owner hears of it, once; the check
	// waits for the deadline.
	e.clock.Set(hel(6, 8, 30))
	wantRun(t, "at risk", e.run(t, e.svc, a), true, 30*time.Minute)
	wantRun(t, "at risk again", e.run(t, e.svc, a), false, 30*time.Minute)
	if e.notified(t, e.rep, tk.ID, "sla_at_risk") != 1 || len(e.events(t, tk.ID, "ticket.sla_at_risk")) != 1 {
		t.Fatal("the owner was not warned once")
	}
	if n := ticketstest.Count(e.ctx, t, e.db, "escalations"); n != 0 {
		t.Fatalf("at-risk escalated (%d)", n)
	}

	// Breached: not a second early; then the check waits for the supervisors' level.
	e.clock.Set(due.Add(-time.Second))
	wantRun(t, "a second before the deadline", e.run(t, e.svc, a), false, time.Second)
	e.clock.Set(due)
	wantRun(t, "breached", e.run(t, e.svc, a), true, time.Hour)
	wantRun(t, "breached again", e.run(t, e.svc, a), false, time.Hour)
	if e.notified(t, e.rep, tk.ID, "sla_breached") != 1 || e.notified(t, e.lead, tk.ID, "sla_breached") != 1 ||
		e.notified(t, e.supervisor, tk.ID, "sla_breached") != 0 {
		t.Fatal("the breach goes to the owner and the team's own lead")
	}
	list, err := e.svc.ForTicket(e.ctx, tk.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("escalations = %+v, %v", list, err)
	}
	esc := list[0]
	if esc.Level != 2 || esc.ToTeamID != e.seniors || esc.Reason != escalation.ReasonSLABreach || esc.FromUserID != 0 ||
		esc.Urgency != "high" || esc.Status != escalation.StatusRequested || esc.OwnerID != e.rep.ID {
		t.Fatalf("breach escalation = %+v", esc)
	}
	if got := e.ticket(t, tk.ID); got.HolderTeamID != e.seniors {
		t.Fatalf("holder team = %d, want the breach team %d", got.HolderTeamID, e.seniors)
	}
	if e.notified(t, e.senior, tk.ID, "escalation_requested") != 1 || e.notified(t, e.senior2, tk.ID, "escalation_requested") != 1 {
		t.Fatal("the breach team was not told")
	}
	if evs := e.events(t, tk.ID, "ticket.escalated"); len(evs) != 1 || evs[0].ActorID != 0 || evs[0].Data["reason"] != escalation.ReasonSLABreach {
		t.Fatalf("escalated events = %+v", evs)
	}

	// Supervisors: an hour after the deadline, the open tier-2 escalation moves up, and
	// the check is done.
	e.clock.Set(due.Add(30 * time.Minute))
	wantRun(t, "half an hour after the deadline", e.run(t, e.svc, a), false, 30*time.Minute)
	e.clock.Set(due.Add(time.Hour))
	wantRun(t, "supervisors", e.run(t, e.svc, a), true, 0)
	wantRun(t, "supervisors again", e.run(t, e.svc, a), false, 0)
	list, _ = e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 2 || list[0].Status != escalation.StatusEscalated || list[1].Level != 3 || !list[1].Open() ||
		list[1].Reason != escalation.ReasonSLABreach || list[1].FromUserID != 0 {
		t.Fatalf("escalations after the supervisors level = %+v", list)
	}
	if e.notified(t, e.lead, tk.ID, "escalation_requested") != 1 || e.notified(t, e.supervisor, tk.ID, "escalation_requested") != 1 {
		t.Fatal("the supervisors were not told")
	}
	if n := e.count(t, `SELECT count(*) FROM sla_firings WHERE ticket_id = $1`, tk.ID); n != 3 {
		t.Fatalf("%d firings, want 3", n)
	}
	// A late retry of the check, or a breach check queued by an older version, changes
	// nothing.
	for _, level := range []string{"", escalation.LevelBreached} {
		a.Level = level
		if e.fire(t, e.svc, a) {
			t.Fatalf("level %q: the breach fired again", level)
		}
	}
	if list, _ := e.svc.ForTicket(e.ctx, tk.ID); len(list) != 2 {
		t.Fatalf("a repeated breach made escalations: %+v", list)
	}
}

// TestFireSLAOldChecks: checks queued before one job per deadline name one level each
// (the deadline's other levels have checks of their own). After a deploy they still run:
// one early waits for its own level, and one due fires every level due by now, in order,
// then ends instead of waiting for the next.
func TestFireSLAOldChecks(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	old := func(level string) escalation.SLAArgs {
		return escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due, Level: level}
	}
	e.clock.Set(hel(6, 8, 50))
	wantRun(t, "an early breach check", e.run(t, e.svc, old(escalation.LevelBreached)), false, 10*time.Minute)
	wantRun(t, "an early supervisors check", e.run(t, e.svc, old(escalation.LevelSupervisors)), false, 70*time.Minute)
	wantRun(t, "the at-risk check", e.run(t, e.svc, old(escalation.LevelAtRisk)), true, 0)
	e.clock.Set(due)
	wantRun(t, "the breach check", e.run(t, e.svc, old(escalation.LevelBreached)), true, 0)
	e.clock.Set(due.Add(time.Hour))
	wantRun(t, "the supervisors check", e.run(t, e.svc, old(escalation.LevelSupervisors)), true, 0)
	var levels []string
	rows, err := e.db.Query(e.ctx, `SELECT level FROM sla_firings WHERE ticket_id = $1 ORDER BY fired_at`, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if levels, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(levels, []string{escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors}) {
		t.Fatalf("levels fired %v, want each once in order", levels)
	}
	if _, err := e.svc.FireSLA(e.ctx, old("late")); err == nil {
		t.Fatal("a check of an unknown level ran")
	}
}

// TestFireSLANoBreachTeam: a policy without a breach team sends the breach straight to
// supervisors.
func TestFireSLANoBreachTeam(t *testing.T) {
	e := newDeskEnv(t)
	p := e.highPolicy()
	p.BreachTeamID = 0
	e.savePolicy(t, p)
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	e.clock.Set(hel(6, 9, 0))
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0)}
	if !e.fire(t, e.svc, a) {
		t.Fatal("the breach did not fire")
	}
	list, _ := e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 1 || list[0].Level != 3 || !list[0].Open() {
		t.Fatalf("escalations = %+v, want one to supervisors", list)
	}
	// The supervisors level then finds it already there.
	e.clock.Set(hel(6, 10, 0))
	e.fire(t, e.svc, a)
	if list, _ := e.svc.ForTicket(e.ctx, tk.ID); len(list) != 1 {
		t.Fatalf("escalations = %+v, want still one", list)
	}
}

// TestFireSLAAcceptedStaysWithSenior: at the supervisors level, a breach escalation a senior
// has accepted stays with them; supervisors are told instead.
func TestFireSLAAcceptedStaysWithSenior(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0)}
	e.clock.Set(hel(6, 9, 0))
	e.fire(t, e.svc, a)
	list, _ := e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 1 {
		t.Fatalf("escalations = %+v", list)
	}
	if err := e.svc.Accept(e.ctx, e.senior, list[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(6, 10, 0))
	if !e.fire(t, e.svc, a) {
		t.Fatal("the supervisors level did not fire")
	}
	list, _ = e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 1 || list[0].Status != escalation.StatusAccepted || list[0].HolderID != e.senior.ID || list[0].Level != 2 {
		t.Fatalf("escalations = %+v, want the accepted one untouched", list)
	}
	if e.notified(t, e.supervisor, tk.ID, "sla_breached") != 1 || e.notified(t, e.lead, tk.ID, "sla_breached") != 2 {
		t.Fatal("supervisors were not told (the lead also heard of the breach itself)")
	}
}

// TestResumeReschedules: a check that came due while the clock was paused did nothing and
// ended; when the clock resumes with the deadline where it was (the pause began after the
// breach), the check is scheduled again and still escalates. A check still waiting when
// the clock resumes is kept, not doubled.
func TestResumeReschedules(t *testing.T) {
	e := newDeskEnv(t)
	e.svc.SetJobs(e.newRiver(t, e.svc))
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due}
	waiting := func() int {
		t.Helper()
		return e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND state <> 'completed'
AND args->>'target' = 'first_response' AND (args->>'ticket_id')::bigint = $1`, tk.ID)
	}
	e.clock.Set(due)
	wantRun(t, "the breach", e.run(t, e.svc, a), true, time.Hour)
	// 09:10 the rep sets pending, 09:20 the customer answers: the check that waits for the
	// supervisors' level (its job snoozing) stays the only one.
	e.clock.Set(hel(6, 9, 10))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(6, 9, 20))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Still broken."); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "first_response_due after a pause past it", e.ticket(t, tk.ID).FirstResponseDue, due)
	if n := waiting(); n != 1 {
		t.Fatalf("%d first-response checks waiting after a short pause, want the 1 already there", n)
	}
	// 09:30 pending again; at 10:00 the check runs, finds the clock paused, and ends:
	// River marks it done.
	e.clock.Set(hel(6, 9, 30))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(6, 10, 0))
	wantRun(t, "a check on a paused clock", e.run(t, e.svc, a), false, 0)
	if _, err := e.db.Exec(e.ctx, `UPDATE river_job SET state = 'completed', finalized_at = now()
WHERE kind = 'sla_check' AND args->>'target' = 'first_response'`); err != nil {
		t.Fatal(err)
	}
	// 10:30 the customer answers: the clock resumes, the deadline has not moved.
	e.clock.Set(hel(6, 10, 30))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Here is the photo."); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "first_response_due", e.ticket(t, tk.ID).FirstResponseDue, due)
	if n := waiting(); n != 1 {
		t.Fatalf("%d first-response checks waiting after the clock resumed, want 1", n)
	}
	wantRun(t, "the rescheduled check", e.run(t, e.svc, a), true, 0)
	if n := e.count(t, `SELECT count(*) FROM escalations WHERE ticket_id = $1 AND level = 3 AND status = 'requested'`, tk.ID); n != 1 {
		t.Fatalf("%d level-3 escalations, want 1", n)
	}
}

// TestFireSLATwoInstances: two servers on one database racing for the same check fire each
// level once between them.
func TestFireSLATwoInstances(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	_, other := escalation.Wire(e.db, e.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{FollowUpHours: 4})
	services := []*escalation.Service{e.svc, other}

	race := func(level string) {
		t.Helper()
		a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0)}
		type result struct {
			fired bool
			err   error
		}
		results := ticketstest.Parallel(8, func(i int) result {
			run, err := services[i%2].FireSLA(context.Background(), a)
			return result{run.Fired, err}
		})
		fired := 0
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("%s: %v", level, r.err)
			}
			if r.fired {
				fired++
			}
		}
		if fired != 1 {
			t.Fatalf("%s fired %d times, want once", level, fired)
		}
		if n := e.count(t, `SELECT count(*) FROM sla_firings WHERE ticket_id = $1 AND level = $2`, tk.ID, level); n != 1 {
			t.Fatalf("%s: %d firing rows", level, n)
		}
	}
	e.clock.Set(hel(6, 9, 0))
	race(escalation.LevelBreached)
	if n := ticketstest.Count(e.ctx, t, e.db, "escalations"); n != 1 {
		t.Fatalf("%d escalations after racing breaches, want 1", n)
	}
	if e.notified(t, e.rep, tk.ID, "sla_breached") != 1 || len(e.events(t, tk.ID, "ticket.sla_breached")) != 1 {
		t.Fatal("the owner heard of the breach more than once")
	}
	e.clock.Set(hel(6, 10, 0))
	race(escalation.LevelSupervisors)
	if n := e.count(t, `SELECT count(*) FROM escalations WHERE level = 3`); n != 1 {
		t.Fatalf("%d level-3 escalations after racing checks, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM escalations WHERE status IN ('requested', 'accepted')`); n != 1 {
		t.Fatalf("%d open escalations, want 1", n)
	}
}

// TestFireSLAStale: a check whose deadline moved, was met, is paused or no longer applies
// does nothing and ends (its job does not snooze).
func TestFireSLAStale(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.savePolicy(t, escalation.Policy{Name: "Urgent", Priority: tickets.PriorityUrgent, FirstResponse: 30 * time.Minute,
		NextResponse: time.Hour, Resolution: 4 * time.Hour, AtRiskPercent: 50, SupervisorDelay: time.Hour})
	e.clock.Set(hel(5, 15, 0))
	met, moved, paused, solved := e.newTicket(t, tickets.PriorityHigh), e.newTicket(t, tickets.PriorityHigh),
		e.newTicket(t, tickets.PriorityHigh), e.newTicket(t, tickets.PriorityHigh)
	oldDue := hel(6, 9, 0)

	e.clock.Set(hel(5, 15, 5))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), met.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Hello"}); err != nil {
		t.Fatal(err)
	}
	urgent := tickets.PriorityUrgent
	if _, err := e.ts.Update(e.ctx, escalation.ActorOf(e.rep), moved.ID, tickets.Changes{Version: moved.Version, Priority: &urgent}); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, paused.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, solved.ID, tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}

	e.clock.Set(hel(6, 12, 0)) // past the old deadline and its supervisor delay
	for _, tk := range []tickets.Ticket{met, moved, paused, solved} {
		for _, level := range []string{"", escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors} {
			a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: oldDue, Level: level}
			if run := e.run(t, e.svc, a); run.Fired || run.Wait != 0 {
				t.Errorf("ticket %d: a stale check (level %q) fired %v, runs again after %v; want neither", tk.ID, level, run.Fired, run.Wait)
			}
		}
	}
	// Before any level is due, too: the at-risk point of the old deadline.
	e.clock.Set(hel(6, 8, 30))
	for _, tk := range []tickets.Ticket{met, moved, paused, solved} {
		a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: oldDue}
		if run := e.run(t, e.svc, a); run.Fired || run.Wait != 0 {
			t.Errorf("ticket %d: a stale check at its at-risk point fired %v, runs again after %v; want neither", tk.ID, run.Fired, run.Wait)
		}
	}
	if n := ticketstest.Count(e.ctx, t, e.db, "sla_firings"); n != 0 {
		t.Fatalf("%d firings from stale checks", n)
	}
	if n := ticketstest.Count(e.ctx, t, e.db, "escalations"); n != 0 {
		t.Fatalf("%d escalations from stale checks", n)
	}
	// The moved deadline's own check still fires.
	wantTime(t, "moved first_response_due", e.ticket(t, moved.ID).FirstResponseDue, hel(5, 15, 30))
	e.clock.Set(hel(6, 12, 0))
	wantRun(t, "the check of the moved deadline", e.run(t, e.svc, escalation.SLAArgs{TicketID: moved.ID, Target: "first_response", Due: hel(5, 15, 30)}), true, 0)
	_, err := e.svc.FireSLA(e.ctx, escalation.SLAArgs{TicketID: 999999, Target: "first_response", Due: oldDue})
	wantErr(t, "check of a missing ticket", err, apperr.NotFound, "error_ticket_not_found")
}

// TestSLAWorker: the River worker runs a deadline's one check through its levels: it fires
// at risk and snoozes until the deadline, fires the breach and snoozes until the
// supervisors' level, fires that and ends. Each run's firings are committed when it
// snoozes. An early check (River's clock ahead, or a check queued by an older version)
// snoozes until its level without firing.
func TestSLAWorker(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	w := escalation.NewSLAWorker(e.svc)
	due := hel(6, 9, 0)
	work := func(a escalation.SLAArgs) error {
		return w.Work(e.ctx, &river.Job[escalation.SLAArgs]{JobRow: &rivertype.JobRow{}, Args: a})
	}
	wantSnooze := func(what string, err error, d time.Duration, firings ...string) {
		t.Helper()
		var snooze *rivertype.JobSnoozeError
		if d == 0 && err != nil || d > 0 && (!errors.As(err, &snooze) || snooze.Duration != d) {
			t.Fatalf("%s: Work = %v, want a snooze of %v (0: done)", what, err, d)
		}
		// Read on another connection: the run's transaction has committed.
		rows, err := e.db.Query(e.ctx, `SELECT level FROM sla_firings WHERE ticket_id = $1 ORDER BY fired_at`, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		levels, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(levels, firings) {
			t.Fatalf("%s: levels fired and committed %v, want %v", what, levels, firings)
		}
	}
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due}
	old := a
	old.Level = escalation.LevelBreached
	e.clock.Set(hel(6, 8, 20))
	wantSnooze("an old breach check ten minutes before the at-risk point", work(old), 40*time.Minute)
	e.clock.Set(hel(6, 8, 30))
	wantSnooze("at risk", work(a), 30*time.Minute, escalation.LevelAtRisk)
	e.clock.Set(hel(6, 8, 50))
	wantSnooze("woken ten minutes early", work(a), 10*time.Minute, escalation.LevelAtRisk)
	e.clock.Set(due)
	wantSnooze("breached", work(a), time.Hour, escalation.LevelAtRisk, escalation.LevelBreached)
	e.clock.Set(due.Add(time.Hour))
	wantSnooze("supervisors", work(a), 0, escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors)
	if n := e.count(t, `SELECT count(*) FROM escalations WHERE ticket_id = $1 AND level = 3 AND status = 'requested'`, tk.ID); n != 1 {
		t.Fatalf("%d escalations to supervisors, want 1", n)
	}
	wantSnooze("the old breach check, late", work(old), 0, escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors)
}

// TestSLAJobSnoozesThroughLevels: one deadline's one River job, run by a River client,
// snoozes after each level until the next — its firings committed first — without using
// up an attempt (River sets the attempt back on a snooze), and ends after the last. River's clock is the real
// one while the desk's is the test's: the test moves the job's wake-up to now as it moves
// the desk's clock to the next level.
func TestSLAJobSnoozesThroughLevels(t *testing.T) {
	e := newDeskEnv(t)
	client := e.newRiver(t, e.svc)
	e.svc.SetJobs(client)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	var jobID int64
	if err := e.db.QueryRow(e.ctx, `SELECT id FROM river_job WHERE kind = 'sla_check' AND args->>'target' = 'first_response'
AND (args->>'ticket_id')::bigint = $1`, tk.ID).Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	// Only the first response's job runs here (the resolution's, due in the real past too,
	// would run at the desk's clock, before its at-risk point).
	if _, err := e.db.Exec(e.ctx, `DELETE FROM river_job WHERE kind = 'sla_check' AND id <> $1`, jobID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(6, 8, 30)) // the job's at-risk point
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop river: %v", err)
		}
	})
	// settle waits until the job has run n times (snoozes counts all but a last run that
	// ended it) and is in state, then checks its wake-up and the committed firings.
	settle := func(what string, state string, snoozes int, wake time.Duration, firings int) {
		t.Helper()
		var got string
		var attempt, n, fired int
		var scheduled time.Time
		waitFor(t, 20*time.Second, func() (bool, string) {
			if err := e.db.QueryRow(e.ctx, `
SELECT state, attempt, coalesce((metadata->>'snoozes')::int, 0), scheduled_at,
       (SELECT count(*) FROM sla_firings WHERE ticket_id = $2)
FROM river_job WHERE id = $1`, jobID, tk.ID).Scan(&got, &attempt, &n, &scheduled, &fired); err != nil {
				return false, err.Error()
			}
			return got == state && n == snoozes, fmt.Sprintf("%s: state %s, %d snoozes, attempt %d, %d firings", what, got, n, attempt, fired)
		})
		if fired != firings {
			t.Fatalf("%s: %d levels fired and committed, want %d", what, fired, firings)
		}
		if state == "scheduled" {
			// The snooze is the desk's wait from the level it fired to the next; the
			// job wakes that long after it ran (a minute's slack for a slow machine).
			if in := time.Until(scheduled); in > wake || in < wake-time.Minute || attempt != 0 {
				t.Fatalf("%s: the job wakes in %v (attempt %d), want about %v (attempt 0)", what, in, attempt, wake)
			}
		} else if attempt != 1 {
			t.Fatalf("%s: attempt %d, want 1", what, attempt)
		}
	}
	wakeNow := func() {
		t.Helper()
		if _, err := e.db.Exec(e.ctx, `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1`, jobID); err != nil {
			t.Fatal(err)
		}
	}
	settle("at risk", "scheduled", 1, 30*time.Minute, 1)
	e.clock.Set(due)
	wakeNow()
	settle("breached", "scheduled", 2, time.Hour, 2)
	e.clock.Set(due.Add(time.Hour))
	wakeNow()
	settle("supervisors", "completed", 2, 0, 3)
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check'`); n != 1 {
		t.Fatalf("%d SLA jobs, want the one", n)
	}
}

// TestCatchUp: deadlines that passed while no job was scheduled (the server was down) are
// found at start-up, enqueued, and breach exactly once when River runs them.
func TestCatchUp(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	a, b, answered, pending := e.newTicket(t, tickets.PriorityHigh), e.newTicket(t, tickets.PriorityHigh),
		e.newTicket(t, tickets.PriorityHigh), e.newTicket(t, tickets.PriorityHigh)
	none := e.newTicket(t, tickets.PriorityNormal) // no policy
	e.clock.Set(hel(5, 15, 30))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), answered.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Hi"}); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, pending.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs scheduled without a job client", n)
	}

	// Tuesday noon: every deadline, and its supervisor delay, is past.
	e.clock.Set(hel(10, 12, 0))
	client := e.newRiver(t, e.svc)
	e.svc.SetJobs(client)
	n, err := e.svc.CatchUp(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// a and b missed first response and resolution; answered only resolution.
	if n != 5 {
		t.Fatalf("CatchUp found %d missed deadlines, want 5", n)
	}
	if got := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND queue = $1`, escalation.QueueSLAChecks); got != 5 {
		t.Fatalf("%d jobs enqueued, want 5 (one per deadline)", got)
	}

	// Not the test's context: that ends before the cleanup that stops the client.
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop river: %v", err)
		}
	})
	waitFor(t, 20*time.Second, func() (bool, string) {
		var firings, unfinished int
		var errs []string
		if err := e.db.QueryRow(e.ctx, `SELECT count(*) FROM sla_firings`).Scan(&firings); err != nil {
			return false, err.Error()
		}
		if err := e.db.QueryRow(e.ctx, `
SELECT count(*) FILTER (WHERE state <> 'completed'),
       coalesce(array_agg(errors::text) FILTER (WHERE errors IS NOT NULL), '{}')
FROM river_job`).Scan(&unfinished, &errs); err != nil {
			return false, err.Error()
		}
		return firings == 15 && unfinished == 0, fmt.Sprintf("%d firings, %d jobs unfinished, errors %s", firings, unfinished, strings.Join(errs, "; "))
	})

	for _, c := range []struct {
		tk      tickets.Ticket
		targets []string
	}{{a, []string{"first_response", "resolution"}}, {b, []string{"first_response", "resolution"}}, {answered, []string{"resolution"}}} {
		for _, target := range c.targets {
			for _, level := range []string{escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors} {
				if n := e.count(t, `SELECT count(*) FROM sla_firings WHERE ticket_id = $1 AND target = $2 AND level = $3`, c.tk.ID, target, level); n != 1 {
					t.Errorf("ticket %d %s %s fired %d times, want once", c.tk.ID, target, level, n)
				}
			}
			// However River ordered the checks, each deadline's levels fired in order.
			rows, err := e.db.Query(e.ctx, `SELECT data->>'level' FROM events WHERE subject_type = 'ticket' AND subject_id = $1
AND action LIKE 'ticket.sla_%' AND data->>'target' = $2 ORDER BY id`, c.tk.ID, target)
			if err != nil {
				t.Fatal(err)
			}
			order, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(order, []string{escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors}) {
				t.Errorf("ticket %d %s: levels fired in the order %v", c.tk.ID, target, order)
			}
		}
		if got := len(e.events(t, c.tk.ID, "ticket.sla_breached")); got != len(c.targets) {
			t.Errorf("ticket %d: %d breach events, want %d", c.tk.ID, got, len(c.targets))
		}
		// Whatever order the checks ran in, the ticket ends with one open escalation, at
		// supervisors.
		list, err := e.svc.ForTicket(e.ctx, c.tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, x := range list {
			if x.Open() {
				open++
				if x.Level != 3 || x.Reason != escalation.ReasonSLABreach {
					t.Errorf("ticket %d: open escalation %+v, want level 3 for the SLA", c.tk.ID, x)
				}
			}
		}
		if open != 1 || len(list) > 2 {
			t.Errorf("ticket %d: escalations %+v, want one open at level 3 (and at most one tier-2 before it)", c.tk.ID, list)
		}
	}
	for _, tk := range []tickets.Ticket{pending, none} {
		if n := e.count(t, `SELECT count(*) FROM sla_firings WHERE ticket_id = $1`, tk.ID) +
			e.count(t, `SELECT count(*) FROM escalations WHERE ticket_id = $1`, tk.ID); n != 0 {
			t.Errorf("ticket %d (paused or without a policy) was caught up", tk.ID)
		}
	}

	// A second start-up finds nothing left to do.
	n, err = e.svc.CatchUp(e.ctx)
	if err != nil || n != 0 {
		t.Fatalf("second CatchUp = %d, %v; want 0", n, err)
	}
	if got := e.count(t, `SELECT count(*) FROM river_job`); got != 5 {
		t.Fatalf("%d jobs after the second CatchUp, want still 5", got)
	}
}

// waitFor polls cond until it holds or the time is up, then fails with its last report.
func waitFor(t *testing.T, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, report := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v: %s", limit, report)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
