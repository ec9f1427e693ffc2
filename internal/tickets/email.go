package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Customer email. internal/mailin parses a message and hands it here as an
// InboundEmail; the store files it in one transaction with its audit events:
// a reply into the ticket it names, anything else as a new ticket.

// MaxEmailAttachments bounds the files kept from one mail; the rest are
// skipped like disallowed ones.
const MaxEmailAttachments = 10

// InboundEmail is one parsed customer mail.
type InboundEmail struct {
	// MessageID identifies the mail for redelivery: the same MessageID is
	// filed once. Required.
	MessageID string
	FromName  string
	FromEmail string
	Subject   string // without the ticket tag
	Body      string // plain text, quoted tail already stripped
	// TicketNumber is the ticket the subject's "[#123]" tag names, 0 for none.
	// The mail threads into it only when FromEmail is that ticket's customer's.
	TicketNumber int64
	// Locale is a guess at the language of a new customer ("" for en); an
	// existing customer keeps theirs.
	Locale      string
	Attachments []NewAttachment // each must pass NewAttachment.Validate
	// Skipped names the files that were not kept (type, size, count); each
	// gets a ticket.email_attachment_skipped event the reps see.
	Skipped []string
}

// EmailOutcome says what filing a mail did.
type EmailOutcome string

// The outcomes of ReceiveEmail.
const (
	EmailCreated   EmailOutcome = "created"   // a new ticket
	EmailThreaded  EmailOutcome = "threaded"  // a customer message on the ticket it names
	EmailFollowUp  EmailOutcome = "follow_up" // it named a closed ticket: a linked follow-up ticket
	EmailDuplicate EmailOutcome = "duplicate" // the MessageID was filed before: nothing changed
)

// EmailResult is where a mail went.
type EmailResult struct {
	TicketID int64
	Outcome  EmailOutcome
}

// sqlClaimMail takes the mail's key for this transaction; a concurrent
// delivery of the same message waits here until this one commits, then
// inserts nothing.
const sqlClaimMail = `
INSERT INTO mail_in (message_id, received_at) VALUES ($1, $2)
ON CONFLICT (message_id) DO NOTHING`

// sqlFiledMail reads where an already filed mail went.
const sqlFiledMail = `SELECT coalesce(ticket_id, 0) FROM mail_in WHERE message_id = $1`

// sqlRecordMailTicket completes the claim with the ticket the mail landed on.
const sqlRecordMailTicket = `UPDATE mail_in SET ticket_id = $2 WHERE message_id = $1`

// sqlCustomerLocale is an existing customer's language, for their mail.
const sqlCustomerLocale = `SELECT locale FROM customers WHERE email = $1`

// ReceiveEmail files a customer's mail. When its TicketNumber names a ticket
// (or one it was merged into) whose customer has FromEmail, the mail is added
// as a customer message, as a status-page reply is: it reopens a solved
// ticket and makes a linked follow-up of a closed one. Otherwise it opens a
// new ticket on the email channel for the customer with that address (found
// or created), with a confirmation mail whose subject carries the new
// ticket's tag, so that the customer's reply threads. A MessageID seen before
// returns where it went, changing nothing.
func (s *Store) ReceiveEmail(ctx context.Context, m InboundEmail) (EmailResult, error) {
	if err := m.normalize(); err != nil {
		return EmailResult{}, err
	}
	var res EmailResult
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, sqlClaimMail, m.MessageID, now)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		if tag.RowsAffected() == 0 {
			res.Outcome = EmailDuplicate
			if err := tx.QueryRow(ctx, sqlFiledMail, m.MessageID).Scan(&res.TicketID); err != nil {
				return fmt.Errorf("find filed mail: %w", err)
			}
			return nil
		}
		var first *NewAttachment
		if len(m.Attachments) > 0 {
			first = &m.Attachments[0]
		}
		var msgID int64
		thread, err := s.emailThreadTx(ctx, tx, m)
		if err != nil {
			return err
		}
		if thread != 0 {
			res.TicketID, msgID, err = s.addCustomerMessageTx(ctx, tx, thread, m.Body, first)
			res.Outcome = EmailThreaded
			if res.TicketID != thread {
				res.Outcome = EmailFollowUp
			}
		} else {
			n := NewPublicTicket{Name: m.FromName, Email: m.FromEmail, Subject: m.Subject, Message: m.Body,
				Locale: m.Locale, Attachment: first}
			if err := tx.QueryRow(ctx, sqlCustomerLocale, m.FromEmail).Scan(&n.Locale); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("customer locale: %w", err)
			}
			res.TicketID, msgID, _, err = s.createPublicTx(ctx, tx, n, "email")
			res.Outcome = EmailCreated
		}
		if err != nil {
			return err
		}
		for i := 1; i < len(m.Attachments); i++ {
			if err := s.addAttachmentTx(ctx, tx, res.TicketID, msgID, 0, &m.Attachments[i]); err != nil {
				return err
			}
		}
		for _, name := range m.Skipped {
			if err := RecordEventTx(ctx, tx, now, res.TicketID, 0, "ticket.email_attachment_skipped", map[string]any{"new": name}); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, sqlRecordMailTicket, m.MessageID, res.TicketID); err != nil {
			return fmt.Errorf("record mail ticket: %w", err)
		}
		return nil
	})
	if err != nil {
		return EmailResult{}, err
	}
	return res, nil
}

