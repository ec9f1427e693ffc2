package escalation_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// TestLoopClosesAlways is a model-based test of the closed loop. Each of its
// sequences (200 by default; more with -rapid.checks=N) runs random steps
// through every path that creates, works, hands over, solves, closes or
// merges a ticket: a rep's intake (the API calls the same), the web form,
// email, replies and notes, Take it, status changes, escalations and
// transfers and everything seniors and supervisors do with them, merges and
// links, customer replies by status page and mail, CSAT answers, follow-ups
// and SLA breaches. After every step it checks the invariants against the
// database:
//
//   - no ticket is solved or closed with an open escalation, transfer or follow-up;
//   - once a staff member acted on a ticket (reply, note, status, escalation, take), it has an owner;
//   - an open follow-up belongs to the ticket's loop owner;
//   - every hand-back of an owned ticket leaves exactly one open follow-up for its owner,
//     made by that hand-back unless one was open already;
//   - a status link shows only its own customer's ticket and messages;
//   - a ticket the front line's automatic assignment gave out went to a rep
//     of the team who is not away and is now at most at the team's cap.
func TestLoopClosesAlways(t *testing.T) {
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == f.DefValue {
		if err := f.Value.Set("200"); err != nil {
			t.Fatal(err)
		}
	}
	var seq atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		// Each sequence gets its own desk, so that a failure shrinks and
		// replays from the same start.
		ctx := t.Context()
		db := pgtest.New(t)
		defer db.Close()
		clock := escalationtest.NewClock(hel(5, 10, 0))
		ts, svc := escalation.Wire(db, clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{FollowUpHours: 4})
		surveys := csat.NewStore(db, svc, clock.Now, ticketstest.BaseURL)
		people := staff.NewStore(db, clock.Now)

		front := ticketstest.Team(ctx, t, db, "Front line")
		seniors := ticketstest.Team(ctx, t, db, "Seniors")
		warehouse := ticketstest.Team(ctx, t, db, "Warehouse")
		escalationtest.SetTier(ctx, t, db, seniors, 2)
		rep := escalationtest.User(ctx, t, db, staff.RoleRep, front)
		rep2 := escalationtest.User(ctx, t, db, staff.RoleRep, front)
		clerk := escalationtest.User(ctx, t, db, staff.RoleRep, warehouse)
		senior := escalationtest.User(ctx, t, db, staff.RoleSenior, seniors)
		sup := escalationtest.User(ctx, t, db, staff.RoleSupervisor)
		everyone := []staff.User{rep, rep2, clerk, senior, sup}
		// Every ticket of priority normal has a resolution target, so the
		// SLA clock can breach and escalate by itself.
		if err := svc.SavePolicy(ctx, sup.ID, escalation.Policy{Name: "Normal", Priority: tickets.PriorityNormal,
			FirstResponse: time.Hour, NextResponse: 2 * time.Hour, Resolution: 4 * time.Hour, AtRiskPercent: 75}); err != nil {
			t.Fatal(err)
		}
		m := &loopModel{tokens: map[int64]statusLink{}}
		// must fails the sequence on anything but a refusal a user could
		// meet (invalid input, a conflict, not found, forbidden).
		must := func(step string, err error) bool {
			if err != nil && apperr.KindOf(err) == apperr.Internal {
				rt.Fatalf("%s: %v", step, err)
			}
			return err == nil
		}
		pickTicket := func() (int64, bool) {
			if len(m.tickets) == 0 {
				return 0, false
			}
			return rapid.SampledFrom(m.tickets).Draw(rt, "ticket"), true
		}
		pickUser := func() staff.User { return rapid.SampledFrom(everyone).Draw(rt, "user") }
		pickEscalation := func() (escalation.Escalation, bool) {
			var open []escalation.Escalation
			for _, id := range m.tickets {
				list, err := svc.ForTicket(ctx, id)
				if err != nil {
					rt.Fatal(err)
				}
				for _, e := range list {
					if e.Open() {
						open = append(open, e)
					}
				}
			}
			if len(open) == 0 {
				return escalation.Escalation{}, false
			}
			return rapid.SampledFrom(open).Draw(rt, "escalation"), true
		}
		// checkAssigned: a web or mail ticket that automatic assignment gave
		// out went to a front-line rep who is in and not over the cap.
		checkAssigned := func(id int64) {
			var owner int64
			err := db.QueryRow(ctx, `SELECT coalesce((data->>'new')::bigint, 0) FROM events
WHERE subject_type = 'ticket' AND subject_id = $1 AND action = 'ticket.assigned'`, id).Scan(&owner)
			if errors.Is(err, pgx.ErrNoRows) {
				return
			}
			if err != nil {
				rt.Fatal(err)
			}
			a, err := people.TeamAssignment(ctx, front)
			if err != nil {
				rt.Fatal(err)
			}
			for _, mb := range a.Members {
				if mb.UserID == owner {
					if !mb.Assignable() || (a.Capacity > 0 && mb.Open > a.Capacity) {
						rt.Fatalf("ticket %d assigned to %+v under %s cap %d", id, mb, a.Mode, a.Capacity)
					}
					return
				}
			}
			rt.Fatalf("ticket %d assigned to %d, not of the front line", id, owner)
		}
		newMail := func() string { return fmt.Sprintf("loop-%d@example.com", seq.Add(1)) }
		// A customer of an earlier ticket comes back, or a new one writes.
		customerEmail := func() string {
			if len(m.emails) > 0 && rapid.Bool().Draw(rt, "known customer") {
				return rapid.SampledFrom(m.emails).Draw(rt, "email")
			}
			return newMail()
		}

		rt.Repeat(map[string]func(*rapid.T){
			"create by a rep": func(rt *rapid.T) {
				u := rapid.SampledFrom([]staff.User{rep, rep2, clerk}).Draw(rt, "rep")
				tk, _, err := ts.Create(ctx, escalation.ActorOf(u), tickets.NewTicket{CustomerName: "Caller", CustomerEmail: customerEmail(),
					Subject: "Phone call", Body: "The parcel is late.", Channel: "phone", Priority: tickets.PriorityNormal})
				if must("create", err) {
					m.add(tk)
				}
			},
			"create by the web form": func(rt *rapid.T) {
				tk, token, err := ts.CreatePublic(ctx, tickets.NewPublicTicket{Name: "Web customer", Email: customerEmail(), Subject: "Web form", Message: "Help, please."})
				if must("create public", err) {
					checkAssigned(tk.ID)
					m.add(tk)
					m.tokens[tk.ID] = statusLink{token: token, customerID: tk.Customer.ID}
				}
			},
			"create by email": func(rt *rapid.T) {
				res, err := ts.ReceiveEmail(ctx, tickets.InboundEmail{MessageID: fmt.Sprintf("<m%d@example.com>", seq.Add(1)),
					FromName: "Mailer", FromEmail: customerEmail(), Subject: "By mail", Body: "Where is my order?"})
				if must("receive email", err) {
					checkAssigned(res.TicketID)
					m.addID(ctx, rt, ts, res.TicketID)
				}
			},
			"bulk action from a queue": func(rt *rapid.T) {
				if len(m.tickets) == 0 {
					rt.Skip("no ticket")
				}
				ids := rapid.SliceOfNDistinct(rapid.SampledFrom(m.tickets), 1, 3, rapid.ID[int64]).Draw(rt, "tickets")
				op := rapid.SampledFrom([]tickets.BulkOp{
					{Kind: tickets.BulkTake},
					{Kind: tickets.BulkStatus, Status: rapid.SampledFrom(tickets.Statuses).Draw(rt, "status")},
					{Kind: tickets.BulkPriority, Priority: tickets.PriorityHigh},
					{Kind: tickets.BulkTag, Tag: "bulk"},
					{Kind: tickets.BulkAssign, OwnerID: rapid.SampledFrom(everyone).Draw(rt, "owner").ID},
				}).Draw(rt, "op")
				u := pickUser()
				if op.Kind == tickets.BulkAssign {
					u = sup
				}
				res, err := ts.Bulk(ctx, escalation.ActorOf(u), op, ids)
				if must("bulk", err) {
					for _, r := range res {
						must(fmt.Sprintf("bulk %s #%d", op.Kind, r.TicketID), r.Err)
					}
				}
			},
			"set the front line's assignment": func(rt *rapid.T) {
				langs := func(label string) []string {
					return rapid.SliceOfDistinct(rapid.SampledFrom([]string{"en", "fi", "vi", "hi"}), rapid.ID[string]).Draw(rt, label)
				}
				must("assignment", people.SaveTeamAssignment(ctx, sup.ID, front, staff.AssignmentEdit{
					Mode:     rapid.SampledFrom(tickets.AssignModes).Draw(rt, "mode"),
					Capacity: rapid.IntRange(0, 3).Draw(rt, "capacity"),
					Skills:   map[int64]staff.Skills{rep.ID: {Languages: langs("rep speaks")}, rep2.ID: {Languages: langs("rep2 speaks")}},
				}))
			},
			"away or back": func(rt *rapid.T) {
				u := rapid.SampledFrom([]staff.User{rep, rep2}).Draw(rt, "who")
				must("away", people.SetAway(ctx, sup.ID, u.ID, rapid.Bool().Draw(rt, "away")))
			},
			"reply or note": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				kind := rapid.SampledFrom([]tickets.MessageKind{tickets.MessagePublic, tickets.MessageInternal}).Draw(rt, "kind")
				set := rapid.SampledFrom([]tickets.Status{"", tickets.StatusPending, tickets.StatusSolved}).Draw(rt, "set status")
				_, err := ts.AddReply(ctx, escalation.ActorOf(pickUser()), id, tickets.Reply{Kind: kind, Body: "We are on it.", SetStatus: set})
				must("reply", err)
			},
			"bulk status from a queue": func(rt *rapid.T) {
				if len(m.tickets) == 0 {
					rt.Skip("no ticket")
				}
				ids := rapid.SliceOfNDistinct(rapid.SampledFrom(m.tickets), 1, 4, rapid.ID[int64]).Draw(rt, "tickets")
				to := rapid.SampledFrom([]tickets.Status{tickets.StatusSolved, tickets.StatusClosed, tickets.StatusPending}).Draw(rt, "status")
				res, err := ts.Bulk(ctx, escalation.ActorOf(pickUser()), tickets.BulkOp{Kind: tickets.BulkStatus, Status: to}, ids)
				must("bulk", err)
				for _, r := range res {
					must("bulk one", r.Err)
				}
			},
			"take": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				_, err := ts.Take(ctx, escalation.ActorOf(pickUser()), id, rapid.Bool().Draw(rt, "confirm"))
				must("take", err)
			},
			"set status": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				to := rapid.SampledFrom(tickets.Statuses).Draw(rt, "status")
				cur, err := tickets.GetTx(ctx, db, id, false)
				if err != nil {
					rt.Fatal(err)
				}
				_, err = ts.Update(ctx, escalation.ActorOf(pickUser()), id, tickets.Changes{Version: cur.Version, Status: &to})
				must("set status", err)
			},
			"escalate or transfer": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				r := rapid.SampledFrom([]escalation.Request{
					{Kind: "escalation", Target: fmt.Sprintf("user:%d", senior.ID)},
					{Kind: "escalation", Target: fmt.Sprintf("team:%d", seniors)},
					{Kind: "escalation", Target: "supervisors"},
					{Kind: "transfer", Target: fmt.Sprintf("team:%d", warehouse)},
				}).Draw(rt, "target")
				r.Reason, r.Note = "needs_expertise", "Please help."
				_, err := svc.Escalate(ctx, rapid.SampledFrom([]staff.User{rep, rep2, sup}).Draw(rt, "escalator"), id, r)
				must("escalate", err)
			},
			"accept": func(rt *rapid.T) {
				e, ok := pickEscalation()
				if !ok {
					rt.Skip("nothing escalated")
				}
				must("accept", svc.Accept(ctx, pickUser(), e.ID))
			},
			"hand back": func(rt *rapid.T) {
				e, ok := pickEscalation()
				if !ok {
					rt.Skip("nothing escalated")
				}
				var openBefore bool
				if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow_ups WHERE ticket_id = $1 AND done_at IS NULL)`, e.TicketID).Scan(&openBefore); err != nil {
					rt.Fatal(err)
				}
				if !must("return", svc.Return(ctx, pickUser(), e.ID, "Done: refund made.")) {
					return
				}
				tk, err := tickets.GetTx(ctx, db, e.TicketID, false)
				if err != nil {
					rt.Fatal(err)
				}
				if tk.OwnerID == 0 {
					rt.Fatalf("ticket %d handed back has no loop owner", tk.ID)
				}
				var made, openForOwner int
				if err := db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM follow_ups WHERE escalation_id = $1),
       (SELECT count(*) FROM follow_ups WHERE ticket_id = $2 AND done_at IS NULL AND owner_id = $3)`,
					e.ID, tk.ID, tk.OwnerID).Scan(&made, &openForOwner); err != nil {
					rt.Fatal(err)
				}
				want := 1
				if openBefore {
					want = 0 // the open follow-up stays: one open loop per ticket
				}
				if made != want || openForOwner != 1 {
					rt.Fatalf("hand-back of escalation %d (ticket %d): %d follow-ups made, %d open for the owner; want %d and 1", e.ID, tk.ID, made, openForOwner, want)
				}
			},
			"de-escalate": func(rt *rapid.T) {
				e, ok := pickEscalation()
				if !ok {
					rt.Skip("nothing escalated")
				}
				must("de-escalate", svc.Deescalate(ctx, rapid.SampledFrom([]staff.User{sup, senior}).Draw(rt, "who"), e.ID, "Not needed."))
			},
			"escalate further": func(rt *rapid.T) {
				e, ok := pickEscalation()
				if !ok {
					rt.Skip("nothing escalated")
				}
				must("escalate further", svc.EscalateFurther(ctx, pickUser(), e.ID, "Above my level."))
			},
			"merge": func(rt *rapid.T) {
				if len(m.tickets) < 2 {
					rt.Skip("fewer than two tickets")
				}
				dup := rapid.SampledFrom(m.tickets).Draw(rt, "duplicate")
				surv := rapid.SampledFrom(m.tickets).Draw(rt, "survivor")
				must("merge", ts.Merge(ctx, escalation.ActorOf(pickUser()), dup, surv))
			},
			"link": func(rt *rapid.T) {
				if len(m.tickets) < 2 {
					rt.Skip("fewer than two tickets")
				}
				a := rapid.SampledFrom(m.tickets).Draw(rt, "ticket")
				b := rapid.SampledFrom(m.tickets).Draw(rt, "other")
				must("link", ts.AddLink(ctx, escalation.ActorOf(pickUser()), a, b, tickets.LinkRelated))
			},
			"customer replies on the status page": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				target, err := ts.AddCustomerMessage(ctx, id, "Any news?")
				if must("customer reply", err) {
					m.addID(ctx, rt, ts, target) // a closed ticket's reply opens a follow-up ticket
				}
			},
			"customer replies by mail": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				tk, err := tickets.GetTx(ctx, db, id, false)
				if err != nil {
					rt.Fatal(err)
				}
				if tk.Customer.Email == "" {
					rt.Skip("no email")
				}
				res, err := ts.ReceiveEmail(ctx, tickets.InboundEmail{MessageID: fmt.Sprintf("<r%d@example.com>", seq.Add(1)),
					FromEmail: tk.Customer.Email, Subject: "Re: " + tk.Subject, Body: "Still waiting.", TicketNumber: id})
				if must("mail reply", err) {
					m.addID(ctx, rt, ts, res.TicketID)
				}
			},
			"bad CSAT answer": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				_, err := surveys.Answer(ctx, id, csat.Answer{Rating: "bad", Reason: "solution"})
				must("csat", err)
				// A bad answer on a closed ticket opens a follow-up ticket.
				var latest int64
				if err := db.QueryRow(ctx, `SELECT max(id) FROM tickets`).Scan(&latest); err != nil {
					rt.Fatal(err)
				}
				m.addID(ctx, rt, ts, latest)
			},
			"record the follow-up": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				fu, err := svc.OpenFollowUp(ctx, id)
				if err != nil {
					rt.Fatal(err)
				}
				u := pickUser()
				if fu != nil && rapid.Bool().Draw(rt, "as the owner") {
					for _, x := range everyone {
						if x.ID == fu.OwnerID {
							u = x
						}
					}
				}
				confirmed := rapid.SampledFrom([]string{"yes", "no"}).Draw(rt, "solved")
				must("record follow-up", svc.RecordFollowUp(ctx, u, id, escalation.FollowUpResult{Method: "phone", Confirmed: confirmed}))
			},
			"SLA breach": func(rt *rapid.T) {
				id, ok := pickTicket()
				if !ok {
					rt.Skip("no ticket")
				}
				tk, err := tickets.GetTx(ctx, db, id, false)
				if err != nil {
					rt.Fatal(err)
				}
				if tk.ResolutionDue == nil {
					rt.Skip("no resolution deadline")
				}
				if clock.Now().Before(*tk.ResolutionDue) {
					clock.Set(tk.ResolutionDue.Add(time.Second))
				}
				_, err = svc.FireSLA(ctx, escalation.SLAArgs{TicketID: id, Target: "resolution", Due: *tk.ResolutionDue})
				must("sla breach", err)
			},
			"": func(rt *rapid.T) { checkLoopInvariants(rt, ctx, db, ts, m) },
		})
	})
}

