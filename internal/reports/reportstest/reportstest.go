// Package reportstest holds the small fixed data set that the dashboard's
// figures are checked against by hand, shared by the reports and web tests.
package reportstest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Now is the clock of the data set: Friday 15 March 2030, 12:00 UTC.
var Now = time.Date(2030, 3, 15, 12, 0, 0, 0, time.UTC)

// From and To are the week the data set is about: Monday 4 to Sunday 10 March 2030.
var (
	From = time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	To   = time.Date(2030, 3, 10, 0, 0, 0, 0, time.UTC)
)

// Data names what Load inserted.
type Data struct {
	Calendar                 int64 // Mon-Fri 08:00-16:00 UTC
	TeamA, TeamB             int64 // A ("Billing desk") has the calendar, B ("Returns desk") none: round the clock
	Aino, Binh, Chitra       int64 // reps: Aino and Binh in A, Chitra in B
	T1, T2, T3, T4, T5, T6   int64 // created in the week
	T7, T8                   int64 // created before and after it
	TeamAName, TeamBName     string
	AinoName, BinhName, Chit string
}

// at is a time in March 2030, UTC.
func at(day, hour, minute int) time.Time {
	return time.Date(2030, 3, day, hour, minute, 0, 0, time.UTC)
}

// Load inserts the data set. The expected figures (see the reports tests)
// follow from these rows by hand:
//
//	T1 A Aino   created Mon 4 09:00, first response 09:30, solved 11:00      fr 30 min, lead 2 h
//	T2 A Aino   created Mon 4 15:00, first response Tue 08:30, solved Tue 12:00,
//	            pending Tue 09:00-10:00, solved 11:00, reopened 11:30          fr 1 h 30, lead 4 h (5 h less the pause)
//	            first-response breach fired; escalated Tue 08:40, returned 09:40 (billing_adjustment)
//	T3 A Binh   created Fri 8 15:30, first response Mon 11 08:15, open       fr 45 min (30 Fri + 15 Mon)
//	            escalated Fri 15:45 (technical_fault), still open; customer wrote Mon 09:00, answered 09:20
//	T4 A Binh   created Tue 5 10:00, high priority, new, no response; first response due Tue 11:00 (past)
//	T5 B Chitra created Wed 6 10:00, first response 10:20, solved Thu 10:00  fr 20 min, lead 24 h
//	            escalated Wed 11:00, returned 13:00 (billing_adjustment); next-response and resolution breaches fired
//	T6 B Chitra created Thu 7 09:00, no SLA policy, first response 12:00, solved 15:00   fr 3 h, lead 6 h
//	T7 A Aino   created Wed 20 February, solved the day after (before the week)
//	T8 B Chitra created Tue 12 March (after the week), pending, low priority
//
// Follow-ups: T2 (Aino) due Wed 6 09:40, done 10:00 (late); T5 (Chitra) due Thu 7 13:00, done 12:00
// (on time); open: T4 (Binh) due Thu 14 (overdue at Now), T1 (Aino) due Wed 20 (not yet due).
//
// CSAT answers: T1 good (Aino, Mon 4), T2 bad (Aino, Tue 5), T5 good (Chitra, Thu 7); outside
// the week T6 good (Chitra, Fri 15) and T7 good (Aino, 22 February).
func Load(ctx context.Context, t testing.TB, db *pgxpool.Pool) Data {
	t.Helper()
	d := Data{TeamAName: "Billing desk", TeamBName: "Returns desk", AinoName: "Aino Rep", BinhName: "Binh Rep", Chit: "Chitra Rep"}
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := db.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("reportstest: %s: %v", sql, err)
		}
		return id
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("reportstest: %s: %v", sql, err)
		}
	}
	d.Calendar = q(`INSERT INTO calendars (name, time_zone, hours) VALUES ('Office hours (reports)', 'UTC',
		'{"1":["08:00-16:00"],"2":["08:00-16:00"],"3":["08:00-16:00"],"4":["08:00-16:00"],"5":["08:00-16:00"]}') RETURNING id`)
	d.TeamA = q(`INSERT INTO teams (name, calendar_id) VALUES ($1, $2) RETURNING id`, d.TeamAName, d.Calendar)
	d.TeamB = q(`INSERT INTO teams (name) VALUES ($1) RETURNING id`, d.TeamBName)
	user := func(name, email string, team int64) int64 {
		id := q(`INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, 'rep', 'x') RETURNING id`, email, name)
		exec(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, team, id)
		return id
	}
	d.Aino = user(d.AinoName, "aino@reports.example", d.TeamA)
	d.Binh = user(d.BinhName, "binh@reports.example", d.TeamA)
	d.Chitra = user(d.Chit, "chitra@reports.example", d.TeamB)
	customer := q(`INSERT INTO customers (name) VALUES ('Report Customer') RETURNING id`)
	normal := q(`INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes)
		VALUES ('Normal (reports)', 2, 60, 120, 480) RETURNING id`)
	high := q(`INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes)
		VALUES ('High (reports)', 3, 60, 120, 480) RETURNING id`)

	type tk struct {
		status                string
		priority              int
		team, owner, policy   int64
		created               time.Time
		firstResponse, solved *time.Time
		frDue, resDue, paused *time.Time
	}
	ticket := func(k tk) int64 {
		var policy *int64
		if k.policy != 0 {
			policy = &k.policy
		}
		next := k.frDue
		if next == nil {
			next = k.resDue
		}
		return q(`
INSERT INTO tickets (subject, status, priority, channel, customer_id, team_id, owner_id, created_by, created_at, updated_at,
                     first_response_at, solved_at, sla_policy_id, first_response_due, resolution_due, next_due, paused_since)
VALUES ('Report ticket', $1, $2, 'phone', $3, $4, $5, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			k.status, k.priority, customer, k.team, k.owner, k.created, k.firstResponse, k.solved, policy, k.frDue, k.resDue, next, k.paused)
	}
	p := func(t time.Time) *time.Time { return &t }
	future := p(time.Date(2030, 4, 1, 12, 0, 0, 0, time.UTC))

	d.T1 = ticket(tk{status: "solved", priority: 2, team: d.TeamA, owner: d.Aino, policy: normal,
		created: at(4, 9, 0), firstResponse: p(at(4, 9, 30)), solved: p(at(4, 11, 0))})
	d.T2 = ticket(tk{status: "solved", priority: 2, team: d.TeamA, owner: d.Aino, policy: normal,
		created: at(4, 15, 0), firstResponse: p(at(5, 8, 30)), solved: p(at(5, 12, 0))})
	d.T3 = ticket(tk{status: "open", priority: 2, team: d.TeamA, owner: d.Binh, policy: normal,
		created: at(8, 15, 30), firstResponse: p(at(11, 8, 15)), resDue: future})
	d.T4 = ticket(tk{status: "new", priority: 3, team: d.TeamA, owner: d.Binh, policy: high,
		created: at(5, 10, 0), frDue: p(at(5, 11, 0)), resDue: future})
	d.T5 = ticket(tk{status: "solved", priority: 2, team: d.TeamB, owner: d.Chitra, policy: normal,
		created: at(6, 10, 0), firstResponse: p(at(6, 10, 20)), solved: p(at(7, 10, 0))})
	d.T6 = ticket(tk{status: "solved", priority: 2, team: d.TeamB, owner: d.Chitra,
		created: at(7, 9, 0), firstResponse: p(at(7, 12, 0)), solved: p(at(7, 15, 0))})
	d.T7 = ticket(tk{status: "solved", priority: 2, team: d.TeamA, owner: d.Aino, policy: normal,
		created: time.Date(2030, 2, 20, 9, 0, 0, 0, time.UTC), firstResponse: p(time.Date(2030, 2, 20, 9, 10, 0, 0, time.UTC)),
		solved: p(time.Date(2030, 2, 21, 9, 0, 0, 0, time.UTC))})
	d.T8 = ticket(tk{status: "pending", priority: 1, team: d.TeamB, owner: d.Chitra,
		created: at(12, 9, 0), firstResponse: p(at(12, 9, 5)), paused: p(at(12, 9, 5))})

	exec(`INSERT INTO sla_pauses (ticket_id, started_at, ended_at) VALUES ($1, $2, $3)`, d.T2, at(5, 9, 0), at(5, 10, 0))
	exec(`INSERT INTO sla_pauses (ticket_id, started_at) VALUES ($1, $2)`, d.T8, at(12, 9, 5))

	event := func(ticket int64, action, newStatus string, when time.Time) {
		exec(`INSERT INTO events (subject_type, subject_id, action, data, created_at) VALUES ('ticket', $1, $2, $3, $4)`,
			ticket, action, map[string]any{"new": newStatus}, when)
	}
	event(d.T1, "ticket.status_changed", "solved", at(4, 11, 0))
	event(d.T2, "ticket.status_changed", "pending", at(5, 9, 0))
	event(d.T2, "ticket.status_changed", "open", at(5, 10, 0))
	event(d.T2, "ticket.status_changed", "solved", at(5, 11, 0))
	event(d.T2, "ticket.reopened", "open", at(5, 11, 30))
	event(d.T2, "ticket.status_changed", "solved", at(5, 12, 0))
	event(d.T5, "ticket.status_changed", "solved", at(7, 10, 0))
	event(d.T6, "ticket.status_changed", "solved", at(7, 15, 0))
	event(d.T7, "ticket.status_changed", "solved", time.Date(2030, 2, 21, 9, 0, 0, 0, time.UTC))

	firing := func(ticket int64, target string, due time.Time) {
		exec(`INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, $2, $3, 'breached', $3)`, ticket, target, due)
	}
	firing(d.T2, "first_response", at(5, 8, 0))
	firing(d.T5, "next_response", at(6, 13, 0))
	firing(d.T5, "resolution", at(6, 18, 0))

	escalation := func(ticket, from int64, reason string, requested time.Time, returned *time.Time) int64 {
		status := "requested"
		if returned != nil {
			status = "returned"
		}
		return q(`
INSERT INTO escalations (ticket_id, kind, level, from_user_id, to_team_id, reason, note, urgency, status, requested_at, returned_at)
VALUES ($1, 'escalation', 2, $2, $3, $4, 'Please help', 'normal', $5, $6, $7) RETURNING id`,
			ticket, from, d.TeamB, reason, status, requested, returned)
	}
	e2 := escalation(d.T2, d.Aino, "billing_adjustment", at(5, 8, 40), p(at(5, 9, 40)))
	escalation(d.T3, d.Binh, "technical_fault", at(8, 15, 45), nil)
	e5 := escalation(d.T5, d.Chitra, "billing_adjustment", at(6, 11, 0), p(at(6, 13, 0)))

	followUp := func(ticket, owner int64, esc *int64, reason string, due time.Time, done *time.Time) {
		exec(`INSERT INTO follow_ups (ticket_id, owner_id, escalation_id, reason, due_at, created_at, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ticket, owner, esc, reason, due, due.Add(-24*time.Hour), done)
	}
	followUp(d.T2, d.Aino, &e2, "escalation_returned", at(6, 9, 40), p(at(6, 10, 0)))
	followUp(d.T5, d.Chitra, &e5, "escalation_returned", at(7, 13, 0), p(at(7, 12, 0)))
	followUp(d.T4, d.Binh, nil, "proactive", at(14, 9, 0), nil)
	followUp(d.T1, d.Aino, nil, "proactive", at(20, 9, 0), nil)

	exec(`INSERT INTO messages (ticket_id, kind, author_customer_id, body, created_at) VALUES ($1, 'public', $2, 'Any news?', $3)`,
		d.T3, customer, at(11, 9, 0))
	exec(`INSERT INTO messages (ticket_id, kind, author_user_id, body, created_at) VALUES ($1, 'public', $2, 'Yes, soon.', $3)`,
		d.T3, d.Binh, at(11, 9, 20))
	csat := func(ticket, owner int64, rating string, when time.Time) {
		exec(`INSERT INTO csat_responses (ticket_id, rating, owner_id, answered_at, changed_at) VALUES ($1, $2, $3, $4, $4)`,
			ticket, rating, owner, when)
	}
	csat(d.T1, d.Aino, "good", at(4, 12, 0))
	csat(d.T2, d.Aino, "bad", at(5, 13, 0))
	csat(d.T5, d.Chitra, "good", at(7, 11, 0))
	csat(d.T6, d.Chitra, "good", at(15, 9, 0))
	csat(d.T7, d.Aino, "good", time.Date(2030, 2, 22, 9, 0, 0, 0, time.UTC))
	return d
}
