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

// sqlCSAT counts the answers first given in the range, in total and per owner.
const sqlCSAT = `
SELECT grouping(c.owner_id) = 0, coalesce(c.owner_id, 0),
       count(*) FILTER (WHERE c.rating = 'good'), count(*) FILTER (WHERE c.rating = 'bad')
FROM csat_responses c
WHERE c.answered_at >= $1 AND c.answered_at < $2
  AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM ticket_facts f WHERE f.ticket_id = c.ticket_id AND f.team_id = $3))
GROUP BY GROUPING SETS ((), (c.owner_id))`

func (s *Store) csat(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard, reps *repRows) error {
	rows, err := tx.Query(ctx, sqlCSAT, from, to, team)
	if err != nil {
		return err
	}
	var perOwner bool
	var owner int64
	var c CSAT
	_, err = pgx.ForEachRow(rows, []any{&perOwner, &owner, &c.Good, &c.Bad}, func() error {
		if perOwner {
			reps.update(owner, func(r *RepRow) { r.CSAT = c })
		} else {
			d.CSAT = c
		}
		return nil
	})
	return err
}
