// Command loadbench loads a big desk (a million tickets by default) with COPY,
// then drives the real server over loopback and reports latency percentiles
// and throughput per page beside the time of the SQL each page runs.
//
//	go run ./cmd/loadbench                  # 1M tickets, 10 s per page, throwaway cluster
//	go run ./cmd/loadbench -small           # 20,000 tickets, 3 s per page
//	go run ./cmd/loadbench -explain -breach # plus the plans and the SLA breach storm
//	go run ./cmd/loadbench -breach -scenarios=false
//	go run ./cmd/loadbench -only dashboard  # the dashboard views alone
//	go run ./cmd/loadbench -database-url $URL -keep -rate 50
//	go run ./cmd/loadbench -crash           # kill -9 the server 5 times during /help intake
//
// Pages: the queue (a team's open tickets, 50 rows), a ticket, search (an
// English word, Vietnamese typed without diacritics, a misspelt word that
// is corrected, a ticket number) and
// the rep's intake form, and the supervisor dashboard (30 days, 30 days of
// one team, 90 and 365 days, the CSV download) over the report facts, which
// the load builds as the facts job does. Each gets p50/p95/p99 and req/s, the CPU it cost the
// server and Postgres per request, where Postgres spent its time
// (pg_stat_statements), and its SQL timed alone (the floor). The breach
// storm makes 10,000 SLA deadlines pass within one minute and reports how
// late each breach fired and escalated, and the queue page meanwhile.
// Everything is bounded in time and requests, talks only to 127.0.0.1, and
// the throwaway cluster is stopped and removed at the end.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/devpg"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/reports"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, os.Args[1:], os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	load          loadOptions
	duration      time.Duration
	concurrency   int
	rate          float64
	fixedRate     float64
	maxRequests   int
	databaseURL   string
	keep          bool
	durable       bool
	idle          time.Duration
	explain       bool
	small         bool
	scenarios     bool
	breach        breachOptions
	runBreach     bool
	serverBin     string
	verify        bool
	repsPerTeam   int
	tune          bool
	floorDuration time.Duration
	dashClients   int
	only          *regexp.Regexp
	facts         bool
	runCrash      bool
	crash         crashOptions
	profileDir    string
	encoding      string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.load.tickets, "tickets", 1_000_000, "tickets to load")
	fs.Float64Var(&o.load.msgAvg, "messages", 5, "messages per ticket, on average")
	fs.Float64Var(&o.load.openPercent, "open", 15, "percent of the tickets still open (new, open, pending, on hold), like a busy desk; 1.6 was the old mix")
	fs.IntVar(&o.load.customers, "customers", 0, "customers to load (default: tickets / 5)")
	fs.Uint64Var(&o.load.seed, "seed", 1, "seed of the generated data")
	fs.BoolVar(&o.load.dropIndexes, "drop-indexes", true, "drop the plain indexes during the load and rebuild them after")
	fs.StringVar(&o.load.vectors, "vectors", "go", `how tickets get their search vectors: "go" (composed while copying) or "sql" (UPDATE after the copy)`)
	fs.BoolVar(&o.load.reset, "reset", false, "empty the desk's tables first even if they hold tickets (destroys data!)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.IntVar(&o.concurrency, "concurrency", 8, "workers (HTTP clients) per scenario")
	fs.Float64Var(&o.fixedRate, "fixed-rate", 50, "after each closed-loop run, run the page again at this many requests per second and print its p99 (0: no second run; not for the dashboard views)")
	fs.Float64Var(&o.rate, "rate", 0, "requests per second per scenario, due at fixed intervals (0: closed loop, each worker as fast as the server answers)")
	fs.IntVar(&o.maxRequests, "max-requests", 1_000_000, "at most this many requests per scenario")
	fs.StringVar(&o.databaseURL, "database-url", "", "Postgres to use; empty starts a throwaway cluster in memory (removed at the end)")
	fs.DurationVar(&o.idle, "idle", 10*time.Second, "after the pages, how long the server stays idle before its memory is measured")
	fs.BoolVar(&o.durable, "durable", false, "run the throwaway cluster on disk with production durability (fsync, synchronous_commit and full_page_writes on) instead of in memory with them off")
	fs.BoolVar(&o.keep, "keep", false, "reuse the loaded data when the database already holds a load of this size (what earlier runs created stays)")
	fs.BoolVar(&o.explain, "explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of the hot queries")
	fs.BoolVar(&o.small, "small", false, "a quick run: 20,000 tickets, 3 s per scenario, a 1,000-ticket storm (unless set explicitly)")
	fs.BoolVar(&o.scenarios, "scenarios", true, "run the page scenarios")
	fs.BoolVar(&o.runBreach, "breach", false, "also run the SLA breach storm (after the scenarios; -scenarios=false for the storm alone)")
	fs.IntVar(&o.breach.tickets, "breach-tickets", 10_000, "tickets whose deadlines pass in the storm")
	fs.DurationVar(&o.breach.lead, "breach-lead", 30*time.Second, "time from insert to the first deadline")
	fs.DurationVar(&o.breach.spread, "breach-spread", 60*time.Second, "time over which the deadlines are spread")
	fs.DurationVar(&o.breach.timeout, "breach-timeout", 2*time.Minute, "how long after the last deadline to wait for the breaches")
	fs.StringVar(&o.serverBin, "server-bin", "", "a built cmd/server binary to run (default: go build it)")
	fs.BoolVar(&o.verify, "verify", false, "check the composed search vectors against SQL's, and the word list against the tickets' words (all tickets up to 20,000, else the first 20,000)")
	fs.IntVar(&o.repsPerTeam, "reps", 25, "reps per front-line team")
	fs.BoolVar(&o.tune, "tune", true, "size the throwaway cluster's memory for the machine (shared_buffers, effective_cache_size, WAL) and load pg_stat_statements")
	fs.DurationVar(&o.floorDuration, "floor-duration", 0, "how long to time each page's SQL alone (default: duration / 4, at most 3 s)")
	fs.IntVar(&o.dashClients, "dashboard-clients", 2, "supervisors (HTTP clients) loading the dashboard views at once")
	fs.StringVar(&o.profileDir, "profile", "", "write Go profiles of the server (CPU during each scenario, allocations before and after it) into this directory; the server serves them on a loopback port only for this run")
	fs.StringVar(&o.encoding, "accept-encoding", "", `Accept-Encoding of the page requests: "" for plain pages (the default, as before), or a browser's "gzip, deflate, br, zstd" to include compressing them`)
	only := fs.String("only", "", "run only the scenarios whose name matches this regular expression")
	fs.BoolVar(&o.facts, "facts", true, "bring the report facts up to date after the load, as the facts job does (the dashboard reads them)")
	fs.BoolVar(&o.runCrash, "crash", false, "run the crash test alone: /help intake at a fixed rate while the server is killed with SIGKILL and restarted; every acknowledged ticket must exist exactly once")
	fs.Float64Var(&o.crash.rate, "crash-rate", 20, "crash test: /help posts per second")
	fs.IntVar(&o.crash.kills, "crash-kills", 5, "crash test: how many times the server is killed")
	fs.DurationVar(&o.crash.interval, "crash-interval", 3*time.Second, "crash test: time between kills")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return o, fmt.Errorf("-only: %w", err)
		}
		o.only = re
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.small {
		if !set["tickets"] {
			o.load.tickets = 20_000
		}
		if !set["duration"] {
			o.duration = 3 * time.Second
		}
		if !set["breach-tickets"] {
			o.breach.tickets = 1_000
		}
		if !set["breach-lead"] {
			o.breach.lead = 5 * time.Second
		}
		if !set["breach-spread"] {
			o.breach.spread = 10 * time.Second
		}
	}
	if o.load.customers == 0 {
		o.load.customers = max(1, o.load.tickets/5)
	}
	if o.floorDuration == 0 {
		o.floorDuration = min(o.duration/4, 3*time.Second)
	}
	switch {
	case o.load.tickets < 100:
		return o, errors.New("-tickets must be at least 100")
	case o.load.openPercent < 0 || o.load.openPercent > 100:
		return o, errors.New("-open must be 0..100")
	case o.load.msgAvg < 1:
		return o, errors.New("-messages must be at least 1")
	case o.concurrency < 1 || o.concurrency > 256:
		return o, errors.New("-concurrency must be 1..256")
	case o.duration <= 0 || o.duration > time.Hour:
		return o, errors.New("-duration must be in (0, 1h]")
	case o.rate < 0:
		return o, errors.New("-rate must not be negative")
	case o.maxRequests < 1:
		return o, errors.New("-max-requests must be positive")
	case o.load.vectors != "go" && o.load.vectors != "sql":
		return o, errors.New(`-vectors must be "go" or "sql"`)
	case o.breach.tickets < 1 || o.breach.spread < 0 || o.breach.lead < 0:
		return o, errors.New("-breach-tickets must be positive and the breach times not negative")
	case o.repsPerTeam < 1 || o.repsPerTeam > 200:
		return o, errors.New("-reps must be 1..200")
	case o.dashClients < 1 || o.dashClients > 256:
		return o, errors.New("-dashboard-clients must be 1..256")
	case o.crash.rate <= 0 || o.crash.rate > 1000 || o.crash.kills < 1 || o.crash.kills > 100 || o.crash.interval <= 0:
		return o, errors.New("-crash-rate must be in (0, 1000], -crash-kills 1..100 and -crash-interval positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, out io.Writer, log *slog.Logger) (err error) {
	var waitBuild func() (string, error)
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	if o.runCrash {
		return runCrash(ctx, o, out, log)
	}
	started := time.Now()
	bin := o.serverBin
	if bin == "" && (o.scenarios || o.runBreach) {
		build := buildServer(ctx)
		defer build.cleanup()
		waitBuild = func() (string, error) {
			b, err := build.wait(ctx)
			log.Info("loadbench: built the server", "took", round(build.took))
			return b, err
		}
	}

	dbURL, clusterDir, tuned, stopCluster, err := openCluster(ctx, o, log)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopCluster()) }()

	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool, quietLogger()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	present, complete, err := dataPresent(ctx, pool, o.load.tickets, o.load.customers)
	if err != nil {
		return err
	}
	reuse := o.keep && complete
	if present && !reuse && !o.load.reset {
		return errors.New("the database already holds customers or tickets: use an empty database, -keep to reuse a load of the same size, or -reset to replace them")
	}
	desk, err := ensureDesk(ctx, pool, o.repsPerTeam, log)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	g := newGenerator(o.load.seed, o.load.tickets, o.load.customers, o.load.msgAvg, now, desk.teams)
	g.openShare(o.load.openPercent / 100)
	cache, err := loadLexemes(ctx, pool, vocabulary(g.books))
	if err != nil {
		return err
	}

	var rep loadReport
	switch {
	case reuse:
		rep.skipped = true
		log.Info("loadbench: -keep: reusing the loaded data")
	default:
		log.Info("loadbench: loading", "tickets", o.load.tickets, "customers", o.load.customers, "messages_avg", o.load.msgAvg)
		if rep, err = loadData(ctx, pool, g, cache, o.load, log); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "Loopdesk load bench  (%s)\n", now.Format(time.RFC3339))
	if err := printEnvironment(ctx, pool, out, clusterDir, tuned); err != nil {
		return err
	}
	printLoad(out, rep)
	if o.facts {
		log.Info("loadbench: refreshing the report facts")
		facts, err := buildFacts(ctx, pool, !reuse, log)
		if err != nil {
			return err
		}
		printFacts(out, facts)
	}
	if o.verify {
		to := int64(min(o.load.tickets, 20_000))
		checked, differ, example, err := verifyVectors(ctx, pool, 1, to)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Search vectors checked against SQL: %s tickets, %s differ\n", thousands(checked), thousands(differ))
		if differ > 0 {
			return fmt.Errorf("%d composed search vectors differ from SQL's; first %s", differ, example)
		}
		missing, err := verifyWords(ctx, pool, 1, to)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Word list checked against the same tickets' text: %s words missing\n", thousands(missing))
		if missing > 0 {
			return fmt.Errorf("%d words of the loaded tickets are not in the word list", missing)
		}
	}
	if err := printSizes(ctx, pool, out); err != nil {
		return err
	}
	if !o.scenarios && !o.runBreach {
		return nil
	}

	if bin == "" {
		if bin, err = waitBuild(); err != nil {
			return err
		}
	}
	prof, err := newProfiler(o.profileDir)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, dbURL, bin, prof.env()...)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "\n"+srv.logSummary())
		if stopErr := srv.stop(context.WithoutCancel(ctx)); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop server: %w", stopErr))
		}
	}()
	fmt.Fprintf(out, "Server: %s at %s; %d HTTP clients over loopback; Accept-Encoding %q\n", srv.how, srv.baseURL, o.concurrency, o.encoding)
	startRSS := processRSS(srv.pid)
	if err := prof.heap(ctx, "start"); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			// Idle memory: after start, and after the load with a quiet spell.
			time.Sleep(o.idle)
			rss := processRSS(srv.pid)
			fmt.Fprintf(out, "\nServer memory (target: idle RSS < 40 MB): RSS right after start %s; after the pages and %s idle %s (peak %s)\n",
				mib(startRSS.rss), o.idle, mib(rss.rss), mib(rss.peak))
			fmt.Fprintf(out, "  of which anonymous (Go heap, stacks, runtime) %s after start, %s idle; mapped from the binary %s after start, %s idle\n",
				mib(startRSS.anon), mib(rss.anon), mib(startRSS.file), mib(rss.file))
			err = prof.heap(ctx, "idle")
		}
	}()
	c := newClient(srv.baseURL, o.concurrency)
	c.acceptEncoding = o.encoding
	crew, err := prepareCrews(ctx, pool, c, g, desk, o.concurrency, o.dashClients, int64(o.load.tickets), o.load.seed)
	if err != nil {
		return err
	}

	var failed error // failed requests: reported, and the storm still runs
	if o.scenarios {
		if failed = runScenarios(ctx, pool, out, o, crew, newCPUMeter(ctx, pool, srv.pid), newPGStatements(ctx, pool), prof, log); failed != nil && ctx.Err() != nil {
			return failed
		}
	}
	if o.runBreach {
		if err := runBreach(ctx, pool, out, g, cache, desk, crew.mixed, o.breach, o.maxRequests, o.rate, log); err != nil {
			return errors.Join(failed, fmt.Errorf("breach storm: %w", err))
		}
	}
	if failed != nil {
		return failed
	}
	fmt.Fprintf(out, "\nDone in %s.\n", round(time.Since(started)))
	return nil
}

