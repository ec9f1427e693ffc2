package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// findOrCreateCustomerTx returns the customer with c's email, else with c's
// phone, else a new one. An existing customer's details are not overwritten.
func findOrCreateCustomerTx(ctx context.Context, tx pgx.Tx, c Customer, now time.Time) (Customer, error) {
	if c.Locale == "" {
		c.Locale = "en"
	}
	if c.Email != "" {
		err := tx.QueryRow(ctx, sqlCustomerByEmail, c.Email).Scan(&c.ID)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Customer{}, fmt.Errorf("find customer by email: %w", err)
		}
	}
	if c.Phone != "" {
		err := tx.QueryRow(ctx, `SELECT id FROM customers WHERE phone = $1 ORDER BY id LIMIT 1`, c.Phone).Scan(&c.ID)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Customer{}, fmt.Errorf("find customer by phone: %w", err)
		}
	}
	err := tx.QueryRow(ctx, `
INSERT INTO customers (name, email, phone, locale, created_at, updated_at)
VALUES ($1, nullif($2, ''), nullif($3, ''), $4, $5, $5)
ON CONFLICT (email) DO UPDATE SET updated_at = customers.updated_at
RETURNING id`, c.Name, c.Email, c.Phone, c.Locale, now).Scan(&c.ID)
	if err != nil {
		return Customer{}, fmt.Errorf("create customer: %w", err)
	}
	return c, nil
}

const sqlSuggestCustomers = `
SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale
FROM customers
WHERE ($1 <> '' AND email ILIKE $1 || '%')
   OR ($2 <> '' AND phone LIKE $2 || '%')
   OR ld_search_text(name) LIKE '%' || ld_search_text($3) || '%'
ORDER BY similarity(ld_search_text(name), ld_search_text($3)) DESC, id DESC
LIMIT 8`

// SuggestCustomers finds customers as a rep types a name, email or phone.
func (s *Store) SuggestCustomers(ctx context.Context, q string) ([]Customer, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 2 || !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return nil, nil // nothing to suggest; Postgres text cannot hold NUL or bad UTF-8
	}
	var email, phone string
	if strings.Contains(q, "@") {
		email = escapeLike(q)
	}
	if p, ok := NormalizePhone(q); ok {
		phone = p
	}
	rows, err := s.db.Query(ctx, sqlSuggestCustomers, email, phone, escapeLike(q))
	if err != nil {
		return nil, fmt.Errorf("suggest customers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
	})
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// GetCustomer returns customer id.
func (s *Store) GetCustomer(ctx context.Context, id int64) (Customer, error) {
	var c Customer
	err := s.db.QueryRow(ctx, `
SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale, notes, created_at
FROM customers WHERE id = $1`, id).Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale, &c.Notes, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Customer{}, apperr.New(apperr.NotFound, "error_customer_not_found")
	}
	if err != nil {
		return Customer{}, fmt.Errorf("get customer %d: %w", id, err)
	}
	return c, nil
}

