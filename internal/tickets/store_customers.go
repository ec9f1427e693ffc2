package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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
   OR phone LIKE ANY($2)
   OR ld_search_text(name) LIKE '%' || ld_search_text($3) || '%'
ORDER BY similarity(ld_search_text(name), ld_search_text($3)) DESC, id DESC
LIMIT 8`

// SuggestCustomers finds customers as a rep types a name, email or phone.
func (s *Store) SuggestCustomers(ctx context.Context, q string) ([]Customer, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 2 || !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return nil, nil // nothing to suggest; Postgres text cannot hold NUL or bad UTF-8
	}
	var email string
	if strings.Contains(q, "@") {
		email = escapeLike(q)
	}
	phones := []string{} // LIKE patterns: stored numbers that begin as typed
	if p, ok := cleanPhone(q); ok {
		for _, prefix := range phonePrefixes(p, s.region) {
			phones = append(phones, escapeLike(prefix)+"%")
		}
	}
	rows, err := s.db.Query(ctx, sqlSuggestCustomers, email, phones, escapeLike(q))
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
	rows, err := s.db.Query(ctx, sqlCustomerTickets, customerID, exceptID, limit*4)
	if err != nil {
		return nil, fmt.Errorf("customer tickets: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) })
	if err != nil {
		return nil, err
	}
	return visibleTickets(a, all, limit), nil
}

// sqlCustomerTickets reads a customer's newest tickets but one ($3 at most);
// the caller keeps those the actor may see.
const sqlCustomerTickets = sqlSelectTicket + `
WHERE t.customer_id = $1 AND t.id <> $2
ORDER BY t.id DESC LIMIT $3`

// visibleTickets keeps the first limit tickets of list that a may see.
func visibleTickets(a Actor, list []Ticket, limit int) []Ticket {
	var out []Ticket
	for _, t := range list {
		if a.CanSee(t) && len(out) < limit {
			out = append(out, t)
		}
	}
	return out
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

// DefaultStatusLinkTTL is how long a status link keeps working after its
// ticket is closed (SetStatusLinkTTL changes it).
const DefaultStatusLinkTTL = 90 * 24 * time.Hour

// SetStatusLinkTTL sets how long status links keep working after their
// ticket closes; d <= 0 keeps DefaultStatusLinkTTL.
func (s *Store) SetStatusLinkTTL(d time.Duration) {
	if d > 0 {
		s.linkTTL = d
	}
}

func (s *Store) statusLinkTTL() time.Duration {
	if s.linkTTL > 0 {
		return s.linkTTL
	}
	return DefaultStatusLinkTTL
}

// ExpiredLinkError is TicketByToken's answer to a status link that has
// expired. It carries only the customer's language, for the page that says
// so and points to "find my ticket"; it is a NotFound.
type ExpiredLinkError struct {
	Locale string
}

func (e *ExpiredLinkError) Error() string { return "status link expired" }

// Unwrap makes the error a NotFound for code that does not tell the two apart.
func (e *ExpiredLinkError) Unwrap() error {
	return apperr.New(apperr.NotFound, "error_status_link_expired")
}

// TicketByToken opens a ticket by its status-link token. A merged ticket's
// link keeps working: it leads to the ticket it was merged into. A link
// expires statusLinkTTL after the later of its ticket's closing and the
// link's own making, so a link asked for later ("find my ticket") works for
// the whole period; while the ticket is open, its links work.
func (s *Store) TicketByToken(ctx context.Context, token string) (Ticket, error) {
	if len(token) < 20 || len(token) > 64 {
		return Ticket{}, apperr.New(apperr.NotFound, "error_status_link_invalid")
	}
	var id int64
	var made time.Time
	err := s.db.QueryRow(ctx, `SELECT ticket_id, created_at FROM ticket_tokens WHERE token_hash = $1`, tokenHash(token)).Scan(&id, &made)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_status_link_invalid")
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("find token: %w", err)
	}
	t, err := getSurvivorTx(ctx, s.db, id)
	if err != nil {
		return Ticket{}, err
	}
	if t.Status == StatusClosed && t.ClosedAt != nil {
		from := *t.ClosedAt
		if made.After(from) {
			from = made
		}
		if s.now().After(from.Add(s.statusLinkTTL())) {
			return Ticket{}, &ExpiredLinkError{Locale: t.Customer.Locale}
		}
	}
	return t, nil
}

// getSurvivorTx reads ticket id through q, following merges to the ticket it
// was merged into. It gives up after ten hops (a chain that long, or a cycle,
// is a data fault): the ticket it stopped at still has MergedInto set.
// A merge into another customer's ticket (made before merges were limited
// to one customer) is not followed: a status link shows only its own
// customer's thread.
func getSurvivorTx(ctx context.Context, q postgres.Querier, id int64) (Ticket, error) {
	t, err := getTx(ctx, q, id, false)
	for i := 0; err == nil && t.MergedInto != 0 && i < 10; i++ {
		next, err := getTx(ctx, q, t.MergedInto, false)
		if err != nil {
			return Ticket{}, err
		}
		if next.Customer.ID != t.Customer.ID {
			break
		}
		t = next
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

	// TeamID receives the ticket (a mailbox's team); 0 for the intake team
	// (the first).
	TeamID int64

	// IdempotencyKey is the random key the form was rendered with
	// (NewFormKey); "" for none. See CreatePublicOnce.
	IdempotencyKey string
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
// (the first team), unowned until a rep takes it or the team's automatic
// assignment gives it to someone. It returns the status-link
// token, and queues a confirmation mail with that link.
func (s *Store) CreatePublic(ctx context.Context, n NewPublicTicket) (Ticket, string, error) {
	p, err := s.CreatePublicOnce(ctx, n)
	return p.Ticket, p.Token, err
}

// PublicTicket is what CreatePublicOnce made, or found.
type PublicTicket struct {
	Ticket Ticket // as committed
	Token  string // a status-link token for it
	// Repeat is true when n.IdempotencyKey was sent with the same form
	// before: Ticket is the one that post made, nothing new was stored but
	// Token (a fresh status link for the same sender).
	Repeat bool
}

// sqlLockPublicKey serialises posts of one form (same key and content), so
// that a repeat waits for the first to commit and then finds its ticket.
const sqlLockPublicKey = sqlLockIdempotencyKey

// publicFormKey is how the idempotency key of a customer form is stored: a
// SHA-256 of the random key the form was rendered with and what was typed
// into it, so the same post sent twice is one ticket (or reply) while the
// same form sent again with other words is a new one. A database copy holds
// no key that could be replayed to get a status link. prefix keeps the
// kinds of form apart; "" when the form had no key (an old page).
func publicFormKey(prefix, key string, fields ...string) string {
	if !validFormKey(key) {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(key))
	for _, f := range fields {
		h.Write([]byte{0})
		h.Write([]byte(f))
	}
	return prefix + hex.EncodeToString(h.Sum(nil))
}

// validFormKey accepts the keys NewFormKey makes (and any like them): 22 to
// 64 URL-safe base64 characters.
func validFormKey(key string) bool {
	if len(key) < 22 || len(key) > 64 {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NewFormKey returns a random key for one rendering of a customer form
// (its hidden field), for CreatePublicOnce and AddCustomerReply.
func NewFormKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreatePublicOnce is CreatePublic for a form post that may be sent twice
// (a double click, a resubmit after a timeout): with n.IdempotencyKey set,
// a repeat of the same post returns the first post's ticket with a fresh
// status link instead of making a second ticket. The ticket returned is
// read inside the transaction that made it: once this returns an error,
// nothing was committed.
func (s *Store) CreatePublicOnce(ctx context.Context, n NewPublicTicket) (PublicTicket, error) {
	n.Name, n.Email = strings.TrimSpace(n.Name), strings.TrimSpace(n.Email)
	n.Subject, n.Message = strings.TrimSpace(n.Subject), strings.TrimSpace(n.Message)
	if err := n.Validate(); err != nil {
		return PublicTicket{}, err
	}
	key := publicFormKey("web-help:", n.IdempotencyKey, strings.ToLower(n.Email), n.Subject, n.Message)
	n.IdempotencyKey = key
	var p PublicTicket
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id int64
		if key != "" {
			if _, err := tx.Exec(ctx, sqlLockPublicKey, key); err != nil {
				return fmt.Errorf("lock form key: %w", err)
			}
			err := tx.QueryRow(ctx, sqlTicketByIdempotencyKey, key).Scan(&id)
			switch {
			case err == nil:
				p.Repeat = true
				if p.Token, err = issueTokenTx(ctx, tx, id, s.now()); err != nil {
					return err
				}
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("find form key: %w", err)
			}
		}
		if !p.Repeat {
			var err error
			if id, _, p.Token, err = s.createPublicTx(ctx, tx, n, "web"); err != nil {
				return err
			}
		}
		var err error
		p.Ticket, err = getTx(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return PublicTicket{}, err
	}
	return p, nil
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
	if n.TeamID != 0 {
		team = &n.TeamID
	} else if err := tx.QueryRow(ctx, `SELECT min(id) FROM teams`).Scan(&team); err != nil {
		return 0, 0, "", fmt.Errorf("intake team: %w", err)
	}
	var key *string // set by CreatePublicOnce: the stored form key
	if n.IdempotencyKey != "" {
		key = &n.IdempotencyKey
	}
	err = tx.QueryRow(ctx, sqlInsertTicket, n.Subject, PriorityNormal, "", channel, c.ID, team, nil, nil, "", key, n.Message, now).Scan(&id)
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
	// The mail gets its own link when it is sent: token goes only to the
	// browser that made the ticket.
	if err := queueMailTx(ctx, tx, id, n.Email, n.Locale, mailConfirmation, map[string]any{
		"Number": id, "Subject": n.Subject, "Link": s.statusLink(StatusTokenPlaceholder),
	}, now); err != nil {
		return 0, 0, "", err
	}
	if err := s.autoAssignTx(ctx, tx, id, now); err != nil {
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
	r, err := s.AddCustomerReply(ctx, CustomerReply{TicketID: ticketID, Body: body, File: file})
	return r.TicketID, err
}

// CustomerReply is a customer's reply from the status page.
type CustomerReply struct {
	TicketID int64
	Body     string
	File     *NewAttachment // optional
	// IdempotencyKey is the random key the reply form was rendered with
	// (NewFormKey); "" for none.
	IdempotencyKey string
}

// CustomerReplied says where a reply landed.
type CustomerReplied struct {
	TicketID int64 // the ticket the message is on: the follow-up when the ticket was closed
	// Repeat is true when the same post was taken before: nothing new was
	// stored and TicketID is where the first one landed.
	Repeat bool
}

// sqlMessageByIdempotencyKey finds the message a form post made before.
const sqlMessageByIdempotencyKey = `SELECT ticket_id FROM messages WHERE idempotency_key = $1`

// AddCustomerReply adds the customer's reply with the rules of
// AddCustomerMessage. With r.IdempotencyKey set, the same post sent again
// (same form key, same words) adds nothing and reports where the first one
// landed.
func (s *Store) AddCustomerReply(ctx context.Context, r CustomerReply) (CustomerReplied, error) {
	body := strings.TrimSpace(r.Body)
	var f apperr.Fields
	checkText(&f, "message", body, true, maxBody)
	checkAttachment(&f, r.File)
	if err := f.Err(); err != nil {
		return CustomerReplied{}, err
	}
	key := publicFormKey("web-reply:", r.IdempotencyKey, strconv.FormatInt(r.TicketID, 10), body)
	var out CustomerReplied
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if key != "" {
			if _, err := tx.Exec(ctx, sqlLockPublicKey, key); err != nil {
				return fmt.Errorf("lock form key: %w", err)
			}
			err := tx.QueryRow(ctx, sqlMessageByIdempotencyKey, key).Scan(&out.TicketID)
			if err == nil {
				out.Repeat = true
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("find form key: %w", err)
			}
		}
		target, msgID, err := s.addCustomerMessageTx(ctx, tx, r.TicketID, 0, body, r.File)
		if err != nil {
			return err
		}
		out.TicketID = target
		if key != "" {
			if _, err := tx.Exec(ctx, `UPDATE messages SET idempotency_key = $2 WHERE id = $1`, msgID, key); err != nil {
				return fmt.Errorf("record form key: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return CustomerReplied{}, err
	}
	return out, nil
}

// addCustomerMessageTx adds the customer's validated message (and file, when
// not nil) to ticket ticketID inside the caller's transaction, with the rules
// of AddCustomerMessage. It returns the ticket the message landed on (a new
// follow-up when ticketID is closed) and the message's id. author is the
// customer who wrote it (someone copied on the ticket); 0 for the ticket's.
func (s *Store) addCustomerMessageTx(ctx context.Context, tx pgx.Tx, ticketID, author int64, body string, file *NewAttachment) (target, msgID int64, err error) {
	t, err := getTx(ctx, tx, ticketID, true)
	if err != nil {
		return 0, 0, err
	}
	if author == 0 {
		author = t.Customer.ID
	}
	now := s.now()
	if t.Status == StatusClosed {
		if target, err = s.openFollowUpTicketTx(ctx, tx, t, body, now); err != nil {
			return 0, 0, err
		}
		msgID, err := insertMessageIDTx(ctx, tx, target, MessagePublic, 0, author, body, now)
		if err != nil {
			return 0, 0, err
		}
		if err := s.addAttachmentTx(ctx, tx, target, msgID, 0, file); err != nil {
			return 0, 0, err
		}
		return target, msgID, s.afterChangeTx(ctx, tx, target)
	}
	msgID, err = insertMessageIDTx(ctx, tx, t.ID, MessagePublic, 0, author, body, now)
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, sqlIndexMessage, t.ID, body); err != nil {
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
