package csat_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// start is when every test's clock starts: a Monday morning.
var start = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// bundle is one test's database, clock, stores and cast: a team with its own
// supervisor (the lead), a rep who owns the tickets, and a supervisor of
// another team who must not hear about this team's customers.
type bundle struct {
	ctx        context.Context
	db         *pgxpool.Pool
	clock      *escalationtest.Clock
	ts         *tickets.Store
	esc        *escalation.Service
	store      *csat.Store
	team       int64
	rep, rep2  staff.User
	lead       staff.User
	otherLead  staff.User
	supervisor staff.User // in no team
}

func setup(t *testing.T) *bundle {
	t.Helper()
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	b := &bundle{ctx: ctx, db: db, clock: escalationtest.NewClock(start)}
	b.ts, b.esc = escalation.Wire(db, b.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{})
	b.store = csat.NewStore(db, b.esc, b.clock.Now, ticketstest.BaseURL)
	b.team = ticketstest.Team(ctx, t, db, "Front line")
	other := ticketstest.Team(ctx, t, db, "Warehouse")
	b.rep = escalationtest.User(ctx, t, db, staff.RoleRep, b.team)
	b.rep2 = escalationtest.User(ctx, t, db, staff.RoleRep, b.team)
	b.lead = escalationtest.User(ctx, t, db, staff.RoleSupervisor, b.team)
	b.otherLead = escalationtest.User(ctx, t, db, staff.RoleSupervisor, other)
	b.supervisor = escalationtest.User(ctx, t, db, staff.RoleSupervisor)
	return b
}

func actor(u staff.User) tickets.Actor {
	return tickets.Actor{UserID: u.ID, TeamIDs: u.TeamIDs, SeeAll: u.Role.AtLeast(staff.RoleSupervisor)}
}

// solved opens a ticket owned by owner for a customer with email (may be "")
// and locale, and solves it.
func (b *bundle) solved(t *testing.T, owner staff.User, email, locale string) tickets.Ticket {
	t.Helper()
	tk := ticketstest.Create(b.ctx, t, b.ts, actor(owner), tickets.NewTicket{
		CustomerName: "Customer " + email, CustomerEmail: email, CustomerLocale: locale, Subject: "Broken mug",
	})
	return ticketstest.Move(b.ctx, t, b.ts, actor(owner), tk.ID, tickets.StatusSolved)
}

func wantErr(t *testing.T, err error, kind apperr.Kind, msgID string) {
	t.Helper()
	if !apperr.Is(err, kind) || apperr.MsgIDOf(err) != msgID {
		t.Fatalf("err = %v, want %v %s", err, kind, msgID)
	}
}