// loopModel is what a sequence has made: its tickets, the customers'
// addresses, and the status links the web form gave out.
type loopModel struct {
	tickets []int64
	emails  []string
	tokens  map[int64]statusLink
}

type statusLink struct {
	token      string
	customerID int64
}

func (m *loopModel) add(tk tickets.Ticket) {
	if !slices.Contains(m.tickets, tk.ID) {
		m.tickets = append(m.tickets, tk.ID)
	}
	if tk.Customer.Email != "" && !slices.Contains(m.emails, tk.Customer.Email) {
		m.emails = append(m.emails, tk.Customer.Email)
	}
}

func (m *loopModel) addID(ctx context.Context, rt *rapid.T, ts *tickets.Store, id int64) {
	if id == 0 || slices.Contains(m.tickets, id) {
		return
	}
	tk, err := ts.Get(ctx, tickets.Actor{SeeAll: true}, id)
	if err != nil {
		rt.Fatalf("read ticket %d: %v", id, err)
	}
	m.add(tk)
}

// sqlLoopViolations finds tickets that break the loop's rules, anywhere in
// the database: solved or closed with open work; acted on by staff yet
// without an owner; an open follow-up that is not the owner's.
const sqlLoopViolations = `
SELECT 'solved or closed with open work', t.id FROM tickets t
WHERE t.status IN ('solved', 'closed')
  AND (EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = t.id AND e.status IN ('requested', 'accepted'))
       OR EXISTS (SELECT 1 FROM follow_ups f WHERE f.ticket_id = t.id AND f.done_at IS NULL))
UNION ALL
SELECT 'staff acted but no owner', t.id FROM tickets t
WHERE t.owner_id IS NULL
  AND EXISTS (SELECT 1 FROM events e WHERE e.subject_type = 'ticket' AND e.subject_id = t.id AND e.actor_id IS NOT NULL
              AND e.action IN ('ticket.replied', 'ticket.note_added', 'ticket.status_changed', 'ticket.reopened',
                               'ticket.escalated', 'ticket.taken'))
UNION ALL
SELECT 'open follow-up not the owner''s', f.ticket_id FROM follow_ups f JOIN tickets t ON t.id = f.ticket_id
WHERE f.done_at IS NULL AND f.owner_id IS DISTINCT FROM t.owner_id
UNION ALL
SELECT 'more than one follow-up for a hand-back', escalation_id FROM follow_ups
WHERE escalation_id IS NOT NULL GROUP BY escalation_id HAVING count(*) > 1`

