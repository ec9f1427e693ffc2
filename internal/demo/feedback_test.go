package demo

import (
	"log/slog"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestLoadFeedback(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	st := staff.NewStore(db, time.Now)
	if err := Load(ctx, db, st, time.Now); err != nil {
		t.Fatal(err)
	}
	_, esc := escalation.Wire(db, time.Now, "http://x", nil, slog.New(slog.DiscardHandler), escalation.Config{})
	for range 2 {
		if err := LoadFeedback(ctx, db, esc, st, "http://x"); err != nil {
			t.Fatal(err)
		}
	}
	ratings := groups(ctx, t, db, `SELECT rating, count(*) FROM csat_responses GROUP BY 1`)
	t.Logf("csat %v", ratings)
	wantAll(t, "rating", ratings, "good", "bad")
	if ratings["bad"] > 6 || ratings["good"] < 4*ratings["bad"] {
		t.Errorf("ratings %v: want mostly good, at most 6 bad", ratings)
	}
	// Every bad answer went through the real path: an event, a follow-up for
	// the owner, and notifications.
	var events, followUps, notes int
	if err := db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM events WHERE action = 'ticket.csat_bad'),
       (SELECT count(*) FROM follow_ups WHERE reason = 'csat_bad'),
       (SELECT count(*) FROM notifications WHERE kind = 'csat_bad')`).Scan(&events, &followUps, &notes); err != nil {
		t.Fatal(err)
	}
	if events != ratings["bad"] || followUps == 0 || notes == 0 {
		t.Errorf("bad answers %d: events %d, follow-ups %d, notifications %d", ratings["bad"], events, followUps, notes)
	}
	var announcements int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM announcements`).Scan(&announcements); err != nil || announcements != 2 {
		t.Errorf("announcements = %d (%v), want 2 after two loads", announcements, err)
	}
}
