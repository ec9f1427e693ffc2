package escalation_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// badge reads one ticket's SLA badge at the desk's clock, as every page shows it: by
// id (Clocks: the ticket page, the review queue) and from the ticket row a queue page
// holds (ClocksOf), which must agree.
func (e *deskEnv) badge(t *testing.T, id int64) escalation.Clock {
	t.Helper()
	clocks, err := e.svc.Clocks(e.ctx, []int64{id})
	if err != nil {
		t.Fatalf("badge of ticket %d: %v", id, err)
	}
	of, err := e.svc.ClocksOf(e.ctx, []tickets.Ticket{e.ticket(t, id)})
	if err != nil {
		t.Fatalf("badge of ticket %d from its row: %v", id, err)
	}
	got, ok := clocks[id]
	if gotOf, okOf := of[id]; ok != okOf || gotOf.State != got.State || gotOf.Target != got.Target || !gotOf.Due.Equal(got.Due) || gotOf.Left != got.Left {
		t.Errorf("ticket %d: badge from its row %+v (present %v), by id %+v (present %v)", id, gotOf, okOf, got, ok)
	}
	return got
}

func wantBadge(t *testing.T, what string, got escalation.Clock, state escalation.State, target string, due time.Time, left time.Duration) {
	t.Helper()
	if got.State != state || got.Target != target || !got.Due.Equal(due) || got.Left != left {
		t.Errorf("%s: badge %s %s due %v, %v left; want %s %s due %v, %v left", what, got.State, got.Target,
			got.Due.In(helsinki), got.Left, state, target, due.In(helsinki), left)
	}
}

// runRecomputes runs the waiting SLA recompute jobs through the worker function, oldest
// first, as River would, until none waits (a full batch enqueues the next); it returns how
// many ran. batch 0 keeps the worker's default batch size.
func (e *deskEnv) runRecomputes(t *testing.T, batch int) int {
	t.Helper()
	w := escalation.NewRecomputeWorker(e.svc)
	if batch > 0 {
		w.Batch = batch
	}
	for n := 0; ; n++ {
		var id int64
		var raw []byte
		err := e.db.QueryRow(e.ctx, `SELECT id, args FROM river_job WHERE kind = 'sla_recompute' AND state = 'available'
ORDER BY id LIMIT 1`).Scan(&id, &raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		var args escalation.RecomputeArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatal(err)
		}
		if err := w.Work(e.ctx, &river.Job[escalation.RecomputeArgs]{JobRow: &rivertype.JobRow{ID: id}, Args: args}); err != nil {
			t.Fatalf("recompute %+v: %v", args, err)
		}
		if _, err := e.db.Exec(e.ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if n > 100 {
			t.Fatal("recompute jobs keep coming")
		}
	}
}

// TestBadgePausesLeftOut: the share used leaves the ticket's pauses out, so the badge turns
// at risk exactly when the at-risk job fires, not when the wall clock says so.
func TestBadgePausesLeftOut(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	created := hel(5, 10, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)
	// 10:15-11:15 pending on the customer: an hour of business time paused.
	e.clock.Set(hel(5, 10, 15))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(5, 11, 15))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusOpen); err != nil {
		t.Fatal(err)
	}
	pause := escalation.Pause{Start: hel(5, 10, 15), End: hel(5, 11, 15)}
	due, atRisk := e.deadline(t, created, 2*time.Hour, pause), e.deadline(t, created, 90*time.Minute, pause)
	if !due.Equal(hel(5, 13, 0)) || !atRisk.Equal(hel(5, 12, 30)) {
		t.Fatalf("independent deadline %v and at-risk point %v", due.In(helsinki), atRisk.In(helsinki))
	}
	wantTime(t, "first_response_due", e.ticket(t, tk.ID).FirstResponseDue, due)

	// 12:20: 2h20 since creation, but 1h20 of it running: 67% used, on time. (Counting the
	// pause, it would be 117% of the target, or "at risk" by any wall-clock share.)
	e.clock.Set(hel(5, 12, 20))
	wantBadge(t, "12:20", e.badge(t, tk.ID), escalation.StateOK, "first_response", due, 40*time.Minute)
	e.clock.Set(atRisk.Add(-time.Second))
	wantBadge(t, "a second before the at-risk point", e.badge(t, tk.ID), escalation.StateOK, "first_response", due, 30*time.Minute+time.Second)
	e.clock.Set(atRisk)
	wantBadge(t, "the at-risk point", e.badge(t, tk.ID), escalation.StateAtRisk, "first_response", due, 30*time.Minute)
}

