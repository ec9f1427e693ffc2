package staff

import (
	"context"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// TestMalformedTextRefused: login, new accounts, edits and token names refuse
// NUL, invalid UTF-8, control characters, line breaks and huge values with a
// field message, before anything reaches Postgres (security issue #10).
func TestMalformedTextRefused(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	rep := users[RoleRep]
	newUser := func(edit func(*NewUser)) func() error {
		return func() error {
			n := NewUser{Email: "ann@example.com", Name: "Ann", Role: RoleRep, Team: "Delivery", Password: "long enough password"}
			edit(&n)
			_, err := s.Create(ctx, 0, n)
			return err
		}
	}
	login := func(email string) func() error {
		return func() error { _, err := s.Authenticate(ctx, email, "long enough password", "192.0.2.1"); return err }
	}
	tests := []struct {
		name         string
		do           func() error
		field, msgID string
	}{
		{"login: NUL", login("rep@example.com\x00"), "email", "error_text_invalid"},
		{"login: invalid UTF-8", login("rep\xff@example.com"), "email", "error_text_invalid"},
		{"login: line break", login("rep@example.com\nx"), "email", "error_text_one_line"},
		{"login: 300 KB", login(strings.Repeat("a", 300<<10) + "@example.com"), "email", "error_too_long"},
		{"login: empty", login("  "), "email", "error_required"},
		{"create: NUL in the name", newUser(func(n *NewUser) { n.Name = "A\x00nn" }), "name", "error_text_invalid"},
		{"create: tab in the name", newUser(func(n *NewUser) { n.Name = "Ann\tSmith" }), "name", "error_text_invalid"},
		{"create: invalid UTF-8 in the team", newUser(func(n *NewUser) { n.Team = "Del\xffivery" }), "team", "error_text_invalid"},
		{"create: escape in the email", newUser(func(n *NewUser) { n.Email = "ann\x1b@example.com" }), "email", "error_email_invalid"},
		{"edit: NUL in the name", func() error {
			e := editOf(rep)
			e.Name = "Rep\x00"
			_, err := s.Update(ctx, users[RoleAdmin].ID, rep.ID, e)
			return err
		}, "name", "error_text_invalid"},
		{"token: escape in the name", func() error { _, _, err := s.CreateToken(ctx, rep.ID, "ci\x1b[2J"); return err }, "name", "error_token_name_invalid"},
		{"token: line break in the name", func() error { _, _, err := s.CreateToken(ctx, rep.ID, "ci\r\nbot"); return err }, "name", "error_token_name_invalid"},
		{"token: DEL in the name", func() error { _, _, err := s.CreateToken(ctx, rep.ID, "ci\x7f"); return err }, "name", "error_token_name_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[tc.field] != tc.msgID {
				t.Fatalf("err = %v, want %s on %s", err, tc.msgID, tc.field)
			}
		})
	}
	var failures int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM login_failures`).Scan(&failures); err != nil || failures != 0 {
		t.Fatalf("login failures recorded: %d (%v)", failures, err)
	}
}
