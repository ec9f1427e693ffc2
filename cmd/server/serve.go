package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/demo"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/live"
	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/memtrim"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/webhooks"
	"github.com/loopdesk/loopdesk/web"
)

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM.
const shutdownGrace = 15 * time.Second

// idleCheck: a busy spell's heap goes back to the system 2-4 s after the
// requests stop (memtrim.WhenIdle: when there are at least 2 MB to give
// back; a trim is about 10 ms of CPU plus the page faults that grow the
// heap back), and so does what the pool frees when it closes the
// connections the spell opened (a minute later, postgres.OpenSized).
const idleCheck = 2 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.bind(fs, getenv)
	loadDemo := fs.Bool("demo", getenv("LOOPDESK_DEMO") == "1", "load demo data when the database has no staff yet (LOOPDESK_DEMO=1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.logger(stdout)
	secret, err := cfg.secret(log)
	if err != nil {
		return err
	}
	// selfserve: webhook secrets are sealed at rest under a key from secret.
	hookBox, err := secretbox.New(secret, "webhooks")
	if err != nil {
		return err
	}

	cfg.poolSize = servePoolSize() // River's workers share the pool with the web pages
	// The private cluster is supervised: when it dies it is restarted, and when
	// that keeps failing serve exits non-zero so a process manager restarts us.
	dbLost := make(chan error, 1)
	cfg.onDBLost = func(err error) {
		select {
		case dbLost <- err:
		default:
		}
	}
	pool, closeDB, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()

	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	staffStore := staff.NewStore(pool, time.Now)
	if err := staffStore.SetSecret(secret); err != nil { // seals two-factor secrets
		return err
	}

	// The tickets store and the escalation service come wired together:
	// SLA upkeep and follow-ups that move with the loop owner are hooks of
	// the store (the close guard is the store's own rule).
	ticketStore, escSvc := escalation.Wire(pool, time.Now, cfg.BaseURL, nil, log, escalation.Config{FollowUpHours: cfg.FollowUpHours})
	ticketStore.SetStatusLinkTTL(cfg.statusLinkTTL)
	if err := ticketStore.SetRegion(cfg.DefaultCountry); err != nil {
		return err
	}
	ticketStore.SetOwnAddresses(ownAddresses(&cfg, getenv)) // never copied on a ticket
	mail, err := newOutbox(getenv, pool, cat, log)
	if err != nil {
		return err
	}
	mail.SetRetention(cfg.outboxRetention)
	csatStore := csat.NewStore(pool, escSvc, time.Now, cfg.BaseURL)
	newsStore := announce.NewStore(pool, time.Now)
	reportStore := reports.NewStore(pool, time.Now, log)
	reportStore.SetZone(cfg.reportZone)
	hooks := webhooks.New(pool, hookBox, log, time.Now, cfg.BaseURL, webhooks.Config{})             // selfserve
	spamPurge := mailin.NewSpam(pool, time.Now, mailin.SpamOptions{KeepDays: cfg.MailSpamKeepDays}) // spamfix: purges held mail
	jobs, err := startJobs(ctx, pool, log, escSvc, mail, csatStore, reportStore, hooks, spamPurge)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := jobs.Stop(sctx); err != nil {
			log.Warn("stop background jobs", "err", err)
		}
	}()
	stopMail, err := startMailIn(&cfg, getenv, ticketStore, pool, log)
	if err != nil {
		return err
	}
	defer stopMail()
	mailboxStore, err := mailbox.NewStore(pool, secret, time.Now) // passwords sealed with the secret key
	if err != nil {
		return err
	}
	stopMailboxes, err := startMailboxes(ctx, &cfg, getenv, ticketStore, pool, mailboxStore, log)
	if err != nil {
		return err
	}
	defer stopMailboxes()
	webDesk, _, err := mailDesk(&cfg, getenv, ticketStore, pool, log)
	if err != nil {
		return err
	}
	var demoLoaded bool
	if *loadDemo {
		n, err := staffStore.Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := loadDemoData(ctx, pool, staffStore, escSvc, cfg.BaseURL); err != nil {
				return err
			}
			demoLoaded = true
		}
	}

	// The live hub listens from the start: a browser whose instance died
	// resumes here from what this one heard meanwhile.
	hub := live.NewHub(pool, log)
	hub.Start()
	srv, err := web.New(web.Deps{Log: log, DB: pool, Catalog: cat, Staff: staffStore, Tickets: ticketStore, Esc: escSvc, Live: hub,
		CSAT: csatStore, News: newsStore, Reports: reportStore, BaseURL: cfg.BaseURL, Now: time.Now,
		TrustedProxies: cfg.trustedProxies, MetricsToken: cfg.MetricsToken,
		Webhooks:  hooks, // selfserve
		Mailboxes: mailboxStore,
		MailDesk:  webDesk}) // mailin2: the Spam view and the block list
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	// Live-update streams end when shutdown starts (browsers reconnect to
	// another instance with Last-Event-ID) instead of holding it up.
	httpSrv.RegisterOnShutdown(srv.Close)
	defer srv.Close()
	// Start-up garbage (migrations, catalogs, precompressed assets) goes
	// back to the system before the first request, and a busy spell's heap
	// a few seconds after the requests stop.
	memtrim.Now()
	go memtrim.WhenIdle(ctx, idleCheck, srv.Served)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	stopMetrics, err := startMetrics(&cfg, srv.MetricsHandler(), log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	stopPprof, err := startPprof(getenv(pprofEnv), log) // off unless set: measurement only
	if err != nil {
		return err
	}
	defer stopPprof()

	log.Info("loopdesk is serving", "url", cfg.BaseURL, "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "\nLoopdesk is running at %s\n", cfg.BaseURL)
	if *loadDemo {
		if demoLoaded {
			fmt.Fprintln(stdout, "Demo data loaded.")
		}
		fmt.Fprintf(stdout, "Demo logins (password %q):\n", demo.Password)
		for _, u := range demo.Staff {
			fmt.Fprintf(stdout, "  %-26s %-10s %s\n", u.Email, u.Role, i18n.LanguageName(u.Locale))
		}
		fmt.Fprintln(stdout)
	}

	var lost error
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case lost = <-dbLost:
		log.Error("the private postgres is gone and could not be restarted: stopping, so that a process manager can restart Loopdesk", "err", lost)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("shutdown did not drain in time", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if lost != nil {
		return fmt.Errorf("private postgres: %w", lost)
	}
	log.Info("stopped")
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.logger(stdout)
	_, closeDB, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(stdout, "migrations are up to date")
	return nil
}

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.logger(stdout)
	pool, closeDB, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	// An insert-only River client: SLA timers of the demo tickets are
	// scheduled now and run by the next `serve`.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: log})
	if err != nil {
		return err
	}
	_, esc := escalation.Wire(pool, time.Now, cfg.BaseURL, jobs, log, escalation.Config{FollowUpHours: cfg.FollowUpHours})
	if err := loadDemoData(ctx, pool, staff.NewStore(pool, time.Now), esc, cfg.BaseURL); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo data loaded")
	return nil
}

// loadDemoData loads the demo desk: staff, tickets, then tiers, SLA
// policies and a few tickets at each stage of the loop.
func loadDemoData(ctx context.Context, pool *pgxpool.Pool, st *staff.Store, esc *escalation.Service, baseURL string) error {
	if err := demo.Load(ctx, pool, st, time.Now); err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if err := demo.LoadEscalation(ctx, pool, esc, st); err != nil {
		return fmt.Errorf("load demo escalations: %w", err)
	}
	if err := demo.LoadFeedback(ctx, pool, esc, st, baseURL); err != nil {
		return fmt.Errorf("load demo feedback: %w", err)
	}
	if err := demo.LoadCanned(ctx, pool); err != nil {
		return fmt.Errorf("load demo canned replies: %w", err)
	}
	if err := demo.LoadKB(ctx, pool); err != nil { // selfserve: the help centre
		return fmt.Errorf("load demo knowledge base: %w", err)
	}
	return nil
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	var cfg config
	var n staff.NewUser
	var role string
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.bind(fs, getenv)
	fs.StringVar(&n.Email, "email", "", "email address (required)")
	fs.StringVar(&n.Name, "name", "", "display name (required)")
	fs.StringVar(&role, "role", "rep", "rep, senior, supervisor or admin")
	fs.StringVar(&n.Team, "team", "", "team name; created when missing")
	fs.StringVar(&n.Locale, "locale", "en", "en, fi, vi or hi")
	fs.StringVar(&n.TimeZone, "tz", "UTC", "IANA time zone, e.g. Europe/Helsinki")
	fs.StringVar(&n.Password, "password", getenv("LOOPDESK_PASSWORD"), "password; prompted on stdin when empty (LOOPDESK_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	n.Role = staff.Role(role)
	if n.Password == "" {
		fmt.Fprint(stdout, "Password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password: %w", err)
		}
		n.Password = strings.TrimRight(line, "\r\n")
	}
	if err := n.Validate(); err != nil {
		return fmt.Errorf("invalid user: %s", explainFields(err))
	}
	log := cfg.logger(stdout)
	pool, closeDB, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := staff.NewStore(pool, time.Now).Create(ctx, 0, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s), id %d\n", u.Email, u.Role, u.ID)
	return nil
}

// explainFields spells out a validation error's fields in English, e.g.
// "password: This password is too common: ...".
func explainFields(err error) string {
	fields := apperr.FieldsOf(err)
	cat, lerr := i18n.Load()
	if len(fields) == 0 || lerr != nil {
		return err.Error()
	}
	en := cat.Localizer("en")
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, f+": "+en.T(fields[f]))
	}
	return strings.Join(parts, "; ")
}

// startMetrics serves /metrics on its own address (LOOPDESK_METRICS_ADDR),
// away from the public one. When the default address is taken (another
// Loopdesk, a Prometheus on this host) it logs a warning and goes on
// without; an address set on purpose that cannot be had is an error.
func startMetrics(cfg *config, h http.Handler, log *slog.Logger) (stop func(), err error) {
	if cfg.MetricsAddr == "off" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		if cfg.MetricsAddr == defaultMetricsAddr {
			log.Warn("metrics are off: their default address is taken; set LOOPDESK_METRICS_ADDR", "addr", cfg.MetricsAddr, "err", err)
			return func() {}, nil
		}
		return nil, fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
