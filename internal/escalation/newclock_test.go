package escalation_test

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// TestNewTicketClockAcrossInstances: a new ticket's SLA clock is written by
// its insert from the policies and calendars the instance holds; it is the
// clock a recompute finds, and a change made on another instance (or by hand
// in the database) applies to the next ticket at once.
func TestNewTicketClockAcrossInstances(t *testing.T) {
	e := newDeskEnv(t)
	// A second instance on the same database: it creates, e.svc changes.
	other, _ := escalation.Wire(e.db, e.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{})
	created := hel(5, 15, 0).Add(123456789 * time.Nanosecond) // Postgres keeps microseconds
	e.clock.Set(created)
	at := created.Truncate(time.Microsecond)
	create := func(p tickets.Priority, category string) tickets.Ticket {
		t.Helper()
		tk := ticketstest.Create(e.ctx, t, other, escalation.ActorOf(e.rep), tickets.NewTicket{Priority: p, Category: category, TeamID: e.front})
		// What the insert wrote is what a recompute finds.
		if err := e.svc.Recompute(e.ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		again := e.ticket(t, tk.ID)
		for _, c := range []struct {
			what      string
			got, want *time.Time
		}{{"first_response_due", tk.FirstResponseDue, again.FirstResponseDue}, {"resolution_due", tk.ResolutionDue, again.ResolutionDue},
			{"next_due", tk.NextDue, again.NextDue}, {"next_response_due", tk.NextResponseDue, again.NextResponseDue}} {
			if (c.got == nil) != (c.want == nil) || (c.got != nil && !c.got.Equal(*c.want)) {
				t.Errorf("ticket %d: %s %s at create, %s after a recompute", tk.ID, c.what, fmtTime(c.got), fmtTime(c.want))
			}
		}
		if tk.HasSLA != again.HasSLA {
			t.Errorf("ticket %d: has SLA %v at create, %v after a recompute", tk.ID, tk.HasSLA, again.HasSLA)
		}
		return tk
	}

	// No policy yet: no clock.
	if tk := create(tickets.PriorityHigh, ""); tk.HasSLA || tk.NextDue != nil {
		t.Fatalf("no policy: has SLA %v, next due %s", tk.HasSLA, fmtTime(tk.NextDue))
	}
	e.savePolicy(t, e.highPolicy())
	tk := create(tickets.PriorityHigh, "")
	wantTime(t, "first_response_due", tk.FirstResponseDue, e.deadline(t, at, 2*time.Hour))
	wantTime(t, "resolution_due", tk.ResolutionDue, e.deadline(t, at, 16*time.Hour))
	wantTime(t, "next_due", tk.NextDue, e.deadline(t, at, 2*time.Hour))
	if create(tickets.PriorityNormal, "").HasSLA {
		t.Fatal("a normal ticket took the high policy")
	}

	// A category's own policy comes before the priority's catch-all.
	billing := e.highPolicy()
	billing.Name, billing.Category, billing.FirstResponse = "High billing", "billing", time.Hour
	e.savePolicy(t, billing)
	wantTime(t, "billing first_response_due", create(tickets.PriorityHigh, "billing").FirstResponseDue, e.deadline(t, at, time.Hour))
	wantTime(t, "order first_response_due", create(tickets.PriorityHigh, "order").FirstResponseDue, e.deadline(t, at, 2*time.Hour))

	// The policy changes on the other instance.
	changed := e.highPolicy()
	changed.FirstResponse = 3 * time.Hour
	e.savePolicy(t, changed)
	wantTime(t, "changed first_response_due", create(tickets.PriorityHigh, "").FirstResponseDue, e.deadline(t, at, 3*time.Hour))

	// The team's calendar is taken away by hand: round the clock.
	if _, err := e.db.Exec(e.ctx, `UPDATE teams SET calendar_id = NULL WHERE id = $1`, e.front); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "round the clock first_response_due", create(tickets.PriorityHigh, "").FirstResponseDue, deadlineIn(t, escalation.AlwaysOpen(), at, 3*time.Hour))

	// A calendar's hours change (a new calendar for the team, then edited).
	cal := escalationtest.Calendar(e.ctx, t, e.db, "Late shift", "Europe/Helsinki", map[int][]string{4: {"08:00-16:00"}, 5: {"08:00-16:00"}}, nil, e.front)
	wantTime(t, "late shift first_response_due", create(tickets.PriorityHigh, "").FirstResponseDue,
		deadlineIn(t, calendarOf(t, map[time.Weekday]string{time.Thursday: "08:00-16:00", time.Friday: "08:00-16:00"}), at, 3*time.Hour))
	if _, err := e.db.Exec(e.ctx, `UPDATE calendars SET hours = '{"4": ["08:00-18:00"]}' WHERE id = $1`, cal); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "longer day first_response_due", create(tickets.PriorityHigh, "").FirstResponseDue,
		deadlineIn(t, calendarOf(t, map[time.Weekday]string{time.Thursday: "08:00-18:00"}), at, 3*time.Hour))

	// The policies change by hand: the next ticket has the new target.
	if _, err := e.db.Exec(e.ctx, `UPDATE sla_policies SET first_response_minutes = 30`); err != nil {
		t.Fatal(err)
	}
	wantTime(t, "by hand first_response_due", create(tickets.PriorityHigh, "").FirstResponseDue,
		deadlineIn(t, calendarOf(t, map[time.Weekday]string{time.Thursday: "08:00-18:00"}), at, 30*time.Minute))
}

// calendarOf is a Helsinki calendar with one interval on each given day.
func calendarOf(t *testing.T, days map[time.Weekday]string) *escalation.Calendar {
	t.Helper()
	week := map[time.Weekday][]escalation.Interval{}
	for wd, s := range days {
		iv, err := escalation.ParseInterval(s)
		if err != nil {
			t.Fatal(err)
		}
		week[wd] = []escalation.Interval{iv}
	}
	cal, err := escalation.NewCalendar("Europe/Helsinki", week, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func deadlineIn(t *testing.T, cal *escalation.Calendar, start time.Time, target time.Duration) time.Time {
	t.Helper()
	d, err := cal.Deadline(start, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
