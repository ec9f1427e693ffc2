package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// LoadEscalation sets up the demo desk's tiers, calendars and SLA policies,
// starts the SLA clocks of the last days' open tickets, and puts a few
// tickets at each stage of the loop: escalated, being worked, handed back
// with a follow-up due, and with supervisors. It does nothing the second time.
func LoadEscalation(ctx context.Context, db *pgxpool.Pool, esc *escalation.Service, st *staff.Store) error {
	var done bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calendars)`).Scan(&done); err != nil || done {
		return err
	}
	helsinki, err := esc.SaveCalendar(ctx, 0, escalation.CalendarDef{
		Name: "Helsinki office", TimeZone: "Europe/Helsinki",
		Hours:    map[int][]string{1: {"08:00-16:00"}, 2: {"08:00-16:00"}, 3: {"08:00-16:00"}, 4: {"08:00-16:00"}, 5: {"08:00-16:00"}},
		Holidays: []string{"2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01", "2027-01-06"},
	})
	if err != nil {
		return fmt.Errorf("demo calendar: %w", err)
	}
	saigon, err := esc.SaveCalendar(ctx, 0, escalation.CalendarDef{
		Name: "Ho Chi Minh City office", TimeZone: "Asia/Ho_Chi_Minh",
		Hours: map[int][]string{1: {"08:00-12:00", "13:00-17:30"}, 2: {"08:00-12:00", "13:00-17:30"}, 3: {"08:00-12:00", "13:00-17:30"},
			4: {"08:00-12:00", "13:00-17:30"}, 5: {"08:00-12:00", "13:00-17:30"}, 6: {"08:00-12:00"}},
		Holidays: []string{"2027-02-16", "2027-02-17", "2027-02-18"},
	})
	if err != nil {
		return fmt.Errorf("demo calendar: %w", err)
	}
	err = postgres.InTx(ctx, db, func(tx pgx.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE teams SET calendar_id = $1 WHERE name IN ('Delivery', 'Technical')`, []any{helsinki}},
			{`UPDATE teams SET calendar_id = $1 WHERE name = 'Billing'`, []any{saigon}},
			{`UPDATE teams SET tier = 2, skill = 'technical' WHERE name = 'Technical'`, nil},
			// Targets in business minutes: first response, next response, resolution.
			{`INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes, breach_team_id, supervisor_delay_minutes)
SELECT p.name, p.prio, p.fr, p.nr, p.res, (SELECT id FROM teams WHERE name = 'Technical'), 60
FROM (VALUES ('Urgent', 4, 30, 60, 480), ('High', 3, 60, 120, 960),
             ('Normal', 2, 240, 480, 2400), ('Low', 1, 480, 960, 4800)) AS p(name, prio, fr, nr, res)
ON CONFLICT DO NOTHING`, nil},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo tiers and policies: %w", err)
	}

	// The SLA policies are "new today": clocks run for the last day's open
	// tickets (older ones would all breach at once and bury the demo in
	// automatic escalations).
	rows, err := db.Query(ctx, `SELECT id FROM tickets WHERE created_at > now() - interval '1 day' AND status NOT IN ('solved', 'closed') ORDER BY id`)
	if err != nil {
		return err
	}
	recent, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range recent {
		if err := esc.Recompute(ctx, id); err != nil {
			return fmt.Errorf("demo sla clock of %d: %w", id, err)
		}
	}
	return loopStages(ctx, db, esc, st)
}

// loopStages escalates a few open tickets and moves them along the loop.
func loopStages(ctx context.Context, db *pgxpool.Pool, esc *escalation.Service, st *staff.Store) error {
	users, err := st.List(ctx)
	if err != nil {
		return err
	}
	byEmail := map[string]staff.User{}
	for _, u := range users {
		byEmail[u.Email] = u
	}
	var technical int64
	if err := db.QueryRow(ctx, `SELECT id FROM teams WHERE name = 'Technical'`).Scan(&technical); err != nil {
		return err
	}
	pick := func(owner string, n int) ([]int64, error) {
		rows, err := db.Query(ctx, `
SELECT id FROM tickets WHERE owner_id = $1 AND status IN ('open', 'new') ORDER BY updated_at DESC LIMIT $2`, byEmail[owner].ID, n)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	anna, err := pick("anna@loopdesk.test", 3)
	if err != nil {
		return err
	}
	minh, err := pick("minh@loopdesk.test", 1)
	if err != nil {
		return err
	}
	olivia, err := pick("olivia@loopdesk.test", 1)
	if err != nil {
		return err
	}
	if len(anna) < 3 || len(minh) < 1 || len(olivia) < 1 {
		return nil // not enough open demo tickets: nothing to stage
	}
	team := fmt.Sprintf("team:%d", technical)
	steps := []struct {
		from   string
		ticket int64
		req    escalation.Request
		accept string // who accepts ("" = nobody yet)
		back   string // guidance when handed back
	}{
		{"anna@loopdesk.test", anna[0], escalation.Request{Target: team, Reason: "technical_fault", Urgency: "high",
			Note: "Laite ei yhdistä sovellukseen tehdasasetusten palautuksen jälkeenkään. Tarvitaan tekninen tuki."}, "", ""},
		{"anna@loopdesk.test", anna[1], escalation.Request{Target: team, Reason: "needs_expertise",
			Note: "Asiakas kysyy laiteohjelmiston päivityksestä, en osaa vastata."}, "mikko@loopdesk.test", ""},
		{"anna@loopdesk.test", anna[2], escalation.Request{Target: team, Reason: "technical_fault",
			Note: "Takuukorjaus: asiakkaan mukaan vika uusiutui."}, "mikko@loopdesk.test",
			"Vaihdettu laite lähetetty, seurantakoodi viestissä. Varmista asiakkaalta, että uusi laite toimii."},
		{"minh@loopdesk.test", minh[0], escalation.Request{Target: fmt.Sprintf("user:%d", byEmail["priya@loopdesk.test"].ID),
			Reason: "billing_adjustment", Note: "Khách hàng bị trừ tiền hai lần, cần hoàn tiền."}, "priya@loopdesk.test", ""},
		{"olivia@loopdesk.test", olivia[0], escalation.Request{Target: "supervisors", Reason: "complaint", Urgency: "high",
			Note: "Third complaint this month; the customer asks for a manager."}, "", ""},
	}
	for _, s := range steps {
		id, err := esc.Escalate(ctx, byEmail[s.from], s.ticket, s.req)
		if err != nil {
			return fmt.Errorf("demo escalation of %d: %w", s.ticket, err)
		}
		if s.accept == "" {
			continue
		}
		if err := esc.Accept(ctx, byEmail[s.accept], id); err != nil {
			return err
		}
		if s.back != "" {
			if err := esc.Return(ctx, byEmail[s.accept], id, s.back); err != nil {
				return err
			}
		}
	}
	return nil
}
