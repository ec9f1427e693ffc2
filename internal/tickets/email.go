package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
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
	// InReplyTo and References are the Message-IDs (without angle brackets)
	// of the mails this one answers, as their headers list them. They are
	// tried before TicketNumber: mail the desk sent (the outbox keeps each
	// Message-ID) and customer mail filed before. As with the tag, the mail
	// threads only into a ticket whose customer has FromEmail.
	InReplyTo  []string
	References []string
	// Cc are the addresses of the mail's Cc header, less the desk's own:
	// each is noted on the ticket (a ticket.email_cc event) for the reps,
	// never added to its CC (the sender may be forged). A mail from an
	// address a rep CC'd threads as one from the customer.
	Cc []string
	// TeamID receives a new ticket (the team of the mailbox the mail came
	// in on); 0 for the intake team. A reply stays with its ticket's team.
	TeamID int64
	// MailboxID is the IMAP mailbox the mail came in on, 0 for the SMTP
	// listener or stdin. A ticket it opens is answered from that mailbox's
	// From address.
	MailboxID int64
	// Locale is a guess at the language of a new customer ("" for en); an
	// existing customer keeps theirs.
	Locale      string
	Attachments []NewAttachment // each must pass NewAttachment.Validate
	// Skipped names the files that were not kept (type, size, count); each
	// gets a ticket.email_attachment_skipped event the reps see.
	Skipped []string
	// HTML is the mail's HTML part, already sanitised (mailin.SanitizeHTML),
	// "" when it has none; RemoteImages says it shows images from the
	// internet. Its cid: images are the Attachments with a ContentID.
	HTML         string
	RemoteImages bool
	// Auth is the sender authentication our MX found, empty when unknown.
	Auth MailAuth
	// OnlyThread files the mail only when it threads into a ticket; when
	// it would open a new one nothing is stored and the outcome is
	// EmailWouldCreate (mailin holds it: the sender is over their rate).
	OnlyThread bool
}

// MailAuth is the result of the sender-authentication checks (SPF, DKIM,
// DMARC) of a mail, as our MX recorded them in Authentication-Results:
// "pass", "fail", "none", "softfail", ... ; "" when not checked.
type MailAuth struct {
	SPF, DKIM, DMARC string
}

// Known reports whether any check was recorded.
func (a MailAuth) Known() bool { return a.SPF != "" || a.DKIM != "" || a.DMARC != "" }

// EmailOutcome says what filing a mail did.
type EmailOutcome string

// The outcomes of ReceiveEmail.
const (
	EmailCreated   EmailOutcome = "created"   // a new ticket
	EmailThreaded  EmailOutcome = "threaded"  // a customer message on the ticket it names
	EmailFollowUp  EmailOutcome = "follow_up" // it named a closed ticket: a linked follow-up ticket
	EmailDuplicate EmailOutcome = "duplicate" // the MessageID was filed before: nothing changed
	// EmailWouldCreate: OnlyThread was set and the mail threads nowhere;
	// nothing was stored.
	EmailWouldCreate EmailOutcome = "would_create"
)

// errWouldCreate rolls back the claim of an OnlyThread mail that threads nowhere.
var errWouldCreate = errors.New("tickets: mail would open a new ticket")

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

// sqlSetMailbox records the mailbox a new ticket came in on (the outbox
// reads its From address when it sends the ticket's mail); a mailbox
// removed meanwhile leaves the ticket with the desk's address.
const sqlSetMailbox = `UPDATE tickets SET mailbox_id = (SELECT id FROM mailboxes WHERE id = $2) WHERE id = $1`

// setMailboxTx records the mailbox ticket id came in on.
func setMailboxTx(ctx context.Context, tx pgx.Tx, id, mailboxID int64) error {
	if _, err := tx.Exec(ctx, sqlSetMailbox, id, mailboxID); err != nil {
		return fmt.Errorf("record the ticket's mailbox: %w", err)
	}
	return nil
}

// sqlCustomerLocale is an existing customer's language, for their mail.
const sqlCustomerLocale = `SELECT locale FROM customers WHERE email = $1`

