package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// A team's automatic assignment (how its new tickets find an owner) and its
// members' skills, as the admin's team assignment page edits them. The pick
// itself is tickets.Pick, in the transaction that makes the ticket.

// MaxCapacity is the highest per-member cap a team may set.
const MaxCapacity = 1000

// MemberSkills is one team member as assignment sees them.
type MemberSkills struct {
	UserID     int64
	Name       string
	Role       Role
	Locale     string // their interface language: what they speak when Languages is empty
	Away       bool
	Active     bool
	Languages  []string
	Categories []string
	Open       int // open tickets they own now
}

// Assignable reports whether assignment may give m new tickets at all:
// active reps and seniors who are not away.
func (m MemberSkills) Assignable() bool {
	return m.Active && !m.Away && (m.Role == RoleRep || m.Role == RoleSenior)
}

// TeamAssignment is a team's assignment setting with its members.
type TeamAssignment struct {
	TeamID   int64
	TeamName string
	Mode     tickets.AssignMode
	Capacity int // 0: no cap
	Members  []MemberSkills
}

// Skills is what the page sets for one member.
type Skills struct {
	Languages  []string
	Categories []string
}

// AssignmentEdit is a save of the team assignment page.
type AssignmentEdit struct {
	Mode     tickets.AssignMode
	Capacity int
	Skills   map[int64]Skills // by member id; members left out keep theirs
}

// Validate returns field -> message id failures; skill fields are named
// "lang_<id>" and "cat_<id>".
func (e AssignmentEdit) Validate() error {
	var f apperr.Fields
	if !e.Mode.Valid() {
		f.Add("mode", "error_invalid_choice")
	}
	if e.Capacity < 0 || e.Capacity > MaxCapacity {
		f.Add("capacity", "live_error_capacity")
	}
	for id, sk := range e.Skills {
		for _, l := range sk.Languages {
			if !validLocale(l) {
				f.Add(fmt.Sprintf("lang_%d", id), "error_invalid_choice")
			}
		}
		for _, c := range sk.Categories {
			if !slices.Contains(tickets.Categories, c) {
				f.Add(fmt.Sprintf("cat_%d", id), "error_invalid_choice")
			}
		}
	}
	return f.Err()
}

const sqlTeamAssignment = `
SELECT tm.id, tm.name, coalesce(a.mode, 'manual'), coalesce(a.capacity, 0)
FROM teams tm LEFT JOIN team_assignment a ON a.team_id = tm.id
WHERE tm.id = $1`

// sqlTeamMemberSkills lists a team's members with their skills and load;
// the status list is inlined for tickets_owner_open_idx.
const sqlTeamMemberSkills = `
SELECT u.id, u.name, u.role, u.locale, u.away, u.active, u.languages, u.categories,
       (SELECT count(*) FROM tickets t
        WHERE t.owner_id = u.id AND t.status IN ('new', 'open', 'pending', 'on_hold'))
FROM team_members m JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1
ORDER BY u.name, u.id`

// TeamAssignment returns team id's assignment setting and members.
func (s *Store) TeamAssignment(ctx context.Context, id int64) (TeamAssignment, error) {
	var a TeamAssignment
	err := s.db.QueryRow(ctx, sqlTeamAssignment, id).Scan(&a.TeamID, &a.TeamName, &a.Mode, &a.Capacity)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "error_team_not_found")
	}
	if err != nil {
		return a, fmt.Errorf("team %d assignment: %w", id, err)
	}
	rows, err := s.db.Query(ctx, sqlTeamMemberSkills, id)
	if err != nil {
		return a, fmt.Errorf("team %d members: %w", id, err)
	}
	a.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberSkills, error) {
		var m MemberSkills
		return m, r.Scan(&m.UserID, &m.Name, &m.Role, &m.Locale, &m.Away, &m.Active, &m.Languages, &m.Categories, &m.Open)
	})
	if err != nil {
		return a, fmt.Errorf("team %d members: %w", id, err)
	}
	return a, nil
}