// memory is a process's resident set now and at its peak (/proc status),
// and now its anonymous part (heap, stacks) and the part mapped from files
// (the binary's code and read-only data).
type memory struct{ rss, peak, anon, file int64 }

func processRSS(pid int) memory {
	var m memory
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			m.rss = kb << 10
		} else if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			m.peak = kb << 10
		} else if _, err := fmt.Sscanf(line, "RssAnon: %d kB", &kb); err == nil {
			m.anon = kb << 10
		} else if _, err := fmt.Sscanf(line, "RssFile: %d kB", &kb); err == nil {
			m.file = kb << 10
		}
	}
	return m
}

func mib(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openCluster returns the database to use: -database-url, or a throwaway
// Fast devpg cluster in memory (with its memory sized for the machine
// unless -tune=false), stopped and removed by stop.
func openCluster(ctx context.Context, o options, log *slog.Logger) (url, dir string, tuned []string, stop func() error, err error) {
	if o.databaseURL != "" {
		return o.databaseURL, "", nil, func() error { return nil }, nil
	}
	if o.durable {
		// On disk, where fsync means something (not tmpfs).
		dir, err = os.MkdirTemp(os.TempDir(), "loopdesk-loadbench-durable-")
	} else {
		dir, err = devpg.TempDataDir("loopdesk-loadbench-")
	}
	if err != nil {
		return "", "", nil, nil, fmt.Errorf("cluster dir: %w", err)
	}
	quiet := quietLogger()
	opts := devpg.Options{DataDir: dir, Logger: quiet, Fast: !o.durable}
	cluster, err := devpg.Start(ctx, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", "", nil, nil, err
	}
	stop = func() error {
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := cluster.Stop(sctx)
		return errors.Join(err, os.RemoveAll(dir))
	}
	defer func() {
		if err != nil {
			_ = stop()
		}
	}()
	log.Info("loadbench: started a throwaway cluster", "dir", dir)
	if o.tune {
		if tuned, err = tuneCluster(ctx, cluster.ConnString("postgres")); err != nil {
			return "", "", nil, nil, err
		}
		// shared_buffers needs a restart.
		if err := cluster.Stop(ctx); err != nil {
			return "", "", nil, nil, err
		}
		if cluster, err = devpg.Start(ctx, opts); err != nil {
			return "", "", nil, nil, err
		}
	}
	conn, err := pgx.Connect(ctx, cluster.ConnString("postgres"))
	if err != nil {
		return "", "", nil, nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE DATABASE loopdesk`); err != nil {
		return "", "", nil, nil, fmt.Errorf("create database: %w", err)
	}
	if o.tune {
		db, err := pgx.Connect(ctx, cluster.ConnString("loopdesk"))
		if err != nil {
			return "", "", nil, nil, err
		}
		_, err = db.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
		db.Close(context.WithoutCancel(ctx))
		if err != nil {
			return "", "", nil, nil, fmt.Errorf("pg_stat_statements: %w", err)
		}
	}
	return cluster.ConnString("loopdesk"), dir, tuned, stop, nil
}

// tuneCluster sizes memory as a dedicated database host's operator would
// for this machine: a quarter of RAM (at most 8 GB) of shared buffers, the
// planner told the OS caches half of RAM, and WAL room for the bulk load;
// and it loads pg_stat_statements to break each page's database time down.
func tuneCluster(ctx context.Context, connString string) ([]string, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ram := totalRAM()
	settings := [][2]string{
		{"shared_buffers", fmt.Sprintf("%dMB", min(ram/4, 8<<30)>>20)},
		{"effective_cache_size", fmt.Sprintf("%dMB", (ram/2)>>20)},
		{"max_wal_size", "16GB"},
		{"checkpoint_timeout", "30min"},
		// Per-statement database time, to say where each page's time goes.
		{"shared_preload_libraries", "pg_stat_statements"},
	}
	var applied []string
	for _, s := range settings {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`ALTER SYSTEM SET %s = '%s'`, s[0], s[1])); err != nil {
			return nil, fmt.Errorf("set %s: %w", s[0], err)
		}
		applied = append(applied, s[0]+"="+s[1])
	}
	return applied, nil
}

// loadAverage is the machine's one-minute load average ("?" when unknown).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func totalRAM() uint64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil || si.Totalram == 0 {
		return 4 << 30
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

func printEnvironment(ctx context.Context, pool *pgxpool.Pool, out io.Writer, clusterDir string, tuned []string) error {
	var version, sb, ecs, wm string
	var maxConns int
	if err := pool.QueryRow(ctx, `SELECT split_part(version(), ' on ', 1), current_setting('shared_buffers'),
       current_setting('effective_cache_size'), current_setting('work_mem'), current_setting('max_connections')::int`).
		Scan(&version, &sb, &ecs, &wm, &maxConns); err != nil {
		return err
	}
	fmt.Fprintf(out, "Machine: %d CPUs, %.1f GiB RAM; %s; load average %s (other work on the machine skews every figure)\n",
		runtime.NumCPU(), float64(totalRAM())/(1<<30), runtime.Version(), loadAverage())
	fmt.Fprintf(out, "Postgres: %s; shared_buffers %s, effective_cache_size %s, work_mem %s, max_connections %d\n",
		version, sb, ecs, wm, maxConns)
	var fsync, syncCommit string
	if err := pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit); err != nil {
		return err
	}
	fmt.Fprintf(out, "  durability: fsync %s, synchronous_commit %s\n", fsync, syncCommit)
	if clusterDir != "" {
		how := "throwaway devpg Fast cluster in %s (fsync, synchronous_commit, full_page_writes off)"
		if fsync == "on" {
			how = "throwaway durable devpg cluster on disk in %s (production durability: fsync, synchronous_commit and full_page_writes on)"
		}
		fmt.Fprintf(out, how, clusterDir)
		if len(tuned) > 0 {
			fmt.Fprintf(out, "; set: %s", strings.Join(tuned, ", "))
		}
		fmt.Fprintln(out)
	}
	return nil
}

func printLoad(out io.Writer, rep loadReport) {
	if rep.skipped {
		fmt.Fprintln(out, "\nLoad: skipped (-keep found the data loaded)")
		return
	}
	fmt.Fprintln(out, "\nLoad:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	var rows int64
	for _, p := range rep.phases {
		rate := ""
		if p.rows > 0 {
			rows += p.rows
			rate = fmt.Sprintf("%s rows/s", thousands(int64(float64(p.rows)/p.took.Seconds())))
		}
		r := ""
		if p.rows > 0 {
			r = thousands(p.rows) + " rows"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", p.name, r, round(p.took), rate)
	}
	fmt.Fprintf(tw, "  total\t%s rows\t%s\t%s rows/s\t\n", thousands(rows), round(rep.total),
		thousands(int64(float64(rows)/rep.total.Seconds())))
	tw.Flush()
}

func printSizes(ctx context.Context, pool *pgxpool.Pool, out io.Writer) error {
	rows, err := pool.Query(ctx, `
SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_table_size(c.oid)), pg_size_pretty(pg_indexes_size(c.oid))
FROM pg_class c WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace
ORDER BY array_position($1, c.relname::text)`, loadedTables)
	if err != nil {
		return err
	}
	var name, table, indexes string
	var n int64
	fmt.Fprintln(out, "\nData:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	if _, err := pgx.ForEachRow(rows, []any{&name, &n, &table, &indexes}, func() error {
		fmt.Fprintf(tw, "  %s\t~%s rows\ttable %s\tindexes %s\n", name, thousands(n), table, indexes)
		return nil
	}); err != nil {
		return err
	}
	tw.Flush()
	var open, teamOpen int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('new', 'open', 'pending', 'on_hold')),
       count(*) FILTER (WHERE status = 'open') FROM tickets`).Scan(&open, &teamOpen); err != nil {
		return err
	}
	fmt.Fprintf(out, "  open work: %s tickets in open statuses, %s of them status 'open'\n", thousands(open), thousands(teamOpen))
	return nil
}

