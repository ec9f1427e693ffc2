package staff

import (
	"context"
	"reflect"
	"testing"
)

// TestFindSessionReadsTheMember: a live session row comes back with its
// member exactly as Get reads them (teams, epoch, two-factor), a row of
// nobody without one, and an expired or unknown row not at all.
func TestFindSessionReadsTheMember(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	rep := users[RoleRep]
	team, err := s.EnsureTeam(ctx, "Billing")
	if err != nil {
		t.Fatal(err)
	}
	e := editOf(rep)
	e.TeamIDs = []int64{team.ID}
	if _, err := s.Update(ctx, users[RoleAdmin].ID, rep.ID, e); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE users SET session_epoch = 3 WHERE id = $1`, rep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `
INSERT INTO sessions (token, data, expiry, user_id) VALUES
  ('mine', 'd1', now() + interval '1 hour', $1),
  ('nobody', 'd2', now() + interval '1 hour', NULL),
  ('old', 'd3', now() - interval '1 second', $1)`, rep.ID); err != nil {
		t.Fatal(err)
	}
	want, err := s.Get(ctx, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want.SessionEpoch != 3 || len(want.TeamIDs) != 1 {
		t.Fatalf("set-up: %+v", want)
	}

	sess, found, err := s.FindSession(ctx, "mine")
	if err != nil || !found {
		t.Fatalf("mine: found %v, err %v", found, err)
	}
	if string(sess.Data) != "d1" || sess.User == nil || !reflect.DeepEqual(*sess.User, want) {
		t.Fatalf("mine: data %q, user %+v, want %+v", sess.Data, sess.User, want)
	}
	sess, found, err = s.FindSession(ctx, "nobody")
	if err != nil || !found || string(sess.Data) != "d2" || sess.User != nil {
		t.Fatalf("nobody's: %+v found %v err %v", sess, found, err)
	}
	for _, tok := range []string{"old", "unknown"} {
		if _, found, err := s.FindSession(ctx, tok); err != nil || found {
			t.Fatalf("%s: found %v, err %v", tok, found, err)
		}
	}
}
