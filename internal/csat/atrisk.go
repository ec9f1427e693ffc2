package csat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// At-risk customers are ranked by a score anyone can check by hand: over the
// last RiskWindow, points per signal, shown beside each customer.
const (
	RiskWindow = 30 * 24 * time.Hour

	PointsRepeatContact = 2 // each ticket beyond the first created in the window
	PointsBadCSAT       = 5 // each bad answer given or changed in the window
	PointsSLABreach     = 3 // each SLA deadline breached in the window
	PointsReopened      = 2 // each time a solved ticket was reopened in the window
	PointsLongWait      = 1 // each ticket of the window whose first response came after its target (or is overdue)

	// MaxRiskPage is the most customers one page lists.
	MaxRiskPage = 100
)

// The reason keys, in the order they are shown.
const (
	ReasonRepeatContacts = "repeat_contacts"
	ReasonBadCSAT        = "bad_csat"
	ReasonSLABreaches    = "sla_breaches"
	ReasonReopened       = "reopened"
	ReasonLongWaits      = "long_waits"
)

// RiskReason is one signal of a customer's score: how often, and the points.
type RiskReason struct {
	Key    string
	Count  int
	Points int
}

// AtRiskCustomer is one customer of the list, with the reasons for the score.
type AtRiskCustomer struct {
	CustomerID     int64
	Name           string
	Email          string
	Score          int
	Contacts       int // tickets created in the window
	Reasons        []RiskReason
	LatestTicketID int64
	LatestSubject  string
}

// RiskCursor is where the next page starts: after this score and customer.
type RiskCursor struct {
	Score      int
	CustomerID int64
}

// RiskPage is one page of the ranked list.
type RiskPage struct {
	Since     time.Time
	Customers []AtRiskCustomer
	Next      *RiskCursor // nil on the last page
}

// sqlAtRisk scores every customer with a signal since $1 (at $2) and returns
// a page of them, highest score first, after the cursor ($8 false: from the
// top). Each signal has its own window index (migration 00008).
const sqlAtRisk = `
WITH contacts AS (
    SELECT customer_id, count(*) AS n FROM tickets WHERE created_at >= $1 GROUP BY customer_id
), bad AS (
    SELECT t.customer_id, count(*) AS n
    FROM csat_responses r JOIN tickets t ON t.id = r.ticket_id
    WHERE r.rating = 'bad' AND r.changed_at >= $1 GROUP BY t.customer_id
), breaches AS (
    SELECT t.customer_id, count(*) AS n
    FROM sla_firings f JOIN tickets t ON t.id = f.ticket_id
    WHERE f.level = 'breached' AND f.fired_at >= $1 GROUP BY t.customer_id
), reopens AS (
    SELECT t.customer_id, count(*) AS n
    FROM events e JOIN tickets t ON t.id = e.subject_id
    WHERE e.action = 'ticket.reopened' AND e.subject_type = 'ticket' AND e.created_at >= $1
    GROUP BY t.customer_id
), waits AS (
    SELECT customer_id, count(*) AS n FROM tickets
    WHERE created_at >= $1 AND first_response_due IS NOT NULL
      AND coalesce(first_response_at, $2) > first_response_due
    GROUP BY customer_id
), scored AS (
    SELECT c.id, c.name, coalesce(c.email::text, '') AS email,
           coalesce(ct.n, 0) AS contacts, coalesce(b.n, 0) AS bad, coalesce(br.n, 0) AS breaches,
           coalesce(ro.n, 0) AS reopens, coalesce(wt.n, 0) AS waits,
           $3 * greatest(coalesce(ct.n, 0) - 1, 0) + $4 * coalesce(b.n, 0) + $5 * coalesce(br.n, 0)
             + $6 * coalesce(ro.n, 0) + $7 * coalesce(wt.n, 0) AS score
    FROM customers c
    LEFT JOIN contacts ct ON ct.customer_id = c.id
    LEFT JOIN bad b ON b.customer_id = c.id
    LEFT JOIN breaches br ON br.customer_id = c.id
    LEFT JOIN reopens ro ON ro.customer_id = c.id
    LEFT JOIN waits wt ON wt.customer_id = c.id
    WHERE c.id IN (SELECT customer_id FROM contacts UNION SELECT customer_id FROM bad
                   UNION SELECT customer_id FROM breaches UNION SELECT customer_id FROM reopens)
)
SELECT s.id, s.name, s.email, s.contacts, s.bad, s.breaches, s.reopens, s.waits, s.score,
       coalesce(l.id, 0), coalesce(l.subject, '')
FROM scored s
LEFT JOIN LATERAL (SELECT t.id, t.subject FROM tickets t WHERE t.customer_id = s.id ORDER BY t.id DESC LIMIT 1) l ON true
WHERE s.score > 0 AND (NOT $8 OR (s.score, s.id) < ($9::bigint, $10::bigint))
ORDER BY s.score DESC, s.id DESC
LIMIT $11`