func TestSurveyQueuedOncePerSolvedTicket(t *testing.T) {
	b := setup(t)
	tk := b.solved(t, b.rep, "aino@example.fi", "fi")
	open := ticketstest.Create(b.ctx, t, b.ts, actor(b.rep), tickets.NewTicket{CustomerName: "Still open", CustomerEmail: "open@example.com"})
	noMail := b.solved(t, b.rep, "", "en")

	if n, err := b.store.QueueSurveys(b.ctx); err != nil || n != 2 {
		t.Fatalf("QueueSurveys = %d, %v; want the two solved tickets", n, err)
	}
	var surveys []ticketstest.Mail
	for _, m := range ticketstest.Mails(b.ctx, t, b.db) {
		if m.Kind == csat.MailKind {
			surveys = append(surveys, m)
		}
	}
	if len(surveys) != 1 {
		t.Fatalf("survey mails: %+v, want one (the customer without email gets none)", surveys)
	}
	m := surveys[0]
	if m.TicketID != tk.ID || m.To != "aino@example.fi" || m.Locale != "fi" {
		t.Fatalf("survey mail: %+v", m)
	}
	// Queued with no readable token: the outbox mints one when it sends.
	if m.Data["Good"] != ticketstest.BaseURL+"/csat/"+tickets.StatusTokenPlaceholder+"/good" {
		t.Fatalf("survey mail queued with %v", m.Data)
	}
	sent := ticketstest.SentLinks(b.ctx, t, b.db, m)
	good, _ := sent["Good"].(string)
	bad, _ := sent["Bad"].(string)
	token, ok := strings.CutPrefix(good, ticketstest.BaseURL+"/csat/")
	token, ok2 := strings.CutSuffix(token, "/good")
	if !ok || !ok2 || bad != ticketstest.BaseURL+"/csat/"+token+"/bad" || sent["Link"] != ticketstest.BaseURL+"/status/"+token {
		t.Fatalf("survey links: %v", sent)
	}
	// The survey's token is a status link like the tickets package's own.
	if got, err := b.ts.TicketByToken(b.ctx, token); err != nil || got.ID != tk.ID {
		t.Fatalf("TicketByToken(survey token) = %d, %v", got.ID, err)
	}

	// Again, and after a reopen and a second solve: nothing more.
	if n, err := b.store.QueueSurveys(b.ctx); err != nil || n != 0 {
		t.Fatalf("second QueueSurveys = %d, %v", n, err)
	}
	ticketstest.Move(b.ctx, t, b.ts, actor(b.rep), tk.ID, tickets.StatusOpen, tickets.StatusSolved)
	if n, err := b.store.QueueSurveys(b.ctx); err != nil || n != 0 {
		t.Fatalf("QueueSurveys after solving again = %d, %v", n, err)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "csat_surveys"); n != 2 {
		t.Fatalf("%d survey rows, want 2", n)
	}

	// A ticket solved more than a day before the job runs is left alone.
	late := b.solved(t, b.rep, "late@example.com", "en")
	b.clock.Advance(25 * time.Hour)
	ticketstest.Move(b.ctx, t, b.ts, actor(b.rep), open.ID, tickets.StatusSolved)
	if n, err := b.store.QueueSurveys(b.ctx); err != nil || n != 1 {
		t.Fatalf("QueueSurveys a day later = %d, %v; want only the newly solved ticket", n, err)
	}
	var lateSurveys int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM csat_surveys WHERE ticket_id = $1`, late.ID).Scan(&lateSurveys); err != nil || lateSurveys != 0 {
		t.Fatalf("ticket solved over a day ago surveyed: %d, %v", lateSurveys, err)
	}
	_ = noMail
}

func TestAnswerOncePerTicketChangeableForSevenDays(t *testing.T) {
	b := setup(t)
	tk := b.solved(t, b.rep, "minh@example.vn", "vi")

	r, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "good", Reason: "speed", Comment: "  Nhanh lắm!  "})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rating != csat.Good || r.Reason != "speed" || r.Comment != "Nhanh lắm!" || r.OwnerID != b.rep.ID ||
		!r.AnsweredAt.Equal(start) || !r.ChangedAt.Equal(start) {
		t.Fatalf("first answer: %+v", r)
	}
	// Six days later: changed, still one answer, first answered time kept.
	b.clock.Advance(6 * 24 * time.Hour)
	r, err = b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "good", Reason: "staff", Comment: ""})
	if err != nil {
		t.Fatal(err)
	}
	if r.Reason != "staff" || r.Comment != "" || !r.AnsweredAt.Equal(start) || !r.ChangedAt.Equal(b.clock.Now()) {
		t.Fatalf("changed answer: %+v", r)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "csat_responses"); n != 1 {
		t.Fatalf("%d answers, want one per ticket", n)
	}
	// Exactly seven days: still changeable. A second later: read-only.
	b.clock.Set(start.Add(csat.ChangeWindow))
	sv, err := b.store.SurveyOf(b.ctx, b.ticket(t, tk.ID))
	if err != nil || !sv.CanAnswer() || sv.Locked {
		t.Fatalf("survey at the end of the window: %+v, %v", sv, err)
	}
	b.clock.Advance(time.Second)
	_, err = b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "bad"})
	wantErr(t, err, apperr.Conflict, "csat_error_locked")
	sv, err = b.store.SurveyOf(b.ctx, b.ticket(t, tk.ID))
	if err != nil || sv.CanAnswer() || !sv.Locked || !sv.Answered || sv.Response.Rating != csat.Good {
		t.Fatalf("survey after the window: %+v, %v", sv, err)
	}
	if r, _, _ := b.store.Find(b.ctx, tk.ID); r.Rating != csat.Good || r.Reason != "staff" {
		t.Fatalf("a refused change changed the answer: %+v", r)
	}
}

func (b *bundle) ticket(t *testing.T, id int64) tickets.Ticket {
	t.Helper()
	tk, err := b.ts.Get(b.ctx, actor(b.supervisor), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestAnswerNeedsASolvedTicketAndExpires(t *testing.T) {
	b := setup(t)
	open := ticketstest.Create(b.ctx, t, b.ts, actor(b.rep), tickets.NewTicket{CustomerName: "Open"})
	_, err := b.store.Answer(b.ctx, open.ID, csat.Answer{Rating: "good"})
	wantErr(t, err, apperr.Conflict, "csat_error_not_solved")
	if sv, err := b.store.SurveyOf(b.ctx, open); err != nil || sv.Open || sv.CanAnswer() {
		t.Fatalf("survey of an open ticket: %+v, %v", sv, err)
	}
	_, err = b.store.Answer(b.ctx, 999999, csat.Answer{Rating: "good"})
	wantErr(t, err, apperr.NotFound, "error_ticket_not_found")

	// Closed after solving: the survey still applies.
	tk := b.solved(t, b.rep, "", "en")
	ticketstest.Move(b.ctx, t, b.ts, actor(b.rep), tk.ID, tickets.StatusClosed)
	if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "good"}); err != nil {
		t.Fatalf("answer about a closed ticket: %v", err)
	}

	// Never answered for longer than OpenFor: too late for a first answer.
	old := b.solved(t, b.rep, "", "en")
	b.clock.Advance(csat.OpenFor + time.Minute)
	sv, err := b.store.SurveyOf(b.ctx, b.ticket(t, old.ID))
	if err != nil || !sv.Expired || sv.CanAnswer() {
		t.Fatalf("old survey: %+v, %v", sv, err)
	}
	_, err = b.store.Answer(b.ctx, old.ID, csat.Answer{Rating: "bad"})
	wantErr(t, err, apperr.Conflict, "csat_error_expired")
}

func TestAnswerValidation(t *testing.T) {
	b := setup(t)
	tk := b.solved(t, b.rep, "", "en")
	cases := []struct {
		a     csat.Answer
		field string
		msgID string
	}{
		{csat.Answer{Rating: ""}, "rating", "csat_error_rating"},
		{csat.Answer{Rating: "meh"}, "rating", "csat_error_rating"},
		{csat.Answer{Rating: "good", Reason: "price"}, "reason", "csat_error_reason"},
		{csat.Answer{Rating: "good", Comment: strings.Repeat("ä", csat.MaxComment+1)}, "comment", "csat_error_comment_long"},
		{csat.Answer{Rating: "good", Comment: "a\x00b"}, "comment", "csat_error_comment_invalid"},
		{csat.Answer{Rating: "good", Comment: "bad \xff utf-8"}, "comment", "csat_error_comment_invalid"},
	}
	for _, c := range cases {
		_, err := b.store.Answer(b.ctx, tk.ID, c.a)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[c.field] != c.msgID {
			t.Errorf("%+v: err %v, want %s on %s", c.a, err, c.msgID, c.field)
		}
	}
	if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "good", Comment: strings.Repeat("ä", csat.MaxComment)}); err != nil {
		t.Errorf("a comment of exactly %d characters: %v", csat.MaxComment, err)
	}
}

// notified lists the users notified of kind about ticketID.
func (b *bundle) notified(t *testing.T, ticketID int64, kind string) []int64 {
	t.Helper()
	rows, err := b.db.Query(b.ctx, `SELECT user_id FROM notifications WHERE ticket_id = $1 AND kind = $2 ORDER BY user_id`, ticketID, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestBadAnswerNotifiesOwnerAndLeadAndOpensFollowUp(t *testing.T) {
	b := setup(t)
	tk := b.solved(t, b.rep, "aino@example.fi", "fi")
	if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "bad", Reason: "solution", Comment: "Still broken."}); err != nil {
		t.Fatal(err)
	}
	want := []int64{b.rep.ID, b.lead.ID}
	slices.Sort(want)
	if got := b.notified(t, tk.ID, "csat_bad"); !slices.Equal(got, want) {
		t.Fatalf("notified %v, want the owner and the team's supervisor %v", got, want)
	}
	f, err := b.esc.OpenFollowUp(b.ctx, tk.ID)
	if err != nil || f == nil || f.Reason != "csat_bad" || f.OwnerID != b.rep.ID {
		t.Fatalf("follow-up: %+v, %v", f, err)
	}
	// A bad answer reopens the solved ticket, and the open follow-up keeps it
	// from being solved again until the owner calls back.
	if got := b.ticket(t, tk.ID); got.Status != tickets.StatusOpen {
		t.Fatalf("status after a bad answer = %s, want open", got.Status)
	}
	_, err = b.ts.Update(b.ctx, actor(b.rep), tk.ID, tickets.Changes{Version: b.ticket(t, tk.ID).Version, Status: ptr(tickets.StatusSolved)})
	wantErr(t, err, apperr.Conflict, "error_follow_up_required")

	// Flipping to good and back to bad (the reopened ticket's answer stays
	// changeable) does not notify again.
	for _, r := range []string{"good", "bad"} {
		b.clock.Advance(time.Hour)
		if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: r}); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.notified(t, tk.ID, "csat_bad"); len(got) != 2 {
		t.Fatalf("notifications after flipping: %v", got)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "follow_ups"); n != 1 {
		t.Fatalf("%d follow-ups, want 1", n)
	}
	// The history says what the customer did.
	hist, err := b.ts.History(b.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range hist {
		if strings.HasPrefix(e.Action, "ticket.csat_") {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"ticket.csat_bad", "ticket.csat_good", "ticket.csat_bad"}) {
		t.Fatalf("csat events: %v", actions)
	}
}

func TestBadAnswerOnUnownedTicketTellsSupervisors(t *testing.T) {
	b := setup(t)
	tk, _, err := b.ts.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Web", Email: "web@example.com", Subject: "Help", Message: "Please."})
	if err != nil {
		t.Fatal(err)
	}
	ticketstest.Move(b.ctx, t, b.ts, actor(b.supervisor), tk.ID, tickets.StatusSolved)
	// Solving made the supervisor the owner; a ticket solved with nobody
	// owning it is one from before owners were set at the first touch.
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET owner_id = NULL WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: "bad"}); err != nil {
		t.Fatal(err)
	}
	// The public intake team is the first team, whose supervisor is the lead.
	if got := b.notified(t, tk.ID, "csat_bad"); !slices.Equal(got, []int64{b.lead.ID}) {
		t.Fatalf("notified %v, want the lead %d", got, b.lead.ID)
	}
	if f, err := b.esc.OpenFollowUp(b.ctx, tk.ID); err != nil || f != nil {
		t.Fatalf("follow-up without an owner: %+v, %v", f, err)
	}
}

func TestPerRep(t *testing.T) {
	b := setup(t)
	answer := func(owner staff.User, r string) {
		tk := b.solved(t, owner, "", "en")
		if _, err := b.store.Answer(b.ctx, tk.ID, csat.Answer{Rating: r}); err != nil {
			t.Fatal(err)
		}
	}
	answer(b.rep, "good")
	answer(b.rep, "good")
	answer(b.rep, "bad")
	answer(b.rep2, "bad")
	b.clock.Advance(48 * time.Hour)
	answer(b.rep2, "good") // outside the range below

	list, err := b.store.PerRep(b.ctx, start, start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]csat.RepCSAT{}
	for _, r := range list {
		got[r.UserID] = r
	}
	if r := got[b.rep.ID]; len(list) != 2 || r.Good != 2 || r.Bad != 1 || r.Total() != 3 || int(r.Percent()+0.5) != 67 {
		t.Fatalf("per rep: %+v", list)
	}
	if r := got[b.rep2.ID]; r.Good != 0 || r.Bad != 1 || r.Percent() != 0 {
		t.Fatalf("rep2: %+v", r)
	}
	good, bad, err := b.store.Totals(b.ctx, start, start.Add(72*time.Hour), b.team)
	if err != nil || good != 3 || bad != 2 {
		t.Fatalf("totals = %d good, %d bad, %v", good, bad, err)
	}
}

func ptr[T any](v T) *T { return &v }
