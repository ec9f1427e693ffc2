package reports_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/reports/reportstest"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	ctx   context.Context
	db    *pgxpool.Pool
	store *reports.Store
	now   time.Time
	data  reportstest.Data
}

// setup loads the fixed data set and refreshes the facts at reportstest.Now.
func setup(t *testing.T) *bundle {
	t.Helper()
	t.Parallel()
	b := &bundle{ctx: t.Context(), db: pgtest.New(t), now: reportstest.Now}
	b.store = reports.NewStore(b.db, func() time.Time { return b.now }, nil)
	b.data = reportstest.Load(b.ctx, t, b.db)
	res, err := b.store.Refresh(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !res.Done || res.Tickets != 8 {
		t.Fatalf("first refresh = %+v, want a finished rebuild of 8 tickets", res)
	}
	return b
}

func (b *bundle) dashboard(t *testing.T, f reports.Filter) reports.Dashboard {
	t.Helper()
	if f.From.IsZero() {
		f.From, f.To = reportstest.From, reportstest.To
	}
	d, err := b.store.Dashboard(b.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func spread(t *testing.T, what string, got reports.Spread, n int, median, p90 time.Duration) {
	t.Helper()
	if got.N != n || got.Median != median || got.P90 != p90 {
		t.Errorf("%s = {N %d, median %v, p90 %v}, want {N %d, median %v, p90 %v}",
			what, got.N, got.Median, got.P90, n, median, p90)
	}
}

// The figures of the week, worked out by hand from the rows in reportstest.Load.
func TestDashboardWeek(t *testing.T) {
	b := setup(t)
	d := b.dashboard(t, reports.Filter{})
	if d.AsOf == nil || !d.AsOf.Equal(reportstest.Now) {
		t.Errorf("as of %v, want %v", d.AsOf, reportstest.Now)
	}
	eq(t, "created", d.Created, 6)
	eq(t, "solved", d.Solved, 4)
	// First responses, business seconds: T1 1800, T2 5400 (1 h Mon + 30 min Tue), T3 2700
	// (30 min Fri + 15 min Mon), T5 1200, T6 10800; T4 has none. Sorted
	// 1200 1800 2700 5400 10800: median the 3rd, p90 the 5th.
	spread(t, "first response", d.FirstResponse, 5, minutes(45), 3*time.Hour)
	// Lead times: T1 2 h, T2 4 h (1 h Mon + 4 h Tue less the 1 h pause), T5 24 h
	// (no calendar: round the clock), T6 6 h. Median the 2nd of 4, p90 the 4th.
	spread(t, "lead time", d.LeadTime, 4, 4*time.Hour, 24*time.Hour)

	want := []reports.SLATarget{
		{Target: "first_response", Met: 3, Breached: 2}, // T1 T3 T5 met; T2 fired, T4 past due
		{Target: "next_response", Met: 1, Breached: 1},  // T3 answered; T5 fired
		{Target: "resolution", Met: 2, Breached: 1},     // T1 T2 solved; T5 fired
	}
	if len(d.SLA) != 3 {
		t.Fatalf("SLA = %+v", d.SLA)
	}
	for i, w := range want {
		eq(t, "SLA "+w.Target, d.SLA[i], w)
	}

	eq(t, "escalated tickets", d.Escalated, 3) // T2 T3 T5
	// Returned escalations: T2 1 h (in office hours), T5 2 h.
	spread(t, "time in escalation", d.EscalationTime, 2, time.Hour, 2*time.Hour)
	if len(d.Reasons) != 2 || d.Reasons[0] != (reports.ReasonCount{Reason: "billing_adjustment", N: 2}) ||
		d.Reasons[1] != (reports.ReasonCount{Reason: "technical_fault", N: 1}) {
		t.Errorf("reasons = %+v", d.Reasons)
	}
	eq(t, "reopens", d.Reopens, 1) // T2 once
	eq(t, "solves", d.Solves, 5)   // T1, T2 twice, T5, T6

	// Backlog now: T3 open normal A, T4 new high A, T8 pending low B.
	eq(t, "backlog", d.Backlog.Total, 3)
	wantStatus := []reports.StatusCount{{Status: tickets.StatusNew, N: 1}, {Status: tickets.StatusOpen, N: 1},
		{Status: tickets.StatusPending, N: 1}, {Status: tickets.StatusOnHold, N: 0}}
	for i, w := range wantStatus {
		eq(t, "backlog status", d.Backlog.ByStatus[i], w)
	}
	wantPrio := []reports.PriorityCount{{Priority: 4, N: 0}, {Priority: 3, N: 1}, {Priority: 2, N: 1}, {Priority: 1, N: 1}}
	for i, w := range wantPrio {
		eq(t, "backlog priority", d.Backlog.ByPriority[i], w)
	}
	if len(d.Backlog.ByTeam) != 2 ||
		d.Backlog.ByTeam[0] != (reports.TeamCount{TeamID: b.data.TeamA, Name: "Billing desk", N: 2}) ||
		d.Backlog.ByTeam[1] != (reports.TeamCount{TeamID: b.data.TeamB, Name: "Returns desk", N: 1}) {
		t.Errorf("backlog by team = %+v", d.Backlog.ByTeam)
	}

	eq(t, "open loops", d.OpenLoops, 2)       // T4, T1
	eq(t, "overdue loops", d.OverdueLoops, 1) // T4, due the 14th
	eq(t, "follow-ups due", d.FollowUpsDue, 2)
	eq(t, "follow-ups on time", d.FollowUpsOnTime, 1) // T5's; T2's was 20 min late

	days := []reports.Day{
		{Date: reportstest.From, Created: 2, Solved: 1},
		{Date: reportstest.From.AddDate(0, 0, 1), Created: 1, Solved: 1},
		{Date: reportstest.From.AddDate(0, 0, 2), Created: 1, Solved: 0},
		{Date: reportstest.From.AddDate(0, 0, 3), Created: 1, Solved: 2},
		{Date: reportstest.From.AddDate(0, 0, 4), Created: 1, Solved: 0},
		{Date: reportstest.From.AddDate(0, 0, 5)},
		{Date: reportstest.From.AddDate(0, 0, 6)},
	}
	if len(d.Daily) != len(days) {
		t.Fatalf("daily = %+v", d.Daily)
	}
	for i, w := range days {
		if !d.Daily[i].Date.Equal(w.Date) || d.Daily[i].Created != w.Created || d.Daily[i].Solved != w.Solved {
			t.Errorf("day %d = %+v, want %+v", i, d.Daily[i], w)
		}
	}

	eq(t, "CSAT", d.CSAT, reports.CSAT{Good: 2, Bad: 1}) // T1 T5 good, T2 bad
	dur := func(m float64) *time.Duration { x := minutes(m); return &x }
	reps := []reports.RepRow{
		{UserID: b.data.Aino, Name: "Aino Rep", Handled: 2, FirstResponse: dur(30), LeadTime: dur(120),
			CSAT: reports.CSAT{Good: 1, Bad: 1}, EscalationsRaised: 1, FollowUpsDue: 1},
		{UserID: b.data.Binh, Name: "Binh Rep", FirstResponse: dur(45), EscalationsRaised: 1},
		{UserID: b.data.Chitra, Name: "Chitra Rep", Handled: 2, FirstResponse: dur(20), LeadTime: dur(360),
			CSAT: reports.CSAT{Good: 1}, EscalationsRaised: 1, FollowUpsDue: 1, FollowUpsOnTime: 1},
	}
	if len(d.Reps) != len(reps) {
		t.Fatalf("reps = %+v", d.Reps)
	}
	for i, w := range reps {
		g := d.Reps[i]
		if g.UserID != w.UserID || g.Name != w.Name || g.Handled != w.Handled || !sameDur(g.FirstResponse, w.FirstResponse) ||
			!sameDur(g.LeadTime, w.LeadTime) || g.CSAT != w.CSAT || g.EscalationsRaised != w.EscalationsRaised ||
			g.FollowUpsDue != w.FollowUpsDue || g.FollowUpsOnTime != w.FollowUpsOnTime {
			t.Errorf("rep %d = %s, want %s", i, repString(g), repString(w))
		}
	}
}

func sameDur(a, b *time.Duration) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func repString(r reports.RepRow) string {
	s := func(d *time.Duration) string {
		if d == nil {
			return "-"
		}
		return d.String()
	}
	return r.Name + " handled " + itoa(r.Handled) + " fr " + s(r.FirstResponse) + " lead " + s(r.LeadTime) +
		" csat " + itoa(r.CSAT.Good) + "/" + itoa(r.CSAT.Total()) + " raised " + itoa(r.EscalationsRaised) + " follow-ups " + itoa(r.FollowUpsOnTime) + "/" + itoa(r.FollowUpsDue)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDashboardTeamFilter(t *testing.T) {
	b := setup(t)
	d := b.dashboard(t, reports.Filter{TeamID: b.data.TeamA})
	eq(t, "created", d.Created, 4) // T1..T4
	eq(t, "solved", d.Solved, 2)   // T1 T2
	// 1800 2700 5400: median the 2nd, p90 the 3rd.
	spread(t, "first response", d.FirstResponse, 3, minutes(45), minutes(90))
	spread(t, "lead time", d.LeadTime, 2, 2*time.Hour, 4*time.Hour)
	eq(t, "backlog", d.Backlog.Total, 2)
	eq(t, "escalated", d.Escalated, 2)
	eq(t, "open loops", d.OpenLoops, 2)
	eq(t, "CSAT", d.CSAT, reports.CSAT{Good: 1, Bad: 1})
	if len(d.Reps) != 2 || d.Reps[0].UserID != b.data.Aino || d.Reps[1].UserID != b.data.Binh {
		t.Errorf("reps of team A = %+v", d.Reps)
	}
	if len(d.Reasons) != 2 || d.Reasons[0].N != 1 || d.Reasons[1].N != 1 {
		t.Errorf("reasons of team A = %+v", d.Reasons)
	}
}

func TestDashboardDateRange(t *testing.T) {
	b := setup(t)
	d := b.dashboard(t, reports.Filter{From: reportstest.From.AddDate(0, 0, 2), To: reportstest.From.AddDate(0, 0, 3)})
	eq(t, "created", d.Created, 2) // T5 T6
	eq(t, "solved", d.Solved, 2)   // T5 T6
	spread(t, "first response", d.FirstResponse, 2, minutes(20), 3*time.Hour)
	spread(t, "lead time", d.LeadTime, 2, 6*time.Hour, 24*time.Hour)
	eq(t, "days", len(d.Daily), 2)
	eq(t, "backlog is now, whatever the range", d.Backlog.Total, 3)

	// Days are the viewer's: Monday in Helsinki (UTC+2) runs from Sunday 22:00
	// to Monday 22:00 UTC, which holds T1 and T2.
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	d = b.dashboard(t, reports.Filter{From: reportstest.From, To: reportstest.From, Zone: hel})
	eq(t, "created Monday in Helsinki", d.Created, 2)
}

func TestFilterValidate(t *testing.T) {
	t.Parallel()
	day := reportstest.From
	for _, c := range []struct {
		f    reports.Filter
		want error
	}{
		{reports.Filter{From: day, To: day}, nil},
		{reports.Filter{From: day, To: day.AddDate(0, 0, reports.MaxRangeDays-1)}, nil},
		{reports.Filter{From: day, To: day.AddDate(0, 0, reports.MaxRangeDays)}, reports.ErrRangeTooLong},
		{reports.Filter{From: day, To: day.AddDate(0, 0, -1)}, reports.ErrRangeReversed},
	} {
		if err := c.f.Validate(); err != c.want {
			t.Errorf("%v..%v: %v, want %v", c.f.From, c.f.To, err, c.want)
		}
	}
}

// The job redoes only what changed since its last run, and a calendar change
// rebuilds everything.
func TestRefreshIncremental(t *testing.T) {
	b := setup(t)
	b.now = b.now.Add(time.Minute)
	res, err := b.store.Refresh(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rebuild || res.Tickets != 0 {
		t.Fatalf("refresh with no changes = %+v", res)
	}

	// Binh answers T4 on Monday 11 March 09:00: 6 h Tue (10-16) + 8 h Wed, Thu, Fri + 1 h Mon = 31 h.
	change := b.now
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET first_response_at = $2, first_response_due = NULL, status = 'open', updated_at = $3 WHERE id = $1`,
		b.data.T4, time.Date(2030, 3, 11, 9, 0, 0, 0, time.UTC), change); err != nil {
		t.Fatal(err)
	}
	// An audit event alone (no updated_at) is enough too: T6 reopened.
	if _, err := b.db.Exec(b.ctx, `INSERT INTO events (subject_type, subject_id, action, created_at) VALUES ('ticket', $1, 'ticket.reopened', $2)`,
		b.data.T6, change); err != nil {
		t.Fatal(err)
	}
	b.now = b.now.Add(time.Minute)
	res, err = b.store.Refresh(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rebuild || res.Tickets != 2 {
		t.Fatalf("refresh after two changes = %+v", res)
	}
	var frS *int32
	var status string
	var sla *string
	if err := b.db.QueryRow(b.ctx, `SELECT first_response_s, status, sla_first_response FROM ticket_facts WHERE ticket_id = $1`, b.data.T4).
		Scan(&frS, &status, &sla); err != nil {
		t.Fatal(err)
	}
	if frS == nil || *frS != 31*3600 || status != "open" || sla == nil || *sla != "breached" {
		t.Errorf("T4 facts: first response %v s, status %s, sla %v; want %d s, open, breached (31 h for a 1 h target)", frS, status, sla, 31*3600)
	}
	d := b.dashboard(t, reports.Filter{})
	eq(t, "reopens", d.Reopens, 2)

	if _, err := b.db.Exec(b.ctx, `INSERT INTO events (subject_type, subject_id, action, created_at) VALUES ('calendar', $1, 'calendar.saved', $2)`,
		b.data.Calendar, b.now); err != nil {
		t.Fatal(err)
	}
	b.now = b.now.Add(time.Minute)
	res, err = b.store.Refresh(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebuild || !res.Done || res.Tickets != 8 {
		t.Fatalf("refresh after a calendar change = %+v, want a full rebuild", res)
	}
	b.now = b.now.Add(time.Minute)
	if res, err = b.store.Refresh(b.ctx); err != nil || res.Rebuild {
		t.Fatalf("refresh after the rebuild = %+v, %v; want an incremental run", res, err)
	}
}

// A rebuild that runs out of time carries on where it stopped.
func TestRefreshResumesRebuild(t *testing.T) {
	b := setup(t)
	if err := b.store.Rebuild(b.ctx); err != nil {
		t.Fatal(err)
	}
	reports.SetLimits(b.store, 3, 0) // three tickets a batch, no time: one batch per run
	var total, runs int
	for {
		res, err := b.store.Refresh(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Tickets
		runs++
		if res.Done {
			break
		}
		if runs > 10 {
			t.Fatal("rebuild does not finish")
		}
	}
	if total != 8 || runs != 3 {
		t.Errorf("rebuilt %d tickets in %d runs, want 8 in 3", total, runs)
	}
	d := b.dashboard(t, reports.Filter{})
	eq(t, "created after the resumed rebuild", d.Created, 6)
}

// A dashboard computed in one transaction (another dashboard holds the
// parallel slot) has the same figures as one computed in parallel parts.
func TestDashboardSequentialEqualsParallel(t *testing.T) {
	b := setup(t)
	reports.Uncached(b.store)
	parallel := b.dashboard(t, reports.Filter{})
	release := reports.HoldParallel(b.store)
	sequential := b.dashboard(t, reports.Filter{})
	release()
	if !reflect.DeepEqual(parallel, sequential) {
		t.Errorf("parallel %+v\nsequential %+v", parallel, sequential)
	}
	if parallel.Created != 6 || len(parallel.Reps) != 3 {
		t.Errorf("dashboard = %+v", parallel)
	}
}
