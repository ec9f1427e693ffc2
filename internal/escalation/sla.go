package escalation

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Policy is an SLA policy: business-time targets for a priority (and
// optionally a category), and how breaches escalate.
type Policy struct {
	ID              int64
	Name            string
	Priority        tickets.Priority
	Category        string
	FirstResponse   time.Duration
	NextResponse    time.Duration
	Resolution      time.Duration
	AtRiskPercent   int
	BreachTeamID    int64
	SupervisorDelay time.Duration
}

const sqlSelectPolicy = `
SELECT id, name, priority, category, first_response_minutes, next_response_minutes, resolution_minutes,
       at_risk_percent, coalesce(breach_team_id, 0), supervisor_delay_minutes
FROM sla_policies`

func scanPolicy(r pgx.Row) (Policy, error) {
	var p Policy
	var fr, nr, res, delay int
	err := r.Scan(&p.ID, &p.Name, &p.Priority, &p.Category, &fr, &nr, &res, &p.AtRiskPercent, &p.BreachTeamID, &delay)
	p.FirstResponse, p.NextResponse, p.Resolution = time.Duration(fr)*time.Minute, time.Duration(nr)*time.Minute, time.Duration(res)*time.Minute
	p.SupervisorDelay = time.Duration(delay) * time.Minute
	return p, err
}

// Policies lists every SLA policy, by priority then category.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	rows, err := s.db.Query(ctx, sqlSelectPolicy+` ORDER BY priority DESC, category`)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Policy, error) { return scanPolicy(r) })
}

