package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// The floor of a page is the SQL it runs, timed alone: the same statements
// with the same kind of arguments, one after another on one connection of
// the bench's own pool (prepared and cached like the server's pgx pool, so
// the plan cache makes the same generic-or-custom choice).

// iterState carries values from one statement of an iteration to the next.
type iterState struct {
	id           int64
	customerID   int64
	match, index string  // the search words' tsqueries (tickets.SearchStatements.ReadQuery)
	newest       int64   // the newest ticket's id (ReadQuery)
	words        []int64 // the search's word matches, newest first
	ids          []int64
}

// floorStmt is one statement of a page (or, with run, one store call).
type floorStmt struct {
	name    string
	sql     string
	hot     bool // EXPLAINed with -explain
	args    func(w *worker, s *iterState) []any
	perID   bool                        // run once for each of s.ids, with s.id set
	custom  bool                        // the app runs it unprepared, planned for its values (pgx.QueryExecModeExec)
	setting string                      // "name = value" the app sets (SET LOCAL) for this statement
	collect func(v []any, s *iterState) // reads each result row
	run     func(ctx context.Context, w *worker) error
	when    func(s *iterState) bool // nil: always; else the page runs it only when true
}

type floorSpec struct {
	prepare func(w *worker, s *iterState)
	stmts   []floorStmt
	custom  *floorStmt
}

type floorResult struct {
	total stats
	each  []stmtStats
	err   error
}

type stmtStats struct {
	name string
	stats
}

// floorStores are the in-process stores the create and dashboard floors call.
type floorStores struct {
	tickets *tickets.Store
	reports *reports.Store
}

// runFloor times spec for about d (at most maxIter iterations), cycling
// through the workers for their users and ids, after a warm-up long enough
// for the plan cache to settle on its plan (it decides at the sixth run).
func runFloor(ctx context.Context, pool *pgxpool.Pool, spec floorSpec, workers []*worker, d time.Duration, maxIter int) floorResult {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return floorResult{err: err}
	}
	defer conn.Release()
	stmts := spec.stmts
	if spec.custom != nil {
		stmts = []floorStmt{*spec.custom}
	}
	each := make([][]time.Duration, len(stmts))
	var totals []time.Duration
	var st iterState
	one := func(w *worker, record bool) error {
		if spec.prepare != nil {
			spec.prepare(w, &st)
		}
		start := time.Now()
		for i, s := range stmts {
			t := time.Now()
			if s.when != nil && !s.when(&st) {
				continue
			}
			if s.run != nil {
				if err := s.run(ctx, w); err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
			} else {
				runs := []int64{0}
				if s.perID {
					runs = st.ids
				}
				for _, id := range runs {
					st.id = id
					if err := query(ctx, conn.Conn(), s, w, &st); err != nil {
						return err
					}
				}
				if s.perID && len(st.ids) > 0 {
					// restore the page's own id for any later statement
					st.id = st.ids[0]
				}
			}
			if record {
				each[i] = append(each[i], time.Since(t))
			}
		}
		if record {
			totals = append(totals, time.Since(start))
		}
		return nil
	}
	for i := range 6 {
		if err := one(workers[i%len(workers)], false); err != nil {
			return floorResult{err: err}
		}
	}
	deadline := time.Now().Add(d)
	for i := 0; i < maxIter && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		if err := one(workers[i%len(workers)], true); err != nil {
			return floorResult{err: err}
		}
	}
	res := floorResult{total: summarize(totals)}
	for i, s := range stmts {
		name := s.name
		res.each = append(res.each, stmtStats{name: name, stats: summarize(each[i])})
	}
	return res
}

// query runs one statement and reads its rows.
func query(ctx context.Context, conn *pgx.Conn, s floorStmt, w *worker, st *iterState) error {
	if s.setting != "" {
		if _, err := conn.Exec(ctx, "SET "+s.setting); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "RESET "+strings.SplitN(s.setting, " ", 2)[0]) }()
	}
	args := s.args(w, st)
	if s.custom {
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	rows, err := conn.Query(ctx, s.sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	for rows.Next() {
		if s.collect != nil {
			v, err := rows.Values()
			if err != nil {
				rows.Close()
				return fmt.Errorf("%s: %w", s.name, err)
			}
			s.collect(v, st)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}
