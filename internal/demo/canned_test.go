package demo

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestLoadCanned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	// Before the demo staff exist there is no author: nothing is loaded.
	if err := LoadCanned(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := loadStaff(ctx, staff.NewStore(db, time.Now)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := LoadCanned(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	locales := groups(ctx, t, db, `SELECT locale, count(*) FROM canned_replies GROUP BY 1`)
	wantAll(t, "locale", locales, "en", "fi", "vi", "hi")
	var rows, events, teams int
	if err := db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM canned_replies),
       (SELECT count(*) FROM events WHERE action = 'canned_reply.created'),
       (SELECT count(DISTINCT team_id) FROM canned_replies)`).Scan(&rows, &events, &teams); err != nil {
		t.Fatal(err)
	}
	if rows != len(demoCanned) || events != rows || teams != 2 {
		t.Fatalf("%d canned replies, %d events, %d teams: want %d each and 2 teams besides everyone", rows, events, teams, len(demoCanned))
	}
}