// SavePolicy creates or replaces the policy of (priority, category). The open
// tickets of that priority get their clocks recomputed by a River job, in
// batches after this transaction: the save itself stays fast.
func (s *Service) SavePolicy(ctx context.Context, actorID int64, p Policy) error {
	var f apperr.Fields
	p.Name = strings.TrimSpace(p.Name)
	checkName(&f, "name", p.Name, true, 100)
	if !p.Priority.Valid() {
		f.Add("priority", "error_priority_invalid")
	}
	// A target of 0 would put every ticket in breach the moment it opens.
	for _, tg := range []struct {
		field  string
		target time.Duration
	}{{"first_response_minutes", p.FirstResponse}, {"next_response_minutes", p.NextResponse}, {"resolution_minutes", p.Resolution}} {
		if tg.target < time.Minute {
			f.Add(tg.field, "sla_error_target_min")
		}
	}
	if p.SupervisorDelay < 0 {
		f.Add("supervisor_delay_minutes", "error_minutes_invalid")
	}
	if p.AtRiskPercent < 1 || p.AtRiskPercent > 99 {
		f.Add("at_risk_percent", "error_percent_invalid")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
INSERT INTO sla_policies (name, priority, category, first_response_minutes, next_response_minutes, resolution_minutes,
                          at_risk_percent, breach_team_id, supervisor_delay_minutes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (priority, category) DO UPDATE SET name = EXCLUDED.name,
    first_response_minutes = EXCLUDED.first_response_minutes, next_response_minutes = EXCLUDED.next_response_minutes,
    resolution_minutes = EXCLUDED.resolution_minutes, at_risk_percent = EXCLUDED.at_risk_percent,
    breach_team_id = EXCLUDED.breach_team_id, supervisor_delay_minutes = EXCLUDED.supervisor_delay_minutes
RETURNING id`, p.Name, p.Priority, p.Category, int(p.FirstResponse/time.Minute), int(p.NextResponse/time.Minute),
			int(p.Resolution/time.Minute), p.AtRiskPercent, postgres.NullID(p.BreachTeamID), int(p.SupervisorDelay/time.Minute)).Scan(&id)
		if c, ok := postgres.IsForeignKeyViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"breach_team_id": "error_invalid_choice"})
		} else if err != nil {
			return fmt.Errorf("save policy: %w (%s)", err, c)
		}
		if err := postgres.RecordEvent(ctx, tx, s.now(), "sla_policy", id, actorID, "sla_policy.saved", map[string]any{"name": p.Name}); err != nil {
			return err
		}
		// A policy change mid-ticket applies to open tickets from now on. A
		// category's own policy and the priority's general one both govern
		// tickets of this priority only.
		return s.enqueueRecomputeTx(ctx, tx, RecomputePriority, int64(p.Priority))
	})
}

// policyTx finds the policy for a priority and category: the category's own
// first, else the priority's general one. ok is false when none applies.
func policyTx(ctx context.Context, q postgres.Querier, prio tickets.Priority, category string) (Policy, bool, error) {
	p, err := scanPolicy(q.QueryRow(ctx, sqlSelectPolicy+`
WHERE priority = $1 AND category IN ($2, '')
ORDER BY category = '' LIMIT 1`, prio, category))
	if errors.Is(err, pgx.ErrNoRows) {
		return Policy{}, false, nil
	}
	if err != nil {
		return Policy{}, false, fmt.Errorf("find policy: %w", err)
	}
	return p, true, nil
}

// CalendarDef is a calendar as stored: hours per ISO weekday (1 = Monday)
// as "HH:MM-HH:MM" strings, holidays as local dates.
type CalendarDef struct {
	ID       int64
	Name     string
	TimeZone string
	Hours    map[int][]string
	Holidays []string
}

// Build turns the definition into a Calendar, validating it.
func (d CalendarDef) Build() (*Calendar, error) {
	week := map[time.Weekday][]Interval{}
	for day, list := range d.Hours {
		if day < 1 || day > 7 {
			return nil, fmt.Errorf("escalation: weekday %d is not 1..7", day)
		}
		for _, s := range list {
			iv, err := ParseInterval(s)
			if err != nil {
				return nil, err
			}
			week[time.Weekday(day%7)] = append(week[time.Weekday(day%7)], iv)
		}
	}
	return NewCalendar(d.TimeZone, week, d.Holidays)
}

// CalendarInput is the calendar form as typed: each weekday's intervals
// separated by commas ("08:00-12:00, 13:00-17:00"), Hours[0] being Monday,
// and holidays as comma-separated dates.
type CalendarInput struct {
	ID       int64
	Name     string
	TimeZone string
	Hours    [7]string
	Holidays string
}

// Validate reads the input into a calendar definition, normalised (intervals
// as HH:MM-HH:MM, holidays sorted once each). Each bad part is a field error
// beside its own field: name, time_zone, hours_1 (Monday) .. hours_7, holidays.
func (in CalendarInput) Validate() (CalendarDef, error) {
	d := CalendarDef{ID: in.ID, Name: in.Name, TimeZone: in.TimeZone, Hours: map[int][]string{}, Holidays: splitList(in.Holidays)}
	for day := 1; day <= 7; day++ {
		if parts := splitList(in.Hours[day-1]); len(parts) > 0 {
			d.Hours[day] = parts
		}
	}
	return d.validate()
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// validate checks a definition and returns it normalised, or field errors
// named as the calendar form's fields.
func (d CalendarDef) validate() (CalendarDef, error) {
	var f apperr.Fields
	out := CalendarDef{ID: d.ID, Name: strings.TrimSpace(d.Name), TimeZone: strings.TrimSpace(d.TimeZone),
		Hours: map[int][]string{}, Holidays: []string{}}
	checkName(&f, "name", out.Name, true, 100)
	if out.TimeZone == "" {
		f.Add("time_zone", "error_required")
	} else if _, err := NewCalendar(out.TimeZone, nil, nil); err != nil {
		f.Add("time_zone", "error_time_zone_invalid")
	}
	for day, list := range d.Hours {
		field := "hours_" + strconv.Itoa(day)
		if day < 1 || day > 7 {
			f.Add("hours", "error_calendar_invalid")
			continue
		}
		var ivs []Interval
		for _, s := range list {
			iv, err := ParseInterval(strings.TrimSpace(s))
			if err != nil {
				f.Add(field, "admin_error_interval")
				continue
			}
			ivs = append(ivs, iv)
		}
		// Overlaps are the calendar's own rule; check this day alone to name it.
		if _, err := NewCalendar("UTC", map[time.Weekday][]Interval{time.Weekday(day % 7): ivs}, nil); err != nil {
			f.Add(field, "admin_error_overlap")
		}
		slices.SortFunc(ivs, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
		for _, iv := range ivs {
			out.Hours[day] = append(out.Hours[day], iv.String())
		}
	}
	for _, h := range d.Holidays {
		h = strings.TrimSpace(h)
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			f.Add("holidays", "admin_error_holiday")
			continue
		}
		if !slices.Contains(out.Holidays, h) {
			out.Holidays = append(out.Holidays, h)
		}
	}
	slices.Sort(out.Holidays)
	if err := f.Err(); err != nil {
		return out, err
	}
	// Whatever the checks above missed, the calendar itself must build.
	if _, err := out.Build(); err != nil {
		return out, apperr.InvalidFields(map[string]string{"hours": "error_calendar_invalid"})
	}
	return out, nil
}

// SaveCalendar validates and stores a calendar (new when ID is 0). When an
// existing calendar changes, the open tickets of the teams using it get their
// clocks recomputed by a River job, in batches after this transaction.
func (s *Service) SaveCalendar(ctx context.Context, actorID int64, d CalendarDef) (int64, error) {
	d, err := d.validate()
	if err != nil {
		return 0, err
	}
	hours, err := json.Marshal(d.Hours)
	if err != nil {
		return 0, fmt.Errorf("save calendar: %w", err)
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if d.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO calendars (name, time_zone, hours, holidays) VALUES ($1, $2, $3, $4::date[]) RETURNING id`,
				d.Name, d.TimeZone, hours, d.Holidays).Scan(&id)
		} else {
			id = d.ID
			var tag pgconn.CommandTag
			tag, err = tx.Exec(ctx, `UPDATE calendars SET name = $2, time_zone = $3, hours = $4, holidays = $5::date[] WHERE id = $1`,
				d.ID, d.Name, d.TimeZone, hours, d.Holidays)
			if err == nil && tag.RowsAffected() == 0 {
				return apperr.New(apperr.NotFound, "error_not_found")
			}
		}
		if _, dup := postgres.IsUniqueViolation(err); dup {
			return apperr.InvalidFields(map[string]string{"name": "error_name_taken"})
		}
		if err != nil {
			return fmt.Errorf("save calendar: %w", err)
		}
		if err := postgres.RecordEvent(ctx, tx, s.now(), "calendar", id, actorID, "calendar.saved", map[string]any{"name": d.Name}); err != nil {
			return err
		}
		if d.ID == 0 {
			return nil // no team uses a new calendar yet
		}
		return s.enqueueRecomputeTx(ctx, tx, RecomputeCalendar, id)
	})
	return id, err
}

