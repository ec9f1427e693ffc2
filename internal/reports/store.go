package reports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Store reads the dashboard from the facts and keeps the facts up to date.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
	log *slog.Logger

	batch  int           // tickets per refresh transaction
	budget time.Duration // how long one refresh run may keep backfilling

	zone       *time.Location // the desk's reporting zone: the days of the dashboard and its rollups
	exactLimit int            // ranges with at most this many created plus solved tickets get exact percentiles
	noRollups  bool           // tests and benchmarks: aggregate the facts as before the rollups

	cache    dashboardCache
	noCache  bool          // benchmarks measure the queries
	parallel chan struct{} // held by the one dashboard running its parts in parallel
}

// NewStore returns a Store on db; now is the clock (time.Now in production).
func NewStore(db *pgxpool.Pool, now func() time.Time, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{db: db, now: now, log: log, batch: 1000, budget: 45 * time.Second, parallel: make(chan struct{}, 1),
		zone: time.UTC, exactLimit: DefaultExactLimit}
}

// DefaultExactLimit is how many tickets (created plus solved in the range)
// a dashboard reads exact percentiles for, from the facts (a few
// milliseconds); beyond, it reads them from the rollups' histograms and says
// they are approximate.
const DefaultExactLimit = 5000

// SetZone sets the desk's reporting time zone (UTC unless set): the days of
// the dashboard and of its daily rollups. The next facts run recomputes the
// rollups for a new zone; until then dashboards aggregate the facts. Call it
// before the store is used.
func (s *Store) SetZone(zone *time.Location) {
	if zone != nil {
		s.zone = zone
	}
}

// Zone is the desk's reporting time zone.
func (s *Store) Zone() *time.Location { return s.zone }

// SetExactLimit sets how many tickets a range may hold and still get exact
// percentiles (DefaultExactLimit); 0 reads every range's percentiles from
// the histograms. For tests and tools; call it before the store is used.
func (s *Store) SetExactLimit(n int) { s.exactLimit = n }

// Every dashboard query takes the range as $1 (start, inclusive) and $2 (end,
// exclusive) instants and the team as $3 (0 for every team). They run with
// plan_cache_mode = force_custom_plan (see sqlDashboardSettings), so that
// "$3 = 0 OR ..." folds away for the whole desk and each range is planned
// with its real size.

// sqlDashboardSettings tunes the dashboard's read-only transaction: plans for
// the actual parameters (above); no JIT, whose compile time (hundreds of ms)
// dwarfs these queries; no parallel workers, since runParts already runs the
// parts side by side on their own connections and a Gather's workers cost
// more to start and wait for than the range scans they split (1M tickets on
// 2 busy cores: sqlDaily over one team's 30 days took 392 ms with 2 workers
// doing 30 ms of work each; over every team's 30 days 55-92 ms without
// workers against 146-262 ms with them); and memory enough to sort a range's
// facts without spilling to disk.
const sqlDashboardSettings = `
SET LOCAL plan_cache_mode = force_custom_plan;
SET LOCAL jit = off;
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL work_mem = '32MB'`

// sqlCreatedCohort aggregates the tickets created in the range (one sort per
// percentile input: the array form of percentile_disc gives the median and
// p90 from the same sort).
const sqlCreatedCohort = `
SELECT count(*),
       count(first_response_s),
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY first_response_s),
       count(*) FILTER (WHERE escalations > 0),
       count(escalation_s),
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY escalation_s),
       coalesce(sum(reopens), 0),
       coalesce(sum(solves), 0),
       count(*) FILTER (WHERE sla_first_response = 'met'),
       count(*) FILTER (WHERE sla_first_response = 'breached'),
       count(*) FILTER (WHERE sla_next_response = 'met'),
       count(*) FILTER (WHERE sla_next_response = 'breached'),
       count(*) FILTER (WHERE sla_resolution = 'met'),
       count(*) FILTER (WHERE sla_resolution = 'breached')
FROM ticket_facts
WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint = 0 OR team_id = $3)`