func checkLoopInvariants(rt *rapid.T, ctx context.Context, db *pgxpool.Pool, ts *tickets.Store, m *loopModel) {
	rows, err := db.Query(ctx, sqlLoopViolations)
	if err != nil {
		rt.Fatal(err)
	}
	type violation struct {
		Rule string
		ID   int64
	}
	bad, err := pgx.CollectRows(rows, pgx.RowToStructByPos[violation])
	if err != nil {
		rt.Fatal(err)
	}
	if len(bad) > 0 {
		rt.Fatalf("loop rules broken: %+v", bad)
	}
	// A status link shows only its own customer's ticket and messages.
	for id, link := range m.tokens {
		tk, err := ts.TicketByToken(ctx, link.token)
		if err != nil {
			rt.Fatalf("status link of ticket %d: %v", id, err)
		}
		if tk.Customer.ID != link.customerID {
			rt.Fatalf("status link of ticket %d (customer %d) shows ticket %d of customer %d", id, link.customerID, tk.ID, tk.Customer.ID)
		}
		var others int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND kind = 'public' AND author_customer_id <> $2`,
			tk.ID, link.customerID).Scan(&others); err != nil {
			rt.Fatal(err)
		}
		if others > 0 {
			rt.Fatalf("status link of ticket %d shows %d messages of other customers", id, others)
		}
	}
}
