package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Store runs the tickets SQL. Every public method is one transaction that
// also records its events.
type Store struct {
	db      *pgxpool.Pool
	now     func() time.Time
	baseURL string
	hooks   Hooks
	linkTTL time.Duration   // status links expire this long after the ticket closes; 0: DefaultStatusLinkTTL
	region  string          // the desk's default country for phone numbers (SetRegion)
	own     map[string]bool // the desk's configured addresses, lower case (SetOwnAddresses)
	walk    int64           // the search's first walk, in tickets; 0: walkNewest (tests set less)
}

// NewStore returns a Store on db with clock now; baseURL prefixes the status
// links sent to customers.
func NewStore(db *pgxpool.Pool, now func() time.Time, baseURL string) *Store {
	return &Store{db: db, now: now, baseURL: strings.TrimRight(baseURL, "/"), region: DefaultRegion}
}

// NewTicket is a rep's intake form.
type NewTicket struct {
	CustomerID     int64 // an existing customer; 0 to find or create one from the fields below
	CustomerName   string
	CustomerEmail  string
	CustomerPhone  string
	CustomerLocale string
	Subject        string
	Body           string
	Channel        Channel
	Priority       Priority
	Category       string
	OrderRef       string
	TeamID         int64 // 0: the actor's first team
	IdempotencyKey string
}

// Validate returns field -> message id failures.
func (n *NewTicket) Validate() error {
	var f apperr.Fields
	if n.CustomerID == 0 {
		checkText(&f, "customer_name", n.CustomerName, true, maxName)
		if n.CustomerEmail != "" && !validEmail(n.CustomerEmail) {
			f.Add("customer_email", "error_email_invalid")
		}
		if n.CustomerPhone != "" {
			// Cleaned only: the store reads it in the desk's country (Create).
			p, ok := cleanPhone(n.CustomerPhone)
			if !ok {
				f.Add("customer_phone", "error_phone_invalid")
			}
			n.CustomerPhone = p
		}
		if n.CustomerLocale != "" && !slices.Contains([]string{"en", "fi", "vi", "hi"}, n.CustomerLocale) {
			f.Add("customer_locale", "error_locale_invalid")
		}
	}
	checkText(&f, "subject", n.Subject, true, maxSubject)
	checkText(&f, "body", n.Body, true, maxBody)
	if !n.Channel.Valid() {
		f.Add("channel", "error_channel_invalid")
	}
	if !n.Priority.Valid() {
		f.Add("priority", "error_priority_invalid")
	}
	if n.Category != "" && !slices.Contains(Categories, n.Category) {
		f.Add("category", "error_category_invalid")
	}
	checkText(&f, "order_ref", n.OrderRef, false, maxOrder)
	checkText(&f, "idempotency_key", n.IdempotencyKey, false, maxIdempotencyKey)
	return f.Err()
}

// sqlInsertTicket inserts a ticket indexed for search: its subject and
// first message ($11) in the customer's language (ld_subject_vector,
// ld_body_vector), their words in the word list (sqlListWords).
const sqlInsertTicket = `
WITH t AS (
    INSERT INTO tickets (subject, status, priority, category, channel, customer_id, team_id, owner_id,
                         created_by, order_ref, idempotency_key, search, created_at, updated_at)
    VALUES ($1, 'new', $2, $3, $4, $5, $6, $7, $8, $9, $10,
            coalesce((SELECT ld_subject_vector($1, c.locale) || ld_body_vector($11, c.locale) FROM customers c WHERE c.id = $5), ''),
            $12, $12)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), w AS (` + sqlListWords + `($1 || ' ' || $11) AS x(word) WHERE EXISTS (SELECT FROM t) ORDER BY 1 ON CONFLICT DO NOTHING
)
SELECT id FROM t`

// sqlLockIdempotencyKey serialises creates that share an idempotency key until the
// first commits, so that a repeat finds the first ticket before it makes a customer.
// The two-key form keeps clear of the bigint advisory locks (migrations).
const sqlLockIdempotencyKey = `SELECT pg_advisory_xact_lock(hashtext('tickets.idempotency_key'), hashtext($1))`

