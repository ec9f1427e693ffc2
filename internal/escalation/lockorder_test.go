package escalation_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestBreachRacingAcceptNeverDeadlocks races the SLA clock moving an
// unaccepted escalation up to supervisors against a senior accepting it.
// Both lock the ticket before the escalation, so one waits for the other:
// neither may fail with a deadlock (SQLSTATE 40P01), and the escalation ends
// in one consistent state.
func TestBreachRacingAcceptNeverDeadlocks(t *testing.T) {
	e := newDeskEnv(t)
	e.savePolicy(t, e.highPolicy())
	for i := range 25 {
		e.clock.Set(hel(5, 10, 0))
		tk := e.newTicket(t, tickets.PriorityHigh)
		id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "technical_fault", Note: "Router."})
		tk = e.ticket(t, tk.ID)
		e.clock.Set(tk.FirstResponseDue.Add(2 * time.Hour)) // past the supervisors' level
		var wg sync.WaitGroup
		var acceptErr, fireErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			acceptErr = e.svc.Accept(e.ctx, e.senior, id)
		}()
		go func() {
			defer wg.Done()
			_, fireErr = e.svc.FireSLA(e.ctx, escalation.SLAArgs{TicketID: tk.ID, Target: "first_response",
				Due: *tk.FirstResponseDue})
		}()
		wg.Wait()
		for name, err := range map[string]error{"accept": acceptErr, "fire": fireErr} {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "40P01" {
				t.Fatalf("round %d: %s deadlocked: %v", i, name, err)
			}
			if err != nil && apperr.KindOf(err) == apperr.Internal {
				t.Fatalf("round %d: %s: %v", i, name, err)
			}
		}
		// Either the senior accepted first (and keeps it), or the clock moved
		// it to supervisors first (and the senior's accept was refused).
		got := e.escalation(t, id)
		switch {
		case acceptErr == nil && got.Status != escalation.StatusAccepted:
			t.Fatalf("round %d: accepted, then status %s", i, got.Status)
		case acceptErr != nil && got.Status != escalation.StatusEscalated:
			t.Fatalf("round %d: accept refused (%v), status %s", i, acceptErr, got.Status)
		}
	}
}
