package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// breachOptions shape the SLA breach storm: n open tickets whose first
// response deadlines fall, evenly spread over spread, starting lead after
// they are inserted.
type breachOptions struct {
	tickets int
	lead    time.Duration
	spread  time.Duration
	timeout time.Duration // how long after the last deadline to wait for firings
}

// The storm's tickets: urgent complaints under a policy of their own.
const (
	breachPriority = int16(tickets.PriorityUrgent)
	breachCategory = "complaint"
	breachFirst    = 60 * time.Minute  // first response target
	breachResolve  = 480 * time.Minute // resolution target
	breachDelay    = 60 * time.Minute  // supervisor delay
	breachAtRisk   = 75                // percent
)

// ensureBreachPolicy stores the storm's SLA policy with plain SQL:
// escalation.SavePolicy would also recompute the clock of every open urgent
// ticket of the base data, which is not what this measures.
func ensureBreachPolicy(ctx context.Context, pool *pgxpool.Pool, breachTeam int64) (int64, error) {
	var id int64
	err := pool.QueryRow(ctx, `
INSERT INTO sla_policies (name, priority, category, first_response_minutes, next_response_minutes, resolution_minutes,
                          at_risk_percent, breach_team_id, supervisor_delay_minutes)
VALUES ('Loadbench urgent complaints', $1, $2, $3, $3, $4, $5, $6, $7)
ON CONFLICT (priority, category) DO UPDATE SET first_response_minutes = EXCLUDED.first_response_minutes,
    resolution_minutes = EXCLUDED.resolution_minutes, at_risk_percent = EXCLUDED.at_risk_percent,
    breach_team_id = EXCLUDED.breach_team_id, supervisor_delay_minutes = EXCLUDED.supervisor_delay_minutes
RETURNING id`, breachPriority, breachCategory, int(breachFirst/time.Minute), int(breachResolve/time.Minute),
		breachAtRisk, breachTeam, int(breachDelay/time.Minute)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sla policy: %w", err)
	}
	return id, nil
}

type breachTicket struct {
	id      int64
	due     time.Time
	created time.Time
}