// runScenarios drives each page, times its SQL alone, and prints the table,
// the SQL by statement and (with -explain) the plans.
func runScenarios(ctx context.Context, pool *pgxpool.Pool, out io.Writer, o options, crew crews, meter *cpuMeter, pgss *pgStatements, prof *profiler, log *slog.Logger) error {
	store, _ := escalation.Wire(pool, time.Now, "http://127.0.0.1", nil, quietLogger(), escalation.Config{}) // as the server does
	list := scenarios(&floorStores{tickets: store, reports: reports.NewStore(pool, time.Now, quietLogger())}, crew.plan)
	if o.only != nil {
		list = slices.DeleteFunc(list, func(sc scenario) bool { return !o.only.MatchString(sc.name) })
		if len(list) == 0 {
			return fmt.Errorf("-only %q matches no scenario", o.only)
		}
	}
	var results []result
	var plans bytes.Buffer
	for _, sc := range list {
		log.Info("loadbench: scenario", "name", sc.name, "duration", o.duration)
		workers := crew.of(sc.crew)
		var r result
		began := time.Now()
		if err := prof.around(ctx, sc.name, o.duration, func() {
			r = drive(ctx, sc, workers, o.duration, o.maxRequests, o.rate, meter, pgss)
		}); err != nil {
			return err
		}
		if o.fixedRate > 0 && o.rate == 0 && sc.crew != "dashboard" {
			// The same page at a fixed, moderate rate: the latency a user
			// sees when the server is not run flat out.
			log.Info("loadbench: scenario at a fixed rate", "name", sc.name, "rate", o.fixedRate)
			paced := drive(ctx, sc, workers, o.duration, o.maxRequests, o.fixedRate, meter, nil)
			r.paced = paced.lat
			if paced.errors > 0 && r.firstErr == "" {
				r.errors += paced.errors
				r.firstErr = paced.firstErr
			}
		}
		r.floor = runFloor(ctx, pool, sc.floor, workers, o.floorDuration, 5000)
		if r.floor.err != nil {
			return fmt.Errorf("%s floor: %w", sc.name, r.floor.err)
		}
		r.load = loadAverage()
		if sc.name == "ticket create" {
			note, err := slaNote(ctx, pool, began)
			if err != nil {
				return err
			}
			r.note = note
		}
		if sc.crew == "dashboard" {
			who := "supervisors"
			if len(workers) == 1 {
				who = "supervisor"
			}
			r.note = strings.TrimPrefix(fmt.Sprintf("%d %s; %s", len(workers), who, r.note), "; ")
		}
		if o.explain {
			// Now, before later scenarios (ticket create) change the data.
			if err := explainScenario(ctx, pool, &plans, sc, workers[0]); err != nil {
				return err
			}
		}
		results = append(results, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	pace := "closed loop: each client sends its next request when the last is answered, so the server runs flat out"
	if o.rate > 0 {
		pace = fmt.Sprintf("paced at %.0f req/s, latency counted from when each request was due", o.rate)
	}
	fmt.Fprintf(out, "\nPages (%s each after a warm-up, %d clients, %s; latency to the last byte; SQL floor = the page's SQL run alone on one connection):\n",
		o.duration, o.concurrency, pace)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  scenario\trequests\treq/s\tp50\tp95\tp99\tmax\terrors\tSQL floor p50\tfloor p95\tload avg\t")
	for _, r := range results {
		fmt.Fprintf(tw, "  %s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", r.name, thousands(int64(r.requests)),
			float64(r.lat.n)/r.elapsed.Seconds(), ms(r.lat.p50), ms(r.lat.p95), ms(r.lat.p99), ms(r.lat.max), r.errors,
			ms(r.floor.total.p50), ms(r.floor.total.p95), r.load)
	}
	tw.Flush()
	for _, r := range results {
		if r.firstErr != "" {
			fmt.Fprintf(out, "  %s: first error: %s\n", r.name, r.firstErr)
		}
		if r.note != "" {
			fmt.Fprintf(out, "  %s: %s\n", r.name, r.note)
		}
	}
	printTargets(out, results, o.fixedRate)

	fmt.Fprintln(out, "\nCPU per request while each page ran (independent of other load on the machine; 2 cores give 2,000 ms of CPU per second):")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  scenario\tserver\tpostgres\tbench client\tserver+postgres\tits ceiling on 2 idle cores\t")
	for _, r := range results {
		n := time.Duration(max(r.lat.n, 1))
		total := (r.cpu.server + r.cpu.db) / n
		capacity := "?"
		if total > 0 {
			capacity = fmt.Sprintf("~%s req/s", thousands(int64(2*time.Second/total)))
		}
		if r.lat.n == 0 || r.cpu.server < 0 || r.cpu.db < 0 {
			// No request answered (or a process gone mid-way): no figure.
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t-\t\n", r.name)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, ms(r.cpu.server/n), ms(r.cpu.db/n), ms(r.cpu.bench/n), ms(total), capacity)
	}
	tw.Flush()

	if pgss != nil {
		fmt.Fprintln(out, "\nWhere the database time went while each page ran (pg_stat_statements, per request; top statements):")
		for _, r := range results {
			fmt.Fprintf(out, "  %s\n", r.name)
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			n := float64(max(r.lat.n, 1))
			for _, c := range r.statements {
				if c.totalMillis/n < 0.001 {
					continue // background work (River) that did not run in this window
				}
				fmt.Fprintf(tw, "    %.2f calls\t%.3f ms\tmax %.1f ms\t%s\n", float64(c.calls)/n, c.totalMillis/n, c.maxMillis, truncate(c.query, 100))
			}
			tw.Flush()
		}
	}

	fmt.Fprintln(out, "\nSQL floor by statement (p50 / p95 / max, alone on one connection):")
	for _, r := range results {
		fmt.Fprintf(out, "  %s\n", r.name)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, s := range r.floor.each {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t\n", s.name, ms(s.p50), ms(s.p95), ms(s.max))
		}
		tw.Flush()
	}
	if o.explain {
		fmt.Fprintln(out, "\nEXPLAIN (ANALYZE, BUFFERS) of the hot statements, each right after its page ran (prepared and run 5 times first: the plan the app's cached statement gets)")
		_, _ = plans.WriteTo(out)
	}
	var failed []string
	for _, r := range results {
		if r.errors > 0 || r.lat.n == 0 {
			failed = append(failed, r.name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("requests failed in: %s (see the first errors above)", strings.Join(failed, ", "))
	}
	return nil
}

// target is one of issue #11's figures for a page: a latency percentile
// (closed loop) below a bound, and the CPU a request may cost.
type target struct {
	pct   string // "p95" or "p99"
	bound time.Duration
	cpu   time.Duration // server + Postgres per request; 0: none set
}

// targets by scenario name (the dashboard views come from dashboardViews).
var targets = map[string]target{
	"queue page":                      {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"my queue":                        {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"unassigned":                      {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"all open":                        {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"all open, high priority, page 2": {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"my queue, pending, page 2":       {"p99", 20 * time.Millisecond, 1500 * time.Microsecond},
	"ticket page":                     {"p99", 15 * time.Millisecond, 1500 * time.Microsecond},
	"supervisor review queue":         {"p99", 30 * time.Millisecond, 0},
	"search word":                     {"p95", 50 * time.Millisecond, 5 * time.Millisecond},
	"search vi, no diacritics":        {"p95", 50 * time.Millisecond, 5 * time.Millisecond},
	"search typo, corrected":          {"p95", 50 * time.Millisecond, 5 * time.Millisecond},
	"search ticket number":            {"p95", 50 * time.Millisecond, 5 * time.Millisecond},
	"search word of other teams only": {"p95", 100 * time.Millisecond, 5 * time.Millisecond},
	"ticket create":                   {"", 0, 1200 * time.Microsecond},
}

// printTargets prints every page beside its targets: the latency bound, the
// CPU per request, the p99 at a fixed rate, and how far the page is from its
// SQL floor (p50 of the page over p50 of its SQL alone).
func printTargets(out io.Writer, results []result, fixedRate float64) {
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	for _, v := range dashboardViews {
		targets[v.name] = target{"p95", dashboardTarget, 0}
	}
	fmt.Fprintln(out, "\nTargets (issue #11), each page beside its target:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  scenario\tmeasured\ttarget\t\tCPU/req\tCPU target\t\tp99 @ %.0f req/s\tp50 / SQL floor p50\t\n", fixedRate)
	for _, r := range results {
		tg, ok := targets[r.name]
		if !ok {
			continue
		}
		n := time.Duration(max(r.lat.n, 1))
		cpu := (r.cpu.server + r.cpu.db) / n
		lat, latT, latV := "", "", ""
		switch tg.pct {
		case "p95":
			lat, latT, latV = "p95 "+ms(r.lat.p95), "< "+ms(tg.bound), verdict(r.lat.p95 < tg.bound && r.errors == 0 && r.lat.n > 0)
		case "p99":
			lat, latT, latV = "p99 "+ms(r.lat.p99), "< "+ms(tg.bound), verdict(r.lat.p99 < tg.bound && r.errors == 0 && r.lat.n > 0)
		}
		if r.name == "ticket create" {
			rate := float64(r.lat.n) / r.elapsed.Seconds()
			lat, latT, latV = fmt.Sprintf("%.0f/s", rate), ">= 1,500/s", verdict(rate >= 1500 && r.errors == 0)
		}
		cpuT, cpuV, cpuS := "", "", ms(cpu)
		if r.lat.n == 0 || cpu < 0 {
			cpuS = "-" // nothing answered: no figure
		}
		if tg.cpu > 0 {
			cpuT, cpuV = "<= "+ms(tg.cpu), verdict(cpu <= tg.cpu && cpuS != "-")
		}
		paced := "-"
		if r.paced.n > 0 {
			paced = ms(r.paced.p99)
		}
		ratio := "-"
		if r.floor.total.p50 > 0 {
			ratio = fmt.Sprintf("%.1fx", float64(r.lat.p50)/float64(r.floor.total.p50))
		}
		if r.lat.n == 0 {
			lat = "no answer"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, lat, latT, latV, cpuS, cpuT, cpuV, paced, ratio)
	}
	tw.Flush()
}

// slaNote says how many of the tickets created since began started an SLA
// clock and how many timers (sla_check jobs, one per deadline) they
// scheduled: a create on a desk with SLA policies (ensureBenchPolicies) pays
// for both.
func slaNote(ctx context.Context, pool *pgxpool.Pool, began time.Time) (string, error) {
	var created, clocked, timers int64
	err := pool.QueryRow(ctx, `
SELECT (SELECT count(*) FROM tickets WHERE created_at >= $1),
       (SELECT count(*) FROM tickets WHERE created_at >= $1 AND sla_policy_id IS NOT NULL),
       (SELECT count(*) FROM river_job WHERE kind = 'sla_check' AND created_at >= $1)`, began).Scan(&created, &clocked, &timers)
	if err != nil {
		return "", fmt.Errorf("sla clocks of the created tickets: %w", err)
	}
	perTicket := 0.0
	if created > 0 {
		perTicket = float64(timers) / float64(created)
	}
	return fmt.Sprintf("SLA clocks started: %s of %s created tickets; SLA timers scheduled: %s (%.2f per created ticket)",
		thousands(clocked), thousands(created), thousands(timers), perTicket), nil
}
