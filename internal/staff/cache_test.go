package staff

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

// names lists the users' names, in order.
func names(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Name
	}
	return out
}

// listBatch reads s's staff and teams through one batch, as a page does.
func listBatch(t *testing.T, s *Store) ([]User, []Team) {
	t.Helper()
	var b pgx.Batch
	users, teams := s.ListBatch(&b), s.TeamsBatch(&b)
	if err := s.db.SendBatch(context.Background(), &b).Close(); err != nil {
		t.Fatal(err)
	}
	u, err := users()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := teams()
	if err != nil {
		t.Fatal(err)
	}
	return u, tm
}

// TestStaffListSeenAcrossInstances: two stores on one database stand for two
// instances of the desk. Each keeps the staff and team lists in memory; a
// change made through one (or by plain SQL, as tests and migrations do) is
// on the other's next page, with no wait and no notification.
func TestStaffListSeenAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := NewStore(db, time.Now), NewStore(db, time.Now)
	admin, err := a.Create(ctx, 0, NewUser{Email: "admin@example.com", Name: "Aino Admin", Role: RoleAdmin, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Create(ctx, admin.ID, NewUser{Email: "rep@example.com", Name: "Bao Rep", Role: RoleRep, Team: "Billing", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}

	// Both instances read (and keep) the lists.
	for _, s := range []*Store{a, b} {
		users, teams := listBatch(t, s)
		if got := names(users); !slices.Equal(got, []string{"Aino Admin", "Bao Rep"}) {
			t.Fatalf("staff = %v", got)
		}
		if len(teams) != 1 || teams[0].Name != "Billing" {
			t.Fatalf("teams = %v", teams)
		}
	}
	// Unchanged, b answers from memory: the very list it kept.
	kept, _ := listBatch(t, b)
	again, err := b.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if &kept[0] != &again[0] {
		t.Fatal("an unchanged staff list was read again instead of kept")
	}

	// A change through instance a: b's next page has it.
	delivery, err := a.EnsureTeam(ctx, "Delivery")
	if err != nil {
		t.Fatal(err)
	}
	e := editOf(rep)
	e.Name, e.TeamIDs = "Bao Nguyen", append(rep.TeamIDs, delivery.ID)
	if _, err := a.Update(ctx, admin.ID, rep.ID, e); err != nil {
		t.Fatal(err)
	}
	users, teams := listBatch(t, b)
	if got := names(users); !slices.Equal(got, []string{"Aino Admin", "Bao Nguyen"}) {
		t.Fatalf("staff on b after a's edit = %v", got)
	}
	if got := users[1].TeamIDs; !slices.Equal(got, []int64{rep.TeamIDs[0], delivery.ID}) {
		t.Fatalf("teams of the rep on b = %v", got)
	}
	if len(teams) != 2 || teams[1].Name != "Delivery" {
		t.Fatalf("teams on b after a's new team = %v", teams)
	}

	// Plain SQL (a test's factory, a migration) is seen too.
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash) VALUES ('c@example.com', 'Chandra', 'rep', 'x') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, delivery.ID, id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE teams SET name = 'Accounts' WHERE id = $1`, delivery.ID); err != nil {
		t.Fatal(err)
	}
	users, err = b.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(users); !slices.Equal(got, []string{"Aino Admin", "Bao Nguyen", "Chandra"}) || !slices.Equal(users[2].TeamIDs, []int64{delivery.ID}) {
		t.Fatalf("staff on b after an INSERT = %v (%v)", got, users)
	}
	teams, err = b.Teams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) != 2 || teams[0].Name != "Accounts" {
		t.Fatalf("teams on b after an UPDATE = %v", teams)
	}

	// Leaving a team and deactivating: a's list follows b's change.
	e = editOf(users[1])
	e.TeamIDs, e.Active = nil, false
	if _, err := b.Update(ctx, admin.ID, rep.ID, e); err != nil {
		t.Fatal(err)
	}
	users, _ = listBatch(t, a)
	if u := users[1]; u.Active || len(u.TeamIDs) != 0 {
		t.Fatalf("rep on a after b's edit = %+v", u)
	}
}