// TestBadgeAtRiskPercent: the badge warns at the policy's own percentage, not at 75%.
func TestBadgeAtRiskPercent(t *testing.T) {
	e := newDeskEnv(t)
	p := e.highPolicy()
	p.AtRiskPercent = 50
	e.savePolicy(t, p)
	created := hel(5, 10, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(5, 12, 0)
	e.clock.Set(hel(5, 10, 59))
	wantBadge(t, "49%", e.badge(t, tk.ID), escalation.StateOK, "first_response", due, 61*time.Minute)
	e.clock.Set(hel(5, 11, 0))
	wantBadge(t, "50%", e.badge(t, tk.ID), escalation.StateAtRisk, "first_response", due, time.Hour)

	// The policy's percentage changes: the next badge follows it.
	p.AtRiskPercent = 90
	e.savePolicy(t, p)
	wantBadge(t, "50% of a 90% policy", e.badge(t, tk.ID), escalation.StateOK, "first_response", due, time.Hour)
}

// TestBadgeNextResponseFromCustomerMessage: a next-response target runs from the
// customer's message that awaits an answer, not from the ticket's creation.
func TestBadgeNextResponseFromCustomerMessage(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	created := hel(5, 10, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)
	e.clock.Set(hel(5, 10, 5))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Looking."}); err != nil {
		t.Fatal(err)
	}
	// Friday 10:00 the customer writes: a next response in 4 business hours, at 14:00.
	e.clock.Set(hel(6, 10, 0))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Any news?"); err != nil {
		t.Fatal(err)
	}
	nrDue := hel(6, 14, 0)
	wantTime(t, "next_response_due", e.ticket(t, tk.ID).NextResponseDue, nrDue)
	// 12:30: 2h30 of 4h since the message, on time. (From creation it would be 12h30 of
	// 14h, at risk.) The resolution, 11h30 of 16h used, is on time too but later.
	e.clock.Set(hel(6, 12, 30))
	wantBadge(t, "12:30", e.badge(t, tk.ID), escalation.StateOK, "next_response", nrDue, 90*time.Minute)
	e.clock.Set(hel(6, 13, 0))
	wantBadge(t, "13:00, 75% since the message", e.badge(t, tk.ID), escalation.StateAtRisk, "next_response", nrDue, time.Hour)
}

