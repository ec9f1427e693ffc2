package escalation_test

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestPerRepWeeksInViewerZone: the coaching page's weeks are the viewer's.
// Half an hour after midnight on Monday 2 March in Helsinki it is still
// Sunday in UTC, so an escalation raised then belongs to the week of 2 March
// for a viewer in Helsinki and to the week of 23 February for one in UTC.
func TestPerRepWeeksInViewerZone(t *testing.T) {
	e := newDeskEnv(t)
	e.clock.Set(hel(1, 23, 30)) // Sunday evening: the same week in both zones
	e.newTicket(t, tickets.PriorityNormal)
	e.clock.Set(hel(2, 0, 30)) // Monday 00:30 in Helsinki, Sunday 22:30 UTC
	monday := e.newTicket(t, tickets.PriorityNormal)
	e.escalate(t, e.rep, monday.ID, escalation.Request{Target: "user:" + itoa(e.senior.ID), Reason: "billing_adjustment", Note: "Refund needed."})

	since := time.Date(2026, time.February, 16, 0, 0, 0, 0, time.UTC)
	type week struct{ raised, tickets int }
	weeks := func(tz string) map[time.Time]week {
		t.Helper()
		list, err := e.svc.PerRep(e.ctx, since, tz)
		if err != nil {
			t.Fatalf("per rep in %s: %v", tz, err)
		}
		out := map[time.Time]week{}
		for _, rw := range list {
			if rw.UserID != e.rep.ID {
				t.Errorf("in %s: a week of user %d, want only the rep's", tz, rw.UserID)
			}
			out[rw.Week.UTC()] = week{rw.Raised, rw.Tickets}
		}
		return out
	}
	wantWeeks := func(tz string, want map[time.Time]week) {
		t.Helper()
		got := weeks(tz)
		if len(got) != len(want) {
			t.Errorf("in %s: weeks %v, want %v", tz, got, want)
		}
		for w, n := range want {
			if got[w.UTC()] != n {
				t.Errorf("in %s: week of %s = %+v, want %+v (all: %v)", tz, w, got[w.UTC()], n, got)
			}
		}
	}
	wantWeeks("Europe/Helsinki", map[time.Time]week{
		time.Date(2026, time.February, 23, 0, 0, 0, 0, helsinki): {0, 1},
		time.Date(2026, time.March, 2, 0, 0, 0, 0, helsinki):     {1, 1},
	})
	wantWeeks("UTC", map[time.Time]week{
		time.Date(2026, time.February, 23, 0, 0, 0, 0, time.UTC): {1, 2},
	})
}
