package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/reports/reportstest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// dashboardEnv is a server with the reports' fixed data set, its facts
// refreshed and the dashboard's clock at reportstest.Now.
func dashboardEnv(t *testing.T) (*env, reportstest.Data) {
	t.Helper()
	e := setup(t)
	data := reportstest.Load(t.Context(), t, e.srv.db)
	e.srv.reports = reports.NewStore(e.srv.db, func() time.Time { return reportstest.Now }, nil)
	if _, err := e.srv.reports.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	return e, data
}

// weekQuery is the data set's week, optionally for one team.
func weekQuery(team int64) string {
	q := url.Values{"from": {reportstest.From.Format(time.DateOnly)}, "to": {reportstest.To.Format(time.DateOnly)}}
	if team != 0 {
		q.Set("team", strconv.FormatInt(team, 10))
	}
	return q.Encode()
}

// pageFigures reads the dashboard's figures as the CSV has them: per
// section, the rows of its table as data-value cells; the summary from the
// stat cards (label, value).
func pageFigures(t *testing.T, body string) map[string][][]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	hasClass := func(n *html.Node, c string) bool {
		v, _ := attr(n, "class")
		return slices.Contains(strings.Fields(v), c)
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	out := map[string][][]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			section, ok := attr(n, "data-section")
			switch {
			case ok && n.Data == "table":
				var rowsOf func(*html.Node)
				rowsOf = func(m *html.Node) {
					if m.Type == html.ElementNode && m.Data == "tr" && m.Parent.Data == "tbody" {
						var row []string
						for c := m.FirstChild; c != nil; c = c.NextSibling {
							if v, ok := attr(c, "data-value"); ok {
								row = append(row, v)
							}
						}
						out[section] = append(out[section], row)
						return
					}
					for c := m.FirstChild; c != nil; c = c.NextSibling {
						rowsOf(c)
					}
				}
				rowsOf(n)
				return
			case ok && hasClass(n, "stat-grid"):
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type != html.ElementNode || !hasClass(c, "stat") {
						continue
					}
					var lbl, val string
					for g := c.FirstChild; g != nil; g = g.NextSibling {
						if hasClass(g, "stat-label") {
							lbl = strings.TrimSpace(text(g))
						}
						if v, ok := attr(g, "data-value"); ok && hasClass(g, "stat-value") {
							val = v
						}
					}
					out[section] = append(out[section], []string{lbl, val})
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// csvFigures downloads one section's CSV and returns its rows without the header.
func csvFigures(t *testing.T, e *env, c *http.Client, query, section string) [][]string {
	t.Helper()
	res := e.get(c, "/supervisor/dashboard.csv?"+query+"&section="+section)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("CSV %s: status %d", section, res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV %s: Content-Type %q", section, ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="loopdesk-`+section+"-") {
		t.Errorf("CSV %s: Content-Disposition %q", section, cd)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV %s: %v", section, err)
	}
	if len(rows) == 0 {
		t.Fatalf("CSV %s: no header", section)
	}
	return rows[1:]
}

// The page shows the hand-computed figures of the data set, and every
// section's CSV holds exactly the figures of the page.
func TestDashboardFiguresAndCSV(t *testing.T) {
	e, data := dashboardEnv(t)
	c := e.login(staff.RoleSupervisor) // in Hindi: the figures do not depend on the language
	q := weekQuery(0)
	res := e.get(c, "/supervisor/dashboard?"+q)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: status %d\n%s", res.StatusCode, res.Body)
	}
	page := pageFigures(t, res.Body)
	for _, section := range views.DashSections {
		got, want := csvFigures(t, e, c, q, section), page[section]
		if len(want) == 0 {
			t.Errorf("%s: no figures on the page", section)
		}
		if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("%s: CSV\n%q\npage\n%q", section, got, want)
		}
	}

	// Summary values in order (see reportstest.Load and the reports tests):
	// created, solved, open now, reopen rate, first response median and p90,
	// lead time median and p90 (minutes), escalation rate, time in escalation
	// median and p90, open and overdue follow-ups, follow-ups on time, CSAT, answers.
	var values []string
	for _, row := range page[views.DashSummary] {
		values = append(values, row[1])
	}
	want := []string{"6", "4", "3", "20.0", "45", "180", "240", "1440", "50.0", "60", "120", "2", "1", "50.0", "66.7", "3"}
	if !slices.Equal(values, want) {
		t.Errorf("summary = %q, want %q", values, want)
	}
	wantTables := map[string][][]string{
		views.DashDaily: {
			{"2030-03-04", "2", "1"}, {"2030-03-05", "1", "1"}, {"2030-03-06", "1", "0"}, {"2030-03-07", "1", "2"},
			{"2030-03-08", "1", "0"}, {"2030-03-09", "0", "0"}, {"2030-03-10", "0", "0"},
		},
		views.DashSLA: {{"", "3", "2", "60.0"}, {"", "1", "1", "50.0"}, {"", "2", "1", "66.7"}},
		views.DashReps: {
			{data.AinoName, "2", "30", "120", "50.0", "2", "1", "1", "0.0"},
			{data.BinhName, "0", "45", "", "", "0", "1", "0", ""},
			{data.Chit, "2", "20", "360", "100.0", "1", "1", "1", "100.0"},
		},
	}
	for section, rows := range wantTables {
		got := page[section]
		if len(got) != len(rows) {
			t.Errorf("%s: %q, want %q", section, got, rows)
			continue
		}
		for i := range rows {
			if section == views.DashSLA {
				got[i][0] = "" // a translated label: compare the figures
			}
			if !slices.Equal(got[i], rows[i]) {
				t.Errorf("%s row %d = %q, want %q", section, i, got[i], rows[i])
			}
		}
	}
	reasons := page[views.DashReasons]
	if len(reasons) != 2 || reasons[0][1] != "2" || reasons[1][1] != "1" || reasons[0][2] != "66.7" {
		t.Errorf("reasons = %q", reasons)
	}
}

// An English-speaking admin sees the figures formatted for people.
func TestDashboardShowsFormattedFigures(t *testing.T) {
	e, _ := dashboardEnv(t)
	res := e.get(e.login(staff.RoleAdmin), "/supervisor/dashboard?"+weekQuery(0))
	en := e.srv.cat.Localizer("en")
	shown := func(d time.Duration) string { return strings.ReplaceAll(en.FormatDuration(d), " ", "\u00a0") }
	for _, s := range []string{
		`data-value="45">` + shown(45*time.Minute) + `</strong>`, `data-value="1440">` + shown(24*time.Hour) + `</strong>`,
		`data-value="66.7">66.7%</strong>`,
		"Mar 4, 2030 – Mar 10, 2030", `role="img" aria-labelledby="chart-daily-title chart-daily-desc"`,
		"6 tickets created and 4 solved over 7 days", "First response: 3 met, 2 breached",
	} {
		if !strings.Contains(res.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestDashboardFilters(t *testing.T) {
	e, data := dashboardEnv(t)
	c := e.login(staff.RoleAdmin)
	first := func(section string, body string) []string {
		rows := pageFigures(t, body)[section]
		if len(rows) == 0 {
			t.Fatalf("no %s figures", section)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r[1])
		}
		return out
	}

	// Team A: T1..T4 created, T1 T2 solved (T2 twice, reopened once), two open, Aino and Binh.
	res := e.get(c, "/supervisor/dashboard?"+weekQuery(data.TeamA))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("team filter: status %d", res.StatusCode)
	}
	if got := first(views.DashSummary, res.Body)[:5]; !slices.Equal(got, []string{"4", "2", "2", "33.3", "45"}) {
		t.Errorf("team A summary starts %q", got)
	}
	if reps := pageFigures(t, res.Body)[views.DashReps]; len(reps) != 2 {
		t.Errorf("team A reps = %q", reps)
	}
	if !strings.Contains(res.Body, `<option value="`+strconv.FormatInt(data.TeamA, 10)+`" selected>`) {
		t.Error("the team stays chosen in the filter")
	}

	// Two days: T5 and T6.
	res = e.get(c, "/supervisor/dashboard?from=2030-03-06&to=2030-03-07")
	if got := first(views.DashSummary, res.Body)[:2]; !slices.Equal(got, []string{"2", "2"}) {
		t.Errorf("6-7 March summary starts %q", got)
	}
	if days := pageFigures(t, res.Body)[views.DashDaily]; len(days) != 2 {
		t.Errorf("6-7 March days = %q", days)
	}

	// No filter: the last 30 days up to today.
	res = e.get(c, "/supervisor/dashboard")
	today := time.Now().UTC().Format(time.DateOnly)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="to" type="date" value="`+today+`"`) {
		t.Errorf("default range: status %d, want to = %s", res.StatusCode, today)
	}

	// Bad filters come back with the input and a message beside the field.
	en := e.srv.cat.Localizer("en")
	for _, c2 := range []struct{ query, field, msg string }{
		{"from=2030-13-01&to=2030-03-10", "from", "dash_error_date"},
		{"from=2030-03-10&to=2030-03-04", "to", "dash_error_range_reversed"},
		{"from=2028-01-01&to=2030-03-10", "from", "dash_error_range_long"},
		{"from=2030-03-04&to=2030-03-10&team=x", "team", "error_invalid_choice"},
	} {
		res := e.get(c, "/supervisor/dashboard?"+c2.query)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", c2.query, res.StatusCode)
			continue
		}
		if !strings.Contains(res.Body, `id="f-`+c2.field+`-error">`+en.T(c2.msg)) || !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Errorf("%s: no message %q beside %s", c2.query, en.T(c2.msg), c2.field)
		}
		if strings.Contains(res.Body, `data-section="summary"`) {
			t.Errorf("%s: figures shown for a bad filter", c2.query)
		}
		if res := e.get(c, "/supervisor/dashboard.csv?"+c2.query); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("CSV %s: status %d, want 422", c2.query, res.StatusCode)
		}
	}
	if res := e.get(c, "/supervisor/dashboard.csv?"+weekQuery(0)+"&section=nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown CSV section: status %d, want 404", res.StatusCode)
	}
}