// sqlCreatedPerOwner is each loop owner's median first response over the
// tickets created in the range: a query of its own, so that it sorts only
// the two columns it needs and runs beside sqlCreatedCohort.
const sqlCreatedPerOwner = `
SELECT owner_id, percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response_s)
FROM ticket_facts
WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint = 0 OR team_id = $3) AND owner_id IS NOT NULL
GROUP BY owner_id`

// sqlSolvedCohort aggregates the tickets solved in the range, in total and
// per loop owner.
const sqlSolvedCohort = `
SELECT grouping(owner_id) = 0,
       coalesce(owner_id, 0),
       count(*),
       count(lead_s),
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY lead_s)
FROM ticket_facts
WHERE solved_at >= $1 AND solved_at < $2 AND ($3::bigint = 0 OR team_id = $3)
GROUP BY GROUPING SETS ((), (owner_id))`

// sqlDaily counts created and solved tickets per day, days in the viewer's
// zone ($4); days with neither are left out (Go fills them in).
const sqlDaily = `
SELECT day, sum(created)::int, sum(solved)::int
FROM (
    SELECT (created_at AT TIME ZONE $4)::date AS day, 1 AS created, 0 AS solved
    FROM ticket_facts
    WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint = 0 OR team_id = $3)
    UNION ALL
    SELECT (solved_at AT TIME ZONE $4)::date, 0, 1
    FROM ticket_facts
    WHERE solved_at >= $1 AND solved_at < $2 AND ($3::bigint = 0 OR team_id = $3)
) AS d
GROUP BY day`

// sqlBacklogRollup reads the backlog the facts job keeps (report_backlog),
// for team $1: the rows of sqlBacklog.
const sqlBacklogRollup = `
SELECT b.status, b.priority, b.team_id, coalesce(tm.name, ''), b.n
FROM report_backlog b
LEFT JOIN teams tm ON tm.id = b.team_id
WHERE $1::bigint = 0 OR b.team_id = $1`

// sqlBacklog counts the open tickets now by status, priority and team ($1).
const sqlBacklog = `
SELECT b.status, b.priority, coalesce(b.team_id, 0), coalesce(tm.name, ''), b.n
FROM (
    SELECT status, priority, team_id, count(*) AS n
    FROM ticket_facts
    WHERE status IN ('new', 'open', 'pending', 'on_hold') AND ($1::bigint = 0 OR team_id = $1)
    GROUP BY status, priority, team_id
) b
LEFT JOIN teams tm ON tm.id = b.team_id`

// sqlEscalations counts the escalations requested in the range by reason and
// by who raised them (NULL reason: a per-person row; NULL person: a reason row).
const sqlEscalations = `
SELECT grouping(e.reason) = 0, coalesce(e.reason, ''), coalesce(e.from_user_id, 0), count(*)
FROM escalations e
WHERE e.kind = 'escalation' AND e.requested_at >= $1 AND e.requested_at < $2
  AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM ticket_facts f WHERE f.ticket_id = e.ticket_id AND f.team_id = $3))
GROUP BY GROUPING SETS ((e.reason), (e.from_user_id))`

// sqlOpenLoops counts the follow-ups open now, and those past due at $1, for team $2.
const sqlOpenLoops = `
SELECT count(*), count(*) FILTER (WHERE fu.due_at < $1)
FROM follow_ups fu
WHERE fu.done_at IS NULL
  AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM ticket_facts f WHERE f.ticket_id = fu.ticket_id AND f.team_id = $2))`

// sqlRepFollowUps counts, per owner, the follow-ups due in the range that are
// settled — done, or past due at $4 — and those done by their due time.
const sqlRepFollowUps = `
SELECT fu.owner_id,
       count(*),
       count(*) FILTER (WHERE fu.done_at IS NOT NULL AND fu.done_at <= fu.due_at)
FROM follow_ups fu
WHERE fu.due_at >= $1 AND fu.due_at < $2 AND (fu.done_at IS NOT NULL OR fu.due_at < $4)
  AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM ticket_facts f WHERE f.ticket_id = fu.ticket_id AND f.team_id = $3))
GROUP BY fu.owner_id`

