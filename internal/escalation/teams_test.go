package escalation

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newTeamsService is a Service on a fresh database with one admin and one team.
func newTeamsService(t *testing.T) (*Service, *pgxpool.Pool, staff.User, staff.Team) {
	t.Helper()
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := func() time.Time { return time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) }
	st := staff.NewStore(db, now)
	admin, err := st.Create(ctx, 0, staff.NewUser{Email: "admin@example.com", Name: "Admin", Role: staff.RoleAdmin,
		Team: "Billing", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	teams, err := st.Teams(ctx)
	if err != nil || len(teams) != 1 {
		t.Fatalf("teams: %v %v", teams, err)
	}
	_, svc := Wire(db, now, "http://127.0.0.1", nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
	return svc, db, admin, teams[0]
}

func TestSetTeamProfile(t *testing.T) {
	svc, db, admin, team := newTeamsService(t)
	ctx := context.Background()
	calID, err := svc.SaveCalendar(ctx, admin.ID, CalendarDef{Name: "Helsinki office", TimeZone: "Europe/Helsinki",
		Hours: map[int][]string{1: {"08:00-16:00"}}, Holidays: []string{}}) // SaveCalendar stores nil holidays as NULL
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetTeamProfile(ctx, admin.ID, team.ID, 2, "  billing  ", calID); err != nil {
		t.Fatal(err)
	}
	list, err := svc.TeamProfiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := TeamProfile{ID: team.ID, Name: "Billing", Tier: 2, Skill: "billing", CalendarID: calID, CalendarName: "Helsinki office", Members: 1}
	if len(list) != 1 || list[0] != want {
		t.Fatalf("profiles = %+v, want %+v", list, want)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_type = 'team' AND subject_id = $1 AND action = 'team.profile_changed' AND actor_id = $2`,
		team.ID, admin.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("profile events = %d (%v), want 1", n, err)
	}
	// Saving the same profile again records nothing new.
	if err := svc.SetTeamProfile(ctx, admin.ID, team.ID, 2, "billing", calID); err != nil {
		t.Fatal(err)
	}
	_ = db.QueryRow(ctx, `SELECT count(*) FROM events WHERE action = 'team.profile_changed'`).Scan(&n)
	if n != 1 {
		t.Fatalf("an unchanged profile recorded an event (%d)", n)
	}
	// Back to front line without a calendar.
	if err := svc.SetTeamProfile(ctx, admin.ID, team.ID, 1, "", 0); err != nil {
		t.Fatal(err)
	}
	list, _ = svc.TeamProfiles(ctx)
	if list[0].Tier != 1 || list[0].CalendarID != 0 || list[0].CalendarName != "" {
		t.Fatalf("after reset: %+v", list[0])
	}
}

func TestSetTeamProfileInvalid(t *testing.T) {
	svc, _, admin, team := newTeamsService(t)
	ctx := context.Background()
	cases := []struct {
		name       string
		teamID     int64
		tier       int
		skill      string
		calendarID int64
		kind       apperr.Kind
		fields     map[string]string
	}{
		{"tier 3", team.ID, 3, "", 0, apperr.Invalid, map[string]string{"tier": "error_tier_invalid"}},
		{"tier 0 and long skill", team.ID, 0, strings.Repeat("x", 61), 0, apperr.Invalid,
			map[string]string{"tier": "error_tier_invalid", "skill": "error_skill_too_long"}},
		{"no such calendar", team.ID, 1, "", 999, apperr.Invalid, map[string]string{"calendar_id": "error_invalid_choice"}},
		{"no such team", 999, 1, "", 0, apperr.NotFound, nil},
	}
	for _, c := range cases {
		err := svc.SetTeamProfile(ctx, admin.ID, c.teamID, c.tier, c.skill, c.calendarID)
		if apperr.KindOf(err) != c.kind {
			t.Fatalf("%s: err = %v, want kind %v", c.name, err, c.kind)
		}
		if c.fields != nil {
			got := apperr.FieldsOf(err)
			for k, v := range c.fields {
				if got[k] != v {
					t.Errorf("%s: field %s = %q, want %q (all %v)", c.name, k, got[k], v, got)
				}
			}
		}
	}
	list, _ := svc.TeamProfiles(ctx)
	if list[0].Tier != 1 || list[0].Skill != "" {
		t.Fatalf("a failed save changed the team: %+v", list[0])
	}
}

func TestCreateTeam(t *testing.T) {
	svc, _, admin, _ := newTeamsService(t)
	ctx := context.Background()
	id, err := svc.CreateTeam(ctx, admin.ID, " Specialists ", 2, "technical", 0)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := svc.TeamProfiles(ctx)
	if len(list) != 2 || list[1].ID != id || list[1].Name != "Specialists" || list[1].Tier != 2 || list[1].Skill != "technical" {
		t.Fatalf("profiles = %+v", list)
	}
	_, err = svc.CreateTeam(ctx, admin.ID, "Billing", 1, "", 0)
	if f := apperr.FieldsOf(err); f["name"] != "error_name_taken" {
		t.Fatalf("duplicate name: %v", err)
	}
	_, err = svc.CreateTeam(ctx, admin.ID, " ", 5, "", 0)
	if f := apperr.FieldsOf(err); f["name"] != "error_required" || f["tier"] != "error_tier_invalid" {
		t.Fatalf("empty name, bad tier: %v", err)
	}
}
