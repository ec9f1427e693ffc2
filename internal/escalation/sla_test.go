package escalation_test

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// highPolicy is the policy of high-priority tickets in these tests: first response in 2
// business hours, next response in 4, resolution in 16 (two office days); at 75% the owner
// is warned; a breach goes to the seniors team, and an hour later to supervisors.
func (e *deskEnv) highPolicy() escalation.Policy {
	return escalation.Policy{Name: "High", Priority: tickets.PriorityHigh, FirstResponse: 2 * time.Hour, NextResponse: 4 * time.Hour,
		Resolution: 16 * time.Hour, AtRiskPercent: 75, BreachTeamID: e.seniors, SupervisorDelay: time.Hour}
}

func (e *deskEnv) savePolicy(t *testing.T, p escalation.Policy) {
	t.Helper()
	if err := e.svc.SavePolicy(e.ctx, e.supervisor.ID, p); err != nil {
		t.Fatalf("save policy %q: %v", p.Name, err)
	}
}

// deadline is the independent calculation: the front line's calendar, built in the test.
func (e *deskEnv) deadline(t *testing.T, start time.Time, target time.Duration, pauses ...escalation.Pause) time.Time {
	t.Helper()
	d, err := e.cal.Deadline(start, target, pauses)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSLAClock follows one high-priority ticket's clock: created Thursday 15:00, an hour
// before closing, in an office open 08:00-16:00 Monday to Friday.
func TestSLAClock(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	created := hel(5, 15, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)

	frDue, resDue := e.deadline(t, created, 2*time.Hour), e.deadline(t, created, 16*time.Hour)
	// The independent calculation, spelled out: 1h on Thursday and 1h on Friday; 1h + 8h +
	// 7h on Monday.
	if !frDue.Equal(hel(6, 9, 0)) || !resDue.Equal(hel(9, 15, 0)) {
		t.Fatalf("independent deadlines %v, %v", frDue, resDue)
	}
	if !tk.HasSLA {
		t.Fatal("the ticket has no SLA")
	}
	wantTime(t, "first_response_due", tk.FirstResponseDue, frDue)
	wantTime(t, "resolution_due", tk.ResolutionDue, resDue)
	wantTime(t, "next_due", tk.NextDue, frDue)
	if tk.NextResponseDue != nil || tk.PausedSince != nil {
		t.Fatalf("next_response_due %v, paused_since %v; want none", fmtTime(tk.NextResponseDue), fmtTime(tk.PausedSince))
	}
	// The badge counts business time: 2 hours to the first response deadline, over a night.
	for _, c := range []struct {
		at   time.Time
		want escalation.State
		left time.Duration
	}{
		{created, escalation.StateOK, 2 * time.Hour},
		{hel(5, 20, 0), escalation.StateOK, time.Hour},            // closed: the evening counts nothing
		{hel(6, 8, 29), escalation.StateOK, 31 * time.Minute},     // 89 of 120 minutes used
		{hel(6, 8, 30), escalation.StateAtRisk, 30 * time.Minute}, // 75%, when the at-risk job fires
		{hel(6, 8, 59), escalation.StateAtRisk, time.Minute},
		{hel(6, 9, 0), escalation.StateBreached, 0},
		{hel(6, 9, 1), escalation.StateBreached, -time.Minute}, // past the deadline
	} {
		e.clock.Set(c.at)
		wantBadge(t, c.at.Format(time.DateTime), e.badge(t, tk.ID), c.want, "first_response", frDue, c.left)
	}

	// Friday 08:45 the rep answers: the first response is met.
	e.clock.Set(hel(6, 8, 45))
	tk, err := e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "We are on it."})
	if err != nil {
		t.Fatal(err)
	}
	if tk.FirstResponseDue != nil || tk.NextResponseDue != nil {
		t.Fatalf("after the first reply: first_response_due %v, next_response_due %v", fmtTime(tk.FirstResponseDue), fmtTime(tk.NextResponseDue))
	}
	wantTime(t, "resolution_due after the reply", tk.ResolutionDue, resDue)
	wantTime(t, "next_due after the reply", tk.NextDue, resDue)

	// Friday 10:00 the customer writes back: a next response is due 4 business hours later.
	e.clock.Set(hel(6, 10, 0))
	if _, err := e.ts.AddCustomerMessage(e.ctx, tk.ID, "It is still broken."); err != nil {
		t.Fatal(err)
	}
	tk = e.ticket(t, tk.ID)
	nrDue := e.deadline(t, hel(6, 10, 0), 4*time.Hour)
	wantTime(t, "next_response_due", tk.NextResponseDue, nrDue)
	wantTime(t, "next_due with a reply awaited", tk.NextDue, nrDue)

	// 10:30 the rep answers and sets pending: the reply meets it, and the clock stops.
	pauseStart := hel(6, 10, 30)
	e.clock.Set(pauseStart)
	tk, err = e.ts.AddReply(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Please send a photo.", SetStatus: tickets.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if tk.NextResponseDue != nil || tk.NextDue != nil {
		t.Fatalf("paused: next_response_due %v, next_due %v; want none", fmtTime(tk.NextResponseDue), fmtTime(tk.NextDue))
	}
	wantTime(t, "paused_since", tk.PausedSince, pauseStart)
	wantTime(t, "resolution_due while paused", tk.ResolutionDue, resDue)
	e.clock.Set(hel(9, 16, 0))
	if c := e.badge(t, tk.ID); c.State != escalation.StatePaused {
		t.Fatalf("badge while pending = %+v, want paused", c)
	}
	e.clock.Set(pauseStart)
	// On hold is still a pause: it does not restart it.
	e.clock.Set(hel(6, 12, 0))
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusOnHold); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "paused_since on hold", e.ticket(t, tk.ID).PausedSince, pauseStart)

	// Monday 09:30 the rep reopens: the deadline moves by exactly the paused business time,
	// Friday 10:30-16:00 and Monday 08:00-09:30 (the weekend was never business time).
	pauseEnd := hel(9, 9, 30)
	e.clock.Set(pauseEnd)
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusOpen); err != nil {
		t.Fatal(err)
	}
	tk = e.ticket(t, tk.ID)
	if tk.PausedSince != nil {
		t.Fatalf("paused_since %v after reopening", fmtTime(tk.PausedSince))
	}
	pause := escalation.Pause{Start: pauseStart, End: pauseEnd}
	newRes := e.deadline(t, created, 16*time.Hour, pause)
	wantTime(t, "resolution_due after the pause", tk.ResolutionDue, newRes)
	wantTime(t, "next_due after the pause", tk.NextDue, newRes)
	paused, _ := e.cal.Elapsed(pauseStart, pauseEnd, nil)
	shift, _ := e.cal.Elapsed(resDue, newRes, nil)
	if paused != 7*time.Hour || shift != paused || !newRes.Equal(hel(10, 14, 0)) {
		t.Fatalf("paused %v of business time, deadline moved by %v to %v; want 7h, 7h, Tuesday 14:00", paused, shift, newRes.In(helsinki))
	}
	var ended time.Time
	if err := e.db.QueryRow(e.ctx, `SELECT ended_at FROM sla_pauses WHERE ticket_id = $1 AND started_at = $2`, tk.ID, pauseStart).Scan(&ended); err != nil || !ended.Equal(pauseEnd) {
		t.Fatalf("pause row ends %v (%v), want %v", ended, err, pauseEnd)
	}
	if c := e.badge(t, tk.ID); c.State != escalation.StateOK || !c.Due.Equal(newRes) {
		t.Fatalf("badge after reopening = %+v, want running to %v", c, newRes)
	}

	// Monday 10:00 the policy changes: once the recompute job ran, open tickets have the
	// new targets, pauses still counting.
	e.clock.Set(hel(9, 10, 0))
	e.svc.SetJobs(e.newRiver(t, e.svc))
	other := e.newTicket(t, tickets.PriorityNormal) // no policy for normal tickets
	p := e.highPolicy()
	p.Resolution = 24 * time.Hour
	e.savePolicy(t, p)
	e.runRecomputes(t, 0)
	tk = e.ticket(t, tk.ID)
	newRes = e.deadline(t, created, 24*time.Hour, pause)
	if !newRes.Equal(hel(11, 14, 0)) {
		t.Fatalf("independent deadline %v, want Wednesday 14:00", newRes.In(helsinki))
	}
	wantTime(t, "resolution_due after the policy change", tk.ResolutionDue, newRes)
	wantTime(t, "next_due after the policy change", tk.NextDue, newRes)
	if o := e.ticket(t, other.ID); o.HasSLA || o.NextDue != nil || o.ResolutionDue != nil {
		t.Fatalf("a ticket without a policy has a clock: %+v", o)
	}

	// Solved: no deadlines, no badge.
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}
	tk = e.ticket(t, tk.ID)
	if tk.FirstResponseDue != nil || tk.NextResponseDue != nil || tk.ResolutionDue != nil || tk.NextDue != nil || tk.PausedSince != nil {
		t.Fatalf("solved ticket keeps a clock: %v %v %v %v %v", fmtTime(tk.FirstResponseDue), fmtTime(tk.NextResponseDue),
			fmtTime(tk.ResolutionDue), fmtTime(tk.NextDue), fmtTime(tk.PausedSince))
	}
	e.clock.Set(hel(20, 0, 0))
	if c := e.badge(t, tk.ID); c.State != escalation.StateNone {
		t.Fatalf("badge of a solved ticket = %+v", c)
	}
	// A policy change leaves solved tickets alone.
	p.Resolution = 8 * time.Hour
	e.savePolicy(t, p)
	e.runRecomputes(t, 0)
	if tk := e.ticket(t, tk.ID); tk.ResolutionDue != nil {
		t.Fatalf("the policy change gave a solved ticket a deadline %v", fmtTime(tk.ResolutionDue))
	}
}

