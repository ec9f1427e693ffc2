package reports

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// CSAT on the dashboard counts the survey answers (csat_responses, one per
// ticket) first given in the range, by their current rating, per loop owner
// at the time of the answer (csat_responses.owner_id) — the same definitions
// as csat.Store.PerRep and Totals, here inside the dashboard's snapshot and
// with the team filter (the ticket's team, from the facts).

// sqlCSAT counts the answers first given in the range.
const sqlCSAT = `
SELECT count(*) FILTER (WHERE c.rating = 'good'), count(*) FILTER (WHERE c.rating = 'bad')
FROM csat_responses c
JOIN ticket_facts f ON f.ticket_id = c.ticket_id
WHERE c.answered_at >= $1 AND c.answered_at < $2 AND ($3::bigint = 0 OR f.team_id = $3)`

// sqlCSATPerRep is sqlCSAT per owner.
const sqlCSATPerRep = `
SELECT c.owner_id, count(*) FILTER (WHERE c.rating = 'good'), count(*) FILTER (WHERE c.rating = 'bad')
FROM csat_responses c
JOIN ticket_facts f ON f.ticket_id = c.ticket_id
WHERE c.owner_id IS NOT NULL AND c.answered_at >= $1 AND c.answered_at < $2 AND ($3::bigint = 0 OR f.team_id = $3)
GROUP BY c.owner_id`

func (s *Store) csat(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard) error {
	return tx.QueryRow(ctx, sqlCSAT, from, to, team).Scan(&d.CSAT.Good, &d.CSAT.Bad)
}

func (s *Store) csatPerRep(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, row func(int64) *RepRow) error {
	rows, err := tx.Query(ctx, sqlCSATPerRep, from, to, team)
	if err != nil {
		return err
	}
	var id int64
	var c CSAT
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Good, &c.Bad}, func() error {
		row(id).CSAT = c
		return nil
	})
	return err
}
