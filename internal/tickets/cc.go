package tickets

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Persistent CC: people a ticket's public replies are copied to (a
// colleague of the customer, their manager). Reps add and remove them on the
// ticket page; a mail's Cc is only noted on the ticket (ticket.email_cc
// events), never added, since a mail's sender can be forged. A CC'd address
// may write to the ticket by mail as the customer can, which never changes
// the CC. Internal notes never reach them: only a
// public reply's mail names them (outbox.cc, copied when it is queued).

// MaxCC bounds the addresses copied on one ticket.
const MaxCC = 10

// CC is one address copied on a ticket.
type CC struct {
	Email   string
	AddedAt time.Time
	AddedBy int64 // the rep who added it; 0 for one carried over by the desk
}

const sqlListCC = `
SELECT email::text, added_at, coalesce(added_by, 0) FROM ticket_cc
WHERE ticket_id = $1
ORDER BY added_at, email`

func scanCC(row pgx.CollectableRow) (CC, error) {
	var c CC
	err := row.Scan(&c.Email, &c.AddedAt, &c.AddedBy)
	return c, err
}

// CCs lists ticket id's CC'd addresses, oldest first.
func (s *Store) CCs(ctx context.Context, id int64) ([]CC, error) {
	rows, err := s.db.Query(ctx, sqlListCC, id)
	if err != nil {
		return nil, fmt.Errorf("list cc of %d: %w", id, err)
	}
	list, err := pgx.CollectRows(rows, scanCC)
	if err != nil {
		return nil, fmt.Errorf("list cc of %d: %w", id, err)
	}
	return list, nil
}

// CCsBatch is CCs on a batch (the ticket page's one round trip).
func (s *Store) CCsBatch(b *pgx.Batch, id int64) func() ([]CC, error) {
	return postgres.QueueRows(b, fmt.Sprintf("list cc of %d", id), scanCC, sqlListCC, id)
}

// ccAddressesTx lists ticket id's CC'd addresses in tx.
func ccAddressesTx(ctx context.Context, tx pgx.Tx, id int64) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT email::text FROM ticket_cc WHERE ticket_id = $1 ORDER BY added_at, email`, id)
	if err != nil {
		return nil, fmt.Errorf("cc of %d: %w", id, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("cc of %d: %w", id, err)
	}
	return list, nil
}

// sqlAddCC adds $2 to ticket $1's CC unless it is there (any case) or the
// ticket has MaxCC already; it returns nothing then.
const sqlAddCC = `
INSERT INTO ticket_cc (ticket_id, email, added_at, added_by)
SELECT $1, $2, $3, $4
WHERE (SELECT count(*) FROM ticket_cc WHERE ticket_id = $1) < $5
ON CONFLICT (ticket_id, email) DO NOTHING
RETURNING email`

// normalizeCC cleans a typed address: trimmed, one "Name <a@b>" reduced
// to a@b.
func normalizeCC(email string) string {
	email = strings.TrimSpace(email)
	if i := strings.LastIndexByte(email, '<'); i >= 0 && strings.HasSuffix(email, ">") {
		email = strings.TrimSpace(email[i+1 : len(email)-1])
	}
	return email
}

// AddCC copies ticket id's public replies to email, with a ticket.cc_added
// event. The address must be valid, not the customer's own, and the ticket
// not closed or full (MaxCC); adding one already there changes nothing.
func (s *Store) AddCC(ctx context.Context, a Actor, id int64, email string) error {
	email = normalizeCC(email)
	if email == "" {
		return apperr.InvalidFields(map[string]string{"cc_email": "error_required"})
	}
	if len(email) > 254 || !validEmail(email) {
		return apperr.InvalidFields(map[string]string{"cc_email": "error_email_invalid"})
	}
	if !asciiAddress(email) {
		// Sent without SMTPUTF8, which relays need for such an address.
		return apperr.InvalidFields(map[string]string{"cc_email": "ccfix_cc_error_ascii"})
	}
	if s.ownAddress(email) {
		return apperr.InvalidFields(map[string]string{"cc_email": "mailout_cc_error_desk"})
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := getTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !a.CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		if t.Status == StatusClosed || t.MergedInto != 0 {
			return apperr.New(apperr.Conflict, "mailout_cc_error_closed")
		}
		if strings.EqualFold(email, t.Customer.Email) {
			return apperr.InvalidFields(map[string]string{"cc_email": "mailout_cc_error_customer"})
		}
		if desk, err := deskAddressTx(ctx, tx, email); err != nil || desk {
			if err != nil {
				return err
			}
			return apperr.InvalidFields(map[string]string{"cc_email": "mailout_cc_error_desk"})
		}
		added, err := s.addCCTx(ctx, tx, id, email, a.UserID, s.now())
		if err != nil || added {
			return err
		}
		var there bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_cc WHERE ticket_id = $1 AND email = $2)`, id, email).Scan(&there); err != nil {
			return fmt.Errorf("cc of %d: %w", id, err)
		}
		if there {
			return nil
		}
		return apperr.InvalidFields(map[string]string{"cc_email": "mailout_cc_error_full"})
	})
}

// asciiAddress reports whether email is written in ASCII alone, local part
// and domain: the outbox sends without SMTPUTF8.
func asciiAddress(email string) bool {
	for i := 0; i < len(email); i++ {
		if email[i] >= 0x80 {
			return false
		}
	}
	return true
}