// TestSLAPriorityChange: moving a ticket to another priority moves it to that priority's
// policy, or off the clock when there is none.
func TestSLAPriorityChange(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	e.savePolicy(t, escalation.Policy{Name: "Urgent", Priority: tickets.PriorityUrgent, FirstResponse: 30 * time.Minute,
		NextResponse: time.Hour, Resolution: 4 * time.Hour, AtRiskPercent: 50})
	created := hel(5, 15, 0)
	e.clock.Set(created)
	tk := e.newTicket(t, tickets.PriorityHigh)
	e.clock.Set(hel(5, 15, 10))
	urgent, low := tickets.PriorityUrgent, tickets.PriorityLow
	tk, err := e.ts.Update(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Changes{Version: tk.Version, Priority: &urgent})
	if err != nil {
		t.Fatal(err)
	}
	wantTime(t, "urgent first_response_due", tk.FirstResponseDue, hel(5, 15, 30))
	wantTime(t, "urgent resolution_due", tk.ResolutionDue, e.deadline(t, created, 4*time.Hour))
	wantTime(t, "urgent next_due", tk.NextDue, hel(5, 15, 30))
	tk, err = e.ts.Update(e.ctx, escalation.ActorOf(e.rep), tk.ID, tickets.Changes{Version: tk.Version, Priority: &low})
	if err != nil {
		t.Fatal(err)
	}
	if tk.HasSLA || tk.FirstResponseDue != nil || tk.ResolutionDue != nil || tk.NextDue != nil {
		t.Fatalf("a low ticket without a policy keeps a clock: %+v", tk)
	}
	if c := e.badge(t, tk.ID); c.State != escalation.StateNone {
		t.Fatalf("badge without a policy = %+v", c)
	}
}