// AtRisk returns a page of at-risk customers (at most limit, capped at
// MaxRiskPage), highest score first; after is nil for the first page.
func (s *Store) AtRisk(ctx context.Context, after *RiskCursor, limit int) (RiskPage, error) {
	if limit <= 0 || limit > MaxRiskPage {
		limit = MaxRiskPage
	}
	now := s.now()
	page := RiskPage{Since: now.Add(-RiskWindow)}
	var cur RiskCursor
	if after != nil {
		cur = *after
	}
	rows, err := s.db.Query(ctx, sqlAtRisk, page.Since, now,
		PointsRepeatContact, PointsBadCSAT, PointsSLABreach, PointsReopened, PointsLongWait,
		after != nil, cur.Score, cur.CustomerID, limit+1)
	if err != nil {
		return page, fmt.Errorf("at-risk customers: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AtRiskCustomer, error) {
		var c AtRiskCustomer
		var bad, breaches, reopens, waits int
		err := r.Scan(&c.CustomerID, &c.Name, &c.Email, &c.Contacts, &bad, &breaches, &reopens, &waits, &c.Score,
			&c.LatestTicketID, &c.LatestSubject)
		c.Reasons = reasons(c.Contacts, bad, breaches, reopens, waits)
		return c, err
	})
	if err != nil {
		return page, fmt.Errorf("at-risk customers: %w", err)
	}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		page.Next = &RiskCursor{Score: last.Score, CustomerID: last.CustomerID}
	}
	page.Customers = list
	return page, nil
}

// reasons lists the signals that scored, with their points; their sum is the score.
func reasons(contacts, bad, breaches, reopens, waits int) []RiskReason {
	var out []RiskReason
	add := func(key string, n, per int) {
		if n > 0 {
			out = append(out, RiskReason{Key: key, Count: n, Points: n * per})
		}
	}
	add(ReasonRepeatContacts, max(contacts-1, 0), PointsRepeatContact)
	add(ReasonBadCSAT, bad, PointsBadCSAT)
	add(ReasonSLABreaches, breaches, PointsSLABreach)
	add(ReasonReopened, reopens, PointsReopened)
	add(ReasonLongWaits, waits, PointsLongWait)
	return out
}

// sqlAssignee checks a follow-up owner: an active staff member below admin.
const sqlAssignee = `SELECT active AND role <> 'admin' FROM users WHERE id = $1`

// sqlLatestTicket is a customer's newest ticket, locked for the follow-up.
const sqlLatestTicket = `SELECT id FROM tickets WHERE customer_id = $1 ORDER BY id DESC LIMIT 1 FOR UPDATE`

// AssignProactive gives ownerID a proactive follow-up on the newest ticket of
// customerID, and notifies them; it returns the ticket. Supervisors only. A
// ticket with an open follow-up is refused (Conflict): one loop at a time.
func (s *Store) AssignProactive(ctx context.Context, u staff.User, customerID, ownerID int64) (int64, error) {
	if !u.Role.AtLeast(staff.RoleSupervisor) {
		return 0, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	var ticketID int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, sqlAssignee, ownerID).Scan(&ok)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !ok) {
			return apperr.InvalidFields(map[string]string{"owner_id": "atrisk_error_owner"})
		}
		if err != nil {
			return fmt.Errorf("check follow-up owner: %w", err)
		}
		err = tx.QueryRow(ctx, sqlLatestTicket, customerID).Scan(&ticketID)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "atrisk_error_no_ticket")
		}
		if err != nil {
			return fmt.Errorf("latest ticket of customer %d: %w", customerID, err)
		}
		var open bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow_ups WHERE ticket_id = $1 AND done_at IS NULL)`, ticketID).Scan(&open); err != nil {
			return fmt.Errorf("check open follow-up: %w", err)
		}
		if open {
			return apperr.New(apperr.Conflict, "atrisk_error_open_follow_up")
		}
		if err := s.esc.CreateFollowUpTx(ctx, tx, ticketID, ownerID, "proactive"); err != nil {
			return err
		}
		return s.esc.NotifyTx(ctx, tx, []int64{ownerID}, ticketID, "follow_up_assigned", map[string]any{"by": u.ID})
	})
	return ticketID, err
}