// ReceiveEmail files a customer's mail. When its In-Reply-To or References
// name a mail of a ticket, or its TicketNumber names a ticket (or one it was
// merged into), whose customer has FromEmail, the mail is added
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
		if thread == 0 && m.OnlyThread {
			return errWouldCreate
		}
		if thread != 0 {
			var author int64 // the customer; a CC'd sender writes as themselves
			if author, err = s.mailAuthorTx(ctx, tx, thread, m, now); err != nil {
				return err
			}
			res.TicketID, msgID, err = s.addCustomerMessageTx(ctx, tx, thread, author, m.Body, first)
			res.Outcome = EmailThreaded
			if err == nil && res.TicketID != thread {
				res.Outcome = EmailFollowUp
				err = copyCCsTx(ctx, tx, thread, res.TicketID, now)
			}
		} else {
			n := NewPublicTicket{Name: m.FromName, Email: m.FromEmail, Subject: m.Subject, Message: m.Body,
				Locale: m.Locale, Attachment: first, TeamID: m.TeamID}
			if err := tx.QueryRow(ctx, sqlCustomerLocale, m.FromEmail).Scan(&n.Locale); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("customer locale: %w", err)
			}
			res.TicketID, msgID, _, err = s.createPublicTx(ctx, tx, n, "email")
			res.Outcome = EmailCreated
			if err == nil && m.MailboxID != 0 {
				err = setMailboxTx(ctx, tx, res.TicketID, m.MailboxID)
			}
		}
		if err != nil {
			return err
		}
		if err := recordMailCcTx(ctx, tx, res.TicketID, m, now); err != nil {
			return err
		}
		for i := 1; i < len(m.Attachments); i++ {
			if err := s.addAttachmentTx(ctx, tx, res.TicketID, msgID, 0, &m.Attachments[i]); err != nil {
				return err
			}
		}
		if err := recordMailPartsTx(ctx, tx, msgID, m); err != nil {
			return err
		}
		// Mail from the address shows it works again.
		if _, err := tx.Exec(ctx, `UPDATE customers SET bounced_at = NULL, bounce_status = '', bounce_diagnostic = ''
WHERE email = $1 AND bounced_at IS NOT NULL`, m.FromEmail); err != nil {
			return fmt.Errorf("clear bounce: %w", err)
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
	if errors.Is(err, errWouldCreate) {
		return EmailResult{Outcome: EmailWouldCreate}, nil
	}
	if err != nil {
		return EmailResult{}, err
	}
	return res, nil
}

// sqlInsertMessageEmail keeps a mail's HTML and authentication results
// beside its message; cids maps Content-IDs to the attachments of the
// message, which were inserted in the order of the mail's attachments.
const sqlInsertMessageEmail = `
INSERT INTO message_email (message_id, html, cids, remote_images, spf, dkim, dmarc)
SELECT $1, $2,
       coalesce((SELECT jsonb_object_agg(c.cid, a.id)
                 FROM unnest($3::text[]) WITH ORDINALITY AS c(cid, ord)
                 JOIN (SELECT id, row_number() OVER (ORDER BY id) AS ord FROM attachments WHERE message_id = $1) a
                   ON a.ord = c.ord
                 WHERE c.cid <> ''), '{}'),
       $4, $5, $6, $7`

// recordMailPartsTx stores what mail message msgID has beyond its text.
func recordMailPartsTx(ctx context.Context, tx pgx.Tx, msgID int64, m InboundEmail) error {
	if m.HTML == "" && !m.Auth.Known() {
		return nil
	}
	cids := make([]string, len(m.Attachments))
	for i, a := range m.Attachments {
		cids[i] = a.ContentID
	}
	if _, err := tx.Exec(ctx, sqlInsertMessageEmail, msgID, m.HTML, cids, m.RemoteImages,
		m.Auth.SPF, m.Auth.DKIM, m.Auth.DMARC); err != nil {
		return fmt.Errorf("record mail parts: %w", err)
	}
	return nil
}

// MessageHTML is a mail's HTML for display, with its inline images'
// attachments by Content-ID.
type MessageHTML struct {
	HTML         string
	CIDs         map[string]int64
	RemoteImages bool
}

// sqlMessageHTML reads the HTML of a public message of ticket $1.
const sqlMessageHTML = `
SELECT e.html, e.cids, e.remote_images
FROM message_email e JOIN messages m ON m.id = e.message_id
WHERE e.message_id = $2 AND m.ticket_id = $1 AND e.html <> ''`

// MessageHTML returns the HTML of message messageID of ticket ticketID;
// NotFound when it has none. The caller has checked that the viewer may
// see the ticket.
func (s *Store) MessageHTML(ctx context.Context, ticketID, messageID int64) (MessageHTML, error) {
	var h MessageHTML
	err := s.db.QueryRow(ctx, sqlMessageHTML, ticketID, messageID).Scan(&h.HTML, &h.CIDs, &h.RemoteImages)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, apperr.New(apperr.NotFound, "error_not_found")
	}
	if err != nil {
		return h, fmt.Errorf("message html %d: %w", messageID, err)
	}
	return h, nil
}