// sqlNames names the people of the per-rep table.
const sqlNames = `SELECT id, name FROM users WHERE id = ANY($1)`

// sqlAsOf is the facts' watermark and a rebuild's progress: the facts are
// the same as long as both are; and the zone of the rollups (NULL: none yet).
const sqlAsOf = `SELECT watermark, backfill_after, rollup_zone FROM report_refresh WHERE name = 'ticket_facts'`

// Statements are the dashboard's settings and the statements it runs over
// the facts (before the rollups are built, and for ranges of few tickets),
// by name, for tools that EXPLAIN them as the store runs them
// (cmd/loadbench), so that they never time a stale copy.
// BenchmarkDashboardRanges EXPLAINs the rollups' statements.
var Statements = struct {
	Settings, CreatedCohort, CreatedPerOwner, SolvedCohort, Daily, Backlog string
}{sqlDashboardSettings, sqlCreatedCohort, sqlCreatedPerOwner, sqlSolvedCohort, sqlDaily, sqlBacklog}

// dashboardCache keeps recent dashboards. The facts only change when the job
// runs, so a dashboard is reused for the same filter, facts and minute (open
// and overdue loops are counted at now): the page's CSV downloads, reloads and
// supervisors looking at the same default view cost nothing.
type dashboardCache struct {
	mu      sync.Mutex
	entries map[cacheKey]Dashboard
	order   []cacheKey // oldest first
}

const cacheSize = 64

type cacheKey struct {
	from, to, zone string
	team           int64
	asOf           time.Time
	rebuiltTo      int64
	minute         int64
	rollups        bool
	exactLimit     int
}

func (c *dashboardCache) get(k cacheKey) (Dashboard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.entries[k]
	return d, ok
}

func (c *dashboardCache) put(k cacheKey, d Dashboard) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[cacheKey]Dashboard{}
	}
	if _, ok := c.entries[k]; ok {
		return
	}
	if len(c.order) == cacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[k] = d
	c.order = append(c.order, k)
}

