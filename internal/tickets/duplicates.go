package tickets

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Possible duplicates at intake: before a rep opens a ticket, the
// customer's open tickets whose subject is like the new one.

// DuplicateQuery names the customer of a ticket being opened (a chosen
// customer, else the email, else the phone typed) and its subject.
type DuplicateQuery struct {
	CustomerID int64
	Email      string
	Phone      string
	Subject    string
}

// duplicateLikeness is how alike two subjects must be: the pg_trgm word
// similarity of the folded subjects, the better of both ways ("Where is my
// parcel?" and "Parcel has not arrived" are 0.37; "Invoice copy" and
// "Where is my parcel?" 0.08).
const duplicateLikeness = 0.3

// sqlPossibleDuplicates reads the open tickets of customer $1, or of the
// customer with email $2 or phone $3, whose subject is like $4, most alike
// first ($5 at most, before the actor's visibility is applied).
const sqlPossibleDuplicates = sqlSelectTicket + `
CROSS JOIN LATERAL (SELECT greatest(word_similarity(ld_search_text(t.subject), ld_search_text($4)),
                                    word_similarity(ld_search_text($4), ld_search_text(t.subject))) AS likeness) l
WHERE t.customer_id IN (SELECT id FROM customers
                        WHERE id = $1 OR ($2 <> '' AND email = $2::citext) OR ($3 <> '' AND phone = $3))
  AND t.status IN ('new', 'open', 'pending', 'on_hold')
  AND l.likeness >= $6
ORDER BY l.likeness DESC, t.id DESC
LIMIT $5`

// PossibleDuplicates lists up to limit open tickets of q's customer, which
// a may see, with a subject like q.Subject. Nothing is an error: an empty
// subject or no customer gives none, and so does input that is not a
// usable subject or email (the form reports those itself).
func (s *Store) PossibleDuplicates(ctx context.Context, a Actor, q DuplicateQuery, limit int) ([]Ticket, error) {
	subject := strings.TrimSpace(q.Subject)
	email := strings.TrimSpace(q.Email)
	phone := ""
	if p := strings.TrimSpace(q.Phone); p != "" {
		phone, _ = NormalizePhone(p, s.region)
	}
	if subject == "" || (q.CustomerID == 0 && email == "" && phone == "") ||
		textcheck.Check(subject, textcheck.Line, false, 300) != textcheck.OK ||
		textcheck.Check(email, textcheck.Line, false, 254) != textcheck.OK ||
		textcheck.Check(phone, textcheck.Line, false, 40) != textcheck.OK {
		return nil, nil
	}
	if limit <= 0 || limit > 20 {
		limit = 5
	}
	rows, err := s.db.Query(ctx, sqlPossibleDuplicates, q.CustomerID, email, phone, subject, limit*4, duplicateLikeness)
	if err != nil {
		return nil, fmt.Errorf("possible duplicates: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) })
	if err != nil {
		return nil, fmt.Errorf("possible duplicates: %w", err)
	}
	return visibleTickets(a, all, limit), nil
}
