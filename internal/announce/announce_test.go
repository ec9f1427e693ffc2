package announce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func titles(list []announce.Announcement) string {
	var s []string
	for _, a := range list {
		s = append(s, a.Title)
	}
	return strings.Join(s, ", ")
}

func TestAnnouncementsReachTheirTeamUntilRead(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	clock := escalationtest.NewClock(time.Date(2030, 5, 6, 9, 0, 0, 0, time.UTC))
	s := announce.NewStore(db, clock.Now)
	front := ticketstest.Team(ctx, t, db, "Front line")
	billing := ticketstest.Team(ctx, t, db, "Billing")
	rep := escalationtest.User(ctx, t, db, staff.RoleRep, front)
	biller := escalationtest.User(ctx, t, db, staff.RoleRep, billing)
	sup := escalationtest.User(ctx, t, db, staff.RoleSupervisor)

	_, err := s.Post(ctx, rep, announce.Draft{Title: "Hi", Body: "Reps cannot post."})
	if !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("rep posts: %v", err)
	}
	post := func(team int64, title string) int64 {
		t.Helper()
		clock.Advance(time.Minute)
		id, err := s.Post(ctx, sup, announce.Draft{TeamID: team, Title: title, Body: "Details of " + title})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	all := post(0, "New returns policy")
	frontOnly := post(front, "Front line rota")
	billingOnly := post(billing, "Refund limits")

	unread := func(u staff.User) string {
		t.Helper()
		list, err := s.Unread(ctx, u, 10)
		if err != nil {
			t.Fatal(err)
		}
		return titles(list)
	}
	if got := unread(rep); got != "Front line rota, New returns policy" {
		t.Fatalf("rep sees %q", got)
	}
	if got := unread(biller); got != "Refund limits, New returns policy" {
		t.Fatalf("biller sees %q", got)
	}
	if got := unread(sup); got != "" {
		t.Fatalf("the author sees %q unread", got)
	}

	if err := s.MarkRead(ctx, rep, frontOnly); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, rep, frontOnly); err != nil {
		t.Fatalf("marking read twice: %v", err)
	}
	if got := unread(rep); got != "New returns policy" {
		t.Fatalf("after reading, rep sees %q", got)
	}
	// Another team's announcement, or none at all, is not found.
	for _, id := range []int64{billingOnly, 999999} {
		if err := s.MarkRead(ctx, rep, id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("mark %d read: %v", id, err)
		}
	}

	recent, err := s.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]announce.Announcement{}
	for _, a := range recent {
		got[a.ID] = a
	}
	// Readers: the author and the rep of 1 front-line member; the author of
	// all 3 active staff; the author of 1 billing member.
	if a := got[frontOnly]; a.Reads != 2 || a.Audience != 1 || a.TeamName != "Front line" || a.AuthorName != sup.Name {
		t.Errorf("front-line announcement: %+v", a)
	}
	if a := got[all]; a.Reads != 1 || a.Audience != 3 || a.TeamID != 0 {
		t.Errorf("announcement to all: %+v", a)
	}
	if a := got[billingOnly]; a.Reads != 1 || a.Audience != 1 {
		t.Errorf("billing announcement: %+v", a)
	}
	if titles(recent) != "Refund limits, Front line rota, New returns policy" {
		t.Errorf("recent order: %s", titles(recent))
	}

	// Old news stops showing as unread.
	clock.Advance(announce.UnreadFor + time.Hour)
	if got := unread(biller); got != "" {
		t.Fatalf("after %s, biller still sees %q", announce.UnreadFor, got)
	}
}

func TestAnnouncementValidation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	s := announce.NewStore(db, time.Now)
	sup := escalationtest.User(ctx, t, db, staff.RoleSupervisor)
	cases := []struct {
		d     announce.Draft
		field string
		msgID string
	}{
		{announce.Draft{Title: " ", Body: "x"}, "title", "error_required"},
		{announce.Draft{Title: "x", Body: ""}, "body", "error_required"},
		{announce.Draft{Title: strings.Repeat("é", announce.MaxTitle+1), Body: "x"}, "title", "announce_error_title_long"},
		{announce.Draft{Title: "x", Body: strings.Repeat("é", announce.MaxBody+1)}, "body", "announce_error_body_long"},
		{announce.Draft{Title: "a\x00b", Body: "x"}, "title", "announce_error_text_invalid"},
		{announce.Draft{Title: "x", Body: "\xff"}, "body", "announce_error_text_invalid"},
		{announce.Draft{TeamID: 999999, Title: "x", Body: "x"}, "team_id", "error_invalid_choice"},
		{announce.Draft{TeamID: -1, Title: "x", Body: "x"}, "team_id", "error_invalid_choice"},
	}
	for _, c := range cases {
		_, err := s.Post(ctx, sup, c.d)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[c.field] != c.msgID {
			t.Errorf("%q/%q team %d: %v, want %s on %s", c.d.Title, c.d.Body, c.d.TeamID, err, c.msgID, c.field)
		}
	}
	if n := ticketstest.Count(ctx, t, db, "announcements"); n != 0 {
		t.Fatalf("%d announcements stored from bad drafts", n)
	}
	if _, err := s.Post(ctx, sup, announce.Draft{Title: strings.Repeat("é", announce.MaxTitle), Body: strings.Repeat("é", announce.MaxBody)}); err != nil {
		t.Fatalf("longest allowed: %v", err)
	}
}
