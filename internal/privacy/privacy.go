// Package privacy hands a customer's data over and erases it on request
// (GDPR articles 15, 17 and 20): an export as a zip of JSON plus the
// attached files, and an erasure that removes or anonymises the personal
// data while the tickets' numbers, timing and statistics stay.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Service exports and erases customers' data.
type Service struct {
	db  *pgxpool.Pool
	log *slog.Logger
	now func() time.Time
}

// New returns the service on db.
func New(db *pgxpool.Pool, log *slog.Logger, now func() time.Time) *Service {
	return &Service{db: db, log: log, now: now}
}

// Customer is a customer as the privacy pages show them, with what the
// desk holds about them.
type Customer struct {
	ID          int64
	Name        string
	Email       string
	Phone       string
	Locale      string
	Notes       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ErasedAt    *time.Time
	Tickets     int
	Messages    int
	Attachments int
}

// ConfirmWord is what a supervisor must type to export or erase c: the
// customer's email address, or their name when they have none.
func (c Customer) ConfirmWord() string {
	if c.Email != "" {
		return c.Email
	}
	return c.Name
}

// confirmed reports whether typed matches c's confirmation word (case and
// surrounding spaces aside).
func (c Customer) confirmed(typed string) bool {
	return strings.EqualFold(strings.TrimSpace(typed), c.ConfirmWord())
}

const sqlSelectCustomer = `
SELECT c.id, c.name, coalesce(c.email::text, ''), coalesce(c.phone, ''), c.locale, c.notes, c.created_at, c.updated_at, c.erased_at,
       (SELECT count(*) FROM tickets t WHERE t.customer_id = c.id),
       (SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.customer_id = c.id),
       (SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.customer_id = c.id)
FROM customers c`

func scanCustomer(row pgx.Row) (Customer, error) {
	var c Customer
	err := row.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale, &c.Notes, &c.CreatedAt, &c.UpdatedAt, &c.ErasedAt,
		&c.Tickets, &c.Messages, &c.Attachments)
	return c, err
}

// Get returns customer id with the counts of what the desk holds.
func (s *Service) Get(ctx context.Context, id int64) (Customer, error) {
	return getTx(ctx, s.db, id, false)
}

func getTx(ctx context.Context, q postgres.Querier, id int64, lock bool) (Customer, error) {
	sql := sqlSelectCustomer + ` WHERE c.id = $1`
	if lock {
		sql += ` FOR UPDATE OF c`
	}
	c, err := scanCustomer(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Customer{}, apperr.New(apperr.NotFound, "privacy_error_not_found")
	}
	if err != nil {
		return Customer{}, fmt.Errorf("get customer %d: %w", id, err)
	}
	return c, nil
}

// maxFind bounds the customers a lookup returns.
const maxFind = 20

// Find looks customers up for the privacy page: an email address exactly,
// "#123" or "123" by number, anything else by a part of the name (accents
// and case aside).
func (s *Service) Find(ctx context.Context, q string) ([]Customer, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if p := textcheck.Check(q, textcheck.Line, false, 254); p != textcheck.OK {
		return nil, apperr.InvalidFields(map[string]string{"q": p.MsgID()})
	}
	var where string
	var arg any = q
	switch {
	case strings.Contains(q, "@"):
		where = `c.email = $1::citext`
	default:
		if n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && n > 0 {
			where, arg = `c.id = $1::bigint`, n
		} else {
			where = `ld_search_text(c.name) LIKE '%' || ld_search_text($1::text) || '%'`
		}
	}
	rows, err := s.db.Query(ctx, sqlSelectCustomer+` WHERE `+where+` ORDER BY c.id DESC LIMIT `+strconv.Itoa(maxFind), arg)
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) { return scanCustomer(r) })
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	return list, nil
}

// checkConfirm refuses an export or erasure whose confirmation does not
// match, and one of a customer who was erased already.
func checkConfirm(c Customer, typed string) error {
	if c.ErasedAt != nil {
		return apperr.New(apperr.Conflict, "privacy_error_erased")
	}
	if !c.confirmed(typed) {
		return apperr.InvalidFields(map[string]string{"confirm": "privacy_error_confirm"})
	}
	return nil
}
