package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// explainScenario prints EXPLAIN (ANALYZE, BUFFERS) of a scenario's hot
// statements. Each is PREPAREd and executed five times first, so the plan
// shown is the one the server's cached prepared statement runs (Postgres
// picks between a generic and a custom plan at the sixth execution).
func explainScenario(ctx context.Context, pool *pgxpool.Pool, out io.Writer, sc scenario, w *worker) error {
	if sc.explain != nil {
		return sc.explain(ctx, pool, out, w)
	}
	if sc.floor.custom != nil {
		return nil
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var st iterState
	if sc.floor.prepare != nil {
		sc.floor.prepare(w, &st)
	}
	for _, s := range sc.floor.stmts {
		if s.perID || s.run != nil || (s.when != nil && !s.when(&st)) {
			continue
		}
		if s.hot {
			if s.setting != "" {
				if _, err := conn.Exec(ctx, "SET "+s.setting); err != nil {
					return fmt.Errorf("explain %s: %w", s.name, err)
				}
			}
			plan, err := explain(ctx, conn.Conn(), s.sql, s.args(w, &st), s.custom)
			if s.setting != "" {
				if _, err := conn.Exec(ctx, "RESET "+strings.SplitN(s.setting, " ", 2)[0]); err != nil {
					return fmt.Errorf("explain %s: %w", s.name, err)
				}
			}
			if err != nil {
				return fmt.Errorf("explain %s: %w", s.name, err)
			}
			fmt.Fprintf(out, "\n--- %s: %s (as %s, team %d)\n%s", sc.name, s.name, w.user.email, w.user.teamID, plan)
		}
		if err := query(ctx, conn.Conn(), s, w, &st); err != nil {
			return err
		}
	}
	return nil
}

// explain shows the plan the app gets: a prepared statement's after five
// runs (pgx caches statements), or for custom statements, which the app runs
// unprepared, the plan for these values (plan_cache_mode force_custom_plan).
func explain(ctx context.Context, conn *pgx.Conn, sql string, args []any, custom bool) (string, error) {
	lits := make([]string, len(args))
	for i, a := range args {
		l, err := literal(a)
		if err != nil {
			return "", err
		}
		lits[i] = l
	}
	exec := "EXECUTE loadbench_explain"
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	if custom {
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_custom_plan"); err != nil {
			return "", err
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "RESET plan_cache_mode") }()
	}
	if _, err := conn.Exec(ctx, "PREPARE loadbench_explain AS "+sql); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "DEALLOCATE loadbench_explain") }()
	for range 5 {
		if _, err := conn.Exec(ctx, exec); err != nil {
			return "", err
		}
	}
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+exec, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// literal renders a statement argument as SQL for EXECUTE.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32) + "::real", nil
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case []int64:
		s := make([]string, len(x))
		for i, n := range x {
			s[i] = strconv.FormatInt(n, 10)
		}
		return "'{" + strings.Join(s, ",") + "}'", nil
	case *int:
		if x == nil {
			return "NULL", nil
		}
		return strconv.Itoa(*x), nil
	case []string:
		s := make([]string, len(x))
		for i, w := range x {
			s[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'"
		}
		return "ARRAY[" + strings.Join(s, ", ") + "]::text[]", nil
	}
	return "", fmt.Errorf("loadbench: no SQL literal for %T", v)
}
