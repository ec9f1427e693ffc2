package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The staff list and the team list are on every queue and ticket page (the
// owner select, the filter bar) and change a few times a day, so each
// instance keeps them in memory. They are checked, not trusted: every write
// to users, team_members or teams moves staff_version on in its own
// transaction (statement triggers, migration 00046), and every read sends
// the version this instance holds. Postgres answers with the list when the
// version has moved and with the version alone when it has not, in one
// statement, so the list and its version come from one snapshot.
//
// Why a version row and not LISTEN/NOTIFY (which internal/live already
// hears): a notification arrives after the commit, at its own pace, so a
// page served by instance B just after a change on instance A could show
// the old list, and so could a page after a test's INSERT. The version is
// read by the page's own batch (one primary-key read, no extra round trip),
// and a reader that sees new rows always sees their version: never stale,
// whoever wrote, on whichever instance. A miss costs what every read cost
// before.

// listCache is one list and the staff_version it was read at.
type listCache[T any] struct {
	mu      sync.Mutex
	version int64 // 0: nothing kept yet (versions start at 1)
	list    []T
}

// get returns the version held and its list.
func (c *listCache[T]) get() (int64, []T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, c.list
}

// put keeps list read at version unless a newer one is kept already
// (requests finish in any order; versions only grow).
func (c *listCache[T]) put(version int64, list []T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version > c.version {
		c.version, c.list = version, list
	}
}

// sqlListUsersSince lists all staff with their teams, by name, when
// staff_version is not $1; else it is one row with the version and no user.
// The lateral's WHERE names only the outer version, so Postgres checks it
// once (a one-time filter) and does not read users at all when nothing
// changed. The version is read as a scalar subquery, so the planner knows it
// is one row even before staff_version has statistics: read as a table it
// was guessed at thousands of rows, and the plan, priced for thousands of
// staff lists, was JIT-compiled on every call (half a second each on a
// fresh database).
const sqlListUsersSince = `
SELECT v.version, u.id IS NOT NULL, coalesce(u.id, 0), coalesce(u.email, ''), coalesce(u.name, ''),
       coalesce(u.role, ''), coalesce(u.locale, ''), coalesce(u.time_zone, ''), coalesce(u.active, false),
       coalesce(u.team_ids, '{}')
FROM (SELECT (SELECT version FROM staff_version) AS version) v
LEFT JOIN LATERAL (
    SELECT u.id, u.email, u.name, u.role, u.locale, u.time_zone, u.active,
           coalesce(array_agg(m.team_id ORDER BY m.team_id) FILTER (WHERE m.team_id IS NOT NULL), '{}') AS team_ids
    FROM users u
    LEFT JOIN team_members m ON m.user_id = u.id
    WHERE v.version <> $1
    GROUP BY u.id
) u ON true
ORDER BY u.name, u.id`

// sqlListTeamsSince lists every team by name when staff_version is not $1,
// else it is one row with the version and no team (the version read as in
// sqlListUsersSince).
const sqlListTeamsSince = `
SELECT v.version, t.id IS NOT NULL, coalesce(t.id, 0), coalesce(t.name, '')
FROM (SELECT (SELECT version FROM staff_version) AS version) v
LEFT JOIN LATERAL (
    SELECT t.id, t.name FROM teams t WHERE v.version <> $1
) t ON true
ORDER BY t.name, t.id`

// readSince reads the rows of a *Since query sent with held: the kept list
// when the version has not moved, else the new list (kept for next time).
// scan reads one row: the version, whether it carries an item, the item.
func readSince[T any](rows pgx.Rows, c *listCache[T], held int64, kept []T, scan func(pgx.Rows, *int64, *bool) (T, error)) ([]T, error) {
	defer rows.Close()
	var version int64
	var list []T
	for rows.Next() {
		var present bool
		item, err := scan(rows, &version, &present)
		if err != nil {
			return nil, err
		}
		if present {
			list = append(list, item)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if version == 0 {
		return nil, errors.New("no staff_version row")
	}
	if version == held {
		return slices.Clip(kept), nil
	}
	list = slices.Clip(list)
	c.put(version, list)
	return list, nil
}

func scanUserSince(r pgx.Rows, version *int64, present *bool) (User, error) {
	var u User
	return u, r.Scan(version, present, &u.ID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.TimeZone, &u.Active, &u.TeamIDs)
}

func scanTeamSince(r pgx.Rows, version *int64, present *bool) (Team, error) {
	var t Team
	return t, r.Scan(version, present, &t.ID, &t.Name)
}

// List returns all staff ordered by name. The list is shared: callers must
// not change it.
func (s *Store) List(ctx context.Context) ([]User, error) {
	held, kept := s.users.get()
	rows, err := s.db.Query(ctx, sqlListUsersSince, held)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	list, err := readSince(rows, &s.users, held, kept, scanUserSince)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// Teams lists every team by name. The list is shared: callers must not
// change it.
func (s *Store) Teams(ctx context.Context) ([]Team, error) {
	held, kept := s.teams.get()
	rows, err := s.db.Query(ctx, sqlListTeamsSince, held)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	list, err := readSince(rows, &s.teams, held, kept, scanTeamSince)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return list, nil
}

// ListBatch is List on a batch: the returned function gives the staff once b
// has been sent and closed.
func (s *Store) ListBatch(b *pgx.Batch) func() ([]User, error) {
	held, kept := s.users.get()
	var list []User
	err := postgres.ErrNotSent
	b.Queue(sqlListUsersSince, held).Query(func(rows pgx.Rows) error {
		if list, err = readSince(rows, &s.users, held, kept, scanUserSince); err != nil {
			err = fmt.Errorf("list users: %w", err)
		}
		return err
	})
	return func() ([]User, error) { return list, err }
}

// TeamsBatch is Teams on a batch.
func (s *Store) TeamsBatch(b *pgx.Batch) func() ([]Team, error) {
	held, kept := s.teams.get()
	var list []Team
	err := postgres.ErrNotSent
	b.Queue(sqlListTeamsSince, held).Query(func(rows pgx.Rows) error {
		if list, err = readSince(rows, &s.teams, held, kept, scanTeamSince); err != nil {
			err = fmt.Errorf("list teams: %w", err)
		}
		return err
	})
	return func() ([]Team, error) { return list, err }
}
