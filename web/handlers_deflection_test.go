package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// The dashboard's deflection section follows the dashboard's range and
// team, and both its tables download as CSV with the page's figures.
func TestDashboardDeflectionFollowsFilterAndCSV(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, vi := kbSeed(t, e)
	ctx := t.Context()
	at := func(ts string, kind string, id int64, ref string) {
		t.Helper()
		when, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			t.Fatal(err)
		}
		if err := kb.NewStore(e.srv.db, func() time.Time { return when }).Record(ctx, kind, []int64{id}, ref); err != nil {
			t.Fatal(err)
		}
	}
	// Week of Monday 2030-03-04: two forms shown articles, one answered by the English article.
	at("2030-03-05T10:00:00Z", kb.Suggested, en.ID, "form-a")
	at("2030-03-05T10:01:00Z", kb.Opened, en.ID, "form-a")
	at("2030-03-05T10:02:00Z", kb.Deflected, en.ID, "form-a")
	at("2030-03-06T09:00:00Z", kb.Suggested, vi.ID, "form-b")
	// Week of 2030-03-11, and one long before the range.
	at("2030-03-12T09:00:00Z", kb.Suggested, en.ID, "form-c")
	at("2029-12-01T09:00:00Z", kb.Suggested, en.ID, "form-old")
	at("2029-12-01T09:01:00Z", kb.Deflected, en.ID, "form-old")

	var intake, other int64
	if err := e.srv.db.QueryRow(ctx, `SELECT min(id) FROM teams`).Scan(&intake); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.db.QueryRow(ctx, `INSERT INTO teams (name) VALUES ('Billing') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleSupervisor)
	query := func(team int64) string {
		q := url.Values{"from": {"2030-03-04"}, "to": {"2030-03-17"}}
		if team != 0 {
			q.Set("team", strconv.FormatInt(team, 10))
		}
		return q.Encode()
	}
	wantWeeks := [][]string{
		{"2030-03-11", "1", "1", "0", "0", "0.0"},
		{"2030-03-04", "2", "2", "1", "1", "50.0"},
	}
	wantArticles := [][]string{
		{en.Title, "en", "2", "1", "1", "50.0"},
		{vi.Title, "vi", "1", "0", "0", "0.0"},
	}
	for _, team := range []int64{0, intake} {
		res := e.get(c, "/supervisor/dashboard?"+query(team))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("dashboard: %d", res.StatusCode)
		}
		page := pageFigures(t, res.Body)
		if !slices.EqualFunc(page[views.DashDeflection], wantWeeks, slices.Equal[[]string]) {
			t.Errorf("team %d: weeks %q, want %q", team, page[views.DashDeflection], wantWeeks)
		}
		if !slices.EqualFunc(page[views.DashDeflectionArticles], wantArticles, slices.Equal[[]string]) {
			t.Errorf("team %d: articles %q, want %q", team, page[views.DashDeflectionArticles], wantArticles)
		}
		for _, section := range []string{views.DashDeflection, views.DashDeflectionArticles} {
			if !strings.Contains(res.Body, `section=`+section) {
				t.Errorf("no CSV link for %s", section)
			}
			if got := csvFigures(t, e, c, query(team), section); !slices.EqualFunc(got, page[section], slices.Equal[[]string]) {
				t.Errorf("team %d %s: CSV %q, page %q", team, section, got, page[section])
			}
		}
		if strings.Contains(res.Body, `id="kb-deflection-team-note"`) {
			t.Errorf("team %d: the other-team note is shown", team)
		}
	}
	// Another team: /help tickets are not theirs, so nothing, and a note says why.
	res := e.get(c, "/supervisor/dashboard?"+query(other))
	page := pageFigures(t, res.Body)
	if len(page[views.DashDeflectionArticles]) != 0 || len(page[views.DashDeflection]) != 2 || page[views.DashDeflection][1][4] != "0" {
		t.Errorf("another team: %q %q", page[views.DashDeflection], page[views.DashDeflectionArticles])
	}
	wantIn(t, res.Body, `id="kb-deflection-team-note"`)
	if rows := csvFigures(t, e, c, query(other), views.DashDeflectionArticles); len(rows) != 0 {
		t.Errorf("another team's CSV: %q", rows)
	}
	// A bad filter: no deflection section, and its CSV is refused like the others.
	bad := e.get(c, "/supervisor/dashboard?from=2030-03-17&to=2030-03-04")
	if bad.StatusCode != http.StatusUnprocessableEntity || strings.Contains(bad.Body, "kb-deflection-heading") {
		t.Errorf("bad range: %d", bad.StatusCode)
	}
	if res := e.get(c, "/supervisor/dashboard.csv?from=2030-03-17&to=2030-03-04&section="+views.DashDeflection); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad range CSV: %d", res.StatusCode)
	}
}