// emailThreadTx returns the ticket m replies to, or 0 when it starts a new
// one: the tagged ticket, followed through merges, and only when the sender
// is that ticket's customer, so that a stranger who copies a tag (or forges
// a subject) cannot write into someone else's ticket.
func (s *Store) emailThreadTx(ctx context.Context, tx pgx.Tx, m InboundEmail) (int64, error) {
	if m.TicketNumber <= 0 {
		return 0, nil
	}
	t, err := getSurvivorTx(ctx, tx, m.TicketNumber)
	if apperr.Is(err, apperr.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if t.MergedInto != 0 || t.Customer.Email == "" || !strings.EqualFold(t.Customer.Email, m.FromEmail) {
		return 0, nil
	}
	return t.ID, nil
}

// normalize fits a mail into the ticket schema instead of refusing it: a
// mail cannot be sent back to be fixed like a form. Long fields are cut, a
// missing name or subject is made up from what there is; only a mail
// without a sender address or a key is Invalid.
func (m *InboundEmail) normalize() error {
	clean := func(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "") }
	m.MessageID = strings.TrimSpace(clean(m.MessageID))
	m.FromEmail = strings.TrimSpace(clean(m.FromEmail))
	m.FromName = strings.Join(strings.Fields(clean(m.FromName)), " ")
	m.Subject = strings.Join(strings.Fields(clean(m.Subject)), " ")
	m.Body = strings.TrimSpace(clean(m.Body))
	var f apperr.Fields
	if m.MessageID == "" || len(m.MessageID) > 1000 {
		f.Add("message_id", "error_required")
	}
	if len(m.FromEmail) > 254 || !validEmail(m.FromEmail) {
		f.Add("email", "error_email_invalid")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if m.FromName == "" {
		m.FromName, _, _ = strings.Cut(m.FromEmail, "@")
	}
	if m.Body == "" {
		var names []string
		for _, a := range m.Attachments {
			names = append(names, SanitizeFilename(a.Filename))
		}
		m.Body = strings.Join(names, "\n")
	}
	if m.Body == "" {
		m.Body = m.Subject
	}
	if m.Subject == "" {
		m.Subject, _, _ = strings.Cut(m.Body, "\n")
	}
	if m.Body == "" {
		m.Body, m.Subject = "—", "—" // an empty mail still reached us: let a rep see it
	}
	m.FromName = truncateRunes(m.FromName, maxName)
	m.Subject = cutRunes(m.Subject, maxSubject)
	m.Body = cutRunes(m.Body, maxBody)
	if m.Locale != "fi" && m.Locale != "vi" && m.Locale != "hi" {
		m.Locale = "en"
	}
	for i := range m.Attachments {
		if err := m.Attachments[i].Validate(); err != nil {
			return fmt.Errorf("email attachment %d: %w", i, err)
		}
	}
	return nil
}

// cutRunes cuts s to at most n characters, marking the cut with an ellipsis.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}
