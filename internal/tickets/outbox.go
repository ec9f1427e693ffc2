package tickets

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Mail kinds queued in the outbox; the outbox package renders each in the
// customer's language when it sends.
const (
	mailConfirmation = "confirmation"
	mailReply        = MailReply
	mailStatusLink   = "status_link"
)

// MailReply is the kind of a rep's public reply, the one mail a person
// typed; every other kind is sent by the desk on its own.
const MailReply = "reply"

// MailReplyCC is the copy of a rep's public reply sent to one address on
// the ticket's CC: the reply without the customer's status link.
const MailReplyCC = "reply_cc"

// StatusTokenPlaceholder stands in queued mail data for a status-link
// token. A token opens the customer's ticket, so none is ever stored
// readable: mail is queued with this placeholder in its links, and the
// outbox mints the token (only its hash is kept) when it sends the mail,
// with MintMailLinksTx. A database copy, or the outbox table after sending,
// holds nothing that opens a ticket.
const StatusTokenPlaceholder = "{status-token}"

// MintMailLinksTx returns data with every StatusTokenPlaceholder replaced by
// a new status-link token of ticket ticketID, issued in tx; data without the
// placeholder is returned as it is. All links of one mail share its token.
// The token is URL-safe base64, so it needs no escaping in JSON.
func MintMailLinksTx(ctx context.Context, tx pgx.Tx, ticketID int64, data []byte, now time.Time) ([]byte, error) {
	if !bytes.Contains(data, []byte(StatusTokenPlaceholder)) {
		return data, nil
	}
	if ticketID == 0 {
		return nil, fmt.Errorf("mail links: no ticket to link to")
	}
	token, err := issueTokenTx(ctx, tx, ticketID, now)
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(data, []byte(StatusTokenPlaceholder), []byte(token)), nil
}

// queueMailTx puts one customer mail into the outbox, in the same
// transaction as the change that caused it, so it is never lost. Each mail
// has one recipient: nobody is copied on a mail meant for someone else.
func queueMailTx(ctx context.Context, tx pgx.Tx, ticketID int64, to, locale, kind string, data map[string]any, now time.Time) error {
	if locale == "" {
		locale = "en"
	}
	_, err := tx.Exec(ctx, `
INSERT INTO outbox (ticket_id, to_address, kind, locale, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, ticketID, to, kind, locale, data, now)
	if err != nil {
		return fmt.Errorf("queue %s mail: %w", kind, err)
	}
	return nil
}

// queueReplyMailTx mails a rep's public reply to the customer alone, with a
// status link (minted when the mail is sent), and one mail of the same reply
// to each address on the ticket's CC, with no link: a status link opens the
// whole conversation and answers as the customer, so it goes to the
// customer only. A CC address the relay refuses fails its own mail, never
// the customer's.
func (s *Store) queueReplyMailTx(ctx context.Context, tx pgx.Tx, t Ticket, body string, now time.Time) error {
	cc, err := ccAddressesTx(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	if err := queueMailTx(ctx, tx, t.ID, t.Customer.Email, t.Customer.Locale, mailReply, map[string]any{
		"Number": t.ID, "Subject": t.Subject, "Body": body, "Link": s.statusLink(StatusTokenPlaceholder),
	}, now); err != nil {
		return err
	}
	for _, to := range cc {
		if err := queueMailTx(ctx, tx, t.ID, to, t.Customer.Locale, MailReplyCC, map[string]any{
			"Number": t.ID, "Subject": t.Subject, "Body": body,
		}, now); err != nil {
			return err
		}
	}
	return nil
}

// SendStatusLink answers "find my ticket": when number and email match, a
// fresh status link is mailed to that address (minted when the mail is sent). It returns nil either way, so
// the answer reveals nothing about whether the pair exists.
func (s *Store) SendStatusLink(ctx context.Context, number int64, email string) error {
	if !validEmail(email) {
		return nil // no customer has it; garbage such as a NUL byte would fail in SQL
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var locale, subject string
		err := tx.QueryRow(ctx, `
SELECT c.locale, t.subject FROM tickets t JOIN customers c ON c.id = t.customer_id
WHERE t.id = $1 AND c.email = $2`, number, email).Scan(&locale, &subject)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find ticket for status link: %w", err)
		}
		return queueMailTx(ctx, tx, number, email, locale, mailStatusLink, map[string]any{
			"Number": number, "Subject": subject, "Link": s.statusLink(StatusTokenPlaceholder),
		}, s.now())
	})
}
