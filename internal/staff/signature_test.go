package staff

import (
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

func TestTeamSignature(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := NewStore(db, time.Now)
	ctx := t.Context()
	team, err := s.EnsureTeam(ctx, "बिलिंग")
	if err != nil {
		t.Fatal(err)
	}
	field := func(err error) string {
		t.Helper()
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("want Invalid, got %v", err)
		}
		return apperr.FieldsOf(err)["signature"]
	}
	if msg := field(s.SetTeamSignature(ctx, 0, team.ID, strings.Repeat("क", MaxSignature+1))); msg != "error_too_long" {
		t.Errorf("too long: %q", msg)
	}
	if msg := field(s.SetTeamSignature(ctx, 0, team.ID, "a\x00b")); msg != "error_text_invalid" {
		t.Errorf("NUL: %q", msg)
	}
	if msg := field(s.SetTeamSignature(ctx, 0, team.ID, "Hi\n--\nme")); msg != "mailout_signature_error_separator" {
		t.Errorf("separator: %q", msg)
	}
	if err := s.SetTeamSignature(ctx, 0, 999999, "x"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("no such team: %v", err)
	}
	if err := s.SetTeamSignature(ctx, 0, team.ID, "\r\nबिलिंग टीम  \r\nbilling@example.in\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamSignature(ctx, 0, team.ID, "बिलिंग टीम\nbilling@example.in"); err != nil {
		t.Fatal(err)
	}
	list, err := s.TeamSignatures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, ts := range list {
		if ts.TeamID == team.ID {
			got = ts.Signature
		}
	}
	if got != "बिलिंग टीम\nbilling@example.in" {
		t.Fatalf("stored signature %q", got)
	}
	var events int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_type = 'team' AND subject_id = $1 AND action = 'team.signature_changed'`, team.ID).Scan(&events); err != nil || events != 1 {
		t.Fatalf("%d signature events (%v), want 1: the same text twice is one change", events, err)
	}
	if err := s.SetTeamSignature(ctx, 0, team.ID, "  "); err != nil {
		t.Fatalf("clearing: %v", err)
	}
}