const sqlTicketByIdempotencyKey = `SELECT id FROM tickets WHERE idempotency_key = $1`

const sqlCustomerByEmail = `SELECT id FROM customers WHERE email = $1`

// sqlCustomerByPhone finds a customer by phone when the email found none.
const sqlCustomerByPhone = `SELECT id FROM customers WHERE phone = $1 ORDER BY id LIMIT 1`

// sqlCreateTicket makes a rep's ticket in one statement: the customer when
// $5 is 0 (from $15-$18; a customer made meanwhile with the same email is
// taken), the ticket with its SLA clock ($19-$22) indexed for search as in
// sqlInsertTicket, its first message (the customer's words) and its
// ticket.created event; it returns the ticket as sqlSelectTicket reads it.
// A used idempotency key inserts nothing and returns no row. The columns
// are those of findOrCreateCustomerTx, sqlInsertTicket, sqlInsertMessage
// and postgres.RecordEvent. A customer id that does not exist fails the
// foreign key, as before.
var sqlCreateTicket = `
WITH nc AS (
    INSERT INTO customers (name, email, phone, locale, created_at, updated_at)
    SELECT $15, nullif($16, ''), nullif($17, ''), $18, $11, $11
    WHERE $5 = 0 AND ($9::text IS NULL OR NOT EXISTS (SELECT FROM tickets WHERE idempotency_key = $9))
    ON CONFLICT (email) DO UPDATE SET updated_at = customers.updated_at
    RETURNING *
), c AS (
    SELECT * FROM nc UNION ALL SELECT * FROM customers WHERE id = $5
), t AS (
    INSERT INTO tickets (subject, status, priority, category, channel, customer_id, team_id, owner_id,
                         created_by, order_ref, idempotency_key, search, created_at, updated_at,
                         sla_policy_id, first_response_due, resolution_due, next_due)
    VALUES ($1, 'new', $2, $3, $4, coalesce((SELECT id FROM c), $5), $6, $14, $7, $8, $9,
            coalesce((SELECT ld_subject_vector($1, c.locale) || ld_body_vector($10, c.locale) FROM c), ''),
            $11, $11, $19, $20, $21, $22)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING *
), w AS (` + sqlListWords + `($1 || ' ' || $10) AS x(word) WHERE EXISTS (SELECT FROM t) ORDER BY 1 ON CONFLICT DO NOTHING
), m AS (
    INSERT INTO messages (ticket_id, kind, author_customer_id, body, created_at)
    SELECT t.id, 'public', t.customer_id, $10, $11 FROM t
), e AS (
    INSERT INTO events (subject_type, subject_id, actor_id, action, data, created_at)
    SELECT 'ticket', t.id, $12, 'ticket.created', $13, $11 FROM t
)
` + strings.TrimSpace(strings.SplitN(sqlSelectTicket, "FROM tickets t", 2)[0]) + `
FROM t
JOIN c ON c.id = t.customer_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users u ON u.id = t.owner_id`