// Dashboard computes every figure for f, its days in the desk's reporting
// zone (Zone; f.Zone is ignored). The queries see one snapshot (a
// read-only transaction, exported to the parallel parts: see runParts), so
// the figures agree with each other even while the facts job runs. The
// created and solved cohorts, the days and the per-rep tickets come from
// the daily rollups once the facts job has built them for the zone, else
// from the facts. The result may be shared with other callers: do not
// modify it.
func (s *Store) Dashboard(ctx context.Context, f Filter) (Dashboard, error) {
	f.Zone = s.zone
	if err := f.Validate(); err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Filter: f}
	readOnly := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return d, fmt.Errorf("dashboard: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	now := s.now()
	from, to, team := f.start(), f.end(), f.TeamID
	var rebuiltTo int64
	var rollupZone *string
	if err := tx.QueryRow(ctx, sqlAsOf).Scan(&d.AsOf, &rebuiltTo, &rollupZone); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Dashboard{}, fmt.Errorf("dashboard as of: %w", err)
	}
	rollups := !s.noRollups && rollupZone != nil && *rollupZone == s.zone.String()
	key := cacheKey{from: f.From.Format(time.DateOnly), to: f.To.Format(time.DateOnly), zone: f.zone().String(),
		team: team, rebuiltTo: rebuiltTo, minute: now.Unix() / 60, rollups: rollups, exactLimit: s.exactLimit}
	if d.AsOf != nil {
		key.asOf = *d.AsOf
	}
	if cached, ok := s.cache.get(key); ok && !s.noCache {
		return cached, nil
	}
	if _, err := tx.Exec(ctx, sqlDashboardSettings); err != nil {
		return Dashboard{}, fmt.Errorf("dashboard settings: %w", err)
	}

	// Over the facts: three parts of about equal work, run side by side.
	// From the rollups: two small parts, one after the other (a second
	// connection and snapshot would cost more than the second part). They
	// write different fields of d and lock reps.
	reps := &repRows{rows: map[int64]*RepRow{}}
	others := func(tx pgx.Tx) error {
		if err := s.backlog(ctx, tx, sqlBacklog, team, &d); err != nil {
			return err
		}
		if err := s.escalations(ctx, tx, from, to, team, &d, reps); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, sqlOpenLoops, now, team).Scan(&d.OpenLoops, &d.OverdueLoops); err != nil {
			return err
		}
		if err := s.followUps(ctx, tx, from, to, team, now, &d, reps); err != nil {
			return err
		}
		return s.csat(ctx, tx, from, to, team, &d, reps)
	}
	parts := []func(tx pgx.Tx) error{
		func(tx pgx.Tx) error { return s.createdCohort(ctx, tx, from, to, team, &d) },
		func(tx pgx.Tx) error {
			if err := s.createdPerOwner(ctx, tx, from, to, team, reps); err != nil {
				return err
			}
			return s.daily(ctx, tx, f, &d)
		},
		func(tx pgx.Tx) error {
			if err := s.solvedCohort(ctx, tx, from, to, team, &d, reps); err != nil {
				return err
			}
			return others(tx)
		},
	}
	if rollups {
		parts = []func(tx pgx.Tx) error{
			func(tx pgx.Tx) error {
				if err := s.fromRollups(ctx, tx, f, now, &d, reps); err != nil {
					return err
				}
				if d.Created+d.Solved > s.exactLimit {
					return nil
				}
				// Few tickets: their exact percentiles cost less than a glance.
				// The queries set every figure the rollups did, for the same owners.
				d.Approximate = false
				if err := s.createdCohort(ctx, tx, from, to, team, &d); err != nil {
					return err
				}
				if err := s.createdPerOwner(ctx, tx, from, to, team, reps); err != nil {
					return err
				}
				return s.solvedCohort(ctx, tx, from, to, team, &d, reps)
			},
			func(tx pgx.Tx) error {
				if err := s.backlog(ctx, tx, sqlBacklogRollup, team, &d); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, sqlOpenLoops, now, team).Scan(&d.OpenLoops, &d.OverdueLoops); err != nil {
					return err
				}
				return s.rollupReasons(ctx, tx, f, &d)
			},
		}
	}
	run := s.runParts
	if rollups {
		run = sequential
	}
	if err := run(ctx, tx, parts); err != nil {
		return Dashboard{}, fmt.Errorf("dashboard: %w", err)
	}
	if err := s.names(ctx, tx, &d, reps); err != nil {
		return Dashboard{}, fmt.Errorf("dashboard names: %w", err)
	}
	s.cache.put(key, d)
	return d, nil
}

// runParts runs the parts of a dashboard: in parallel, each in its own
// transaction on tx's snapshot, when this store is not already doing so for
// another dashboard; otherwise one after the other in tx. Only one dashboard
// at a time takes extra connections, so dashboards cannot starve the pool
// waiting for each other's connections.
func (s *Store) runParts(ctx context.Context, tx pgx.Tx, parts []func(pgx.Tx) error) error {
	select {
	case s.parallel <- struct{}{}:
		defer func() { <-s.parallel }()
	default:
		return sequential(ctx, tx, parts)
	}
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return fmt.Errorf("export snapshot: %w", err)
	}
	txs := []pgx.Tx{tx}
	for range parts[1:] {
		other, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer func() { _ = other.Rollback(context.WithoutCancel(ctx)) }()
		if _, err := other.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			return fmt.Errorf("import snapshot: %w", err)
		}
		if _, err := other.Exec(ctx, sqlDashboardSettings); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
		txs = append(txs, other)
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = part(txs[i]) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sequential runs parts one after the other in tx.
func sequential(_ context.Context, tx pgx.Tx, parts []func(pgx.Tx) error) error {
	for _, part := range parts {
		if err := part(tx); err != nil {
			return err
		}
	}
	return nil
}

