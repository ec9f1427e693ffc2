package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// TestQueueCreatedFilterInViewerZone: "created from/until" are the viewer's
// days. 19:00 UTC on 1 March is already 2 March in Kolkata.
func TestQueueCreatedFilterInViewerZone(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep := e.users[staff.RoleRep]
	late := e.repTicket("Late evening in UTC", "Anu", "anu@example.in", "hi")
	early := e.repTicket("Evening in Kolkata", "Ravi", "ravi@example.in", "hi")
	for id, at := range map[int64]time.Time{
		late.ID:  time.Date(2026, time.March, 1, 19, 0, 0, 0, time.UTC), // 2 March 00:30 in Kolkata
		early.ID: time.Date(2026, time.March, 1, 18, 0, 0, 0, time.UTC), // 1 March 23:30 in Kolkata
	} {
		if _, err := e.srv.db.Exec(ctx, `UPDATE tickets SET created_at = $2 WHERE id = $1`, id, at); err != nil {
			t.Fatal(err)
		}
	}
	c := e.login(staff.RoleRep)
	listed := func(path string) (out []string) {
		t.Helper()
		res := e.get(c, path)
		wantCode(t, res, http.StatusOK)
		for _, tk := range []tickets.Ticket{late, early} {
			if strings.Contains(res.Body, ">"+tk.Subject+"<") {
				out = append(out, tk.Subject)
			}
		}
		return out
	}
	day := func(d string) string { return "/queue/mine?status=any&from=" + d + "&to=" + d }
	if got := listed(day("2026-03-01")); strings.Join(got, "|") != late.Subject+"|"+early.Subject {
		t.Errorf("1 March in UTC: %q, want both", got)
	}
	if err := e.staff.SetPreferences(ctx, rep.ID, rep.Locale, "Asia/Kolkata"); err != nil {
		t.Fatal(err)
	}
	if got := listed(day("2026-03-01")); strings.Join(got, "|") != early.Subject {
		t.Errorf("1 March in Kolkata: %q, want only %q", got, early.Subject)
	}
	if got := listed(day("2026-03-02")); strings.Join(got, "|") != late.Subject {
		t.Errorf("2 March in Kolkata: %q, want only %q", got, late.Subject)
	}
}

func TestParseFilterDaysInZone(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	// 29 March 2026: the clocks go forward in Helsinki, the day has 23 hours.
	f, err := parseFilter(url.Values{}, views.QueueFilterForm{From: "2026-03-29", To: "2026-03-29"}, hel)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, time.March, 28, 22, 0, 0, 0, time.UTC); !f.CreatedFrom.Equal(want) {
		t.Errorf("from = %s, want %s", f.CreatedFrom.UTC(), want)
	}
	if want := time.Date(2026, time.March, 29, 21, 0, 0, 0, time.UTC); !f.CreatedTo.Equal(want) {
		t.Errorf("until = %s, want %s", f.CreatedTo.UTC(), want)
	}
	if _, err := parseFilter(url.Values{}, views.QueueFilterForm{From: "29.3.2026"}, hel); err == nil {
		t.Error("a date in another format is accepted")
	}
}

func TestRepWeeksStartInZone(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	// Sunday 22:30 UTC is already Monday 11:30 in Auckland: its week began that midnight.
	now := time.Date(2026, time.March, 1, 22, 30, 0, 0, time.UTC)
	if got, want := repWeeksStart(now, auckland), time.Date(2026, time.March, 2, 0, 0, 0, 0, auckland).AddDate(0, 0, -7*(repWeeks-1)); !got.Equal(want) {
		t.Errorf("Auckland: %s, want %s", got, want)
	}
	if got, want := repWeeksStart(now, time.UTC), time.Date(2026, time.February, 23, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -7*(repWeeks-1)); !got.Equal(want) {
		t.Errorf("UTC: %s, want %s", got, want)
	}
}

// TestSupervisorRepsWeeksInViewerZone: a supervisor in Auckland sees an
// escalation raised at 00:30 on last week's Monday, their time, in last
// week's column (in UTC it was still the Sunday before).
func TestSupervisorRepsWeeksInViewerZone(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	sup, rep := e.users[staff.RoleSupervisor], e.users[staff.RoleRep]
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.staff.SetPreferences(ctx, sup.ID, sup.Locale, "Pacific/Auckland"); err != nil {
		t.Fatal(err)
	}
	x := e.escalateNew("Raised on Monday night", "supervisors", "complaint")
	lastMonday := repWeeksStart(time.Now(), auckland).AddDate(0, 0, 7*(repWeeks-2)).Add(30 * time.Minute)
	if _, err := e.srv.db.Exec(ctx, `UPDATE escalations SET requested_at = $2 WHERE id = $1`, x.escID, lastMonday); err != nil {
		t.Fatal(err)
	}
	hi := loc(e, sup)
	res := e.get(e.login(staff.RoleSupervisor), "/supervisor/reps")
	wantCode(t, res, http.StatusOK)
	row := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(rep.Name) + `</th>(.*?)</tr>`).FindStringSubmatch(res.Body)
	if row == nil {
		t.Fatalf("no row for %s", rep.Name)
	}
	cells := regexp.MustCompile(`<span class="visually-hidden">([^<]*)</span>`).FindAllStringSubmatch(row[1], -1)
	if len(cells) != repWeeks {
		t.Fatalf("%d week cells, want %d", len(cells), repWeeks)
	}
	if want := html.EscapeString(hi.T("sup_cell_title", "Raised", 1, "Tickets", 0)); cells[repWeeks-2][1] != want {
		t.Errorf("last week's cell = %q, want %q", cells[repWeeks-2][1], want)
	}
}