// Create opens a ticket taken by a rep: the rep becomes its owner (the loop
// owner). A ticket taken for a team the rep is not in (a supervisor's
// intake) goes to that team's automatic assignment instead, when the team
// has one. A repeated IdempotencyKey returns the ticket the first call made
// (created is then false), so a double submit never makes two tickets.
//
// Round trips in the transaction: the lookups (with what the SLA clock
// reads), the one statement that writes the customer, ticket, message and
// event and returns the ticket, the clock's checks; then the commit.
func (s *Store) Create(ctx context.Context, a Actor, n NewTicket) (t Ticket, created bool, err error) {
	n.Subject, n.Body = strings.TrimSpace(n.Subject), strings.TrimSpace(n.Body)
	n.CustomerName, n.CustomerEmail = strings.TrimSpace(n.CustomerName), strings.TrimSpace(n.CustomerEmail)
	n.OrderRef = strings.TrimSpace(n.OrderRef)
	if err := n.Validate(); err != nil {
		return Ticket{}, false, err
	}
	if n.CustomerPhone != "" {
		n.CustomerPhone, _ = NormalizePhone(n.CustomerPhone, s.region)
	}
	if n.CustomerLocale == "" {
		n.CustomerLocale = "en"
	}
	if n.TeamID == 0 && len(a.TeamIDs) > 0 {
		n.TeamID = a.TeamIDs[0]
	}
	if n.TeamID != 0 && !a.SeeAll && !slices.Contains(a.TeamIDs, n.TeamID) {
		return Ticket{}, false, apperr.InvalidFields(map[string]string{"team_id": "error_team_not_yours"})
	}
	var id int64
	reread := false // the ticket changed after the insert returned it
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Microseconds, as Postgres keeps it: the clock computed here is the
		// one a later recompute finds from the stored created_at.
		now := s.now().Truncate(time.Microsecond)
		// One round trip for the lookups: the key's lock, a ticket made
		// with the key before, the customer by email (else by phone), and
		// what the SLA clock reads. The statements of a batch run one after
		// another, each with its own snapshot, so the key lookup sees a
		// ticket committed while this waited for the lock.
		var b pgx.Batch
		var repeat bool
		if n.IdempotencyKey != "" {
			b.Queue(sqlLockIdempotencyKey, n.IdempotencyKey).Exec(func(pgconn.CommandTag) error { return nil })
			b.Queue(sqlTicketByIdempotencyKey, n.IdempotencyKey).QueryRow(func(row pgx.Row) error {
				err := row.Scan(&id)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				repeat = err == nil
				return err
			})
		}
		customerID := n.CustomerID
		var byPhone int64
		found := func(dst *int64) func(pgx.Row) error {
			return func(row pgx.Row) error {
				if err := row.Scan(dst); !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
				return nil
			}
		}
		if customerID == 0 && n.CustomerEmail != "" {
			b.Queue(sqlCustomerByEmail, n.CustomerEmail).QueryRow(found(&customerID))
		}
		if customerID == 0 && n.CustomerPhone != "" {
			b.Queue(sqlCustomerByPhone, n.CustomerPhone).QueryRow(found(&byPhone))
		}
		var clockOf func(ctx context.Context, tx pgx.Tx) (Clock, error)
		if s.hooks.NewClock != nil {
			clockOf = s.hooks.NewClock(&b, ClockStart{Priority: n.Priority, Category: n.Category, TeamID: n.TeamID, CreatedAt: now})
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, &b).Close(); err != nil {
				return fmt.Errorf("create ticket: look up key and customer: %w", err)
			}
		}
		if repeat {
			reread = true
			return nil // a repeat: return the first ticket, change nothing
		}
		if customerID == 0 {
			customerID = byPhone // else 0: the statement makes the customer
		}
		var key *string
		if n.IdempotencyKey != "" {
			key = &n.IdempotencyKey
		}
		owner := a.UserID
		if n.TeamID != 0 && !slices.Contains(a.TeamIDs, n.TeamID) {
			rule, err := teamAssignModeTx(ctx, tx, n.TeamID)
			if err != nil {
				return err
			}
			if rule.Mode != AssignManual {
				owner = 0 // the team's assignment picks the owner below
			}
		}
		var clock Clock
		if clockOf != nil {
			var err error
			if clock, err = clockOf(ctx, tx); err != nil {
				return err
			}
		}
		event := map[string]any{"channel": n.Channel, "priority": n.Priority.String(), "owner_id": owner, "team_id": n.TeamID}
		var err error
		t, err = scanTicket(tx.QueryRow(ctx, sqlCreateTicket, n.Subject, n.Priority, n.Category, n.Channel, customerID,
			postgres.NullID(n.TeamID), a.UserID, n.OrderRef, key, n.Body, now, postgres.NullID(a.UserID), event,
			postgres.NullID(owner), n.CustomerName, n.CustomerEmail, n.CustomerPhone, n.CustomerLocale,
			postgres.NullID(clock.PolicyID), clock.FirstResponseDue, clock.ResolutionDue, clock.NextDue))
		if errors.Is(err, pgx.ErrNoRows) {
			// The key was used before: return the first ticket, change nothing.
			reread = true
			return tx.QueryRow(ctx, sqlTicketByIdempotencyKey, n.IdempotencyKey).Scan(&id)
		}
		if err != nil {
			if c, ok := postgres.IsForeignKeyViolation(err); ok {
				return apperr.Wrap(apperr.Invalid, "error_invalid_form", fmt.Errorf("constraint %s: %w", c, err))
			}
			return fmt.Errorf("insert ticket: %w", err)
		}
		id, created = t.ID, true
		if owner == 0 {
			reread = true
			if err := s.autoAssignTx(ctx, tx, id, now); err != nil {
				return err
			}
		}
		if clockOf == nil {
			return s.afterChangeTx(ctx, tx, id)
		}
		if clock.Start != nil {
			return clock.Start(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return Ticket{}, false, err
	}
	if reread {
		t, err = s.get(ctx, id)
	}
	return t, created, err
}