// repRows gathers the per-rep table from queries running in parallel.
type repRows struct {
	mu   sync.Mutex
	rows map[int64]*RepRow
}

// update changes id's row, made on first use; id 0 (no owner) has none. fn
// runs before update returns, so it may read its caller's scan variables.
func (r *repRows) update(id int64, fn func(*RepRow)) {
	if id == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	row, ok := r.rows[id]
	if !ok {
		row = &RepRow{UserID: id}
		r.rows[id] = row
	}
	fn(row)
}

// seconds turns a nullable count of seconds into a duration.
func seconds(s *int32) time.Duration {
	if s == nil {
		return 0
	}
	return time.Duration(*s) * time.Second
}

func secondsPtr(s *int32) *time.Duration {
	if s == nil {
		return nil
	}
	d := seconds(s)
	return &d
}

// spreadOf reads the [median, p90] array of percentile_disc (nil without values).
func spreadOf(n int, p []*int32) Spread {
	sp := Spread{N: n}
	if len(p) == 2 {
		sp.Median, sp.P90 = seconds(p[0]), seconds(p[1])
	}
	return sp
}

func (s *Store) createdCohort(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard) error {
	var fr, esc []*int32
	fm, nm, rm := SLATarget{Target: TargetFirstResponse}, SLATarget{Target: TargetNextResponse}, SLATarget{Target: TargetResolution}
	err := tx.QueryRow(ctx, sqlCreatedCohort, from, to, team).Scan(&d.Created, &d.FirstResponse.N, &fr,
		&d.Escalated, &d.EscalationTime.N, &esc, &d.Reopens, &d.Solves,
		&fm.Met, &fm.Breached, &nm.Met, &nm.Breached, &rm.Met, &rm.Breached)
	if err != nil {
		return err
	}
	d.FirstResponse, d.EscalationTime = spreadOf(d.FirstResponse.N, fr), spreadOf(d.EscalationTime.N, esc)
	d.SLA = []SLATarget{fm, nm, rm}
	return nil
}

func (s *Store) createdPerOwner(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, reps *repRows) error {
	rows, err := tx.Query(ctx, sqlCreatedPerOwner, from, to, team)
	if err != nil {
		return err
	}
	var owner int64
	var median *int32
	_, err = pgx.ForEachRow(rows, []any{&owner, &median}, func() error {
		reps.update(owner, func(r *RepRow) { r.FirstResponse = secondsPtr(median) })
		return nil
	})
	return err
}

func (s *Store) solvedCohort(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard, reps *repRows) error {
	rows, err := tx.Query(ctx, sqlSolvedCohort, from, to, team)
	if err != nil {
		return err
	}
	var perOwner bool
	var owner int64
	var solved, leadN int
	var lead []*int32
	_, err = pgx.ForEachRow(rows, []any{&perOwner, &owner, &solved, &leadN, &lead}, func() error {
		if perOwner {
			var median *time.Duration
			if len(lead) == 2 {
				median = secondsPtr(lead[0])
			}
			reps.update(owner, func(r *RepRow) { r.Handled, r.LeadTime = solved, median })
			return nil
		}
		d.Solved, d.LeadTime = solved, spreadOf(leadN, lead)
		return nil
	})
	return err
}

func (s *Store) daily(ctx context.Context, tx pgx.Tx, f Filter, d *Dashboard) error {
	rows, err := tx.Query(ctx, sqlDaily, f.start(), f.end(), f.TeamID, f.zone().String())
	if err != nil {
		return err
	}
	byDay := map[time.Time]Day{}
	var day Day
	if _, err := pgx.ForEachRow(rows, []any{&day.Date, &day.Created, &day.Solved}, func() error {
		byDay[day.Date] = day
		return nil
	}); err != nil {
		return err
	}
	first := time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, time.UTC)
	for i := range f.Days() {
		date := first.AddDate(0, 0, i)
		day := byDay[date]
		day.Date = date
		d.Daily = append(d.Daily, day)
	}
	return nil
}

