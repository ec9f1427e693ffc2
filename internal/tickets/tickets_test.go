package tickets_test

import (
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestPriorities(t *testing.T) {
	for _, p := range tickets.Priorities {
		if got, ok := tickets.ParsePriority(p.String()); !ok || got != p || !p.Valid() {
			t.Errorf("ParsePriority(%q) = %v, %v", p.String(), got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "URGENT", "4"} {
		if p, ok := tickets.ParsePriority(s); ok {
			t.Errorf("ParsePriority(%q) = %v, want not ok", s, p)
		}
	}
	if tickets.Priority(0).Valid() || tickets.Priority(5).Valid() || tickets.Priority(5).String() != "unknown" {
		t.Error("priorities 0 and 5 pass as valid")
	}
}

func TestStatuses(t *testing.T) {
	open := []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold}
	for _, s := range tickets.Statuses {
		if !s.Valid() || s.IsOpen() != slices.Contains(open, s) {
			t.Errorf("%s: Valid %v IsOpen %v", s, s.Valid(), s.IsOpen())
		}
	}
	if tickets.Status("done").Valid() || tickets.Status("").Valid() {
		t.Error("unknown statuses pass as valid")
	}
	for _, c := range []tickets.Channel{"fax", "", "Phone"} {
		if c.Valid() {
			t.Errorf("channel %q passes as valid", c)
		}
	}
}

func TestCustomerTickets(t *testing.T) {
	b := setup(t)
	first := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Hanna", CustomerEmail: "hanna@example.fi"})
	cid := first.Customer.ID
	inB := b.create(t, b.repB, tickets.NewTicket{CustomerID: cid})
	inA := b.create(t, b.repA2, tickets.NewTicket{CustomerID: cid})
	b.create(t, b.repA, tickets.NewTicket{}) // someone else's

	list := func(a tickets.Actor, limit int) []int64 {
		t.Helper()
		got, err := b.store.CustomerTickets(b.ctx, a, cid, first.ID, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	if got := list(b.repA, 10); !slices.Equal(got, []int64{inA.ID}) {
		t.Errorf("rep A sees %v, want %v", got, []int64{inA.ID})
	}
	if got := list(b.sup, 10); !slices.Equal(got, []int64{inA.ID, inB.ID}) {
		t.Errorf("supervisor sees %v, want newest first %v", got, []int64{inA.ID, inB.ID})
	}
	if got := list(b.sup, 1); !slices.Equal(got, []int64{inA.ID}) {
		t.Errorf("limit 1: %v", got)
	}

	c, err := b.store.GetCustomer(b.ctx, cid)
	if err != nil || c.Name != "Hanna" || c.Email != "hanna@example.fi" || c.Locale != "en" {
		t.Errorf("GetCustomer = %+v, %v", c, err)
	}
	if _, err := b.store.GetCustomer(b.ctx, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("GetCustomer(missing) err = %v, want not found", err)
	}
	if _, err := b.store.Get(b.ctx, b.sup, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get(missing) err = %v, want not found", err)
	}
}
