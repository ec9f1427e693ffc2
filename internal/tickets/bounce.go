package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Bounces: a delivery status notification (DSN, RFC 3464) for a mail the
// desk sent. internal/mailin reads the report; the store finds the mail by
// its Message-ID (the outbox keeps each one's left part), marks the
// customer's address as bouncing (shown on the customer card), records a
// ticket.mail_bounced event and tells the ticket's owner on the bell. It
// never opens a ticket.

// Bounce is one failed delivery a report names.
type Bounce struct {
	ReportID   string // the report's own Message-ID: a redelivered report counts once
	OriginalID string // the Message-ID of the desk's mail, without angle brackets
	Recipient  string // the address that failed ("" : the mail's To)
	Status     string // the enhanced status code, e.g. 5.1.1
	Diagnostic string // the receiving server's words
}

// BounceOutcome says what a report did.
type BounceOutcome string

// The outcomes of RecordBounce.
const (
	BounceRecorded  BounceOutcome = "recorded"  // the address is marked, the owner told
	BounceDuplicate BounceOutcome = "duplicate" // this report was recorded before
	BounceUnknown   BounceOutcome = "unknown"   // not about a mail of the desk's: nothing changed
)

// BounceResult is what RecordBounce did and on which ticket.
type BounceResult struct {
	Outcome  BounceOutcome
	TicketID int64
	Address  string
}

var errUnknownBounce = errors.New("tickets: report about no mail of ours")

// sqlBouncedMail finds the desk's mail a report is about, with whom it
// went to (To and Cc).
const sqlBouncedMail = `
SELECT ticket_id, to_address, cc FROM outbox
WHERE message_id = $1 AND ticket_id IS NOT NULL
ORDER BY id LIMIT 1`

// sqlMarkBouncing marks a customer address as bouncing.
const sqlMarkBouncing = `
UPDATE customers SET bounced_at = $2, bounce_status = $3, bounce_diagnostic = $4
WHERE email = $1`

// sqlNotifyBounce tells the ticket's owner (the bell), at most once a day
// per ticket however many reports come in.
const sqlNotifyBounce = `
INSERT INTO notifications (user_id, ticket_id, kind, data, created_at)
SELECT t.owner_id, t.id, 'mail_bounced', '{}', $2
FROM tickets t JOIN users u ON u.id = t.owner_id
WHERE t.id = $1 AND u.active
  AND NOT EXISTS (SELECT 1 FROM notifications n
                  WHERE n.user_id = t.owner_id AND n.ticket_id = t.id AND n.kind = 'mail_bounced'
                    AND n.created_at > $2::timestamptz - interval '1 day')`

// RecordBounce records a delivery failure of one of the desk's mails. A
// report naming a recipient the mail did not go to (its To or Cc) is
// BounceUnknown: anyone can write a report, and it must not mark some
// other customer as bouncing. The ticket's owner is told at most once a
// day per ticket.
func (s *Store) RecordBounce(ctx context.Context, b Bounce) (BounceResult, error) {
	clean := func(v string, n int) string {
		v = strings.Join(strings.Fields(strings.ReplaceAll(strings.ToValidUTF8(v, ""), "\x00", "")), " ")
		for len(v) > n {
			v = v[:n]
			for !utf8.ValidString(v) {
				v = v[:len(v)-1]
			}
		}
		return v
	}
	b.ReportID, b.OriginalID = clean(b.ReportID, 1000), strings.Trim(clean(b.OriginalID, 1000), "<>")
	b.Recipient, b.Status, b.Diagnostic = clean(b.Recipient, 254), clean(b.Status, 20), clean(b.Diagnostic, 1000)
	left, _, _ := strings.Cut(b.OriginalID, "@")
	if b.ReportID == "" || left == "" {
		return BounceResult{Outcome: BounceUnknown}, nil
	}
	var res BounceResult
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, sqlClaimMail, b.ReportID, now)
		if err != nil {
			return fmt.Errorf("claim report: %w", err)
		}
		if tag.RowsAffected() == 0 {
			res.Outcome = BounceDuplicate
			return tx.QueryRow(ctx, sqlFiledMail, b.ReportID).Scan(&res.TicketID)
		}
		var to string
		var cc []string
		err = tx.QueryRow(ctx, sqlBouncedMail, left).Scan(&res.TicketID, &to, &cc)
		if errors.Is(err, pgx.ErrNoRows) {
			return errUnknownBounce
		}
		if err != nil {
			return fmt.Errorf("find bounced mail: %w", err)
		}
		res.Address = b.Recipient
		if res.Address == "" {
			res.Address = to
		}
		i := slices.IndexFunc(append([]string{to}, cc...), func(a string) bool { return strings.EqualFold(a, res.Address) })
		if i < 0 {
			return errUnknownBounce // not one of the mail's recipients
		}
		res.Address = append([]string{to}, cc...)[i] // as the desk wrote it
		if _, err := tx.Exec(ctx, sqlMarkBouncing, res.Address, now, b.Status, b.Diagnostic); err != nil {
			return fmt.Errorf("mark bouncing: %w", err)
		}
		old := b.Status
		if b.Diagnostic != "" {
			old = strings.TrimSpace(b.Status + " " + b.Diagnostic)
		}
		if err := RecordEventTx(ctx, tx, now, res.TicketID, 0, "ticket.mail_bounced", map[string]any{"new": res.Address, "old": old}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlNotifyBounce, res.TicketID, now); err != nil {
			return fmt.Errorf("notify bounce: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlRecordMailTicket, b.ReportID, res.TicketID); err != nil {
			return fmt.Errorf("record report: %w", err)
		}
		res.Outcome = BounceRecorded
		return nil
	})
	if errors.Is(err, errUnknownBounce) {
		return BounceResult{Outcome: BounceUnknown}, nil
	}
	if err != nil {
		return BounceResult{}, err
	}
	return res, nil
}