// Calendars lists the calendars by name.
func (s *Service) Calendars(ctx context.Context) ([]CalendarDef, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, time_zone, hours, holidays::text[] FROM calendars ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("calendars: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalendarDef, error) {
		var d CalendarDef
		var raw map[string][]string
		if err := r.Scan(&d.ID, &d.Name, &d.TimeZone, &raw, &d.Holidays); err != nil {
			return d, err
		}
		d.Hours = hoursOf(raw)
		return d, nil
	})
}

// hoursOf reads the stored hours column; a key that is not a number becomes
// weekday 0, which Build refuses.
func hoursOf(raw map[string][]string) map[int][]string {
	out := make(map[int][]string, len(raw))
	for k, v := range raw {
		n, err := strconv.Atoi(k)
		if err != nil {
			n = 0
		}
		out[n] = append(out[n], v...)
	}
	return out
}

// storedCalendar builds a calendar read from the database. One that no longer
// builds (edited by hand, a time zone gone from the system's zone data) is
// taken as having no business hours, the same on every path: deadlines, breach
// jobs and badges all say "no deadline" instead of failing.
func (s *Service) storedCalendar(d CalendarDef) *Calendar {
	cal, err := d.Build()
	if err != nil {
		s.log.Warn("stored calendar is invalid: its tickets have no SLA deadline", "calendar_id", d.ID, "err", err)
		return &Calendar{}
	}
	return cal
}