// SetOwnAddresses tells the store the desk's configured addresses (the
// outbox's From, the addresses the mail listener takes mail for), as
// "a@b" or "Name <a@b>": none of them is ever copied on a ticket, as none of
// the mailboxes' is. Call it once, before the store serves.
func (s *Store) SetOwnAddresses(addrs []string) {
	s.own = map[string]bool{}
	for _, a := range addrs {
		if a = strings.ToLower(normalizeCC(a)); a != "" {
			s.own[a] = true
		}
	}
}

// ownAddress reports whether email is one of SetOwnAddresses'.
func (s *Store) ownAddress(email string) bool { return s.own[strings.ToLower(email)] }

// addCCTx adds email to ticket id's CC with its event (by rep userID) and
// reports whether it was added (false: there already, or full).
func (s *Store) addCCTx(ctx context.Context, tx pgx.Tx, id int64, email string, userID int64, now time.Time) (bool, error) {
	rows, err := tx.Query(ctx, sqlAddCC, id, email, now, postgres.NullID(userID), MaxCC)
	if err != nil {
		return false, fmt.Errorf("add cc to %d: %w", id, err)
	}
	added, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("add cc to %d: %w", id, err)
	}
	if len(added) == 0 {
		return false, nil
	}
	return true, RecordEventTx(ctx, tx, now, id, userID, "ticket.cc_added", map[string]any{"new": email})
}

// RemoveCC stops copying ticket id's replies to email, with a
// ticket.cc_removed event; an address not there is NotFound.
func (s *Store) RemoveCC(ctx context.Context, a Actor, id int64, email string) error {
	email = normalizeCC(email)
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := getTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !a.CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		var removed string
		err = tx.QueryRow(ctx, `DELETE FROM ticket_cc WHERE ticket_id = $1 AND email = $2 RETURNING email::text`, id, email).Scan(&removed)
		if err == pgx.ErrNoRows {
			return apperr.New(apperr.NotFound, "mailout_cc_error_not_found")
		}
		if err != nil {
			return fmt.Errorf("remove cc from %d: %w", id, err)
		}
		return RecordEventTx(ctx, tx, s.now(), id, a.UserID, "ticket.cc_removed", map[string]any{"old": removed})
	})
}

// recordMailCcTx notes on ticket id (that mail m opened or threaded into)
// the addresses of its Cc, one ticket.email_cc event each (at most MaxCC),
// so the reps see who else the mail went to. It never adds them to the
// ticket's CC: anyone can forge a mail "from" the customer, and a CC gets
// every later public reply, so only a rep adds one (AddCC).
func recordMailCcTx(ctx context.Context, tx pgx.Tx, id int64, m InboundEmail, now time.Time) error {
	seen := map[string]bool{strings.ToLower(m.FromEmail): true}
	n := 0
	for _, email := range m.Cc {
		if n == MaxCC {
			break
		}
		email = normalizeCC(email)
		key := strings.ToLower(email)
		if len(email) > 254 || !validEmail(email) || seen[key] {
			continue
		}
		if desk, err := deskAddressTx(ctx, tx, email); err != nil || desk {
			if err != nil {
				return err
			}
			continue
		}
		seen[key] = true
		n++
		if err := RecordEventTx(ctx, tx, now, id, 0, "ticket.email_cc", map[string]any{"new": email}); err != nil {
			return err
		}
	}
	return nil
}

// copyCCsTx gives ticket to the CC of ticket from (a follow-up of a closed
// ticket keeps its people), with a ticket.cc_added event by the system
// ("by": "follow_up") for each address copied.
func copyCCsTx(ctx context.Context, tx pgx.Tx, from, to int64, now time.Time) error {
	rows, err := tx.Query(ctx, `
INSERT INTO ticket_cc (ticket_id, email, added_at, added_by)
SELECT $2, email, $3, added_by FROM ticket_cc WHERE ticket_id = $1
ON CONFLICT DO NOTHING
RETURNING email::text`, from, to, now)
	if err != nil {
		return fmt.Errorf("copy cc from %d to %d: %w", from, to, err)
	}
	copied, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("copy cc from %d to %d: %w", from, to, err)
	}
	slices.Sort(copied)
	for _, email := range copied {
		if err := RecordEventTx(ctx, tx, now, to, 0, "ticket.cc_added", map[string]any{"new": email, "by": "follow_up", "from": from}); err != nil {
			return err
		}
	}
	return nil
}

// deskAddressTx reports whether email is one of the desk's IMAP mailboxes
// (its user name or From address): copying the desk on its own replies
// would only loop.
func deskAddressTx(ctx context.Context, tx pgx.Tx, email string) (bool, error) {
	rows, err := tx.Query(ctx, `SELECT username, from_address FROM mailboxes`)
	if err != nil {
		return false, fmt.Errorf("desk addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var user, from string
		if err := rows.Scan(&user, &from); err != nil {
			return false, fmt.Errorf("desk addresses: %w", err)
		}
		if a, err := mail.ParseAddress(from); err == nil {
			from = a.Address
		}
		if strings.EqualFold(user, email) || strings.EqualFold(from, email) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// isCCTx reports whether email is CC'd on ticket id.
func isCCTx(ctx context.Context, tx pgx.Tx, id int64, email string) (bool, error) {
	var yes bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_cc WHERE ticket_id = $1 AND email = $2)`, id, email).Scan(&yes); err != nil {
		return false, fmt.Errorf("cc of %d: %w", id, err)
	}
	return yes, nil
}