// CustomerTickets lists a customer's other tickets visible to a, newest first.
func (s *Store) CustomerTickets(ctx context.Context, a Actor, customerID, exceptID int64, limit int) ([]Ticket, error) {
	rows, err := s.db.Query(ctx, sqlSelectTicket+`
WHERE t.customer_id = $1 AND t.id <> $2
ORDER BY t.id DESC LIMIT $3`, customerID, exceptID, limit*4)
	if err != nil {
		return nil, fmt.Errorf("customer tickets: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) })
	if err != nil {
		return nil, err
	}
	var out []Ticket
	for _, t := range all {
		if a.CanSee(t) && len(out) < limit {
			out = append(out, t)
		}
	}
	return out, nil
}

// tokenHash is how status tokens are stored: the token itself never is.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// issueTokenTx makes a new unguessable status-link token for ticket id.
func issueTokenTx(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if _, err := tx.Exec(ctx, `INSERT INTO ticket_tokens (token_hash, ticket_id, created_at) VALUES ($1, $2, $3)`,
		tokenHash(token), id, now); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return token, nil
}

// TicketByToken opens a ticket by its status-link token. A merged ticket's
// link keeps working: it leads to the ticket it was merged into.
func (s *Store) TicketByToken(ctx context.Context, token string) (Ticket, error) {
	if len(token) < 20 || len(token) > 64 {
		return Ticket{}, apperr.New(apperr.NotFound, "error_status_link_invalid")
	}
	var id int64
	err := s.db.QueryRow(ctx, `SELECT ticket_id FROM ticket_tokens WHERE token_hash = $1`, tokenHash(token)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_status_link_invalid")
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("find token: %w", err)
	}
	return getSurvivorTx(ctx, s.db, id)
}

// getSurvivorTx reads ticket id through q, following merges to the ticket it
// was merged into. It gives up after ten hops (a chain that long, or a cycle,
// is a data fault): the ticket it stopped at still has MergedInto set.
func getSurvivorTx(ctx context.Context, q postgres.Querier, id int64) (Ticket, error) {
	t, err := getTx(ctx, q, id, false)
	for i := 0; err == nil && t.MergedInto != 0 && i < 10; i++ {
		t, err = getTx(ctx, q, t.MergedInto, false)
	}
	return t, err
}

// NewPublicTicket is the customer's web form.
type NewPublicTicket struct {
	Name    string
	Email   string
	Subject string
	Message string
	Locale  string

	Attachment *NewAttachment // optional: one file on the first message
}

// Validate returns field -> message id failures.
func (n *NewPublicTicket) Validate() error {
	var f apperr.Fields
	checkText(&f, "name", n.Name, true, maxName)
	if n.Email == "" {
		f.Add("email", "error_required")
	} else if !validEmail(n.Email) {
		f.Add("email", "error_email_invalid")
	}
	checkText(&f, "subject", n.Subject, true, maxSubject)
	checkText(&f, "message", n.Message, true, maxBody)
	if n.Locale == "" {
		n.Locale = "en"
	} else if n.Locale != "en" && n.Locale != "fi" && n.Locale != "vi" && n.Locale != "hi" {
		f.Add("locale", "error_locale_invalid")
	}
	checkAttachment(&f, n.Attachment)
	return f.Err()
}

// CreatePublic opens a ticket from the customer web form, in the intake team
// (the first team), unowned until a rep takes it. It returns the status-link
// token, and queues a confirmation mail with that link.
func (s *Store) CreatePublic(ctx context.Context, n NewPublicTicket) (Ticket, string, error) {
	n.Name, n.Email = strings.TrimSpace(n.Name), strings.TrimSpace(n.Email)
	n.Subject, n.Message = strings.TrimSpace(n.Subject), strings.TrimSpace(n.Message)
	if err := n.Validate(); err != nil {
		return Ticket{}, "", err
	}
	var id int64
	var token string
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		id, _, token, err = s.createPublicTx(ctx, tx, n, "web")
		return err
	})
	if err != nil {
		return Ticket{}, "", err
	}
	t, err := s.get(ctx, id)
	return t, token, err
}

// createPublicTx opens a validated customer ticket that came in on channel
// (web form, email) inside the caller's transaction: the customer found or
// made by email, the first message with n's attachment, a status-link token,
// the ticket.created event and the confirmation mail. It returns the ticket,
// its first message and the token.
func (s *Store) createPublicTx(ctx context.Context, tx pgx.Tx, n NewPublicTicket, channel Channel) (id, msgID int64, token string, err error) {
	now := s.now()
	c, err := findOrCreateCustomerTx(ctx, tx, Customer{Name: n.Name, Email: n.Email, Locale: n.Locale}, now)
	if err != nil {
		return 0, 0, "", err
	}
	var team *int64
	if err := tx.QueryRow(ctx, `SELECT min(id) FROM teams`).Scan(&team); err != nil {
		return 0, 0, "", fmt.Errorf("intake team: %w", err)
	}
	err = tx.QueryRow(ctx, sqlInsertTicket, n.Subject, PriorityNormal, "", channel, c.ID, team, nil, nil, "", nil, n.Message, now).Scan(&id)
	if err != nil {
		return 0, 0, "", fmt.Errorf("insert ticket: %w", err)
	}
	msgID, err = insertMessageIDTx(ctx, tx, id, MessagePublic, 0, c.ID, n.Message, now)
	if err != nil {
		return 0, 0, "", err
	}
	if token, err = issueTokenTx(ctx, tx, id, now); err != nil {
		return 0, 0, "", err
	}
	if err := RecordEventTx(ctx, tx, now, id, 0, "ticket.created", map[string]any{"channel": channel, "by": "customer"}); err != nil {
		return 0, 0, "", err
	}
	if err := s.addAttachmentTx(ctx, tx, id, msgID, 0, n.Attachment); err != nil {
		return 0, 0, "", err
	}
	if err := queueMailTx(ctx, tx, id, n.Email, n.Locale, mailConfirmation, map[string]any{
		"Number": id, "Subject": n.Subject, "Link": s.statusLink(token),
	}, now); err != nil {
		return 0, 0, "", err
	}
	return id, msgID, token, s.afterChangeTx(ctx, tx, id)
}

