package staff

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

func editOf(u User) Edit {
	return Edit{Name: u.Name, Role: u.Role, TeamIDs: u.TeamIDs, Locale: u.Locale, TimeZone: u.TimeZone, Active: u.Active}
}

func wantFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v, want invalid fields %v", err, want)
	}
	if got := apperr.FieldsOf(err); !maps.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestUpdateStaff(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	admin, rep := users[RoleAdmin], users[RoleRep]
	billing, err := s.EnsureTeam(ctx, "Billing")
	if err != nil {
		t.Fatal(err)
	}
	delivery, err := s.EnsureTeam(ctx, "Delivery")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := s.CreateToken(ctx, rep.ID, "script")
	if err != nil {
		t.Fatal(err)
	}

	// Promote, move teams, change language and time zone.
	e := editOf(rep)
	e.Name, e.Role, e.TeamIDs, e.Locale, e.TimeZone = " Liisa Rep ", RoleSenior, []int64{delivery.ID, billing.ID, billing.ID}, "fi", "Europe/Helsinki"
	got, err := s.Update(ctx, admin.ID, rep.ID, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Liisa Rep" || got.Role != RoleSenior || got.Locale != "fi" || got.TimeZone != "Europe/Helsinki" || !got.Active {
		t.Errorf("after edit: %+v", got)
	}
	if want := []int64{min(billing.ID, delivery.ID), max(billing.ID, delivery.ID)}; !slices.Equal(got.TeamIDs, want) {
		t.Errorf("teams = %v, want %v", got.TeamIDs, want)
	}
	// Leave one team.
	e = editOf(got)
	e.TeamIDs = []int64{delivery.ID}
	if got, err = s.Update(ctx, admin.ID, rep.ID, e); err != nil || !slices.Equal(got.TeamIDs, []int64{delivery.ID}) {
		t.Fatalf("leave a team: %v %v", got.TeamIDs, err)
	}

	// Bad input: every field reported, nothing changed.
	_, err = s.Update(ctx, admin.ID, rep.ID, Edit{Name: " ", Role: "boss", Locale: "sv", TimeZone: "Mars/Base", Active: true, Password: "short"})
	wantFields(t, err, map[string]string{"name": "error_required", "role": "error_role_invalid", "locale": "error_locale_invalid",
		"time_zone": "error_time_zone_invalid", "password": "error_password_short"})
	e = editOf(got)
	e.TeamIDs = []int64{999999}
	_, err = s.Update(ctx, admin.ID, rep.ID, e)
	wantFields(t, err, map[string]string{"teams": "error_team_invalid"})
	if after, _ := s.Get(ctx, rep.ID); !slices.Equal(after.TeamIDs, []int64{delivery.ID}) {
		t.Errorf("a failed edit changed teams: %v", after.TeamIDs)
	}
	if _, err := s.Update(ctx, admin.ID, 999999, editOf(got)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown user: %v", err)
	}

	// Password reset: the new one signs in, the old one does not.
	e = editOf(got)
	e.Password = "a brand new secret"
	if _, err := s.Update(ctx, admin.ID, rep.ID, e); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, rep.Email, "a brand new secret", "10.0.0.1"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := s.Authenticate(ctx, rep.Email, "long enough password", "10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("old password still works: %v", err)
	}

	// Deactivate: no sign-in, tokens revoked.
	e.Password, e.Active = "", false
	if got, err = s.Update(ctx, admin.ID, rep.ID, e); err != nil || got.Active {
		t.Fatalf("deactivate: %+v %v", got, err)
	}
	if _, err := s.Authenticate(ctx, rep.Email, "a brand new secret", "10.0.0.2"); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("a deactivated member signed in: %v", err)
	}
	if _, err := s.AuthenticateToken(ctx, plain); err == nil {
		t.Error("a deactivated member's API token still works")
	}

	// The audit trail: who changed what; never the password itself.
	var n int
	var data string
	if err := s.db.QueryRow(ctx, `SELECT count(*), max(data::text) FILTER (WHERE data ? 'password') FROM events
WHERE subject_type = 'user' AND subject_id = $1 AND action = 'user.updated' AND actor_id = $2`, rep.ID, admin.ID).Scan(&n, &data); err != nil {
		t.Fatal(err)
	}
	if n != 4 || data != `{"password": "reset", "sessions_ended": 0}` {
		t.Errorf("events = %d, password event %s", n, data)
	}
	// A no-op edit records nothing.
	if _, err := s.Update(ctx, admin.ID, rep.ID, editOf(got)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_id = $1 AND action = 'user.updated'`, rep.ID).Scan(&n); err != nil || n != 4 {
		t.Errorf("no-op edit: %d events, %v", n, err)
	}
}

func TestUpdateStaffKeepsAnAdmin(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	admin := users[RoleAdmin]

	// Admins cannot lock themselves out.
	e := editOf(admin)
	e.Role = RoleSupervisor
	_, err := s.Update(ctx, admin.ID, admin.ID, e)
	wantFields(t, err, map[string]string{"role": "error_cannot_lock_self"})
	e = editOf(admin)
	e.Active = false
	_, err = s.Update(ctx, admin.ID, admin.ID, e)
	wantFields(t, err, map[string]string{"active": "error_cannot_lock_self"})

	// Someone else (a script with actor 0) cannot remove the last admin.
	_, err = s.Update(ctx, 0, admin.ID, e)
	wantFields(t, err, map[string]string{"role": "error_last_admin"})

	// With a second admin, the first may be stepped down by the second.
	second, err := s.Create(ctx, admin.ID, NewUser{Email: "second@example.com", Name: "Second admin", Role: RoleAdmin, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	e = editOf(admin)
	e.Role = RoleSupervisor
	if got, err := s.Update(ctx, second.ID, admin.ID, e); err != nil || got.Role != RoleSupervisor {
		t.Fatalf("step down: %+v %v", got, err)
	}
	// Now second is the last one.
	e = editOf(second)
	e.Active = false
	_, err = s.Update(ctx, admin.ID, second.ID, e)
	wantFields(t, err, map[string]string{"role": "error_last_admin"})
}

func TestChangePasswordAndPreferences(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	rep := users[RoleRep]

	wantFields(t, s.ChangePassword(ctx, rep.ID, "wrong password", "short"),
		map[string]string{"current_password": "error_password_wrong", "new_password": "error_password_short"})
	wantFields(t, s.ChangePassword(ctx, rep.ID, "long enough password", "long enough password"),
		map[string]string{"new_password": "error_password_same"})
	if err := s.ChangePassword(ctx, rep.ID, "long enough password", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, rep.Email, "correct horse battery", "10.0.0.3"); err != nil {
		t.Errorf("changed password: %v", err)
	}

	wantFields(t, s.SetPreferences(ctx, rep.ID, "de", "Nowhere/City"),
		map[string]string{"locale": "error_locale_invalid", "time_zone": "error_time_zone_invalid"})
	if err := s.SetPreferences(ctx, rep.ID, "vi", " Asia/Ho_Chi_Minh "); err != nil {
		t.Fatal(err)
	}
	u, err := s.Get(ctx, rep.ID)
	if err != nil || u.Locale != "vi" || u.TimeZone != "Asia/Ho_Chi_Minh" {
		t.Fatalf("preferences: %+v %v", u, err)
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_id = $1 AND action IN ('user.password_changed', 'user.preferences_changed')`, rep.ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("events: %d %v", n, err)
	}
}