// backlog reads the backlog for team with sql (sqlBacklog or sqlBacklogRollup).
func (s *Store) backlog(ctx context.Context, tx pgx.Tx, sql string, team int64, d *Dashboard) error {
	rows, err := tx.Query(ctx, sql, team)
	if err != nil {
		return err
	}
	type cell struct {
		status   tickets.Status
		priority tickets.Priority
		team     TeamCount
	}
	cells, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cell, error) {
		var c cell
		return c, r.Scan(&c.status, &c.priority, &c.team.TeamID, &c.team.Name, &c.team.N)
	})
	if err != nil {
		return err
	}
	b := Backlog{}
	for _, st := range []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending, tickets.StatusOnHold} {
		b.ByStatus = append(b.ByStatus, StatusCount{Status: st})
	}
	for p := tickets.PriorityUrgent; p >= tickets.PriorityLow; p-- {
		b.ByPriority = append(b.ByPriority, PriorityCount{Priority: p})
	}
	teams := map[int64]int{}
	for _, c := range cells {
		b.Total += c.team.N
		for i := range b.ByStatus {
			if b.ByStatus[i].Status == c.status {
				b.ByStatus[i].N += c.team.N
			}
		}
		for i := range b.ByPriority {
			if b.ByPriority[i].Priority == c.priority {
				b.ByPriority[i].N += c.team.N
			}
		}
		i, ok := teams[c.team.TeamID]
		if !ok {
			i = len(b.ByTeam)
			teams[c.team.TeamID] = i
			b.ByTeam = append(b.ByTeam, TeamCount{TeamID: c.team.TeamID, Name: c.team.Name})
		}
		b.ByTeam[i].N += c.team.N
	}
	slices.SortFunc(b.ByTeam, func(a, b TeamCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name), cmp.Compare(a.TeamID, b.TeamID))
	})
	d.Backlog = b
	return nil
}

func (s *Store) escalations(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, d *Dashboard, reps *repRows) error {
	rows, err := tx.Query(ctx, sqlEscalations, from, to, team)
	if err != nil {
		return err
	}
	var byReason bool
	var reason string
	var user int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&byReason, &reason, &user, &n}, func() error {
		if byReason {
			d.Reasons = append(d.Reasons, ReasonCount{Reason: reason, N: n})
		} else {
			reps.update(user, func(r *RepRow) { r.EscalationsRaised = n })
		}
		return nil
	}); err != nil {
		return err
	}
	sortReasons(d.Reasons)
	return nil
}

// sortReasons puts the most given reason first.
func sortReasons(r []ReasonCount) {
	slices.SortFunc(r, func(a, b ReasonCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason)) })
}

func (s *Store) followUps(ctx context.Context, tx pgx.Tx, from, to time.Time, team int64, now time.Time, d *Dashboard, reps *repRows) error {
	rows, err := tx.Query(ctx, sqlRepFollowUps, from, to, team, now)
	if err != nil {
		return err
	}
	var id int64
	var due, onTime int
	_, err = pgx.ForEachRow(rows, []any{&id, &due, &onTime}, func() error {
		reps.update(id, func(r *RepRow) { r.FollowUpsDue, r.FollowUpsOnTime = due, onTime })
		d.FollowUpsDue += due
		d.FollowUpsOnTime += onTime
		return nil
	})
	return err
}

// names names the per-rep rows and sorts them by name.
func (s *Store) names(ctx context.Context, tx pgx.Tx, d *Dashboard, reps *repRows) error {
	ids := make([]int64, 0, len(reps.rows))
	for id := range reps.rows {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, sqlNames, ids)
	if err != nil {
		return err
	}
	var id int64
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		reps.rows[id].Name = name
		return nil
	}); err != nil {
		return err
	}
	d.Reps = make([]RepRow, 0, len(reps.rows))
	for _, r := range reps.rows {
		d.Reps = append(d.Reps, *r)
	}
	slices.SortFunc(d.Reps, func(a, b RepRow) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID)) })
	return nil
}