// A supervisor opens the dashboard, filters by team and finds the CSV link
// of the filtered figures; the screenshots are for looking at.
func TestBrowserDashboard(t *testing.T) {
	e, data := dashboardEnv(t)
	admin := e.users[staff.RoleAdmin] // English
	en := loc(e, admin)
	ctx := browserLogin(t, e, admin)
	err := chromedp.Do(ctx,
		chromedp.Click(link(en.T("nav_dashboard"))),
		chromedp.WaitVisible(heading(en.T("dash_title"))),
		chromedp.SetValue(byLabel(en.T("dash_from")), reportstest.From.Format(time.DateOnly)),
		chromedp.SetValue(byLabel(en.T("dash_to")), reportstest.To.Format(time.DateOnly)),
		clickTo(button(en.T("filter_apply")), "to="+reportstest.To.Format(time.DateOnly)),
		chromedp.WaitVisible(`//h2[starts-with(normalize-space(.), "`+en.T("dash_backlog_heading", "N", 3)+`")]`),
	)
	if err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	screenshot(t, ctx, "dashboard-en.png")
	axeCheck(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.SetValue(byLabel(en.T("dash_team")), strconv.FormatInt(data.TeamB, 10)),
		clickTo(button(en.T("filter_apply")), "team="+strconv.FormatInt(data.TeamB, 10)),
		chromedp.WaitVisible(`//h2[starts-with(normalize-space(.), "`+en.T("dash_backlog_heading", "N", 1)+`")]`),
	)
	if err != nil {
		t.Fatalf("filter by team: %v", err)
	}
	screenshot(t, ctx, "dashboard-team-en.png")
	caption := en.T("dash_reps_caption")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(link(en.T("dash_csv", "Section", caption)), "href"))
	if err != nil {
		t.Fatalf("CSV link: %v", err)
	}
	if want := "team=" + strconv.FormatInt(data.TeamB, 10); !strings.Contains(href.Value, want) || !strings.Contains(href.Value, "section=reps") {
		t.Fatalf("CSV link %q lacks %s and section=reps", href.Value, want)
	}
	u, err := url.Parse(href.Value)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("section")
	rows := csvFigures(t, e, e.login(staff.RoleAdmin), q.Encode(), "reps")
	if len(rows) != 1 || rows[0][0] != data.Chit {
		t.Fatalf("team B's reps CSV = %q, want Chitra alone", rows)
	}

	// The same week for the Hindi-speaking supervisor, to look at.
	sup := e.users[staff.RoleSupervisor]
	ctx = browserLogin(t, e, sup)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/dashboard?"+weekQuery(0)),
		chromedp.WaitVisible(heading(loc(e, sup).T("dash_title"))),
	); err != nil {
		t.Fatalf("open the dashboard in Hindi: %v", err)
	}
	screenshot(t, ctx, "dashboard-hi.png")
	axeCheck(t, ctx)
}