// TestBadgeMostUrgentTarget: of the running targets the badge shows the most urgent: a
// later deadline at risk outranks a sooner one on time.
func TestBadgeMostUrgentTarget(t *testing.T) {
	e := newDeskEnv(t)
	p := e.highPolicy()
	p.Resolution = 3 * time.Hour // at risk after 2h15, due 13:00
	p.NextResponse = 4 * time.Hour
	e.savePolicy(t, p)
	e.clock.Set(hel(5, 10, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	e.clock.Set(hel(5, 10, 5))
	if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Looking."}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(hel(5, 12, 0))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "Still there?"); err != nil {
		t.Fatal(err)
	}
	// 12:20: the next response (due 16:00) is on time; the resolution (due 13:00) is at risk.
	e.clock.Set(hel(5, 12, 20))
	wantBadge(t, "12:20", e.badge(t, tk.ID), escalation.StateAtRisk, "resolution", hel(5, 13, 0), 40*time.Minute)
	e.clock.Set(hel(5, 13, 10))
	wantBadge(t, "13:10", e.badge(t, tk.ID), escalation.StateBreached, "resolution", hel(5, 13, 0), -10*time.Minute)
}

// TestBadgeNoBusinessHours: a team calendar without any business hours, or a stored
// calendar that is no longer valid, gives no deadline on every path: the ticket opens
// (no 500), no deadline is stored and no check scheduled, the badge says "no deadline",
// and a follow-up still gets a due time.
func TestBadgeNoBusinessHours(t *testing.T) {
	e := newDeskEnv(t)
	e.svc.SetJobs(e.newRiver(t, e.svc))
	e.savePolicy(t, e.highPolicy())
	// A 0-minute target stored before the form refused them: still no deadline.
	if _, err := e.db.Exec(e.ctx, `INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes)
VALUES ('Old urgent', 4, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	escalationtest.Calendar(e.ctx, t, e.db, "Closed", "Europe/Helsinki", map[int][]string{}, nil, e.warehouse)
	broken := ticketstest.Team(e.ctx, t, e.db, "Broken calendar")
	if _, err := e.db.Exec(e.ctx, `INSERT INTO calendars (name, time_zone, hours) VALUES ('Broken', 'Mars/Olympus', '{"1": ["08:00-16:00"]}')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(e.ctx, `UPDATE teams SET calendar_id = (SELECT id FROM calendars WHERE name = 'Broken') WHERE id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	worker := escalationtest.User(e.ctx, t, e.db, staff.RoleRep, e.warehouse, broken)

	e.clock.Set(hel(5, 10, 0))
	for _, c := range []struct {
		name string
		team int64
		prio tickets.Priority
	}{{"no hours", e.warehouse, tickets.PriorityHigh}, {"no hours, 0 target", e.warehouse, tickets.PriorityUrgent},
		{"invalid calendar", broken, tickets.PriorityHigh}} {
		tk, _, err := e.ts.Create(e.ctx, escalation.ActorOf(worker), tickets.NewTicket{Subject: "Help", Body: "Broken.", Channel: "phone",
			CustomerName: "Ann", CustomerEmail: "ann@example.com", Priority: c.prio, TeamID: c.team})
		if err != nil {
			t.Fatalf("%s: create: %v", c.name, err)
		}
		tk = e.ticket(t, tk.ID)
		if !tk.HasSLA || tk.FirstResponseDue != nil || tk.ResolutionDue != nil || tk.NextDue != nil {
			t.Errorf("%s: has policy %v, deadlines %s %s %s; want a policy and no deadline", c.name, tk.HasSLA,
				fmtTime(tk.FirstResponseDue), fmtTime(tk.ResolutionDue), fmtTime(tk.NextDue))
		}
		if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND (args->>'ticket_id')::bigint = $1`, tk.ID); n != 0 {
			t.Errorf("%s: %d breach checks scheduled", c.name, n)
		}
		if b := e.badge(t, tk.ID); b.State != escalation.StateNoDeadline {
			t.Errorf("%s: badge %+v, want no deadline", c.name, b)
		}
		if err := e.svc.CreateFollowUp(e.ctx, e.supervisor.ID, tk.ID, worker.ID, "proactive"); err != nil {
			t.Errorf("%s: follow-up: %v", c.name, err)
		}
		// A reply, a pause and a resumption recompute the clock: still nothing fails.
		e.clock.Set(hel(5, 10, 30))
		if _, err := e.ts.AddReply(e.ctx, escalation.ActorOf(worker), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Photo?",
			SetStatus: tickets.StatusPending}); err != nil {
			t.Errorf("%s: reply: %v", c.name, err)
		}
		if err := e.setStatus(t, worker, tk.ID, tickets.StatusOpen); err != nil {
			t.Errorf("%s: reopen: %v", c.name, err)
		}
		if b := e.badge(t, tk.ID); b.State != escalation.StateNoDeadline {
			t.Errorf("%s: badge after reopening %+v, want no deadline", c.name, b)
		}
	}
}

// TestSavePolicyRefusesZeroTarget: a target under a minute would breach every ticket at
// creation; the form gets an error beside each such field and nothing is stored.
func TestSavePolicyRefusesZeroTarget(t *testing.T) {
	e := newDeskEnv(t)
	p := e.highPolicy()
	p.FirstResponse, p.NextResponse, p.Resolution = 0, 30*time.Second, 0
	wantFields(t, "0-minute targets", e.svc.SavePolicy(e.ctx, e.supervisor.ID, p), map[string]string{
		"first_response_minutes": "sla_error_target_min", "next_response_minutes": "sla_error_target_min",
		"resolution_minutes": "sla_error_target_min"})
	if n := ticketstest.Count(e.ctx, t, e.db, "sla_policies"); n != 0 {
		t.Fatalf("%d policies stored", n)
	}
	p = e.highPolicy()
	p.SupervisorDelay = 0 // straight to supervisors at the breach: allowed
	e.savePolicy(t, p)
}

