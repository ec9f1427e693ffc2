package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/privacy"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The customer to erase, and words only their data holds.
const (
	name     = "Zebulon Quibbleworth"
	email    = "zebulon.q@example.org"
	phone    = "+358401234567"
	msgWord  = "Quixotrexian" // in their message
	fileWord = "Lapinkatu"    // in their file
)

type bundle struct {
	ctx     context.Context
	db      *pgxpool.Pool
	tickets *tickets.Store
	esc     *escalation.Service
	svc     *privacy.Service
	rep     tickets.Actor
	sup     tickets.Actor
}

func setup(t *testing.T) bundle {
	t.Helper()
	db := pgtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts, esc := escalation.Wire(db, time.Now, "https://desk.example", nil, log, escalation.Config{})
	b := bundle{ctx: t.Context(), db: db, tickets: ts, esc: esc, svc: privacy.New(db, log, time.Now)}
	team := ticketstest.Team(b.ctx, t, db, "Delivery")
	b.rep = ticketstest.User(b.ctx, t, db, "rep", team)
	b.sup = ticketstest.User(b.ctx, t, db, "supervisor", team)
	return b
}

// seed gives the customer everything the desk can hold about someone: a
// web ticket with a file and its mail, a staff ticket with their phone, a
// reply by mail, staff replies and notes that name them, a solved ticket
// with a CSAT comment, an escalation note, a follow-up note, a webhook
// delivery. Another customer's ticket is there too and must stay intact.
func seed(t *testing.T, b bundle) (customerID int64, other tickets.Ticket) {
	t.Helper()
	web, _, err := b.tickets.CreatePublic(b.ctx, tickets.NewPublicTicket{
		Name: name, Email: email, Subject: "Parcel for " + name + " lost", Locale: "fi",
		Message:    "My parcel to " + fileWord + " 7 never came. " + msgWord + " order, call " + phone,
		Attachment: &tickets.NewAttachment{Filename: "zebulon-receipt.txt", Data: []byte("Receipt: " + name + ", " + fileWord + " 7\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	customerID = web.Customer.ID
	if _, err := b.tickets.AddReply(b.ctx, b.rep, web.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Hi Zebulon, we are on it."}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(b.ctx, b.rep, web.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Quibbleworth called twice.",
		Attachment: &tickets.NewAttachment{Filename: "quibbleworth-notes.txt", Data: []byte("notes about " + msgWord)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "zebulon-1@example.org", FromName: name, FromEmail: email,
		Subject: "Re: parcel", Body: "Still nothing, " + msgWord + ".", TicketNumber: web.ID,
		HTML: "<p>Still nothing, <b>" + msgWord + "</b>.</p>", Auth: tickets.MailAuth{DMARC: "pass"}}); err != nil {
		t.Fatal(err)
	}
	// mailin2: a mail of theirs held in Spam, whole.
	if _, err := b.db.Exec(b.ctx, `INSERT INTO mail_spam (message_id, reason, from_email, from_name, subject, raw, received_at)
VALUES ('held-zq@example.org', 'rate', $1, $2, 'About ' || $3, convert_to('From: ' || $1 || E'\r\n\r\n' || $3, 'UTF8'), now())`, email, name, msgWord); err != nil {
		t.Fatal(err)
	}
	// mailin2: a delivery report marks the address bouncing, naming it.
	if _, err := b.db.Exec(b.ctx, `UPDATE outbox SET message_id = 'bounced0123456789abcdef0' WHERE id = (SELECT min(id) FROM outbox WHERE ticket_id = $1)`, web.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := b.tickets.RecordBounce(b.ctx, tickets.Bounce{ReportID: "dsn:0:r1@mx.example", OriginalID: "bounced0123456789abcdef0@desk.example",
		Recipient: email, Status: "5.2.2", Diagnostic: "552 5.2.2 <" + email + ">: mailbox full"}); err != nil || r.Outcome != tickets.BounceRecorded {
		t.Fatalf("bounce: %+v, %v", r, err)
	}
	phoneTicket := ticketstest.Create(b.ctx, t, b.tickets, b.rep, tickets.NewTicket{CustomerID: customerID, Subject: "Call back",
		Body: "Phoned from " + phone, OrderRef: "ZQ-" + msgWord})
	if _, err := b.db.Exec(b.ctx, `UPDATE customers SET phone = $2, notes = $3 WHERE id = $1`, customerID, strings.TrimPrefix(phone, "+"),
		"VIP: "+name); err != nil {
		t.Fatal(err)
	}
	solved := ticketstest.Move(b.ctx, t, b.tickets, b.sup, phoneTicket.ID, tickets.StatusOpen, tickets.StatusSolved)
	if _, err := csat.NewStore(b.db, b.esc, time.Now, "https://desk.example").Answer(b.ctx, solved.ID,
		csat.Answer{Rating: "good", Reason: "staff", Comment: "Thanks from " + name}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `
INSERT INTO escalations (ticket_id, kind, level, from_user_id, to_team_id, reason, note, urgency, status, outcome, requested_at, returned_at)
SELECT $1, 'escalation', 2, $2, team_id, 'technical', $3, 'normal', 'returned', $4, now(), now() FROM tickets WHERE id = $1`,
		web.ID, b.rep.UserID, "Customer "+name+" needs help", "Told "+name+" to wait"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `
INSERT INTO follow_ups (ticket_id, owner_id, reason, due_at, created_at, done_at, contact_method, confirmed, note)
VALUES ($1, $2, 'proactive', now(), now(), now(), 'phone', true, $3)`, web.ID, b.rep.UserID, "Spoke to "+name); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `
WITH e AS (
    INSERT INTO webhook_endpoints (url, events, secret_sealed, secret_hint, enabled, created_at, updated_at)
    VALUES ('https://hooks.example/x', '{ticket.created}', '\x01', 'abcd', false, now(), now()) RETURNING id)
INSERT INTO webhook_deliveries (endpoint_id, ticket_id, event_type, body, created_at)
SELECT id, $1, 'ticket.created', $2, now() FROM e`, web.ID, `{"customer":{"name":"`+name+`","email":"`+email+`"}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `
INSERT INTO notifications (user_id, ticket_id, kind, data, created_at) VALUES ($1, $2, 'csat_bad', $3, now())`,
		b.sup.UserID, web.ID, map[string]any{"customer": name}); err != nil {
		t.Fatal(err)
	}
	other = ticketstest.Create(b.ctx, t, b.tickets, b.rep, tickets.NewTicket{CustomerName: "Aino Virtanen", CustomerEmail: "aino@example.fi",
		Subject: "Kettle broken", Body: "The kettle Wobblesnort leaks."})
	// mailout: the customer is copied on the other ticket's replies (ticket_cc,
	// the reply mail's outbox.cc, the cc_added event).
	if err := b.tickets.AddCC(b.ctx, b.rep, other.ID, email); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(b.ctx, b.rep, other.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "A new kettle is on its way."}); err != nil {
		t.Fatal(err)
	}
	return customerID, other
}

// dumpHits searches every text-like column of every table (text, varchar,
// citext, jsonb, tsvector, arrays, bytea) for needle, case-insensitively,
// and names where it is found.
func dumpHits(t *testing.T, db *pgxpool.Pool, needle string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c JOIN information_schema.tables tb
  ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
WHERE c.table_schema = 'public'
  AND (c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'tsvector', 'bytea', 'ARRAY')
       OR c.udt_name = 'citext')
ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column, typ string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (col, error) {
		var c col
		return c, r.Scan(&c.table, &c.column, &c.typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 50 {
		t.Fatalf("only %d text-like columns found: the dump misses tables", len(cols))
	}
	var hits []string
	for _, c := range cols {
		ident := pgx.Identifier{c.table}.Sanitize() + "." + pgx.Identifier{c.column}.Sanitize()
		cond := `strpos(lower(` + ident + `::text), lower($1)) > 0`
		if c.typ == "bytea" {
			cond = `position(convert_to($1, 'UTF8') in ` + ident + `) > 0 OR position(convert_to(lower($1), 'UTF8') in ` + ident + `) > 0`
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{c.table}.Sanitize()+` WHERE `+cond, needle).Scan(&n); err != nil {
			t.Fatalf("search %s: %v", ident, err)
		}
		if n > 0 {
			hits = append(hits, fmt.Sprintf("%s.%s (%d rows)", c.table, c.column, n))
		}
	}
	return hits
}

// needles are the customer's personal data as it may be stored: as typed,
// folded into search words, the phone without "+".
var needles = []string{"Zebulon", "Quibbleworth", email, "zebulon.q", phone, strings.TrimPrefix(phone, "+"), msgWord, fileWord}

// dashboard rebuilds every ticket's facts from scratch and returns this
// week's dashboard, the same range each time.
func dashboard(t *testing.T, b bundle, now time.Time) reports.Dashboard {
	t.Helper()
	rep := reports.NewStore(b.db, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := rep.Rebuild(b.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Refresh(b.ctx); err != nil {
		t.Fatal(err)
	}
	d, err := rep.Dashboard(b.ctx, reports.Filter{From: now.AddDate(0, 0, -7), To: now.AddDate(0, 0, 1), Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	d.AsOf = nil
	return d
}

func TestEraseLeavesNoPersonalData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id, other := seed(t, b)
	for _, n := range needles {
		if len(dumpHits(t, b.db, n)) == 0 {
			t.Fatalf("the seed did not store %q anywhere: the test would prove nothing", n)
		}
	}
	now := time.Now()
	before := dashboard(t, b, now)
	if before.Created != 3 || before.CSAT.Good != 1 {
		t.Fatalf("dashboard before: created %d, CSAT %+v: the comparison would prove little", before.Created, before.CSAT)
	}
	var ticketsBefore []string
	if err := b.db.QueryRow(b.ctx, `SELECT array_agg(id || ':' || status || ':' || priority || ':' || created_at || ':' || coalesce(solved_at::text, '') ORDER BY id) FROM tickets`).Scan(&ticketsBefore); err != nil {
		t.Fatal(err)
	}

	c, err := b.svc.Get(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tickets != 2 || c.Attachments != 2 || c.ConfirmWord() != email {
		t.Fatalf("customer before erasure: %+v", c)
	}
	// The confirmation must be the customer's email.
	if _, err := b.svc.Erase(b.ctx, b.sup.UserID, id, "someone@example.org"); apperr.FieldsOf(err)["confirm"] != "privacy_error_confirm" {
		t.Fatalf("wrong confirmation: %v", err)
	}
	res, err := b.svc.Erase(b.ctx, b.sup.UserID, id, "  ZEBULON.Q@example.org ")
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 2 || res.Attachments != 2 || res.Mails == 0 {
		t.Fatalf("erasure: %+v", res)
	}

	for _, n := range needles {
		if hits := dumpHits(t, b.db, n); len(hits) > 0 {
			t.Errorf("%q is still stored in %v", n, hits)
		}
	}
	// Numbers, timing and statistics stay; so do the dashboard's figures.
	var ticketsAfter []string
	if err := b.db.QueryRow(b.ctx, `SELECT array_agg(id || ':' || status || ':' || priority || ':' || created_at || ':' || coalesce(solved_at::text, '') ORDER BY id) FROM tickets`).Scan(&ticketsAfter); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ticketsBefore, ticketsAfter) {
		t.Errorf("tickets changed:\n%v\n%v", ticketsBefore, ticketsAfter)
	}
	if after := dashboard(t, b, now); !reflect.DeepEqual(before, after) {
		t.Errorf("dashboard changed:\nbefore %+v\nafter  %+v", before, after)
	}
	// The other customer is untouched, and still found by search.
	if hits := dumpHits(t, b.db, "Wobblesnort"); len(hits) < 2 {
		t.Errorf("the other customer's message lost: %v", hits)
	}
	res2, err := b.tickets.Search(b.ctx, b.sup, "Wobblesnort", 10)
	if err != nil || len(res2.Hits) != 1 || res2.Hits[0].Ticket.ID != other.ID {
		t.Errorf("search for the other customer: %+v, %v", res2, err)
	}
	// The erasure is audited, without personal data; it cannot be repeated,
	// and there is nothing left to export.
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE subject_type = 'customer' AND subject_id = $1 AND action = 'customer.erased' AND actor_id = $2`, id, b.sup.UserID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("customer.erased events: %d, %v", n, err)
	}
	after, _ := b.svc.Get(b.ctx, id)
	if after.ErasedAt == nil || after.Name != privacy.ErasedName || after.Email != "" || after.Phone != "" {
		t.Fatalf("customer after erasure: %+v", after)
	}
	if _, err := b.svc.Erase(b.ctx, b.sup.UserID, id, after.ConfirmWord()); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second erasure: %v", err)
	}
	if _, err := b.svc.StartExport(b.ctx, b.sup.UserID, id, after.ConfirmWord()); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("export after erasure: %v", err)
	}
	// Unsent mail to them will not be sent.
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM outbox WHERE status IN ('queued', 'held') AND ticket_id IN (SELECT id FROM tickets WHERE customer_id = $1)`, id).Scan(&n); err != nil || n != 0 {
		t.Fatalf("mail still queued: %d, %v", n, err)
	}
}

func TestExportHoldsEverything(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id, _ := seed(t, b)
	if _, err := b.svc.StartExport(b.ctx, b.sup.UserID, id, "nope"); apperr.FieldsOf(err)["confirm"] != "privacy_error_confirm" {
		t.Fatalf("export without confirmation: %v", err)
	}
	c, err := b.svc.StartExport(b.ctx, b.sup.UserID, id, email)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.svc.WriteExport(b.ctx, c, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = string(data)
	}
	for _, want := range []string{"customer.json", "tickets.json", "csat.json", "events.json", "mail.json"} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s missing from the zip: %v", want, len(files))
		}
	}
	var prof struct {
		Format   string `json:"format"`
		Customer struct {
			Name, Email, Phone string
		} `json:"customer"`
	}
	if err := json.Unmarshal([]byte(files["customer.json"]), &prof); err != nil {
		t.Fatal(err)
	}
	if prof.Format != privacy.ExportFormat || prof.Customer.Name != name || prof.Customer.Email != email || prof.Customer.Phone == "" {
		t.Errorf("customer.json: %s", files["customer.json"])
	}
	var tks []struct {
		ID       int64
		Subject  string
		Messages []struct {
			Kind        string
			Body        string
			Attachments []struct{ Filename, File, SHA256 string }
		}
	}
	if err := json.Unmarshal([]byte(files["tickets.json"]), &tks); err != nil {
		t.Fatal(err)
	}
	if len(tks) != 2 {
		t.Fatalf("%d tickets exported, want 2", len(tks))
	}
	var bodies []string
	var atts int
	for _, tk := range tks {
		for _, m := range tk.Messages {
			bodies = append(bodies, m.Body)
			for _, a := range m.Attachments {
				atts++
				if data, ok := files[a.File]; !ok || !strings.Contains(data, "") || a.SHA256 == "" {
					t.Errorf("attachment %s (%s) is not in the zip", a.Filename, a.File)
				}
			}
		}
	}
	all := strings.Join(bodies, "\n")
	for _, want := range []string{msgWord, "Hi Zebulon", "Quibbleworth called twice", "Still nothing"} {
		if !strings.Contains(all, want) {
			t.Errorf("messages miss %q", want)
		}
	}
	if atts != 2 || !strings.Contains(files["attachments/"+fmt.Sprint(tks[0].ID)+"/"+fileFor(t, files, "zebulon-receipt.txt")], fileWord) {
		t.Errorf("%d attachments; files %v", atts, keys(files))
	}
	if !strings.Contains(files["csat.json"], "Thanks from "+name) || !strings.Contains(files["events.json"], "ticket.created") ||
		!strings.Contains(files["mail.json"], email) {
		t.Errorf("csat, events or mail incomplete")
	}
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE subject_type = 'customer' AND subject_id = $1 AND action = 'customer.exported'`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("customer.exported events: %d, %v", n, err)
	}
	// Lookup for the privacy page: by email, number and part of the name.
	for _, q := range []string{email, fmt.Sprintf("#%d", id), "quibble"} {
		found, err := b.svc.Find(b.ctx, q)
		if err != nil || len(found) != 1 || found[0].ID != id {
			t.Errorf("find %q: %+v, %v", q, found, err)
		}
	}
}

// fileFor finds the zip name ending in "-"+filename.
func fileFor(t *testing.T, files map[string]string, filename string) string {
	t.Helper()
	for k := range files {
		if strings.HasSuffix(k, "-"+filename) {
			return k[strings.LastIndex(k, "/")+1:]
		}
	}
	return filename
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
