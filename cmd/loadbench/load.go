package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// loadOptions say how much to load and how.
type loadOptions struct {
	tickets   int
	customers int
	msgAvg    float64
	// openPercent is the share of tickets still open (generator.openShare).
	openPercent float64
	seed        uint64
	// dropIndexes drops the non-constraint indexes for the load and
	// recreates them after. Measured at 1M tickets: 2m29s against 2m54s
	// keeping them (the tickets copy alone takes 2m19s with its GIN index).
	dropIndexes bool
	// vectors is "go" (composed while copying, see lexemes.go) or "sql" (an
	// UPDATE after the copy). Measured at 100,000 tickets: go adds 2.9 s to
	// the tickets copy, the UPDATE takes 12.9 s (load 11 s against 22 s).
	vectors string
	reset   bool // empty the desk's tables first even when they hold tickets
}

// phase is one timed step of the load.
type phase struct {
	name string
	rows int64
	took time.Duration
}

type loadReport struct {
	phases   []phase
	total    time.Duration
	messages int64
	skipped  bool // -keep found the data already there
}

// loadedTables are the tables the bench fills, in load order.
var loadedTables = []string{"customers", "tickets", "messages"}

// dataPresent reports whether the desk's tables hold anything, and whether
// the first n tickets and c customers are a complete bench load (for -keep).
func dataPresent(ctx context.Context, pool *pgxpool.Pool, n, c int) (any bool, complete bool, err error) {
	var tickets, loaded, customers, loadedCustomers, msgs int64
	err = pool.QueryRow(ctx, `
SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets LIMIT 1) t), (SELECT count(*) FROM tickets WHERE id <= $1),
       (SELECT count(*) FROM (SELECT 1 FROM customers LIMIT 1) c), (SELECT count(*) FROM customers WHERE id <= $2),
       (SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 1) m)`, n, c).Scan(&tickets, &loaded, &customers, &loadedCustomers, &msgs)
	if err != nil {
		return false, false, fmt.Errorf("count existing data: %w", err)
	}
	return tickets+customers+msgs > 0, loaded == int64(n) && loadedCustomers == int64(c) && msgs > 0, nil
}