// TestRecomputeAfterSaves: saving a calendar, a policy or a team's calendar stores the
// change and enqueues a recompute, touching no ticket; the River job then moves the open
// tickets' deadlines and breach checks, in keyset batches.
func TestRecomputeAfterSaves(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.svc.SetJobs(e.newRiver(t, e.svc))
	e.clock.Set(hel(5, 15, 0))
	var front []tickets.Ticket
	for range 5 {
		front = append(front, e.newTicket(t, tickets.PriorityHigh))
	}
	solved := e.newTicket(t, tickets.PriorityHigh)
	if err := e.setStatus(t, e.rep, solved.ID, tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}
	clerk := ticketstest.Create(e.ctx, t, e.ts, escalation.ActorOf(e.clerk), tickets.NewTicket{Priority: tickets.PriorityHigh, TeamID: e.warehouse})
	frDue := hel(6, 9, 0)
	for _, tk := range front {
		wantTime(t, "first response before", e.ticket(t, tk.ID).FirstResponseDue, frDue)
	}
	if n := e.runRecomputes(t, 2); n != 0 {
		t.Fatalf("%d recomputes before any save", n)
	}

	// The calendar gains a holiday on Friday 6 March.
	var calID int64
	if err := e.db.QueryRow(e.ctx, `SELECT calendar_id FROM teams WHERE id = $1`, e.front).Scan(&calID); err != nil {
		t.Fatal(err)
	}
	cals, err := e.svc.Calendars(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var office escalation.CalendarDef
	for _, c := range cals {
		if c.ID == calID {
			office = c
		}
	}
	office.Holidays = []string{"2026-03-06"}
	if _, err := e.svc.SaveCalendar(e.ctx, e.supervisor.ID, office); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "first response after the save, before the job", e.ticket(t, front[0].ID).FirstResponseDue, frDue)
	// Five open tickets in batches of two: 2, 2, 1.
	if n := e.runRecomputes(t, 2); n != 3 {
		t.Fatalf("%d recompute batches, want 3", n)
	}
	movedDue := hel(9, 9, 0) // Thursday 15:00-16:00, then Monday 08:00-09:00
	for _, tk := range front {
		wantTime(t, "first response after the holiday", e.ticket(t, tk.ID).FirstResponseDue, movedDue)
	}
	// One check per moved deadline, at its at-risk point: 90 of 120 minutes, Monday 08:30.
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND args->>'level' IS NULL
AND args->>'target' = 'first_response' AND (args->>'due')::timestamptz = $1 AND scheduled_at = $2`, movedDue, hel(9, 8, 30)); n != len(front) {
		t.Fatalf("%d checks of the moved deadline at its at-risk point, want %d", n, len(front))
	}
	if tk := e.ticket(t, solved.ID); tk.FirstResponseDue != nil {
		t.Fatal("a solved ticket got a deadline")
	}
	if tk := e.ticket(t, clerk.ID); !tk.FirstResponseDue.Equal(hel(5, 17, 0)) {
		t.Fatalf("another team's ticket moved: %s", fmtTime(tk.FirstResponseDue))
	}

	// The policy's first response becomes 3 hours.
	p := e.highPolicy()
	p.FirstResponse = 3 * time.Hour
	e.savePolicy(t, p)
	wantTime(t, "first response after the policy save, before the job", e.ticket(t, front[0].ID).FirstResponseDue, movedDue)
	if n := e.runRecomputes(t, 0); n != 1 {
		t.Fatalf("%d recompute batches, want 1", n)
	}
	for _, tk := range front {
		wantTime(t, "first response after the policy change", e.ticket(t, tk.ID).FirstResponseDue, hel(9, 10, 0))
	}
	wantTime(t, "round-the-clock ticket after the policy change", e.ticket(t, clerk.ID).FirstResponseDue, hel(5, 18, 0))

	// The warehouse gets the office calendar: its ticket now counts business time.
	if err := e.svc.SetTeamProfile(e.ctx, e.supervisor.ID, e.warehouse, 1, "", calID); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "warehouse ticket before the job", e.ticket(t, clerk.ID).FirstResponseDue, hel(5, 18, 0))
	if n := e.runRecomputes(t, 0); n != 1 {
		t.Fatalf("%d recompute batches, want 1", n)
	}
	wantTime(t, "warehouse ticket after the team's calendar changed", e.ticket(t, clerk.ID).FirstResponseDue, hel(9, 10, 0))
	// Its badge too: 2h15 of 3h used by Monday 09:15 (Thursday 15:00-16:00, Monday from 08:00).
	e.clock.Set(hel(9, 9, 15))
	wantBadge(t, "warehouse badge", e.badge(t, clerk.ID), escalation.StateAtRisk, "first_response", hel(9, 10, 0), 45*time.Minute)
}

// TestLateCheckFiresLevelsInOrder: after an outage every level of a deadline is due at
// once; its check fires them in order — at risk, breached, supervisors — each once, and
// ends; any other check (a retry, or one queued by an older version) finds nothing left.
func TestLateCheckFiresLevelsInOrder(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 15, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	due := hel(6, 9, 0)
	e.clock.Set(hel(10, 12, 0)) // the server was down from Thursday to Tuesday
	args := func(level string) escalation.SLAArgs {
		return escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due, Level: level}
	}
	wantRun(t, "the late check", e.run(t, e.svc, args("")), true, 0)
	for _, level := range []string{"", escalation.LevelBreached, escalation.LevelAtRisk, escalation.LevelSupervisors} {
		if e.fire(t, e.svc, args(level)) {
			t.Errorf("the %s check fired again", level)
		}
	}
	var order []string
	rows, err := e.db.Query(e.ctx, `SELECT action FROM events WHERE subject_type = 'ticket' AND subject_id = $1
AND action LIKE 'ticket.sla_%' ORDER BY id`, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if order, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	want := []string{"ticket.sla_at_risk", "ticket.sla_breached", "ticket.sla_supervisors"}
	if len(order) != len(want) || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("SLA events in order %v, want %v", order, want)
	}
	// Breached before supervisors: the breach team's escalation, then moved up to supervisors.
	list, _ := e.svc.ForTicket(e.ctx, tk.ID)
	if len(list) != 2 || list[0].Level != 2 || list[0].Status != escalation.StatusEscalated || list[1].Level != 3 || !list[1].Open() {
		t.Fatalf("escalations = %+v, want tier 2 then supervisors", list)
	}
	if e.notified(t, e.rep, tk.ID, "sla_at_risk") != 1 || e.notified(t, e.rep, tk.ID, "sla_breached") != 1 {
		t.Fatal("the owner was not told once of each level")
	}

	// A late check of another deadline fires at risk and breached, but not the supervisors
	// level before its delay: it waits for that.
	e.clock.Set(hel(5, 15, 0))
	other := e.newTicket(t, tickets.PriorityHigh)
	e.clock.Set(due.Add(30 * time.Minute))
	a := args("")
	a.TicketID = other.ID
	wantRun(t, "the late check before the supervisors' level", e.run(t, e.svc, a), true, 30*time.Minute)
	if n := e.count(t, `SELECT count(*) FROM sla_firings WHERE ticket_id = $1`, other.ID); n != 2 {
		t.Fatalf("%d levels fired half an hour after the deadline, want 2", n)
	}
}

// TestBadgesFollowChangesOnAnotherInstance: several instances serve one desk. A policy
// saved on one, or a calendar changed by anyone, shows on the next badge every instance
// draws, by id and from a queue row alike: not after a cache's time runs out.
func TestBadgesFollowChangesOnAnotherInstance(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.clock.Set(hel(5, 10, 0))
	tk := e.newTicket(t, tickets.PriorityHigh)
	_, other := escalation.Wire(e.db, e.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{FollowUpHours: 4})
	both := func() (escalation.Clock, escalation.Clock) {
		t.Helper()
		byID, err := other.Clocks(e.ctx, []int64{tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		of, err := other.ClocksOf(e.ctx, []tickets.Ticket{e.ticket(t, tk.ID)})
		if err != nil {
			t.Fatal(err)
		}
		return byID[tk.ID], of[tk.ID]
	}
	// 11:00, half of the 2-hour first response used: on time at the policy's 75%.
	e.clock.Set(hel(5, 11, 0))
	if byID, of := both(); byID.State != escalation.StateOK || of.State != escalation.StateOK {
		t.Fatalf("before the change: by id %s, from the row %s; want on time", byID.State, of.State)
	}
	p := e.highPolicy()
	p.AtRiskPercent = 50
	e.savePolicy(t, p) // on the first instance
	byID, of := both()
	if byID.State != escalation.StateAtRisk || of.State != escalation.StateAtRisk {
		t.Errorf("after the policy went to 50%% on another instance: by id %s, from the row %s; want at risk", byID.State, of.State)
	}
	// The team's calendar loses its hours (as any change, by SQL too): no deadline.
	if _, err := e.db.Exec(e.ctx, `UPDATE calendars SET hours = '{}' WHERE id = (SELECT calendar_id FROM teams WHERE id = $1)`, e.front); err != nil {
		t.Fatal(err)
	}
	byID, of = both()
	if byID.State != escalation.StateNoDeadline || of.State != escalation.StateNoDeadline {
		t.Errorf("after the calendar lost its hours: by id %s, from the row %s; want no deadline", byID.State, of.State)
	}
}