const sqlInsertMessage = `
INSERT INTO messages (ticket_id, kind, author_user_id, author_customer_id, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`

func insertMessageTx(ctx context.Context, tx pgx.Tx, ticketID int64, kind MessageKind, userID, customerID int64, body string, at time.Time) error {
	var cust *int64
	if userID == 0 {
		cust = postgres.NullID(customerID)
	}
	if _, err := tx.Exec(ctx, sqlInsertMessage, ticketID, kind, postgres.NullID(userID), cust, body, at); err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

// RecordEventTx writes one ticket event inside the caller's transaction.
func RecordEventTx(ctx context.Context, tx pgx.Tx, at time.Time, ticketID, actorID int64, action string, data map[string]any) error {
	return postgres.RecordEvent(ctx, tx, at, "ticket", ticketID, actorID, action, data)
}

const sqlSelectTicket = `
SELECT t.id, t.subject, t.status, t.priority, t.category, t.channel,
       c.id, c.name, coalesce(c.email::text, ''), coalesce(c.phone, ''), c.locale, c.notes, c.created_at,
       c.bounced_at, c.bounce_status, c.bounce_diagnostic,
       coalesce(t.team_id, 0), coalesce(tm.name, ''), coalesce(t.owner_id, 0), coalesce(u.name, ''),
       coalesce(t.created_by, 0), t.order_ref, t.tags, coalesce(t.merged_into, 0), t.version,
       t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.closed_at,
       t.first_response_due, t.next_response_due, t.resolution_due, t.next_due, t.paused_since,
       coalesce(t.sla_policy_id, 0), t.awaiting_reply_since, coalesce(t.holder_team_id, 0), coalesce(t.holder_user_id, 0)
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users u ON u.id = t.owner_id`

func scanTicket(row pgx.Row) (Ticket, error) {
	var t Ticket
	err := row.Scan(&t.ID, &t.Subject, &t.Status, &t.Priority, &t.Category, &t.Channel,
		&t.Customer.ID, &t.Customer.Name, &t.Customer.Email, &t.Customer.Phone, &t.Customer.Locale, &t.Customer.Notes, &t.Customer.CreatedAt,
		&t.Customer.BouncedAt, &t.Customer.BounceStatus, &t.Customer.BounceDiagnostic,
		&t.TeamID, &t.TeamName, &t.OwnerID, &t.OwnerName, &t.CreatedBy, &t.OrderRef, &t.Tags, &t.MergedInto, &t.Version,
		&t.CreatedAt, &t.UpdatedAt, &t.FirstResponseAt, &t.SolvedAt, &t.ClosedAt,
		&t.FirstResponseDue, &t.NextResponseDue, &t.ResolutionDue, &t.NextDue, &t.PausedSince,
		&t.SLAPolicyID, &t.AwaitingReplySince, &t.HolderTeamID, &t.HolderUserID)
	t.HasSLA = t.SLAPolicyID != 0
	return t, err
}

func (s *Store) get(ctx context.Context, id int64) (Ticket, error) {
	return getTx(ctx, s.db, id, false)
}

// sqlTicketVisibility reads what decides who sees ticket $1 (Actor.CanSee).
const sqlTicketVisibility = `
SELECT coalesce(team_id, 0), coalesce(owner_id, 0), coalesce(holder_team_id, 0), coalesce(holder_user_id, 0)
FROM tickets WHERE id = $1`

// VisibilityTx reads ticket id with only what Actor.CanSee looks at: its
// id, team, owner and holders. The live hub reads it for every change it
// hears; one row of the ticket alone costs a fraction of GetTx's read
// (customer, team and owner names).
func VisibilityTx(ctx context.Context, q postgres.Querier, id int64) (Ticket, error) {
	t := Ticket{ID: id}
	err := q.QueryRow(ctx, sqlTicketVisibility, id).Scan(&t.TeamID, &t.OwnerID, &t.HolderTeamID, &t.HolderUserID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket %d visibility: %w", id, err)
	}
	return t, nil
}

// GetTx reads ticket id inside the caller's transaction, locking the row
// when forUpdate (no visibility check: the caller decides).
func GetTx(ctx context.Context, q postgres.Querier, id int64, forUpdate bool) (Ticket, error) {
	return getTx(ctx, q, id, forUpdate)
}

func getTx(ctx context.Context, q postgres.Querier, id int64, forUpdate bool) (Ticket, error) {
	sql := sqlSelectTicket + ` WHERE t.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF t`
	}
	t, err := scanTicket(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("get ticket %d: %w", id, err)
	}
	return t, nil
}

