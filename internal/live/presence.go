package live

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Who else has a ticket open, and who is typing a reply on it: the ticket
// page beats every BeatEvery while open, and says when typing starts and
// stops. A beat that changes what others see (someone arrives or leaves,
// starts or stops typing) is announced on Channel in its transaction.

// BeatEvery is how often an open ticket page beats; SeenFor how long a beat
// counts as "has it open", TypingFor how long a typing beat counts.
const (
	BeatEvery = 20 * time.Second
	SeenFor   = 50 * time.Second
	TypingFor = 8 * time.Second
)

// The states a beat reports.
const (
	StateViewing = "viewing" // the page is open
	StateTyping  = "typing"  // a reply or note is being typed
	StateLeft    = "left"    // the page was closed
)

// Visitor is someone else on a ticket page.
type Visitor struct {
	UserID int64
	Name   string
	Typing bool
}

// Presence keeps ticket_presence.
type Presence struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// NewPresence returns the presence store on db with clock now.
func NewPresence(db *pgxpool.Pool, now func() time.Time) *Presence {
	return &Presence{db: db, now: now}
}

// ValidState reports whether s is a state a beat may report.
func ValidState(s string) bool { return s == StateViewing || s == StateTyping || s == StateLeft }

// sqlPresenceBefore is what others saw of user $2 on ticket $1 before this
// beat: there at all, and typing ($3: the beat's time).
const sqlPresenceBefore = `
SELECT coalesce(bool_or(seen_at > $3::timestamptz - $4::interval), false),
       coalesce(bool_or(typing_at > $3::timestamptz - $5::interval), false)
FROM ticket_presence WHERE ticket_id = $1 AND user_id = $2`

const sqlPresenceUpsert = `
INSERT INTO ticket_presence (ticket_id, user_id, seen_at, typing_at)
VALUES ($1, $2, $3, CASE WHEN $4 THEN $3::timestamptz END)
ON CONFLICT (ticket_id, user_id) DO UPDATE SET seen_at = EXCLUDED.seen_at, typing_at = EXCLUDED.typing_at`

const sqlPresenceLeave = `DELETE FROM ticket_presence WHERE ticket_id = $1 AND user_id = $2`

// sqlPresenceExpire drops the ticket's beats too old to show.
const sqlPresenceExpire = `DELETE FROM ticket_presence WHERE ticket_id = $1 AND seen_at < $2`

const sqlPresenceNotify = `
SELECT pg_notify('` + Channel + `', json_build_object('i', nextval('live_event_seq'), 'k', 'presence', 's', $1::bigint, 'u', $2::bigint)::text)`

// Beat records that userID has ticket id open in state, and tells the other
// viewers when that changes what they see.
func (p *Presence) Beat(ctx context.Context, ticketID, userID int64, state string) error {
	if !ValidState(state) {
		return fmt.Errorf("presence state %q", state)
	}
	return postgres.InTx(ctx, p.db, func(tx pgx.Tx) error {
		now := p.now()
		var wasHere, wasTyping bool
		if err := tx.QueryRow(ctx, sqlPresenceBefore, ticketID, userID, now, SeenFor, TypingFor).Scan(&wasHere, &wasTyping); err != nil {
			return fmt.Errorf("presence before: %w", err)
		}
		var changed bool
		if state == StateLeft {
			if _, err := tx.Exec(ctx, sqlPresenceLeave, ticketID, userID); err != nil {
				return fmt.Errorf("presence leave: %w", err)
			}
			changed = wasHere
		} else {
			typing := state == StateTyping
			if _, err := tx.Exec(ctx, sqlPresenceUpsert, ticketID, userID, now, typing); err != nil {
				return fmt.Errorf("presence beat: %w", err)
			}
			changed = !wasHere || wasTyping != typing
		}
		if _, err := tx.Exec(ctx, sqlPresenceExpire, ticketID, now.Add(-SeenFor)); err != nil {
			return fmt.Errorf("presence expire: %w", err)
		}
		if !changed {
			return nil
		}
		if _, err := tx.Exec(ctx, sqlPresenceNotify, ticketID, userID); err != nil {
			return fmt.Errorf("presence notify: %w", err)
		}
		return nil
	})
}

// sqlVisitors lists who else has ticket $1 open now, by name.
const sqlVisitors = `
SELECT p.user_id, u.name, coalesce(p.typing_at > $3::timestamptz - $5::interval, false)
FROM ticket_presence p JOIN users u ON u.id = p.user_id
WHERE p.ticket_id = $1 AND p.user_id <> $2 AND p.seen_at > $3::timestamptz - $4::interval
ORDER BY u.name, p.user_id`

// Others lists who besides userID has ticket id open, and who is typing.
func (p *Presence) Others(ctx context.Context, ticketID, userID int64) ([]Visitor, error) {
	rows, err := p.db.Query(ctx, sqlVisitors, ticketID, userID, p.now(), SeenFor, TypingFor)
	if err != nil {
		return nil, fmt.Errorf("visitors of %d: %w", ticketID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Visitor, error) {
		var v Visitor
		return v, r.Scan(&v.UserID, &v.Name, &v.Typing)
	})
}