// emailThreadTx returns the ticket m replies to, or 0 when it starts a new
// one. Candidates, in order: the tickets of the mails named by In-Reply-To,
// then by References from the newest, then the subject's tag; each followed
// through merges. The first whose customer is the sender, or that has the
// sender in its CC, wins, so that a stranger who copies a tag or a
// Message-ID (or forges a header) cannot write into someone else's ticket.
func (s *Store) emailThreadTx(ctx context.Context, tx pgx.Tx, m InboundEmail) (int64, error) {
	candidates, err := referencedTicketsTx(ctx, tx, m.referencedIDs())
	if err != nil {
		return 0, err
	}
	if m.TicketNumber > 0 {
		candidates = append(candidates, m.TicketNumber)
	}
	seen := map[int64]bool{}
	for _, id := range candidates {
		if seen[id] {
			continue
		}
		seen[id] = true
		t, err := getSurvivorTx(ctx, tx, id)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if t.MergedInto != 0 {
			continue
		}
		if t.Customer.Email != "" && strings.EqualFold(t.Customer.Email, m.FromEmail) {
			return t.ID, nil
		}
		// Someone copied on the ticket answers as the customer would.
		cc, err := isCCTx(ctx, tx, t.ID, m.FromEmail)
		if err != nil {
			return 0, err
		}
		if cc {
			return t.ID, nil
		}
	}
	return 0, nil
}

// mailAuthorTx is who wrote m into ticket id: its customer, or when the
// sender is someone copied on it, that person as a customer of their own
// (found or made by address), so the thread shows who wrote.
func (s *Store) mailAuthorTx(ctx context.Context, tx pgx.Tx, id int64, m InboundEmail, now time.Time) (int64, error) {
	t, err := getTx(ctx, tx, id, false)
	if err != nil {
		return 0, err
	}
	if strings.EqualFold(t.Customer.Email, m.FromEmail) {
		return t.Customer.ID, nil
	}
	c, err := findOrCreateCustomerTx(ctx, tx, Customer{Name: m.FromName, Email: m.FromEmail, Locale: m.Locale}, now)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// maxReferencedIDs bounds how many Message-IDs of one mail are looked up: a
// long thread's References keeps growing, and its newest entries matter.
const maxReferencedIDs = 20

// referencedIDs lists the Message-IDs m answers, most direct first:
// In-Reply-To, then References from the last (the newest) back.
func (m InboundEmail) referencedIDs() []string {
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" || len(id) > 1000 || !utf8.ValidString(id) || strings.ContainsRune(id, 0) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if len(out) == maxReferencedIDs {
			break
		}
	}
	return out
}

// sqlReferencedTickets finds the tickets of the mails $1 names (in that
// order): the desk's own mail by the left part of its Message-ID ($2, as the
// outbox writes it: <left@from-domain>; outbox_message_id_idx), customer
// mail filed before by its whole Message-ID (mail_in's key).
const sqlReferencedTickets = `
SELECT coalesce(o.ticket_id, i.ticket_id)
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(full_id, left_part, ord)
LEFT JOIN LATERAL (
    SELECT ticket_id FROM outbox
    WHERE message_id = r.left_part AND ticket_id IS NOT NULL
    ORDER BY id LIMIT 1) o ON true
LEFT JOIN mail_in i ON i.message_id = r.full_id AND i.ticket_id IS NOT NULL
WHERE coalesce(o.ticket_id, i.ticket_id) IS NOT NULL
ORDER BY r.ord`

// referencedTicketsTx returns the tickets of the mails ids name, in the
// order of ids (one ticket may come more than once).
func referencedTicketsTx(ctx context.Context, tx pgx.Tx, ids []string) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	lefts := make([]string, len(ids))
	for i, id := range ids {
		if at := strings.LastIndexByte(id, '@'); at > 0 {
			lefts[i] = id[:at]
		}
	}
	rows, err := tx.Query(ctx, sqlReferencedTickets, ids, lefts)
	if err != nil {
		return nil, fmt.Errorf("find referenced mail: %w", err)
	}
	tickets, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("find referenced mail: %w", err)
	}
	return tickets, nil
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
	for i := range m.Cc {
		m.Cc[i] = strings.TrimSpace(clean(m.Cc[i]))
	}
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
