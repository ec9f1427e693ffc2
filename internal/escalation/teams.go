package escalation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// TeamProfile is a team as escalation sees it: its tier (1 front line, 2
// seniors and specialists), its skill, and its business-hours calendar.
type TeamProfile struct {
	ID           int64
	Name         string
	Tier         int
	Skill        string
	CalendarID   int64 // 0: round the clock
	CalendarName string
	Members      int
}

// maxSkillLen matches the teams.skill check constraint.
const maxSkillLen = 60

// sqlTeamProfiles lists every team with its calendar and head count, by name.
const sqlTeamProfiles = `
SELECT tm.id, tm.name, tm.tier, tm.skill, coalesce(tm.calendar_id, 0), coalesce(c.name, ''),
       (SELECT count(*) FROM team_members m WHERE m.team_id = tm.id)
FROM teams tm
LEFT JOIN calendars c ON c.id = tm.calendar_id
ORDER BY tm.name`

// TeamProfiles lists every team's tier, skill and calendar, by name.
func (s *Service) TeamProfiles(ctx context.Context) ([]TeamProfile, error) {
	rows, err := s.db.Query(ctx, sqlTeamProfiles)
	if err != nil {
		return nil, fmt.Errorf("team profiles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamProfile, error) {
		var p TeamProfile
		return p, r.Scan(&p.ID, &p.Name, &p.Tier, &p.Skill, &p.CalendarID, &p.CalendarName, &p.Members)
	})
}

// validateProfile checks a tier, skill and calendar choice; field names are
// the admin form's.
func validateProfile(tier int, skill string) (string, error) {
	var f apperr.Fields
	if tier != 1 && tier != 2 {
		f.Add("tier", "error_tier_invalid")
	}
	skill = strings.TrimSpace(skill)
	checkSkill(&f, skill)
	return skill, f.Err()
}

// sqlLockTeamProfile reads a team's profile for update, so that the event
// records the true old values.
const sqlLockTeamProfile = `SELECT tier, skill, coalesce(calendar_id, 0) FROM teams WHERE id = $1 FOR UPDATE`

// sqlSetTeamProfile stores a team's tier, skill and calendar (NULL: none).
const sqlSetTeamProfile = `UPDATE teams SET tier = $2, skill = $3, calendar_id = $4 WHERE id = $1`

// SetTeamProfile sets a team's tier, skill and calendar (0: none, round the
// clock). A new calendar moves the SLA deadlines of the team's open tickets:
// a River job recomputes them in batches after this transaction.
func (s *Service) SetTeamProfile(ctx context.Context, actorID, teamID int64, tier int, skill string, calendarID int64) error {
	skill, err := validateProfile(tier, skill)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var oldTier int
		var oldSkill string
		var oldCal int64
		err := tx.QueryRow(ctx, sqlLockTeamProfile, teamID).Scan(&oldTier, &oldSkill, &oldCal)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_team_not_found")
		}
		if err != nil {
			return fmt.Errorf("read team %d: %w", teamID, err)
		}
		if oldTier == tier && oldSkill == skill && oldCal == calendarID {
			return nil
		}
		_, err = tx.Exec(ctx, sqlSetTeamProfile, teamID, tier, skill, postgres.NullID(calendarID))
		if _, fk := postgres.IsForeignKeyViolation(err); fk {
			return apperr.InvalidFields(map[string]string{"calendar_id": "error_invalid_choice"})
		}
		if err != nil {
			return fmt.Errorf("set team profile %d: %w", teamID, err)
		}
		data := map[string]any{
			"old": map[string]any{"tier": oldTier, "skill": oldSkill, "calendar_id": oldCal},
			"new": map[string]any{"tier": tier, "skill": skill, "calendar_id": calendarID},
		}
		if err := postgres.RecordEvent(ctx, tx, s.now(), "team", teamID, actorID, "team.profile_changed", data); err != nil {
			return err
		}
		if oldCal == calendarID {
			return nil
		}
		return s.enqueueRecomputeTx(ctx, tx, RecomputeTeam, teamID)
	})
}

// sqlInsertTeam adds a team with its profile.
const sqlInsertTeam = `
INSERT INTO teams (name, tier, skill, calendar_id) VALUES ($1, $2, $3, $4)
RETURNING id`

// CreateTeam adds a team with its tier, skill and calendar (0: none).
func (s *Service) CreateTeam(ctx context.Context, actorID int64, name string, tier int, skill string, calendarID int64) (int64, error) {
	name = strings.TrimSpace(name)
	skill, err := validateProfile(tier, skill)
	f := apperr.Fields(apperr.FieldsOf(err))
	checkName(&f, "name", name, true, 100)
	if err := f.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, sqlInsertTeam, name, tier, skill, postgres.NullID(calendarID)).Scan(&id)
		if _, dup := postgres.IsUniqueViolation(err); dup {
			return apperr.InvalidFields(map[string]string{"name": "error_name_taken"})
		}
		if _, fk := postgres.IsForeignKeyViolation(err); fk {
			return apperr.InvalidFields(map[string]string{"calendar_id": "error_invalid_choice"})
		}
		if err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "team", id, actorID, "team.created",
			map[string]any{"name": name, "tier": tier, "skill": skill, "calendar_id": calendarID})
	})
	return id, err
}