func (s *Store) statusLink(token string) string { return s.baseURL + "/status/" + token }

// AddCustomerMessage adds a customer's reply from the status page. A reply to
// a pending, on-hold or solved ticket reopens it; a reply to a closed ticket
// opens a linked follow-up ticket, whose id is returned.
func (s *Store) AddCustomerMessage(ctx context.Context, ticketID int64, body string) (int64, error) {
	return s.AddCustomerMessageWithAttachment(ctx, ticketID, body, nil)
}

// AddCustomerMessageWithAttachment is AddCustomerMessage with an optional
// file (nil for none) on the message, whichever ticket it lands on.
func (s *Store) AddCustomerMessageWithAttachment(ctx context.Context, ticketID int64, body string, file *NewAttachment) (int64, error) {
	body = strings.TrimSpace(body)
	var f apperr.Fields
	checkText(&f, "message", body, true, maxBody)
	checkAttachment(&f, file)
	if err := f.Err(); err != nil {
		return 0, err
	}
	var target int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		target, _, err = s.addCustomerMessageTx(ctx, tx, ticketID, body, file)
		return err
	})
	return target, err
}

// addCustomerMessageTx adds the customer's validated message (and file, when
// not nil) to ticket ticketID inside the caller's transaction, with the rules
// of AddCustomerMessage. It returns the ticket the message landed on (a new
// follow-up when ticketID is closed) and the message's id.
func (s *Store) addCustomerMessageTx(ctx context.Context, tx pgx.Tx, ticketID int64, body string, file *NewAttachment) (target, msgID int64, err error) {
	t, err := getTx(ctx, tx, ticketID, true)
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	if t.Status == StatusClosed {
		err := tx.QueryRow(ctx, sqlInsertTicket, t.Subject, t.Priority, t.Category, t.Channel, t.Customer.ID,
			postgres.NullID(t.TeamID), postgres.NullID(t.OwnerID), nil, t.OrderRef, nil, body, now).Scan(&target)
		if err != nil {
			return 0, 0, fmt.Errorf("follow-up ticket: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_links (ticket_id, other_id, kind, created_at) VALUES ($1, $2, 'related', $3)`, target, t.ID, now); err != nil {
			return 0, 0, fmt.Errorf("link follow-up: %w", err)
		}
		// The customer's status link now shows the follow-up, which links back.
		if _, err := tx.Exec(ctx, `UPDATE ticket_tokens SET ticket_id = $2 WHERE ticket_id = $1`, t.ID, target); err != nil {
			return 0, 0, fmt.Errorf("move tokens: %w", err)
		}
		if err := RecordEventTx(ctx, tx, now, target, 0, "ticket.created", map[string]any{"follow_up_of": t.ID, "by": "customer"}); err != nil {
			return 0, 0, err
		}
		msgID, err := insertMessageIDTx(ctx, tx, target, MessagePublic, 0, t.Customer.ID, body, now)
		if err != nil {
			return 0, 0, err
		}
		if err := s.addAttachmentTx(ctx, tx, target, msgID, 0, file); err != nil {
			return 0, 0, err
		}
		return target, msgID, s.afterChangeTx(ctx, tx, target)
	}
	msgID, err = insertMessageIDTx(ctx, tx, t.ID, MessagePublic, 0, t.Customer.ID, body, now)
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `
UPDATE tickets SET search = search || setweight(to_tsvector('simple', ld_search_text($2)), 'B')
WHERE id = $1`, t.ID, body); err != nil {
		return 0, 0, fmt.Errorf("index message: %w", err)
	}
	if err := RecordEventTx(ctx, tx, now, t.ID, 0, "ticket.customer_replied", nil); err != nil {
		return 0, 0, err
	}
	if err := s.addAttachmentTx(ctx, tx, t.ID, msgID, 0, file); err != nil {
		return 0, 0, err
	}
	if t.Status == StatusPending || t.Status == StatusOnHold || t.Status == StatusSolved {
		if err := s.setStatusTx(ctx, tx, Actor{}, t, StatusOpen, now); err != nil {
			return 0, 0, err
		}
	}
	return t.ID, msgID, s.touchTx(ctx, tx, t.ID, now)
}
