// Package announce is team announcements: short product and policy updates
// supervisors post to a team or to everyone, and who has read them.
package announce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Limits, mirrored by the schema's CHECK constraints.
const (
	MaxTitle = 120
	MaxBody  = 2000
	// UnreadFor is how long an unread announcement stays on the home page:
	// someone back from a long leave is not met by a wall of old news.
	UnreadFor = 60 * 24 * time.Hour
)

// Announcement is one posted update.
type Announcement struct {
	ID         int64
	TeamID     int64 // 0: everyone
	TeamName   string
	AuthorID   int64
	AuthorName string
	Title      string
	Body       string
	CreatedAt  time.Time
	Reads      int // staff who marked it read (Recent only)
	Audience   int // active staff it is for (Recent only)
}

// Store runs the announcements SQL.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// NewStore returns a Store on db with clock now.
func NewStore(db *pgxpool.Pool, now func() time.Time) *Store { return &Store{db: db, now: now} }

// Draft is the post form.
type Draft struct {
	TeamID int64 // 0: everyone
	Title  string
	Body   string
}

// Validate returns field -> message id failures.
func (d *Draft) Validate() error {
	var f apperr.Fields
	check := func(field, v string, k textcheck.Kind, max int) {
		switch textcheck.Check(v, k, true, max) {
		case textcheck.OK:
		case textcheck.Blank:
			f.Add(field, "error_required")
		case textcheck.TooLong:
			f.Add(field, "announce_error_"+field+"_long")
		case textcheck.LineBreak:
			f.Add(field, textcheck.LineBreak.MsgID())
		default:
			f.Add(field, "announce_error_text_invalid")
		}
	}
	check("title", d.Title, textcheck.Line, MaxTitle)
	check("body", d.Body, textcheck.Lines, MaxBody)
	if d.TeamID < 0 {
		f.Add("team_id", "error_invalid_choice")
	}
	return f.Err()
}

// sqlInsertAnnouncement posts one announcement.
const sqlInsertAnnouncement = `
INSERT INTO announcements (team_id, author_id, title, body, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id`

// sqlMarkRead records that a user read an announcement (once).
const sqlMarkRead = `
INSERT INTO announcement_reads (announcement_id, user_id, read_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING`

// Post publishes d as u, a supervisor or admin, and returns its id. The
// author has read their own announcement.
func (s *Store) Post(ctx context.Context, u staff.User, d Draft) (int64, error) {
	if !u.Role.AtLeast(staff.RoleSupervisor) {
		return 0, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	d.Title, d.Body = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	if err := d.Validate(); err != nil {
		return 0, err
	}
	var id int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		var team *int64
		if d.TeamID != 0 {
			team = &d.TeamID
		}
		err := tx.QueryRow(ctx, sqlInsertAnnouncement, team, u.ID, d.Title, d.Body, now).Scan(&id)
		if _, fk := postgres.IsForeignKeyViolation(err); fk {
			return apperr.InvalidFields(map[string]string{"team_id": "error_invalid_choice"})
		}
		if err != nil {
			return fmt.Errorf("post announcement: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlMarkRead, id, u.ID, now); err != nil {
			return fmt.Errorf("mark own announcement read: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "announcement", id, u.ID, "announcement.posted",
			map[string]any{"team_id": d.TeamID, "title": d.Title})
	})
	return id, err
}

const sqlSelectAnnouncement = `
SELECT a.id, coalesce(a.team_id, 0), coalesce(tm.name, ''), a.author_id, u.name, a.title, a.body, a.created_at`

const sqlFromAnnouncements = `
FROM announcements a
JOIN users u ON u.id = a.author_id
LEFT JOIN teams tm ON tm.id = a.team_id`

func scan(r pgx.CollectableRow, extra ...any) (Announcement, error) {
	var a Announcement
	dest := append([]any{&a.ID, &a.TeamID, &a.TeamName, &a.AuthorID, &a.AuthorName, &a.Title, &a.Body, &a.CreatedAt}, extra...)
	return a, r.Scan(dest...)
}

// sqlUnread lists what user $1 in teams $2 has not read, posted since $3,
// newest first.
const sqlUnread = sqlSelectAnnouncement + sqlFromAnnouncements + `
WHERE (a.team_id IS NULL OR a.team_id = ANY($2)) AND a.created_at >= $3
  AND NOT EXISTS (SELECT 1 FROM announcement_reads r WHERE r.announcement_id = a.id AND r.user_id = $1)
ORDER BY a.created_at DESC, a.id DESC
LIMIT $4`

// Unread lists the announcements for u (their teams' and everyone's) that u
// has not read, newest first, at most limit, posted within UnreadFor.
func (s *Store) Unread(ctx context.Context, u staff.User, limit int) ([]Announcement, error) {
	teams := u.TeamIDs
	if teams == nil {
		teams = []int64{}
	}
	rows, err := s.db.Query(ctx, sqlUnread, u.ID, teams, s.now().Add(-UnreadFor), limit)
	if err != nil {
		return nil, fmt.Errorf("unread announcements: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Announcement, error) { return scan(r) })
}

// sqlRecent lists the newest announcements with how many of their audience
// (active staff of the team, or all active staff) have read them.
const sqlRecent = sqlSelectAnnouncement + `,
       (SELECT count(*) FROM announcement_reads r WHERE r.announcement_id = a.id),
       CASE WHEN a.team_id IS NULL THEN (SELECT count(*) FROM users WHERE active)
            ELSE (SELECT count(*) FROM team_members m JOIN users mu ON mu.id = m.user_id
                  WHERE m.team_id = a.team_id AND mu.active) END` + sqlFromAnnouncements + `
ORDER BY a.created_at DESC, a.id DESC
LIMIT $1`

// Recent lists the newest announcements for the supervisors' page.
func (s *Store) Recent(ctx context.Context, limit int) ([]Announcement, error) {
	rows, err := s.db.Query(ctx, sqlRecent, limit)
	if err != nil {
		return nil, fmt.Errorf("recent announcements: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Announcement, error) {
		var reads, audience int
		a, err := scan(r, &reads, &audience)
		a.Reads, a.Audience = reads, audience
		return a, err
	})
}

// MarkRead records that u read announcement id. An announcement that does
// not exist, or is for a team u is not in, is NotFound.
func (s *Store) MarkRead(ctx context.Context, u staff.User, id int64) error {
	var team *int64
	err := s.db.QueryRow(ctx, `SELECT team_id FROM announcements WHERE id = $1`, id).Scan(&team)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && team != nil && !u.InTeam(*team)) {
		return apperr.New(apperr.NotFound, "announce_error_not_found")
	}
	if err != nil {
		return fmt.Errorf("find announcement %d: %w", id, err)
	}
	if _, err := s.db.Exec(ctx, sqlMarkRead, id, u.ID, s.now()); err != nil {
		return fmt.Errorf("mark announcement %d read: %w", id, err)
	}
	return nil
}