// loadData fills customers, tickets and messages in one transaction: the
// plain indexes are dropped (their definitions read from pg_indexes first)
// and recreated from those definitions, so a failed load leaves the schema
// as it was. Foreign-key triggers are skipped (the generator makes
// consistent rows) when the role may do so.
func loadData(ctx context.Context, pool *pgxpool.Pool, g *generator, cache lexemeCache, o loadOptions, log *slog.Logger) (loadReport, error) {
	var rep loadReport
	start := time.Now()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return rep, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	var super bool
	if err := tx.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return rep, fmt.Errorf("check role: %w", err)
	}
	settings := []string{`SET LOCAL maintenance_work_mem = '1GB'`, `SET LOCAL max_parallel_maintenance_workers = 2`}
	if super {
		// Rows are consistent by construction; per-row foreign-key checks would
		// cost a lookup each on 6M rows.
		settings = append(settings, `SET LOCAL session_replication_role = replica`)
	} else {
		log.Warn("loadbench: not a superuser, so foreign keys are checked row by row during the load")
	}
	for _, s := range settings {
		if _, err := tx.Exec(ctx, s); err != nil {
			return rep, fmt.Errorf("%s: %w", s, err)
		}
	}
	// ticket_facts (no foreign keys: derived data) goes with the tickets; the
	// facts job rebuilds it after the load (buildFacts).
	if _, err := tx.Exec(ctx, `TRUNCATE customers, customer_name_words, tickets, messages, ticket_facts, search_words RESTART IDENTITY CASCADE`); err != nil {
		return rep, fmt.Errorf("truncate: %w", err)
	}
	// The word list the app keeps as it writes: every word of the vocabulary.
	t0 := time.Now()
	tag, err := tx.Exec(ctx, sqlListVocabulary, vocabulary(g.books))
	if err != nil {
		return rep, fmt.Errorf("word list: %w", err)
	}
	rep.phases = append(rep.phases, phase{name: "word list", rows: tag.RowsAffected(), took: time.Since(t0)})
	if o.reset {
		for _, q := range []string{`DELETE FROM events WHERE subject_type = 'ticket'`, `DELETE FROM river_job WHERE kind = 'sla_check'`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return rep, fmt.Errorf("reset: %w", err)
			}
		}
	}

	var indexes []indexDef
	if o.dropIndexes {
		t := time.Now()
		if indexes, err = dropIndexes(ctx, tx, loadedTables); err != nil {
			return rep, err
		}
		rep.phases = append(rep.phases, phase{name: fmt.Sprintf("drop %d indexes", len(indexes)), took: time.Since(t)})
	}

	// customers
	t := time.Now()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"customers"},
		[]string{"id", "name", "email", "phone", "locale", "created_at", "updated_at"}, &customerSource{g: g})
	if err != nil {
		return rep, fmt.Errorf("copy customers: %w", err)
	}
	rep.phases = append(rep.phases, phase{name: "copy customers", rows: n, took: time.Since(t)})
	log.Info("loadbench: customers copied", "rows", n, "took", time.Since(t).Round(time.Millisecond))

	// tickets, with their search vectors composed from the threads
	t = time.Now()
	ts := &ticketSource{g: g, withVectors: o.vectors == "go", vb: newVectorBuilder(cache)}
	n, err = tx.CopyFrom(ctx, pgx.Identifier{"tickets"}, ticketColumns, ts)
	if err != nil {
		return rep, fmt.Errorf("copy tickets: %w", err)
	}
	rep.phases = append(rep.phases, phase{name: "copy tickets", rows: n, took: time.Since(t)})
	log.Info("loadbench: tickets copied", "rows", n, "took", time.Since(t).Round(time.Millisecond))

	// messages: the same threads again, now as rows
	t = time.Now()
	ms := &messageSource{g: g}
	n, err = tx.CopyFrom(ctx, pgx.Identifier{"messages"},
		[]string{"id", "ticket_id", "kind", "author_user_id", "author_customer_id", "body", "created_at"}, ms)
	if err != nil {
		return rep, fmt.Errorf("copy messages: %w", err)
	}
	rep.messages = n
	rep.phases = append(rep.phases, phase{name: "copy messages", rows: n, took: time.Since(t)})
	log.Info("loadbench: messages copied", "rows", n, "took", time.Since(t).Round(time.Millisecond))

	if o.vectors == "sql" {
		t = time.Now()
		tag, err := tx.Exec(ctx, sqlFillVectors, 1, g.tickets)
		if err != nil {
			return rep, fmt.Errorf("compute search vectors: %w", err)
		}
		rep.phases = append(rep.phases, phase{name: "search vectors (SQL UPDATE)", rows: tag.RowsAffected(), took: time.Since(t)})
	}

	for _, ix := range indexes {
		t := time.Now()
		if _, err := tx.Exec(ctx, ix.def); err != nil {
			return rep, fmt.Errorf("recreate %s: %w", ix.name, err)
		}
		rep.phases = append(rep.phases, phase{name: "index " + ix.name, took: time.Since(t)})
		log.Info("loadbench: index built", "index", ix.name, "took", time.Since(t).Round(time.Millisecond))
	}

	// Identity columns were given explicit values: move their sequences on.
	for _, table := range loadedTables {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) FROM `+
			pgx.Identifier{table}.Sanitize()+`), 0) + 1, false)`, table); err != nil {
			return rep, fmt.Errorf("reset %s identity: %w", table, err)
		}
	}
	t = time.Now()
	if err := tx.Commit(ctx); err != nil {
		return rep, fmt.Errorf("commit load: %w", err)
	}
	rep.phases = append(rep.phases, phase{name: "commit", took: time.Since(t)})

	// Vacuum sets the visibility map (index-only scans: the queue counts) and
	// analyze gives the planner its statistics.
	// Two connections, one per core: messages (the biggest) beside the rest.
	t = time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, tables := range [][]string{{"messages"}, {"tickets", "customers"}} {
		wg.Go(func() {
			for _, table := range tables {
				if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+pgx.Identifier{table}.Sanitize()); err != nil {
					errs[i] = fmt.Errorf("vacuum %s: %w", table, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return rep, err
	}
	rep.phases = append(rep.phases, phase{name: "vacuum analyze (2 connections)", took: time.Since(t)})
	rep.total = time.Since(start)
	return rep, nil
}

type indexDef struct{ name, def string }

// dropIndexes drops the tables' indexes that back no constraint (primary and
// unique keys stay) and returns their definitions, read from pg_indexes.
func dropIndexes(ctx context.Context, tx pgx.Tx, tables []string) ([]indexDef, error) {
	rows, err := tx.Query(ctx, `
