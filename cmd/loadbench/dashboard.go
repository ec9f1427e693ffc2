package main

// The supervisor dashboard at a million tickets: the report facts are built
// as the facts job builds them, then each dashboard view is driven over HTTP
// by signed-in supervisors, every request with a filter the server's
// dashboard cache has not seen, and timed beside reports.Store.Dashboard
// called alone in the bench's process (its floor).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the supervisors' zones, even without the system's zoneinfo

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/reports"
)

// dashboardZones are the time zones of the dashboard's supervisors, one
// account each. reports.Store keeps its last 64 dashboards (first in, first
// out) keyed by range, team, facts and minute; the days are the desk's
// reporting zone's whatever the viewer's, so it is the end day that makes
// a filter new: dashboardShifts end days per view, more than the cache
// holds, so every request computes its dashboard afresh: the figures are
// cache misses, a supervisor's first look at a range.
var dashboardZones = []string{
	"UTC", "Europe/Helsinki", "Asia/Ho_Chi_Minh", "Asia/Kolkata",
	"America/New_York", "Europe/London", "Asia/Tokyo", "America/Los_Angeles",
}

// dashboardShifts is how many end days each view's range cycles through
// (today and the days before): the dashboard reads a range's daily
// rollups, a row per day, team and owner, so a range ending 71 days back
// costs what one ending today does.
const dashboardShifts = 72

// dashView is one dashboard view the bench drives.
type dashView struct {
	name   string
	days   int  // the range: the last days days
	team   bool // one team (else every team)
	csv    bool // the CSV download (summary section) instead of the page
	offset int  // first shift of its cycle: keeps its filters apart from another view's
}

var dashboardViews = []dashView{
	{name: "dashboard 30 days", days: 30},
	{name: "dashboard 30 days, one team", days: 30, team: true},
	{name: "dashboard 90 days", days: 90},
	{name: "dashboard 365 days", days: 365},
	// The same range as the first view, ending a cycle earlier: not its cached ones.
	{name: "dashboard CSV 30 days", days: 30, csv: true, offset: dashboardShifts},
}

// dashboardTarget is the budget for every dashboard view at 1M tickets.
const dashboardTarget = 200 * time.Millisecond

// dashPlan is what the dashboard scenarios share: the supervisors'
// sessions and zones (same order as dashboardZones), today, and the team of
// the one-team view.
type dashPlan struct {
	cookies []string
	zones   []*time.Location
	today   time.Time // midnight UTC of the generated data's last day
	teamID  int64
	team    string
}

// filter is the k-th filter of v's cycle: the supervisor (zone) k mod
// zones, the range ending v.offset + k mod dashboardShifts days
// before today.
func (p dashPlan) filter(v dashView, k int64) (account int, f reports.Filter) {
	n := int64(len(p.zones))
	account = int(k % n)
	to := p.today.AddDate(0, 0, -(v.offset + int(k%dashboardShifts)))
	f = reports.Filter{From: to.AddDate(0, 0, 1-v.days), To: to, Zone: p.zones[account]}
	if v.team {
		f.TeamID = p.teamID
	}
	return account, f
}

// path is the URL of f, as the dashboard's filter form submits it.
func (p dashPlan) path(v dashView, f reports.Filter) string {
	path := "/supervisor/dashboard"
	if v.csv {
		path += ".csv"
	}
	q := url.Values{"from": {f.From.Format(time.DateOnly)}, "to": {f.To.Format(time.DateOnly)}}
	if f.TeamID != 0 {
		q.Set("team", strconv.FormatInt(f.TeamID, 10))
	}
	return path + "?" + q.Encode()
}

// dashboardScenarios are the dashboard views; st is the floor's store, its
// own cache missed the same way.
func dashboardScenarios(plan dashPlan, st *reports.Store, frame []floorStmt) []scenario {
	var out []scenario
	for _, v := range dashboardViews {
		var sent atomic.Int64 // the HTTP requests' place in the cycle
		var timed int64       // the floor's (one goroutine)
		sc := scenario{
			name: v.name, crew: "dashboard", expect: http.StatusOK, check: dashboardFigure,
			request: func(ctx context.Context, w *worker) (*http.Request, error) {
				account, f := plan.filter(v, sent.Add(1)-1)
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.c.base+plan.path(v, f), nil)
				if err != nil {
					return nil, err
				}
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: plan.cookies[account]})
				return req, nil
			},
			floor: floorSpec{stmts: append([]floorStmt{{
				name: "reports.Store.Dashboard (a filter not cached)",
				run: func(ctx context.Context, _ *worker) error {
					_, f := plan.filter(v, timed)
					timed++
					d, err := st.Dashboard(ctx, f)
					if err == nil && d.AsOf == nil {
						err = fmt.Errorf("the facts were never refreshed")
					}
					return err
				},
			}}, frame...)},
		}
		if v.csv {
			sc.check = csvRows
			sc.explain = func(context.Context, *pgxpool.Pool, io.Writer, *worker) error { return nil } // the page's plans
		} else {
			sc.explain = func(ctx context.Context, pool *pgxpool.Pool, out io.Writer, _ *worker) error {
				_, f := plan.filter(v, 0)
				return explainDashboard(ctx, pool, out, v.name, f)
			}
		}
		out = append(out, sc)
	}
	return out
}

