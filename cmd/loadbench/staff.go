package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// benchPassword is every bench account's password (only ever sent to 127.0.0.1).
const benchPassword = "loadbench-password"

// benchTeam is a team of the bench desk, with its reps.
type benchTeam struct {
	id    int64
	name  string
	lang  string
	tier  int
	reps  []int64
	users []benchUser
}

// benchUser is a staff account the bench logs in as.
type benchUser struct {
	id      int64
	email   string
	role    staff.Role
	teamID  int64
	teamIDs []int64
}

func (u benchUser) actor() tickets.Actor {
	return tickets.Actor{UserID: u.id, TeamIDs: u.teamIDs, SeeAll: u.role.AtLeast(staff.RoleSupervisor)}
}

// benchDesk is the staff side of the bench data.
type benchDesk struct {
	teams       []benchTeam
	reps        []benchUser // the reps of the tier-1 teams, team by team
	admin       benchUser
	specialists benchTeam   // the tier-2 team SLA breaches escalate to
	supervisors []benchUser // the dashboard's viewers, one per dashboardZones entry
}

// benchTeams are the bench's teams: front line per language, two by topic,
// and a tier-2 team of specialists.
var benchTeams = []struct {
	name, lang string
	tier       int
}{
	{"Support EN", "en", 1}, {"Support FI", "fi", 1}, {"Support VI", "vi", 1}, {"Support HI", "hi", 1},
	{"Billing", "en", 1}, {"Delivery", "en", 1}, {"Specialists", "en", 2},
}

const benchEmailDomain = "@loadbench.example"

// ensureDesk creates (or finds) the bench's teams and staff through the
// staff store, so passwords are hashed exactly as the app does.
func ensureDesk(ctx context.Context, pool *pgxpool.Pool, repsPerTeam int, log *slog.Logger) (benchDesk, error) {
	st := staff.NewStore(pool, time.Now)
	var d benchDesk
	ensureIn := func(email, name string, role staff.Role, team, locale, zone string) (benchUser, error) {
		u := benchUser{email: email, role: role}
		err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&u.id)
		if errors.Is(err, pgx.ErrNoRows) {
			created, err := st.Create(ctx, d.admin.id, staff.NewUser{Email: email, Name: name, Role: role, Team: team, Locale: locale, TimeZone: zone, Password: benchPassword})
			if err != nil {
				return u, fmt.Errorf("create %s: %w", email, err)
			}
			u.id = created.ID
		} else if err != nil {
			return u, fmt.Errorf("find %s: %w", email, err)
		}
		got, err := st.Get(ctx, u.id)
		if err != nil {
			return u, err
		}
		u.teamIDs = got.TeamIDs
		if len(u.teamIDs) > 0 {
			u.teamID = u.teamIDs[0]
		}
		return u, nil
	}
	ensure := func(email, name string, role staff.Role, team, locale string) (benchUser, error) {
		return ensureIn(email, name, role, team, locale, "UTC")
	}
	var err error
	if d.admin, err = ensure("admin"+benchEmailDomain, "Bench Admin", staff.RoleAdmin, "", "en"); err != nil {
		return d, err
	}
	for _, bt := range benchTeams {
		team, err := st.EnsureTeam(ctx, bt.name)
		if err != nil {
			return d, err
		}
		t := benchTeam{id: team.ID, name: bt.name, lang: bt.lang, tier: bt.tier}
		role, n := staff.RoleRep, repsPerTeam
		if bt.tier == 2 {
			role, n = staff.RoleSenior, 3
		}
		slug := strings.ToLower(strings.ReplaceAll(bt.name, " ", "-"))
		for k := 1; k <= n; k++ {
			u, err := ensure(fmt.Sprintf("%s-%s-%d%s", role, slug, k, benchEmailDomain),
				fmt.Sprintf("%s %s %d", bt.name, role, k), role, bt.name, bt.lang)
			if err != nil {
				return d, err
			}
			t.users = append(t.users, u)
			t.reps = append(t.reps, u.id)
		}
		d.teams = append(d.teams, t)
		if bt.tier == 1 {
			d.reps = append(d.reps, t.users...)
		} else {
			d.specialists = t
		}
	}
	for k := 1; k <= 2; k++ {
		if _, err := ensure("supervisor-"+strconv.Itoa(k)+benchEmailDomain, "Bench Supervisor "+strconv.Itoa(k),
			staff.RoleSupervisor, "Support EN", "en"); err != nil {
			return d, err
		}
	}
	// The dashboard's supervisors, each in another time zone: the server's
	// dashboard cache is keyed by the viewer's zone, so cycling through them
	// makes every request a cache miss without changing the work (see dashboard.go).
	for k, zone := range dashboardZones {
		u, err := ensureIn(fmt.Sprintf("dashboard-%d%s", k+1, benchEmailDomain), fmt.Sprintf("Bench Dashboard %d", k+1),
			staff.RoleSupervisor, "Support EN", "en", zone)
		if err != nil {
			return d, err
		}
		d.supervisors = append(d.supervisors, u)
	}
	// The specialists are the tier-2 team SLA breaches escalate to.
	var tier int
	if err := pool.QueryRow(ctx, `SELECT tier FROM teams WHERE id = $1`, d.specialists.id).Scan(&tier); err != nil {
		return d, fmt.Errorf("read tier: %w", err)
	}
	if tier != 2 {
		_, esc := escalation.Wire(pool, time.Now, "", nil, log, escalation.Config{})
		if err := esc.SetTeamProfile(ctx, d.admin.id, d.specialists.id, 2, "technical", 0); err != nil {
			return d, fmt.Errorf("make specialists tier 2: %w", err)
		}
	}
	if err := ensureBenchPolicies(ctx, pool, d.specialists.id); err != nil {
		return d, err
	}
	return d, nil
}

// ensureBenchPolicies gives the desk an SLA policy for every priority, as a
// real desk has: a ticket created during the bench starts its SLA clock and
// schedules its timers (River jobs), which is part of what a create costs.
// Plain SQL that keeps a policy already there: escalation.SavePolicy would
// also recompute the clock of every open ticket of the base data, which is
// not what the bench measures (the base data's tickets keep no clock).
func ensureBenchPolicies(ctx context.Context, pool *pgxpool.Pool, breachTeam int64) error {
	_, err := pool.Exec(ctx, `
INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes, breach_team_id)
VALUES ('Loadbench low', 1, 1440, 1440, 7200, $1), ('Loadbench normal', 2, 480, 480, 2880, $1),
       ('Loadbench high', 3, 120, 120, 1440, $1), ('Loadbench urgent', 4, 30, 30, 480, $1)
ON CONFLICT (priority, category) DO NOTHING`, breachTeam)
	if err != nil {
		return fmt.Errorf("sla policies: %w", err)
	}
	return nil
}