SELECT quote_ident(i.schemaname) || '.' || quote_ident(i.indexname), i.indexdef
FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
ORDER BY array_position($1, i.tablename::text), i.indexname`, tables)
	if err != nil {
		return nil, fmt.Errorf("read index definitions: %w", err)
	}
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (indexDef, error) {
		var d indexDef
		return d, r.Scan(&d.name, &d.def)
	})
	if err != nil {
		return nil, fmt.Errorf("read index definitions: %w", err)
	}
	for _, d := range defs {
		if _, err := tx.Exec(ctx, `DROP INDEX `+d.name); err != nil {
			return nil, fmt.Errorf("drop %s: %w", d.name, err)
		}
	}
	return defs, nil
}

// customerSource streams the generated customers to COPY.
type customerSource struct {
	g   *generator
	i   int64
	row [7]any
}

func (s *customerSource) Next() bool {
	s.i++
	return s.i <= int64(s.g.customers)
}

func (s *customerSource) Values() ([]any, error) {
	c := s.g.customer(s.i)
	s.row = [7]any{c.id, c.name, nullText(c.email), nullText(c.phone), c.locale, c.createdAt, c.createdAt}
	return s.row[:], nil
}

func (s *customerSource) Err() error { return nil }

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullInt(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

var ticketColumns = []string{"id", "subject", "status", "priority", "category", "channel", "customer_id", "team_id",
	"owner_id", "created_by", "order_ref", "tags", "search", "created_at", "updated_at", "first_response_at",
	"solved_at", "closed_at"}

// ticketSource streams generated tickets to COPY, composing each one's
// search vector from its thread (unless vectors are made in SQL).
type ticketSource struct {
	g           *generator
	withVectors bool
	vb          *vectorBuilder
	from, to    int64 // ids; to 0 means g.tickets
	i           int64
	td          ticketData
	row         [18]any
	err         error
	// override, when set, adjusts each ticket before it is copied (breach mode).
	override func(t *ticketData, row []any)
}

func (s *ticketSource) Next() bool {
	if s.i == 0 {
		s.i = max(s.from, 1) - 1
	}
	if s.to == 0 {
		s.to = int64(s.g.tickets)
	}
	s.i++
	return s.i <= s.to && s.err == nil
}

func (s *ticketSource) Values() ([]any, error) {
	t := &s.td
	s.g.ticket(s.i, t)
	search := pgtype.TSVector{Valid: true}
	if s.withVectors {
		v, err := s.vb.ticketVector(t)
		if err != nil {
			s.err = err
			return nil, err
		}
		search = v
	}
	tags := t.tags
	if tags == nil {
		tags = []string{}
	}
	s.row = [18]any{t.id, t.subject(), string(t.status), t.priority, t.category, t.channel, t.customerID,
		nullInt(t.teamID), nullInt(t.ownerID), nullInt(t.createdBy), t.orderRef, tags, search,
		t.createdAt, t.updatedAt, t.firstResponseAt, t.solvedAt, t.closedAt}
	if s.override != nil {
		s.override(t, s.row[:])
	}
	return s.row[:], nil
}

func (s *ticketSource) Err() error { return s.err }

// messageSource regenerates each ticket's thread and streams its messages.
type messageSource struct {
	g        *generator
	from, to int64 // ticket ids; to 0 means g.tickets
	ids      func() int64
	ticket   int64
	td       ticketData
	k        int   // next message of td
	nextID   int64 // message ids run on from 1
	row      [7]any
	cur      message
}

func (s *messageSource) Next() bool {
	if s.ticket == 0 {
		s.ticket = max(s.from, 1) - 1
		s.k = 0
		s.td.messages = s.td.messages[:0]
	}
	if s.to == 0 {
		s.to = int64(s.g.tickets)
	}
	for s.k >= len(s.td.messages) {
		s.ticket++
		if s.ticket > s.to {
			return false
		}
		s.g.ticket(s.ticket, &s.td)
		s.k = 0
	}
	s.cur = s.td.messages[s.k]
	s.k++
	return true
}

func (s *messageSource) Values() ([]any, error) {
	m := s.cur
	var id int64
	if s.ids != nil {
		id = s.ids()
	} else {
		s.nextID++
		id = s.nextID
	}
	var user, customer *int64
	if m.fromStaff {
		user = nullInt(m.authorID)
	} else {
		customer = nullInt(m.authorID)
	}
	s.row = [7]any{id, s.td.id, m.kind, user, customer, s.td.body(m), m.createdAt}
	return s.row[:], nil
}

func (s *messageSource) Err() error { return nil }
