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
			escalation.QueueSLA: {MaxWorkers: 5},
			river.QueueDefault:  {MaxWorkers: 1},
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

// slaJobs reads River's sla_check jobs, keyed "target/level/due".
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

func (e *deskEnv) fire(t *testing.T, svc *escalation.Service, a escalation.SLAArgs) bool {
	t.Helper()
	fired, err := svc.FireSLA(e.ctx, a)
	if err != nil {
		t.Fatalf("FireSLA(%+v): %v", a, err)
	}
	return fired
}

// TestScheduleJobs: every deadline the clock sets gets River jobs at its at-risk point, at
// itself and at itself plus the supervisor delay, on the SLA queue.
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
		jobKey("first_response", escalation.LevelAtRisk, frDue):      e.deadline(t, created, 90*time.Minute),
		jobKey("first_response", escalation.LevelBreached, frDue):    frDue,
		jobKey("first_response", escalation.LevelSupervisors, frDue): frDue.Add(time.Hour),
		jobKey("resolution", escalation.LevelAtRisk, resDue):         e.deadline(t, created, 12*time.Hour),
		jobKey("resolution", escalation.LevelBreached, resDue):       resDue,
		jobKey("resolution", escalation.LevelSupervisors, resDue):    resDue.Add(time.Hour),
	}
	if !want[jobKey("first_response", escalation.LevelAtRisk, frDue)].Equal(hel(6, 8, 30)) ||
		!want[jobKey("resolution", escalation.LevelAtRisk, resDue)].Equal(hel(9, 11, 0)) {
		t.Fatalf("independent at-risk times: %v", want)
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
			if !j.scheduledAt.Equal(at) || j.queue != escalation.QueueSLA || j.state != "scheduled" || j.args.TicketID != tk.ID {
				t.Errorf("%s: job %s scheduled at %v on %s (%s, ticket %d); want %v on %s, ticket %d", when, k,
					j.scheduledAt.In(helsinki), j.queue, j.state, j.args.TicketID, at.In(helsinki), escalation.QueueSLA, tk.ID)
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
	want[jobKey("next_response", escalation.LevelAtRisk, nrDue)] = hel(6, 13, 0)
	want[jobKey("next_response", escalation.LevelBreached, nrDue)] = nrDue
	want[jobKey("next_response", escalation.LevelSupervisors, nrDue)] = nrDue.Add(time.Hour)
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
	want[jobKey("resolution", escalation.LevelAtRisk, newRes)] = e.deadline(t, created, 12*time.Hour, pause)
	want[jobKey("resolution", escalation.LevelBreached, newRes)] = newRes
	want[jobKey("resolution", escalation.LevelSupervisors, newRes)] = newRes.Add(time.Hour)
	checkJobs("resumed", want)
}

// TestFireSLALevels walks one deadline through its three levels with direct calls: each
// fires once, not before its time, with its notifications and escalations.
func TestFireSLALevels(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	args := func(level string) escalation.SLAArgs {
		return escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due, Level: level}
	}

	// At risk: the owner hears of it, once.
	e.clock.Set(hel(6, 8, 30))
	if !e.fire(t, e.svc, args(escalation.LevelAtRisk)) || e.fire(t, e.svc, args(escalation.LevelAtRisk)) {
		t.Fatal("at-risk should fire exactly once")
	}
	if e.notified(t, e.rep, tk.ID, "sla_at_risk") != 1 || len(e.events(t, tk.ID, "ticket.sla_at_risk")) != 1 {
		t.Fatal("the owner was not warned once")
	}
	if n := ticketstest.Count(e.ctx, t, e.db, "escalations"); n != 0 {
		t.Fatalf("at-risk escalated (%d)", n)
	}

	// Breached: not a second early.
	e.clock.Set(due.Add(-time.Second))
	_, err := e.svc.FireSLA(e.ctx, args(escalation.LevelBreached))
	var early *escalation.EarlyError
	if !errors.As(err, &early) || early.Wait != time.Second {
		t.Fatalf("an early breach check: err = %v, want *EarlyError waiting 1s", err)
	}
	e.clock.Set(due)
	if !e.fire(t, e.svc, args(escalation.LevelBreached)) || e.fire(t, e.svc, args(escalation.LevelBreached)) {
		t.Fatal("the breach should fire exactly once")
	}
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

	// Supervisors: an hour after the deadline, the open tier-2 escalation moves up.
	e.clock.Set(due.Add(30 * time.Minute))
	_, err = e.svc.FireSLA(e.ctx, args(escalation.LevelSupervisors))
	if !errors.As(err, &early) || early.Wait != 30*time.Minute {
		t.Fatalf("an early supervisors check: err = %v, want *EarlyError waiting 30m", err)
	}
	e.clock.Set(due.Add(time.Hour))
	if !e.fire(t, e.svc, args(escalation.LevelSupervisors)) || e.fire(t, e.svc, args(escalation.LevelSupervisors)) {
		t.Fatal("the supervisors level should fire exactly once")
	}
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
	// A late retry of the breach changes nothing.
	if e.fire(t, e.svc, args(escalation.LevelBreached)) {
		t.Fatal("the breach fired again")
	}
	if list, _ := e.svc.ForTicket(e.ctx, tk.ID); len(list) != 2 {
		t.Fatalf("a repeated breach made escalations: %+v", list)
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
	if !e.fire(t, e.svc, escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0), Level: escalation.LevelBreached}) {
		t.Fatal("the breach did not fire")
	}
	list, _ := e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 1 || list[0].Level != 3 || !list[0].Open() {
		t.Fatalf("escalations = %+v, want one to supervisors", list)
	}
	// The supervisors level then finds it already there.
	e.clock.Set(hel(6, 10, 0))
	e.fire(t, e.svc, escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0), Level: escalation.LevelSupervisors})
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
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0), Level: escalation.LevelBreached}
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
	a.Level = escalation.LevelSupervisors
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

