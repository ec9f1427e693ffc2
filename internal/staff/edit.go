package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Edit is an admin's change to a staff account: who they are, their tier,
// their teams, and whether they may still sign in. Password, when not empty,
// replaces theirs (a reset for someone locked out).
type Edit struct {
	Name     string
	Role     Role
	TeamIDs  []int64
	Locale   string
	TimeZone string
	Active   bool
	Password string
}

// Validate returns field -> message id failures.
func (e Edit) Validate() error {
	var f apperr.Fields
	textcheck.Field(&f, "name", e.Name, textcheck.Line, true, 200)
	if !e.Role.Valid() {
		f.Add("role", "error_role_invalid")
	}
	if !validLocale(e.Locale) {
		f.Add("locale", "error_locale_invalid")
	}
	if !validTimeZone(e.TimeZone) {
		f.Add("time_zone", "error_time_zone_invalid")
	}
	if e.Password != "" {
		if msg := PasswordProblem(e.Password, "", e.Name); msg != "" {
			f.Add("password", msg)
		}
	}
	return f.Err()
}

// validLocale reports whether lang is one of the interface languages.
func validLocale(lang string) bool { return slices.Contains([]string{"en", "fi", "vi", "hi"}, lang) }

// validTimeZone reports whether tz names a time zone; the forms allow 64
// characters.
func validTimeZone(tz string) bool {
	if tz == "" || utf8.RuneCountInString(tz) > 64 {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// Update applies an admin's edit to user id, recording what changed (never
// the password itself) in the same transaction. An admin cannot lock
// themselves out (deactivate or demote their own account), and the desk
// always keeps one active admin. A deactivated member's sessions and API
// tokens stop working at once: every request reloads the user and checks
// that they are active.
func (s *Store) Update(ctx context.Context, actorID, id int64, e Edit) (User, error) {
	e.Name = strings.TrimSpace(e.Name)
	e.TimeZone = strings.TrimSpace(e.TimeZone)
	if err := e.Validate(); err != nil {
		return User{}, err
	}
	var hash string
	if e.Password != "" {
		h, err := s.hashPassword(ctx, e.Password)
		if err != nil {
			return User{}, err
		}
		hash = h
	}
	e.TeamIDs = slices.Compact(slices.Sorted(slices.Values(e.TeamIDs)))
	if e.TeamIDs == nil {
		e.TeamIDs = []int64{} // an empty array, not NULL: leaves every team
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock the admins so two admins demoting each other cannot leave none.
		if _, err := tx.Exec(ctx, `SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`); err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		var old User
		err := tx.QueryRow(ctx, sqlSelectUser, id).Scan(old.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("get user %d: %w", id, err)
		}
		if e.Password != "" && isPersonal(e.Password, old.Email, "") {
			return apperr.InvalidFields(map[string]string{"password": "trust_error_password_personal"})
		}
		losesAdmin := old.Role == RoleAdmin && old.Active && (e.Role != RoleAdmin || !e.Active)
		if losesAdmin && id == actorID {
			f := map[string]string{}
			if !e.Active {
				f["active"] = "error_cannot_lock_self"
			}
			if e.Role != RoleAdmin {
				f["role"] = "error_cannot_lock_self"
			}
			return apperr.InvalidFields(f)
		}
		if losesAdmin {
			var admins int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active`).Scan(&admins); err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if admins <= 1 {
				return apperr.InvalidFields(map[string]string{"role": "error_last_admin"})
			}
		}
		if len(e.TeamIDs) > 0 {
			var known int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM teams WHERE id = ANY($1)`, e.TeamIDs).Scan(&known); err != nil {
				return fmt.Errorf("check teams: %w", err)
			}
			if known != len(e.TeamIDs) {
				return apperr.InvalidFields(map[string]string{"teams": "error_team_invalid"})
			}
		}
		if _, err := tx.Exec(ctx, `
UPDATE users SET name = $2, role = $3, locale = $4, time_zone = $5, active = $6,
                 password_hash = CASE WHEN $7 = '' THEN password_hash ELSE $7 END, updated_at = $8
WHERE id = $1`, id, e.Name, e.Role, e.Locale, e.TimeZone, e.Active, hash, s.now()); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if !slices.Equal(old.TeamIDs, e.TeamIDs) {
			if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE user_id = $1 AND NOT team_id = ANY($2)`, id, e.TeamIDs); err != nil {
				return fmt.Errorf("leave teams: %w", err)
			}
			if _, err := tx.Exec(ctx, `
INSERT INTO team_members (team_id, user_id) SELECT t, $1 FROM unnest($2::bigint[]) t
ON CONFLICT DO NOTHING`, id, e.TeamIDs); err != nil {
				return fmt.Errorf("join teams: %w", err)
			}
		}
		changes := map[string]any{}
		diff := func(field string, o, n any) {
			if o != n {
				changes[field] = map[string]any{"old": o, "new": n}
			}
		}
		diff("name", old.Name, e.Name)
		diff("role", string(old.Role), string(e.Role))
		diff("locale", old.Locale, e.Locale)
		diff("time_zone", old.TimeZone, e.TimeZone)
		diff("active", old.Active, e.Active)
		if !slices.Equal(old.TeamIDs, e.TeamIDs) {
			changes["teams"] = map[string]any{"old": old.TeamIDs, "new": e.TeamIDs}
		}
		if hash != "" {
			changes["password"] = "reset"
		}
		if len(changes) == 0 {
			return nil
		}
		if !e.Active && old.Active {
			// Signed-in sessions are refused by the per-request check; API
			// tokens are revoked too so a returning member starts clean.
			if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, s.now()); err != nil {
				return fmt.Errorf("revoke tokens: %w", err)
			}
		}
		if hash != "" || (!e.Active && old.Active) {
			// A reset password or a deactivation ends every session of the
			// member: whoever held one must sign in again.
			n, err := endSessionsTx(ctx, tx, id)
			if err != nil {
				return err
			}
			changes["sessions_ended"] = n
		}
		return recordEventTx(ctx, tx, s.now(), "user", id, actorID, "user.updated", changes)
	})
	if err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
}

// ChangePassword lets a staff member replace their own password after proving
// they know the current one.
func (s *Store) ChangePassword(ctx context.Context, id int64, current, next string) error {
	var hash, email, name string
	err := s.db.QueryRow(ctx, `SELECT password_hash, email, name FROM users WHERE id = $1 AND active`, id).Scan(&hash, &email, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.NotFound, "error_user_not_found")
	}
	if err != nil {
		return fmt.Errorf("get password: %w", err)
	}
	ok, err := s.checkPassword(ctx, hash, current)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", id, err)
	}
	f := map[string]string{}
	if !ok {
		f["current_password"] = "error_password_wrong"
	}
	if msg := PasswordProblem(next, email, name); msg != "" {
		f["new_password"] = msg
	} else if next == current {
		f["new_password"] = "error_password_same"
	}
	if len(f) > 0 {
		return apperr.InvalidFields(f)
	}
	newHash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, newHash, s.now()); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		n, err := endSessionsTx(ctx, tx, id)
		if err != nil {
			return err
		}
		return recordEventTx(ctx, tx, s.now(), "user", id, id, "user.password_changed", map[string]any{"sessions_ended": n})
	})
}

// endSessionsTx ends every session of user id: their rows go, and the
// session epoch moves on, so a session whose row an in-flight request writes
// back afterwards is still refused. The caller's own session, when it is
// one of them, must take the new epoch and a new token (web does both). It
// returns how many sessions were signed in.
func endSessionsTx(ctx context.Context, tx pgx.Tx, id int64) (int64, error) {
	if _, err := tx.Exec(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, id); err != nil {
		return 0, fmt.Errorf("bump session epoch: %w", err)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// SetPreferences changes a staff member's own language and time zone.
func (s *Store) SetPreferences(ctx context.Context, id int64, locale, timeZone string) error {
	timeZone = strings.TrimSpace(timeZone)
	f := map[string]string{}
	if !validLocale(locale) {
		f["locale"] = "error_locale_invalid"
	}
	if !validTimeZone(timeZone) {
		f["time_zone"] = "error_time_zone_invalid"
	}
	if len(f) > 0 {
		return apperr.InvalidFields(f)
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var oldLocale, oldTZ string
		err := tx.QueryRow(ctx, `SELECT locale, time_zone FROM users WHERE id = $1 FOR UPDATE`, id).Scan(&oldLocale, &oldTZ)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("get preferences: %w", err)
		}
		if oldLocale == locale && oldTZ == timeZone {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET locale = $2, time_zone = $3, updated_at = $4 WHERE id = $1`, id, locale, timeZone, s.now()); err != nil {
			return fmt.Errorf("set preferences: %w", err)
		}
		return recordEventTx(ctx, tx, s.now(), "user", id, id, "user.preferences_changed",
			map[string]any{"locale": map[string]any{"old": oldLocale, "new": locale}, "time_zone": map[string]any{"old": oldTZ, "new": timeZone}})
	})
}