// axeCheck runs axe-core on the page in ctx (the accessibility test checks
// every page, but with no figures; here the charts and tables are full).
func axeCheck(t *testing.T, ctx context.Context) {
	t.Helper()
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run `make assets`", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[*struct{}](string(axe)+"\n;null")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe: %s (%s) %s: %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
		} else {
			t.Logf("axe: %s (%s) %s", v.ID, v.Impact, v.Help)
		}
	}
}

// When the dashboard reads its medians and p90s from the daily rollups'
// histograms, the page and the CSV say they are approximate and by how much.
func TestDashboardApproximatePercentiles(t *testing.T) {
	e, _ := dashboardEnv(t)
	e.srv.reports.SetExactLimit(0) // every range from the histograms
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	res := e.get(admin, "/supervisor/dashboard?"+weekQuery(0))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: status %d", res.StatusCode)
	}
	page := pageFigures(t, res.Body)
	label := en.T("dash_approx_label", "Label", en.T("dash_fr_median"), "Bound", reports.ApproxPercent)
	if !strings.Contains(label, "±5%") || page[views.DashSummary][4][0] != label {
		t.Errorf("first response median labelled %q, want %q", page[views.DashSummary][4][0], label)
	}
	// 45 min exactly; the histogram's answer is within 5 %, in whole minutes.
	if v := page[views.DashSummary][4][1]; v != "44" && v != "45" && v != "46" && v != "47" {
		t.Errorf("approximate first response median = %s min, want 45 ± 5 %%", v)
	}
	if !strings.Contains(res.Body, en.T("dash_approx_note", "Bound", reports.ApproxPercent)) {
		t.Error("the page does not say why figures are approximate")
	}
	header := csvHeader(t, e, admin, weekQuery(0), views.DashReps)
	if want := en.T("dash_csv_minutes", "Label", en.T("dash_approx_label", "Label", en.T("dash_col_fr_median"), "Bound", reports.ApproxPercent)); header[2] != want {
		t.Errorf("reps CSV header %q, want %q", header[2], want)
	}

	// Exact figures (the default for a week of eight tickets) say nothing of the kind.
	e.srv.reports.SetExactLimit(reports.DefaultExactLimit)
	res = e.get(admin, "/supervisor/dashboard?"+weekQuery(0))
	if strings.Contains(res.Body, "dash-approx-note") || strings.Contains(res.Body, "±") {
		t.Error("exact figures are labelled approximate")
	}

	// In Hindi, to look at.
	e.srv.reports.SetExactLimit(0)
	rep := e.users[staff.RoleSupervisor]
	ctx := browserLogin(t, e, rep)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/dashboard?"+weekQuery(0)),
		chromedp.WaitVisible(`#dash-approx-note`),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	screenshot(t, ctx, "dashboard-approximate-hi.png")
}

// csvHeader downloads one section's CSV and returns its header.
func csvHeader(t *testing.T, e *env, c *http.Client, query, section string) []string {
	t.Helper()
	res := e.get(c, "/supervisor/dashboard.csv?"+query+"&section="+section)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV %s: %v", section, err)
	}
	return rows[0]
}
