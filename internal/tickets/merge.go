package tickets

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Merge folds duplicate dupID into survivorID: the duplicate's messages move
// to the survivor, the duplicate closes pointing at it, and the customer's
// status links of both keep working (TicketByToken follows merged_into).
// Only tickets of the same customer merge (others can be linked as related),
// and closing the duplicate passes the close guard: a duplicate with an open
// escalation, transfer or follow-up is refused, so that work is finished
// where it started rather than moved behind someone's back.
func (s *Store) Merge(ctx context.Context, a Actor, dupID, survivorID int64) error {
	if dupID == survivorID {
		return apperr.InvalidFields(map[string]string{"target": "error_merge_self"})
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock both rows in id order so two opposite merges cannot deadlock.
		first, second := min(dupID, survivorID), max(dupID, survivorID)
		a1, err := getTx(ctx, tx, first, true)
		if err != nil {
			return targetNotFound(err)
		}
		a2, err := getTx(ctx, tx, second, true)
		if err != nil {
			return targetNotFound(err)
		}
		dup, surv := a1, a2
		if dup.ID != dupID {
			dup, surv = a2, a1
		}
		if !a.CanSee(dup) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		if !a.CanSee(surv) {
			return apperr.InvalidFields(map[string]string{"target": "error_merge_target_not_found"})
		}
		if dup.Status == StatusClosed || surv.Status == StatusClosed {
			return apperr.InvalidFields(map[string]string{"target": "error_merge_closed"})
		}
		if dup.Customer.ID != surv.Customer.ID {
			return apperr.InvalidFields(map[string]string{"target": "error_merge_other_customer"})
		}
		if err := guardTx(ctx, tx, dup.ID, StatusClosed); err != nil {
			if bs := BlockersOf(err); bs != nil {
				return apperr.InvalidFields(map[string]string{"target": "error_merge_open_work"})
			}
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE messages SET ticket_id = $2 WHERE ticket_id = $1`, dup.ID, surv.ID); err != nil {
			return fmt.Errorf("move messages: %w", err)
		}
		if _, err := tx.Exec(ctx, `
UPDATE tickets SET search = search || (SELECT search FROM tickets WHERE id = $1), version = version + 1, updated_at = $3
WHERE id = $2`, dup.ID, surv.ID, now); err != nil {
			return fmt.Errorf("merge search: %w", err)
		}
		if _, err := tx.Exec(ctx, `
UPDATE tickets SET merged_into = $2, status = 'closed', closed_at = $3, updated_at = $3, version = version + 1
WHERE id = $1`, dup.ID, surv.ID, now); err != nil {
			return fmt.Errorf("close duplicate: %w", err)
		}
		if err := RecordEventTx(ctx, tx, now, dup.ID, a.UserID, "ticket.merged_into", map[string]any{"old": dup.Status, "new": surv.ID}); err != nil {
			return err
		}
		if err := RecordEventTx(ctx, tx, now, surv.ID, a.UserID, "ticket.merged_from", map[string]any{"new": dup.ID}); err != nil {
			return err
		}
		// The duplicate's CC'd people are copied on the survivor's replies too
		// (up to MaxCC), so their mail keeps threading.
		ccs, err := ccAddressesTx(ctx, tx, dup.ID)
		if err != nil {
			return err
		}
		for _, email := range ccs {
			if strings.EqualFold(email, surv.Customer.Email) {
				continue
			}
			if _, err := s.addCCTx(ctx, tx, surv.ID, email, a.UserID, now); err != nil {
				return err
			}
		}
		if err := s.afterChangeTx(ctx, tx, dup.ID); err != nil {
			return err
		}
		return s.afterChangeTx(ctx, tx, surv.ID)
	})
}

func targetNotFound(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return apperr.InvalidFields(map[string]string{"target": "error_merge_target_not_found"})
	}
	return err
}

// LinkKind is how two tickets relate.
type LinkKind string

// The link kinds: other is the parent of ticket, or just related.
const (
	LinkParent  LinkKind = "parent"
	LinkRelated LinkKind = "related"
)

// Link is a relation to another ticket, seen from one ticket. Subject and
// Status are those of the other ticket, empty when Hidden: the viewer may
// not open it (Actor.CanSee), so only its number and the relation are shown.
type Link struct {
	Kind    string // parent, child, related
	Other   int64
	Subject string
	Status  Status
	Hidden  bool
}

// AddLink records that otherID is the parent of id, or related to it.
func (s *Store) AddLink(ctx context.Context, a Actor, id, otherID int64, kind LinkKind) error {
	if kind != LinkParent && kind != LinkRelated {
		return apperr.InvalidFields(map[string]string{"kind": "error_invalid_choice"})
	}
	if id == otherID {
		return apperr.InvalidFields(map[string]string{"other": "error_link_self"})
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := getTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		o, err := getTx(ctx, tx, otherID, false)
		if err != nil || !a.CanSee(o) {
			return apperr.InvalidFields(map[string]string{"other": "error_link_target_not_found"})
		}
		if !a.CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO ticket_links (ticket_id, other_id, kind, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (ticket_id, other_id) DO UPDATE SET kind = EXCLUDED.kind`, id, otherID, kind, s.now()); err != nil {
			return fmt.Errorf("link: %w", err)
		}
		return RecordEventTx(ctx, tx, s.now(), id, a.UserID, "ticket.linked", map[string]any{"new": otherID, "kind": kind})
	})
}

// sqlLinks lists ticket $1's relations in both directions. The other
// ticket's subject and status leave the database only when the actor ($2
// SeeAll, $3 TeamIDs, $4 UserID) may see it: the rule of visibleSQL.
var sqlLinks = `
SELECT kind, id, CASE WHEN visible THEN subject ELSE '' END, CASE WHEN visible THEN status::text ELSE '' END, NOT visible
FROM (
    SELECT CASE WHEN l.kind = 'parent' THEN 'parent' ELSE 'related' END AS kind, t.id, t.subject, t.status,
           coalesce(` + visibleSQL("$2", "$3", "$4") + `, false) AS visible
    FROM ticket_links l JOIN tickets t ON t.id = l.other_id WHERE l.ticket_id = $1
    UNION ALL
    SELECT CASE WHEN l.kind = 'parent' THEN 'child' ELSE 'related' END, t.id, t.subject, t.status,
           coalesce(` + visibleSQL("$2", "$3", "$4") + `, false)
    FROM ticket_links l JOIN tickets t ON t.id = l.ticket_id WHERE l.other_id = $1
) x
ORDER BY id`

// Links lists ticket id's relations in both directions, as a sees them:
// a linked ticket a may not open is only a number (Link.Hidden).
func (s *Store) Links(ctx context.Context, a Actor, id int64) ([]Link, error) {
	rows, err := s.db.Query(ctx, sqlLinks, id, a.SeeAll, a.TeamIDs, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("links of %d: %w", id, err)
	}
	return pgx.CollectRows(rows, scanLink)
}

func scanLink(r pgx.CollectableRow) (Link, error) {
	var l Link
	return l, r.Scan(&l.Kind, &l.Other, &l.Subject, &l.Status, &l.Hidden)
}