// statValue is the first figure of the dashboard's summary (tickets created).
var statValue = regexp.MustCompile(`class="stat-value" data-value="([^"]*)"`)

func dashboardFigure(body []byte) string {
	m := statValue.FindSubmatch(body)
	if m == nil {
		return "no summary figures on the page"
	}
	return fmt.Sprintf("%s tickets created in the first range; every request a filter not in the server's dashboard cache", m[1])
}

func csvRows(body []byte) string {
	return fmt.Sprintf("%d CSV lines; every request a filter not in the server's dashboard cache", strings.Count(string(body), "\n"))
}

// factsReport is how the report facts were brought up to date.
type factsReport struct {
	rebuild bool
	runs    int
	tickets int
	refresh time.Duration
	vacuum  time.Duration
	size    string
}

// buildFacts brings ticket_facts up to date as production does: the facts
// job's reports.Store.Refresh, run back to back until it reports done (a
// fresh load first asks it for a full rebuild). The job gives a rebuild at
// most its budget (45 s) a minute, so production spreads the same work over
// more wall time. Then VACUUM (ANALYZE), which autovacuum does soon after in
// production (ticket_facts is vacuumed after 1% of it changed): the
// dashboard's index-only scans need the visibility map.
func buildFacts(ctx context.Context, pool *pgxpool.Pool, rebuild bool, log *slog.Logger) (factsReport, error) {
	st := reports.NewStore(pool, time.Now, quietLogger())
	var fr factsReport
	if rebuild {
		if err := st.Rebuild(ctx); err != nil {
			return fr, err
		}
	}
	start := time.Now()
	for skipped := 0; ; {
		res, err := st.Refresh(ctx)
		if err != nil {
			return fr, err
		}
		if res.Skipped { // another runner (a server on -database-url) holds the lock
			if skipped++; skipped > 600 {
				return fr, fmt.Errorf("refresh facts: another run held the lock for a minute")
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		fr.runs++
		fr.rebuild = fr.rebuild || res.Rebuild
		fr.tickets += res.Tickets
		log.Info("loadbench: facts refreshed", "run", fr.runs, "tickets", res.Tickets, "rebuild", res.Rebuild, "done", res.Done,
			"took", round(res.Duration))
		if res.Done {
			break
		}
	}
	fr.refresh = time.Since(start)
	t := time.Now()
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) ticket_facts`); err != nil {
		return fr, fmt.Errorf("vacuum ticket_facts: %w", err)
	}
	fr.vacuum = time.Since(t)
	if err := pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_table_size('ticket_facts')) || ', indexes ' ||
       pg_size_pretty(pg_indexes_size('ticket_facts'))`).Scan(&fr.size); err != nil {
		return fr, err
	}
	return fr, nil
}

func printFacts(out io.Writer, fr factsReport) {
	kind := "incremental refresh"
	if fr.rebuild {
		kind = "full rebuild"
	}
	rate := ""
	if fr.tickets > 0 {
		rate = fmt.Sprintf(", %s tickets/s", thousands(int64(float64(fr.tickets)/fr.refresh.Seconds())))
	}
	fmt.Fprintf(out, "\nReport facts (reports.Store.Refresh, the facts job's work, run back to back until done):\n")
	runs := "runs"
	if fr.runs == 1 {
		runs = "run"
	}
	fmt.Fprintf(out, "  %s of %s tickets in %d %s: %s%s\n", kind, thousands(int64(fr.tickets)), fr.runs, runs, round(fr.refresh), rate)
	fmt.Fprintf(out, "  vacuum analyze ticket_facts: %s; ticket_facts table %s\n", round(fr.vacuum), fr.size)
}

// explainDashboard prints EXPLAIN (ANALYZE, BUFFERS) of the dashboard's
// heaviest statements for f, in a transaction with the dashboard's settings
// (custom plans, no JIT, its work_mem), as reports.Store runs them.
func explainDashboard(ctx context.Context, pool *pgxpool.Pool, out io.Writer, view string, f reports.Filter) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, reports.Statements.Settings); err != nil {
		return fmt.Errorf("dashboard settings: %w", err)
	}
	start, end := f.Bounds()
	rangeArgs := []any{start, end, f.TeamID}
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"created cohort", reports.Statements.CreatedCohort, rangeArgs},
		{"created, per owner", reports.Statements.CreatedPerOwner, rangeArgs},
		{"solved cohort", reports.Statements.SolvedCohort, rangeArgs},
		{"daily", reports.Statements.Daily, append(rangeArgs[:3:3], f.Zone.String())},
		{"backlog", reports.Statements.Backlog, []any{f.TeamID}},
	} {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...)
		if err != nil {
			return fmt.Errorf("explain %s: %w", q.name, err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("explain %s: %w", q.name, err)
		}
		fmt.Fprintf(out, "\n--- %s: %s (%s..%s, %s, team %d)\n%s\n", view, q.name, f.From.Format(time.DateOnly),
			f.To.Format(time.DateOnly), f.Zone, f.TeamID, strings.Join(plan, "\n"))
	}
	return nil
}