// TestSLAAroundTheClock: a team without a calendar counts real time.
func TestSLAAroundTheClock(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	created := hel(6, 15, 0) // a Friday afternoon; the weekend counts
	e.clock.Set(created)
	tk := ticketstest.Create(e.ctx, t, e.ts, escalation.ActorOf(e.clerk), tickets.NewTicket{Priority: tickets.PriorityHigh})
	wantTime(t, "first_response_due", tk.FirstResponseDue, created.Add(2*time.Hour))
	wantTime(t, "resolution_due", tk.ResolutionDue, created.Add(16*time.Hour))
}

// TestSavePolicyValidation: a bad policy form names its fields and changes nothing.
func TestSavePolicyValidation(t *testing.T) {
	e := newDeskEnv(t)
	err := e.svc.SavePolicy(e.ctx, e.supervisor.ID, escalation.Policy{Name: " ", Priority: 9, FirstResponse: -time.Minute,
		NextResponse: time.Hour, Resolution: time.Hour, SupervisorDelay: -time.Minute, AtRiskPercent: 100})
	wantFields(t, "bad policy", err, map[string]string{"name": "error_required", "priority": "error_priority_invalid",
		"first_response_minutes": "sla_error_target_min", "supervisor_delay_minutes": "error_minutes_invalid",
		"at_risk_percent": "error_percent_invalid"})
	p := e.highPolicy()
	p.BreachTeamID = 999999
	wantFields(t, "no such breach team", e.svc.SavePolicy(e.ctx, e.supervisor.ID, p), map[string]string{"breach_team_id": "error_invalid_choice"})
	if list, err := e.svc.Policies(e.ctx); err != nil || len(list) != 0 {
		t.Fatalf("policies after failed saves = %+v, %v", list, err)
	}
	e.savePolicy(t, e.highPolicy())
	list, err := e.svc.Policies(e.ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("policies = %+v, %v", list, err)
	}
	want := e.highPolicy()
	want.ID = list[0].ID
	if list[0] != want {
		t.Fatalf("stored policy = %+v, want %+v", list[0], want)
	}
}

// TestSaveCalendarWithoutHolidays: a calendar form with no holidays saves.
func TestSaveCalendarWithoutHolidays(t *testing.T) {
	e := newDeskEnv(t)
	id, err := e.svc.SaveCalendar(e.ctx, e.supervisor.ID, escalation.CalendarDef{Name: "Saigon office", TimeZone: "Asia/Ho_Chi_Minh",
		Hours: map[int][]string{1: {"08:00-12:00", "13:00-17:00"}}})
	if err != nil {
		t.Fatalf("save a calendar without holidays: %v", err)
	}
	list, err := e.svc.Calendars(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.ID == id && len(c.Holidays) == 0 && len(c.Hours[1]) == 2 {
			return
		}
	}
	t.Fatalf("calendars = %+v", list)
}