// Get returns ticket id if a may see it; otherwise NotFound, so that the
// existence of other teams' tickets is not revealed.
func (s *Store) Get(ctx context.Context, a Actor, id int64) (Ticket, error) {
	t, err := s.get(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if !a.CanSee(t) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	return t, nil
}

const sqlSelectMessages = `
SELECT m.id, m.ticket_id, m.kind, coalesce(m.author_user_id, 0),
       coalesce(u.name, c.name, ''), m.author_customer_id IS NOT NULL, m.body, m.created_at,
       coalesce(e.html <> '', false), coalesce(e.remote_images, false),
       coalesce(e.spf, ''), coalesce(e.dkim, ''), coalesce(e.dmarc, '')
FROM messages m
LEFT JOIN users u ON u.id = m.author_user_id
LEFT JOIN customers c ON c.id = m.author_customer_id
LEFT JOIN message_email e ON e.message_id = m.id
WHERE m.ticket_id = $1 AND ($2 OR m.kind = 'public')
ORDER BY m.id`

// Messages returns the thread of ticket id, oldest first; internal notes and
// system lines only when withInternal (never for customers).
func (s *Store) Messages(ctx context.Context, id int64, withInternal bool) ([]Message, error) {
	rows, err := s.db.Query(ctx, sqlSelectMessages, id, withInternal)
	if err != nil {
		return nil, fmt.Errorf("messages of %d: %w", id, err)
	}
	return pgx.CollectRows(rows, scanMessage)
}

func scanMessage(r pgx.CollectableRow) (Message, error) {
	var m Message
	return m, r.Scan(&m.ID, &m.TicketID, &m.Kind, &m.AuthorID, &m.AuthorName, &m.FromCustomer, &m.Body, &m.CreatedAt,
		&m.HasHTML, &m.RemoteImages, &m.Auth.SPF, &m.Auth.DKIM, &m.Auth.DMARC)
}

const sqlSelectEvents = `
SELECT e.id, coalesce(e.actor_id, 0), coalesce(u.name, ''), e.action, e.data, e.created_at
FROM events e
LEFT JOIN users u ON u.id = e.actor_id
WHERE e.subject_type = 'ticket' AND e.subject_id = $1
ORDER BY e.id`

// History returns the events of ticket id, oldest first.
func (s *Store) History(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, sqlSelectEvents, id)
	if err != nil {
		return nil, fmt.Errorf("history of %d: %w", id, err)
	}
	return pgx.CollectRows(rows, scanEvent)
}

func scanEvent(r pgx.CollectableRow) (Event, error) {
	var e Event
	return e, r.Scan(&e.ID, &e.ActorID, &e.ActorName, &e.Action, &e.Data, &e.CreatedAt)
}
