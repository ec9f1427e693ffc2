package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter reads, from /proc, the CPU time used by the server process, by
// the database's processes (the postmaster's children) and by the bench
// itself. CPU per request does not depend on what else the machine runs,
// so it says what the pages cost where latency figures are noisy.
type cpuMeter struct {
	serverPid     int
	postmasterPid int // 0 when the database is not a local process
}

type cpuSample struct {
	server, db, bench time.Duration
}

// clockTick is the unit of /proc/<pid>/stat times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

func newCPUMeter(ctx context.Context, pool *pgxpool.Pool, serverPid int) *cpuMeter {
	m := &cpuMeter{serverPid: serverPid}
	var backend int
	if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err == nil {
		if ppid, _, ok := procStat(backend); ok && procComm(ppid) == "postgres" {
			m.postmasterPid = ppid
		}
	}
	return m
}

func (m *cpuMeter) sample() cpuSample {
	if m == nil {
		return cpuSample{}
	}
	var s cpuSample
	if _, t, ok := procStat(m.serverPid); ok {
		s.server = t
	}
	if m.postmasterPid != 0 {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			pid, err := strconv.Atoi(filepath.Base(d))
			if err != nil {
				continue
			}
			if ppid, t, ok := procStat(pid); ok && (ppid == m.postmasterPid || pid == m.postmasterPid) {
				s.db += t
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

func (a cpuSample) sub(b cpuSample) cpuSample {
	return cpuSample{server: a.server - b.server, db: a.db - b.db, bench: a.bench - b.bench}
}

// procStat returns a process's parent and its user+system CPU time.
func procStat(pid int) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	// "pid (comm) state ppid ..." where comm may hold spaces and parentheses.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(utime+stime) * clockTick, true
}

func procComm(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// pgStatements reads pg_stat_statements, when the database has it loaded,
// to say which statements a page's database time goes to.
type pgStatements struct {
	pool *pgxpool.Pool
}

// stmtCost is one statement's share of a scenario's database time.
type stmtCost struct {
	query       string
	calls       int64
	totalMillis float64
	maxMillis   float64
}

func newPGStatements(ctx context.Context, pool *pgxpool.Pool) *pgStatements {
	var usable bool
	err := pool.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')
       AND current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'`).Scan(&usable)
	if err != nil || !usable {
		return nil
	}
	return &pgStatements{pool: pool}
}

func (p *pgStatements) reset(ctx context.Context) {
	if p != nil {
		_, _ = p.pool.Exec(ctx, `SELECT pg_stat_statements_reset()`)
	}
}

// top returns the n statements that took the most execution time since reset.
func (p *pgStatements) top(ctx context.Context, n int) []stmtCost {
	if p == nil {
		return nil
	}
	rows, err := p.pool.Query(ctx, `
SELECT regexp_replace(query, '\s+', ' ', 'g'), calls, total_exec_time, max_exec_time
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%pg_stat_statements%'
ORDER BY total_exec_time DESC LIMIT $1`, n)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []stmtCost
	for rows.Next() {
		var c stmtCost
		if rows.Scan(&c.query, &c.calls, &c.totalMillis, &c.maxMillis) == nil {
			out = append(out, c)
		}
	}
	return out
}