// ticketCalendarTx is the business-hours calendar of a ticket's team, or
// round the clock when the team has none.
func (s *Service) ticketCalendarTx(ctx context.Context, tx pgx.Tx, ticketID int64) (*Calendar, error) {
	var d CalendarDef
	var raw map[string][]string
	err := tx.QueryRow(ctx, sqlTicketCalendar, ticketID).Scan(&d.ID, &d.TimeZone, &raw, &d.Holidays)
	if errors.Is(err, pgx.ErrNoRows) {
		return AlwaysOpen(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("ticket calendar: %w", err)
	}
	d.Hours = hoursOf(raw)
	return s.storedCalendar(d), nil
}

// sqlTicketCalendar reads the calendar of ticket $1's team.
const sqlTicketCalendar = `
SELECT c.id, c.time_zone, c.hours, c.holidays::text[]
FROM tickets t JOIN teams tm ON tm.id = t.team_id JOIN calendars c ON c.id = tm.calendar_id
WHERE t.id = $1`

// clockRow is what the SLA clock reads of a ticket.
type clockRow struct {
	status                       tickets.Status
	priority                     tickets.Priority
	category                     string
	ownerID, teamID              int64
	createdAt                    time.Time
	firstResponseAt, pausedSince *time.Time
	frDue, nrDue, resDue         *time.Time
	lastCustomer, lastStaff      *time.Time
}

// recomputeTx is the AfterChange hook: it keeps the ticket's SLA clock —
// pauses, the three deadlines in business time, the soonest one — and
// schedules an SLA check (one River job) for each deadline that moved.
func (s *Service) recomputeTx(ctx context.Context, tx pgx.Tx, ticketID int64) error {
	// The clock, its policy, its pauses and its calendar in one round trip
	// (this runs on every change of every ticket). The pauses are read
	// before a pause starts or ends below: a running one already ends at
	// now, and one starting now has no length yet.
	now := s.now()
	var c clockRow
	var b pgx.Batch
	b.Queue(sqlClockRow, ticketID).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&c.status, &c.priority, &c.category, &c.ownerID, &c.teamID, &c.createdAt,
			&c.firstResponseAt, &c.pausedSince, &c.frDue, &c.nrDue, &c.resDue, &c.lastCustomer, &c.lastStaff); err != nil {
			return fmt.Errorf("read sla clock of %d: %w", ticketID, err)
		}
		return nil
	})
	var p Policy
	var ok bool
	b.Queue(sqlSelectPolicy+sqlTicketPolicy, ticketID).QueryRow(func(row pgx.Row) error {
		var err error
		p, err = scanPolicy(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find policy: %w", err)
		}
		ok = true
		return nil
	})
	pauseList := postgres.QueueRows(&b, "pauses", scanPause, sqlPauses, ticketID, now)
	cal := AlwaysOpen()
	b.Queue(sqlTicketCalendar, ticketID).QueryRow(func(row pgx.Row) error {
		var d CalendarDef
		var raw map[string][]string
		err := row.Scan(&d.ID, &d.TimeZone, &raw, &d.Holidays)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ticket calendar: %w", err)
		}
		d.Hours = hoursOf(raw)
		cal = s.storedCalendar(d)
		return nil
	})
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return err
	}
	pauses, err := pauseList()
	if err != nil {
		return err
	}

	// Pauses: pending on the customer and on hold stop the clock.
	paused := c.status == tickets.StatusPending || c.status == tickets.StatusOnHold
	// A check that came due during the pause did nothing: on resuming, every
	// deadline is scheduled again, moved or not.
	resumed := !paused && c.pausedSince != nil
	switch {
	case paused && c.pausedSince == nil:
		c.pausedSince = &now
		if _, err := tx.Exec(ctx, `INSERT INTO sla_pauses (ticket_id, started_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ticketID, now); err != nil {
			return fmt.Errorf("start pause: %w", err)
		}
	case !paused && c.pausedSince != nil:
		c.pausedSince = nil
		if _, err := tx.Exec(ctx, `UPDATE sla_pauses SET ended_at = $2 WHERE ticket_id = $1 AND ended_at IS NULL`, ticketID, now); err != nil {
			return fmt.Errorf("end pause: %w", err)
		}
	}

	open := c.status != tickets.StatusSolved && c.status != tickets.StatusClosed
	var fr, nr, res, next *time.Time
	var awaiting *time.Time
	if ok && open {
		deadline := func(start time.Time, target time.Duration) *time.Time {
			return slaDeadline(cal, start, target, pauses)
		}
		if c.firstResponseAt == nil {
			fr = deadline(c.createdAt, p.FirstResponse)
		} else if c.lastCustomer != nil && (c.lastStaff == nil || c.lastCustomer.After(*c.lastStaff)) {
			awaiting = c.lastCustomer
			nr = deadline(*c.lastCustomer, p.NextResponse)
		}
		res = deadline(c.createdAt, p.Resolution)
		if c.pausedSince == nil {
			next = earliest(fr, nr, res)
		}
	}
	var policyID *int64
	if ok {
		policyID = &p.ID
	}
	if _, err := tx.Exec(ctx, `
UPDATE tickets SET sla_policy_id = $2, first_response_due = $3, next_response_due = $4, resolution_due = $5,
                   next_due = $6, paused_since = $7, awaiting_reply_since = $8
WHERE id = $1
  -- Write only a change: an unchanged clock (most events, and every ticket
  -- without a policy) would otherwise add a row version and index entries.
  AND (sla_policy_id, first_response_due, next_response_due, resolution_due, next_due, paused_since, awaiting_reply_since)
      IS DISTINCT FROM ($2::bigint, $3::timestamptz, $4::timestamptz, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8::timestamptz)`, ticketID, policyID, fr, nr, res, next, c.pausedSince, awaiting); err != nil {
		return fmt.Errorf("store sla clock: %w", err)
	}
	if c.pausedSince != nil || !ok || !open {
		return nil // a paused clock fires nothing; resuming reschedules
	}
	var checks []river.InsertManyParams
	for _, tg := range []struct {
		name     string
		old, new *time.Time
		start    time.Time
		target   time.Duration
	}{{"first_response", c.frDue, fr, c.createdAt, p.FirstResponse}, {"next_response", c.nrDue, nr, deref(awaiting), p.NextResponse}, {"resolution", c.resDue, res, c.createdAt, p.Resolution}} {
		if tg.new == nil || (!resumed && tg.old != nil && tg.old.Equal(*tg.new)) {
			continue
		}
		checks = append(checks, slaCheck(ticketID, tg.name, *tg.new, p, cal, pauses, tg.start, tg.target))
	}
	return s.insertJobsTx(ctx, tx, checks)
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// slaConfig is what a new ticket's clock reads: every SLA policy and each
// team's calendar, as of version of sla_config_version (migration 00049).
type slaConfig struct {
	version   int64
	policies  []Policy
	calendars map[int64]*Calendar // by team; absent: round the clock
}

// policy picks the policy of a priority and category as sqlTicketPolicy
// does: the category's own before the priority's catch-all.
func (c *slaConfig) policy(prio tickets.Priority, category string) (Policy, bool) {
	var general *Policy
	for i, p := range c.policies {
		switch {
		case p.Priority != prio:
		case p.Category == category:
			return p, true
		case p.Category == "":
			general = &c.policies[i]
		}
	}
	if general == nil {
		return Policy{}, false
	}
	return *general, true
}

// policyByID is the policy with id, if this config holds it.
func (c *slaConfig) policyByID(id int64) (Policy, bool) {
	for _, p := range c.policies {
		if p.ID == id {
			return p, true
		}
	}
	return Policy{}, false
}

// calendar is a team's calendar: round the clock when it has none.
func (c *slaConfig) calendar(teamID int64) *Calendar {
	if cal := c.calendars[teamID]; cal != nil {
		return cal
	}
	return AlwaysOpen()
}

const sqlSLAConfigVersion = `SELECT version FROM sla_config_version`

// sqlTeamCalendars reads the calendar of every team that has one.
const sqlTeamCalendars = `
SELECT tm.id, c.id, c.time_zone, c.hours, c.holidays::text[]
FROM teams tm JOIN calendars c ON c.id = tm.calendar_id`

// batchSender is a pool, a connection or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// loadSLAConfig reads the policies and calendars in one round trip. The
// version is read first: a change committed between the statements leaves
// the data newer than its version, and the next reader reads it again.
func (s *Service) loadSLAConfig(ctx context.Context, tx batchSender) (*slaConfig, error) {
	cfg := &slaConfig{calendars: map[int64]*Calendar{}}
	var b pgx.Batch
	b.Queue(sqlSLAConfigVersion).QueryRow(func(row pgx.Row) error { return row.Scan(&cfg.version) })
	policies := postgres.QueueRows(&b, "sla policies", func(r pgx.CollectableRow) (Policy, error) { return scanPolicy(r) }, sqlSelectPolicy)
	b.Queue(sqlTeamCalendars).Query(func(rows pgx.Rows) error {
		var teamID int64
		var d CalendarDef
		var raw map[string][]string
		_, err := pgx.ForEachRow(rows, []any{&teamID, &d.ID, &d.TimeZone, &raw, &d.Holidays}, func() error {
			d.Hours = hoursOf(raw)
			cfg.calendars[teamID] = s.storedCalendar(d)
			raw = nil // json decodes into a map it is given: start the next row afresh
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("sla policies and calendars: %w", err)
	}
	var err error
	if cfg.policies, err = policies(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// newClock is the NewClock hook: a new ticket's clock as recomputeTx would
// find it once the ticket exists (status new, no reply, no pause), from the
// policies and calendars this instance holds. The create's first batch reads
// their version; only when it moved are they read again, in the create's
// transaction.
func (s *Service) newClock(b *pgx.Batch, start tickets.ClockStart) func(context.Context, pgx.Tx) (tickets.Clock, error) {
	var version int64
	b.Queue(sqlSLAConfigVersion).QueryRow(func(row pgx.Row) error { return row.Scan(&version) })
	return func(ctx context.Context, tx pgx.Tx) (tickets.Clock, error) {
		cfg := s.slaCfg.Load()
		if cfg == nil || cfg.version != version {
			var err error
			if cfg, err = s.loadSLAConfig(ctx, tx); err != nil {
				return tickets.Clock{}, err
			}
			s.slaCfg.Store(cfg)
		}
		p, ok := cfg.policy(start.Priority, start.Category)
		if !ok {
			return tickets.Clock{}, nil
		}
		cal := cfg.calendar(start.TeamID)
		c := tickets.Clock{PolicyID: p.ID,
			FirstResponseDue: slaDeadline(cal, start.CreatedAt, p.FirstResponse, nil),
			ResolutionDue:    slaDeadline(cal, start.CreatedAt, p.Resolution, nil)}
		c.NextDue = earliest(c.FirstResponseDue, c.ResolutionDue)
		c.Start = func(ctx context.Context, tx pgx.Tx, ticketID int64) error {
			checks := make([]river.InsertManyParams, 0, 2)
			if c.FirstResponseDue != nil {
				checks = append(checks, slaCheck(ticketID, "first_response", *c.FirstResponseDue, p, cal, nil, start.CreatedAt, p.FirstResponse))
			}
			if c.ResolutionDue != nil {
				checks = append(checks, slaCheck(ticketID, "resolution", *c.ResolutionDue, p, cal, nil, start.CreatedAt, p.Resolution))
			}
			return s.insertJobsTx(ctx, tx, checks)
		}
		return c, nil
	}
}

// slaDeadline is when target of working time from start runs out on cal,
// after pauses; nil when cal has no working hours (even for a 0 target:
// the page says "no deadline", spec section 7) or the deadline lies beyond
// the calendar's search horizon. recomputeTx and newClock both use it.
func slaDeadline(cal *Calendar, start time.Time, target time.Duration, pauses []Pause) *time.Time {
	if !cal.HasHours() {
		return nil
	}
	d, err := cal.Deadline(start, target, pauses)
	if err != nil {
		return nil
	}
	return &d
}

// earliest is the earliest of the deadlines that are set (nil: none).
func earliest(deadlines ...*time.Time) *time.Time {
	var first *time.Time
	for _, d := range deadlines {
		if d != nil && (first == nil || d.Before(*first)) {
			first = d
		}
	}
	return first
}

// sqlPauses lists ticket $1's pauses; one still running ends at $2 (now).
const sqlPauses = `SELECT started_at, coalesce(ended_at, $2) FROM sla_pauses WHERE ticket_id = $1 ORDER BY started_at`

func scanPause(r pgx.CollectableRow) (Pause, error) {
	var p Pause
	return p, r.Scan(&p.Start, &p.End)
}

// sqlClockRow is what the SLA clock reads of ticket $1 (clockRow).
const sqlClockRow = `
SELECT t.status, t.priority, t.category, coalesce(t.owner_id, 0), coalesce(t.team_id, 0), t.created_at,
       t.first_response_at, t.paused_since, t.first_response_due, t.next_response_due, t.resolution_due,
       (SELECT max(created_at) FROM messages WHERE ticket_id = t.id AND author_customer_id IS NOT NULL AND kind = 'public'),
       (SELECT max(created_at) FROM messages WHERE ticket_id = t.id AND author_user_id IS NOT NULL AND kind = 'public')
FROM tickets t WHERE t.id = $1`

// sqlTicketPolicy picks ticket $1's policy as policyTx does: its priority,
// its category's policy before the priority's catch-all.
const sqlTicketPolicy = `
WHERE priority = (SELECT priority FROM tickets WHERE id = $1)
  AND category IN ((SELECT category FROM tickets WHERE id = $1), '')
ORDER BY category = '' LIMIT 1`

// Recompute refreshes one ticket's SLA clock (after data was loaded or
// changed outside the tickets store, e.g. demo data and imports).
func (s *Service) Recompute(ctx context.Context, ticketID int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error { return s.recomputeTx(ctx, tx, ticketID) })
}