// insertBreachTickets inserts the storm in one transaction: the tickets with
// their SLA clocks set, each one's first message, the at-risk firings (that
// level fired 15 minutes before the deadline, as it would have), and the
// River sla_check jobs escalation would have scheduled, one per deadline:
// the first response's, having fired its at-risk level, snoozed until the
// deadline; the resolution's at its at-risk point.
func insertBreachTickets(ctx context.Context, pool *pgxpool.Pool, g *generator, cache lexemeCache, desk benchDesk, policyID int64, o breachOptions) ([]breachTicket, time.Duration, int, error) {
	start := time.Now()
	var ids []int64
	rows, err := pool.Query(ctx, `SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, $1)`, o.tickets)
	if err != nil {
		return nil, 0, 0, err
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, 0, 0, fmt.Errorf("reserve ticket ids: %w", err)
	}
	slices.Sort(ids)
	t0 := time.Now()
	list := make([]breachTicket, len(ids))
	for k, id := range ids {
		due := t0.Add(o.lead + time.Duration(int64(o.spread)*int64(k)/int64(max(1, len(ids)-1)))).Truncate(time.Microsecond).UTC()
		list[k] = breachTicket{id: id, due: due, created: due.Add(-breachFirst)}
	}
	var tier1 []benchTeam
	for _, t := range desk.teams {
		if t.tier == 1 {
			tier1 = append(tier1, t)
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	// Tickets and their first messages, the text generated like the base data.
	vb := newVectorBuilder(cache)
	var td ticketData
	k := -1
	cols := append(slices.Clone(ticketColumns), "sla_policy_id", "first_response_due", "resolution_due", "next_due")
	var row [22]any
	var msgs [][]any
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"tickets"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		k++
		if k >= len(list) {
			return nil, nil
		}
		b := list[k]
		g.ticket(int64(k%max(g.tickets, 1))+1, &td)
		td.messages = td.messages[:1]
		team := tier1[k%len(tier1)]
		owner := team.reps[(k/len(tier1))%len(team.reps)]
		vec, err := vb.ticketVector(&td)
		if err != nil {
			return nil, err
		}
		resolution := b.created.Add(breachResolve)
		row = [22]any{b.id, td.subject(), string(tickets.StatusOpen), breachPriority, breachCategory, td.channel,
			td.customerID, team.id, owner, owner, td.orderRef, []string{}, pgtype.TSVector{Lexemes: slices.Clone(vec.Lexemes), Valid: true},
			b.created, t0, nil, nil, nil, policyID, b.due, resolution, b.due}
		msgs = append(msgs, []any{b.id, "public", nil, td.customerID, td.body(td.messages[0]), b.created})
		return row[:], nil
	}))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("copy breach tickets: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"messages"},
		[]string{"ticket_id", "kind", "author_user_id", "author_customer_id", "body", "created_at"}, pgx.CopyFromRows(msgs)); err != nil {
		return nil, 0, 0, fmt.Errorf("copy breach messages: %w", err)
	}
	firings := make([][]any, len(list))
	for i, b := range list {
		firings[i] = []any{b.id, "first_response", b.due, escalation.LevelAtRisk, b.due.Add(-breachFirst * (100 - breachAtRisk) / 100)}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sla_firings"}, []string{"ticket_id", "target", "due_at", "level", "fired_at"},
		pgx.CopyFromRows(firings)); err != nil {
		return nil, 0, 0, fmt.Errorf("copy at-risk firings: %w", err)
	}

	// The jobs, inserted the way escalation inserts them: SLAArgs with its
	// InsertOpts (queue sla, unique by args) and ScheduledAt at the deadline's
	// next level.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, 0, 0, err
	}
	var params []river.InsertManyParams
	add := func(id int64, target string, due time.Time, at time.Time) {
		args := escalation.SLAArgs{TicketID: id, Target: target, Due: due.UTC()}
		opts := args.InsertOpts()
		opts.ScheduledAt = at
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: &opts})
	}
	for _, b := range list {
		add(b.id, "first_response", b.due, b.due)
		res := b.created.Add(breachResolve)
		add(b.id, "resolution", res, b.created.Add(breachResolve*breachAtRisk/100))
	}
	n, err := jobs.InsertManyFastTx(ctx, tx, params)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("insert sla jobs: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, 0, 0, err
	}
	// In the desk these rows arrive as the tickets do, an hour before the
	// deadlines, and autovacuum has analyzed them long before the storm. Bulk
	// loaded, river_job would look empty to the planner: River's scheduler
	// query then ran for over 30 s and timed out (twice in one trial run),
	// delaying every breach by about a minute.
	if _, err := pool.Exec(ctx, `ANALYZE river_job, sla_firings`); err != nil {
		return nil, 0, 0, fmt.Errorf("analyze: %w", err)
	}
	return list, time.Since(start), n, nil
}