// TestResumeReschedules: a check that came due while the clock was paused did nothing; when
// the clock resumes with the deadline where it was (the pause began after the breach), the
// check is scheduled again and still escalates.
func TestResumeReschedules(t *testing.T) {
	e := newDeskEnv(t)
	e.svc.SetJobs(e.newRiver(t, e.svc))
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due, Level: escalation.LevelBreached}
	e.clock.Set(due)
	if !e.fire(t, e.svc, a) {
		t.Fatal("the breach did not fire")
	}
	// 09:30 the rep sets pending; at 10:00 the supervisors check runs, finds the clock
	// paused, and River marks it done.
	e.clock.Set(hel(6, 9, 30))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(6, 10, 0))
	a.Level = escalation.LevelSupervisors
	if e.fire(t, e.svc, a) {
		t.Fatal("a check fired on a paused clock")
	}
	if _, err := e.db.Exec(e.ctx, `UPDATE river_job SET state = 'completed', finalized_at = now()
WHERE kind = 'sla_check' AND args->>'target' = 'first_response' AND args->>'level' = 'supervisors'`); err != nil {
		t.Fatal(err)
	}
	// 10:30 the customer answers: the clock resumes, the deadline has not moved.
	e.clock.Set(hel(6, 10, 30))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Here is the photo."); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "first_response_due", e.ticket(t, tk.ID).FirstResponseDue, due)
	waiting := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND state <> 'completed'
AND args->>'target' = 'first_response' AND args->>'level' = 'supervisors'`)
	if waiting != 1 {
		t.Fatalf("%d supervisors checks waiting after the clock resumed, want 1", waiting)
	}
	if !e.fire(t, e.svc, a) {
		t.Fatal("the rescheduled supervisors check did not fire")
	}
	if n := e.count(t, `SELECT count(*) FROM escalations WHERE ticket_id = $1 AND level = 3 AND status = 'requested'`, tk.ID); n != 1 {
		t.Fatalf("%d level-3 escalations, want 1", n)
	}
}

// TestFireSLATwoInstances: two servers on one database racing for the same check fire it
// once between them.
func TestFireSLATwoInstances(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	_, other := escalation.Wire(e.db, e.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{FollowUpHours: 4})
	services := []*escalation.Service{e.svc, other}

	race := func(level string) {
		t.Helper()
		a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: hel(6, 9, 0), Level: level}
		type result struct {
			fired bool
			err   error
		}
		results := ticketstest.Parallel(8, func(i int) result {
			fired, err := services[i%2].FireSLA(context.Background(), a)
			return result{fired, err}
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
// does nothing.
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
		for _, level := range []string{escalation.LevelAtRisk, escalation.LevelBreached, escalation.LevelSupervisors} {
			a := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: oldDue, Level: level}
			if e.fire(t, e.svc, a) {
				t.Errorf("ticket %d: a stale %s check fired", tk.ID, level)
			}
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
	if !e.fire(t, e.svc, escalation.SLAArgs{TicketID: moved.ID, Target: "first_response", Due: hel(5, 15, 30), Level: escalation.LevelBreached}) {
		t.Fatal("the check of the moved deadline did not fire")
	}
	_, err := e.svc.FireSLA(e.ctx, escalation.SLAArgs{TicketID: 999999, Target: "first_response", Due: oldDue, Level: escalation.LevelBreached})
	wantErr(t, "check of a missing ticket", err, apperr.NotFound, "error_ticket_not_found")
}

// TestSLAWorker: the River worker snoozes an early check until it is due, and fires a due
// one.
func TestSLAWorker(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	w := escalation.NewSLAWorker(e.svc)
	job := &river.Job[escalation.SLAArgs]{JobRow: &rivertype.JobRow{}, Args: escalation.SLAArgs{TicketID: tk.ID, Target: "first_response",
		Due: hel(6, 9, 0), Level: escalation.LevelBreached}}
	e.clock.Set(hel(6, 8, 50))
	err := w.Work(e.ctx, job)
	var snooze *rivertype.JobSnoozeError
	if !errors.As(err, &snooze) || snooze.Duration != 10*time.Minute {
		t.Fatalf("early Work = %v, want a 10 min snooze", err)
	}
	e.clock.Set(hel(6, 9, 0))
	if err := w.Work(e.ctx, job); err != nil {
		t.Fatal(err)
	}
	// The late breach check fired the at-risk level first.
	if n := ticketstest.Count(e.ctx, t, e.db, "sla_firings"); n != 2 {
		t.Fatalf("%d firings, want 2", n)
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
	if got := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND queue = $1`, escalation.QueueSLA); got != 10 {
		t.Fatalf("%d jobs enqueued, want 10 (breach and supervisors per deadline)", got)
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
	if got := e.count(t, `SELECT count(*) FROM river_job`); got != 10 {
		t.Fatalf("%d jobs after the second CatchUp, want still 10", got)
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
