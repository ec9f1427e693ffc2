package csat

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RepCSAT is one rep's answers in a period: the answers about tickets they
// owned when the customer first answered, counted by the current rating.
type RepCSAT struct {
	UserID int64
	Name   string
	Good   int
	Bad    int
}

// Total is the number of answers.
func (r RepCSAT) Total() int { return r.Good + r.Bad }

// Percent is the share of good answers, 0..100 (0 without answers).
func (r RepCSAT) Percent() float64 {
	if r.Total() == 0 {
		return 0
	}
	return 100 * float64(r.Good) / float64(r.Total())
}

// sqlPerRep counts answers first given in [$1, $2) per loop owner
// (csat_responses_answered_idx), by name.
const sqlPerRep = `
SELECT r.owner_id, u.name,
       count(*) FILTER (WHERE r.rating = 'good'),
       count(*) FILTER (WHERE r.rating = 'bad')
FROM csat_responses r
JOIN users u ON u.id = r.owner_id
WHERE r.answered_at >= $1 AND r.answered_at < $2
GROUP BY r.owner_id, u.name
ORDER BY u.name, r.owner_id`

// PerRep returns each rep's CSAT for answers first given in [from, to),
// by name; reps without answers are left out. For the dashboard.
func (s *Store) PerRep(ctx context.Context, from, to time.Time) ([]RepCSAT, error) {
	rows, err := s.db.Query(ctx, sqlPerRep, from, to)
	if err != nil {
		return nil, fmt.Errorf("csat per rep: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RepCSAT, error) {
		var c RepCSAT
		return c, r.Scan(&c.UserID, &c.Name, &c.Good, &c.Bad)
	})
}

// sqlTotals counts answers first given in [$1, $2), of tickets of team $3 (0: all).
const sqlTotals = `
SELECT count(*) FILTER (WHERE r.rating = 'good'), count(*) FILTER (WHERE r.rating = 'bad')
FROM csat_responses r
JOIN tickets t ON t.id = r.ticket_id
WHERE r.answered_at >= $1 AND r.answered_at < $2 AND ($3 = 0 OR t.team_id = $3)`

// Totals returns the good and bad answers first given in [from, to), for the
// tickets of teamID (0: every team). For the dashboard.
func (s *Store) Totals(ctx context.Context, from, to time.Time, teamID int64) (good, bad int, err error) {
	if err := s.db.QueryRow(ctx, sqlTotals, from, to, teamID).Scan(&good, &bad); err != nil {
		return 0, 0, fmt.Errorf("csat totals: %w", err)
	}
	return good, bad, nil
}