// runBreach runs the storm against the running server: it inserts the
// tickets, drives the queue page while the deadlines pass, and reports how
// late each breach fired and escalated.
func runBreach(ctx context.Context, pool *pgxpool.Pool, out io.Writer, g *generator, cache lexemeCache, desk benchDesk,
	workers []*worker, o breachOptions, maxRequests int, rate float64, log *slog.Logger) error {
	policyID, err := ensureBreachPolicy(ctx, pool, desk.specialists.id)
	if err != nil {
		return err
	}
	list, took, jobs, err := insertBreachTickets(ctx, pool, g, cache, desk, policyID, o)
	if err != nil {
		return err
	}
	first, last := list[0], list[len(list)-1]
	fmt.Fprintf(out, "\nSLA breach storm: %s open urgent tickets, first-response deadlines from %s to %s after insert\n",
		thousands(int64(len(list))), o.lead, o.lead+o.spread)
	fmt.Fprintf(out, "  inserted in %s: tickets, first messages, at-risk firings, %s River sla_check jobs; first deadline %s after commit\n",
		round(took), thousands(int64(jobs)), round(time.Until(first.due)))
	log.Info("loadbench: breach tickets inserted", "tickets", len(list), "first_due_in", round(time.Until(first.due)))

	// The queue page, driven from just before the first deadline until every
	// breach has fired (or the timeout).
	if wait := time.Until(first.due) - time.Second; wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	stop := make(chan struct{})
	stopLoad := sync.OnceFunc(func() { close(stop) })
	defer stopLoad()
	queue := scenarios(&floorStores{}, dashPlan{})[0]
	window := time.Until(last.due) + o.timeout
	type loadResult struct {
		elapsed  time.Duration
		errs     int
		firstErr string
		lat      [][]time.Duration
	}
	done := make(chan loadResult, 1)
	go func() {
		lat := make([][]time.Duration, len(workers))
		el, errs, firstErr, _ := loop(ctx, stop, queue, workers, window, maxRequests, rate, lat)
		done <- loadResult{el, errs, firstErr, lat}
	}()

	lo, hi := first.id, last.id
	deadline := time.Now().Add(window)
	lastLog := time.Now()
	for {
		var fired int
		if err := pool.QueryRow(ctx, `
SELECT count(*) FROM sla_firings
WHERE ticket_id BETWEEN $1 AND $2 AND target = 'first_response' AND level = 'breached'`, lo, hi).Scan(&fired); err != nil {
			return fmt.Errorf("count firings: %w", err)
		}
		if fired >= len(list) || time.Now().After(deadline) {
			break
		}
		if time.Since(lastLog) > 10*time.Second {
			log.Info("loadbench: breach storm", "fired", fired, "of", len(list))
			lastLog = time.Now()
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	stopLoad()
	lr := <-done

	// Per ticket: the breach firing and the SLA escalation, against the deadline.
	rows, err := pool.Query(ctx, `
SELECT t.first_response_due, f.fired_at, e.requested_at
FROM tickets t
LEFT JOIN sla_firings f ON f.ticket_id = t.id AND f.target = 'first_response' AND f.level = 'breached'
                        AND f.due_at = t.first_response_due
LEFT JOIN LATERAL (SELECT min(requested_at) AS requested_at FROM escalations
                   WHERE ticket_id = t.id AND reason = 'sla_breach') e ON true
WHERE t.id BETWEEN $1 AND $2 AND t.sla_policy_id = $3`, lo, hi, policyID)
	if err != nil {
		return fmt.Errorf("read breach results: %w", err)
	}
	var firedDelays, escDelays []time.Duration
	within := 0
	var due time.Time
	var firedAt, escAt *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&due, &firedAt, &escAt}, func() error {
		if firedAt != nil {
			firedDelays = append(firedDelays, firedAt.Sub(due))
		}
		if escAt != nil {
			d := escAt.Sub(due)
			escDelays = append(escDelays, d)
			if d <= time.Minute {
				within++
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read breach results: %w", err)
	}
	fd, ed := summarize(firedDelays), summarize(escDelays)
	n := len(list)
	fmt.Fprintf(out, "  breached firings: %s of %s; delay deadline -> sla_firings.fired_at: p50 %s  p95 %s  max %s\n",
		thousands(int64(fd.n)), thousands(int64(n)), round(fd.p50), round(fd.p95), round(fd.max))
	fmt.Fprintf(out, "  SLA escalations:  %s of %s; delay deadline -> escalations.requested_at: p50 %s  p95 %s  max %s\n",
		thousands(int64(ed.n)), thousands(int64(n)), round(ed.p50), round(ed.p95), round(ed.max))
	fmt.Fprintf(out, "  escalated within 60 s of the deadline: %s of %s (%.1f%%)\n", thousands(int64(within)), thousands(int64(n)),
		100*float64(within)/float64(max(n, 1)))
	var all []time.Duration
	for _, l := range lr.lat {
		all = append(all, l...)
	}
	qs := summarize(all)
	pace := "closed loop"
	if rate > 0 {
		pace = fmt.Sprintf("paced at %.0f req/s", rate)
	}
	fmt.Fprintf(out, "  queue page during the storm (%d workers, %s, %s): %s requests, %.0f req/s, p50 %s  p95 %s  p99 %s  max %s, errors %d\n",
		len(workers), pace, round(lr.elapsed), thousands(int64(qs.n)), float64(qs.n)/lr.elapsed.Seconds(), ms(qs.p50), ms(qs.p95), ms(qs.p99), ms(qs.max), lr.errs)
	if lr.firstErr != "" {
		fmt.Fprintf(out, "    first error: %s\n", lr.firstErr)
	}

	// What River made of the storm's jobs.
	rows, err = pool.Query(ctx, `
SELECT args->>'target', state::text, count(*) FROM river_job
WHERE kind = 'sla_check' AND (args->>'ticket_id')::bigint BETWEEN $1 AND $2
GROUP BY 1, 2 ORDER BY 1, 2`, lo, hi)
	if err != nil {
		return fmt.Errorf("river job states: %w", err)
	}
	var target, state string
	var count int64
	line := "  River sla_check jobs of the storm (one per deadline; a job that fired a level and waits for the next is scheduled):"
	if _, err := pgx.ForEachRow(rows, []any{&target, &state, &count}, func() error {
		line += fmt.Sprintf(" %s/%s %s;", target, state, thousands(count))
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, line)
	return nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second || d <= -10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second || d <= -time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(100 * time.Microsecond)
	}
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// thousands formats n with thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