// sqlUpsertTeamAssignment saves a team's mode and cap, returning the old
// ones (manual and 0 for a team that had no row). The row lock also waits
// for picks of the team in flight.
const sqlUpsertTeamAssignment = `
WITH old AS (
    SELECT mode, capacity FROM team_assignment WHERE team_id = $1 FOR UPDATE
), up AS (
    INSERT INTO team_assignment (team_id, mode, capacity, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (team_id) DO UPDATE SET mode = EXCLUDED.mode, capacity = EXCLUDED.capacity, updated_at = EXCLUDED.updated_at
)
SELECT coalesce((SELECT mode FROM old), 'manual'), coalesce((SELECT capacity FROM old), 0)`

// sqlLockSkills reads a member of team $2's skills for update; no row when
// $1 is not in the team.
const sqlLockSkills = `
SELECT u.languages, u.categories FROM users u
JOIN team_members m ON m.user_id = u.id AND m.team_id = $2
WHERE u.id = $1
FOR UPDATE OF u`

const sqlSetSkills = `UPDATE users SET languages = $2, categories = $3, updated_at = $4 WHERE id = $1`

// SaveTeamAssignment stores team id's mode and cap and its members' skills,
// each change with its event (team.assignment_changed, user.skills_changed).
func (s *Store) SaveTeamAssignment(ctx context.Context, actorID, id int64, e AssignmentEdit) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1)`, id).Scan(&exists); err != nil {
			return fmt.Errorf("find team %d: %w", id, err)
		}
		if !exists {
			return apperr.New(apperr.NotFound, "error_team_not_found")
		}
		var oldMode tickets.AssignMode
		var oldCap int
		if err := tx.QueryRow(ctx, sqlUpsertTeamAssignment, id, e.Mode, e.Capacity, now).Scan(&oldMode, &oldCap); err != nil {
			return fmt.Errorf("save team %d assignment: %w", id, err)
		}
		if oldMode != e.Mode || oldCap != e.Capacity {
			if err := recordEventTx(ctx, tx, now, "team", id, actorID, "team.assignment_changed", map[string]any{
				"old": map[string]any{"mode": oldMode, "capacity": oldCap},
				"new": map[string]any{"mode": e.Mode, "capacity": e.Capacity},
			}); err != nil {
				return err
			}
		}
		ids := make([]int64, 0, len(e.Skills))
		for uid := range e.Skills {
			ids = append(ids, uid)
		}
		slices.Sort(ids) // lock users in id order
		for _, uid := range ids {
			sk := e.Skills[uid]
			langs, cats := orderedSubset(sk.Languages, []string{"en", "fi", "vi", "hi"}), orderedSubset(sk.Categories, tickets.Categories)
			var oldLangs, oldCats []string
			err := tx.QueryRow(ctx, sqlLockSkills, uid, id).Scan(&oldLangs, &oldCats)
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.InvalidFields(map[string]string{fmt.Sprintf("lang_%d", uid): "error_invalid_choice"})
			}
			if err != nil {
				return fmt.Errorf("save skills of %d: %w", uid, err)
			}
			if slices.Equal(oldLangs, langs) && slices.Equal(oldCats, cats) {
				continue
			}
			if _, err := tx.Exec(ctx, sqlSetSkills, uid, langs, cats, now); err != nil {
				return fmt.Errorf("save skills of %d: %w", uid, err)
			}
			if err := recordEventTx(ctx, tx, now, "user", uid, actorID, "user.skills_changed", map[string]any{
				"old": map[string]any{"languages": oldLangs, "categories": oldCats},
				"new": map[string]any{"languages": langs, "categories": cats},
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// orderedSubset returns the members of all that are in picked, in all's
// order and once each: what a set of checkboxes means.
func orderedSubset(picked, all []string) []string {
	out := []string{}
	for _, v := range all {
		if slices.Contains(picked, v) {
			out = append(out, v)
		}
	}
	return out
}
