package tickets_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// cannedEvents returns the actions and data of canned reply id's events, oldest first.
func (b *bundle) cannedEvents(t *testing.T, id int64) ([]string, []map[string]any) {
	t.Helper()
	rows, err := b.db.Query(b.ctx, `
SELECT action, data FROM events WHERE subject_type = 'canned_reply' AND subject_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var actions []string
	var data []map[string]any
	for rows.Next() {
		var a string
		var raw []byte
		if err := rows.Scan(&a, &raw); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		actions, data = append(actions, a), append(data, d)
	}
	return actions, data
}

func cannedTitles(list []tickets.CannedReply) string {
	var s []string
	for _, c := range list {
		s = append(s, c.Title)
	}
	return strings.Join(s, ", ")
}

func TestCannedValidation(t *testing.T) {
	b := setup(t)
	// Reps use canned replies but may not write them.
	_, err := b.store.CreateCanned(b.ctx, b.repA, tickets.CannedDraft{Locale: "en", Title: "Hi", Body: "Hello"})
	wantKind(t, err, apperr.Forbidden, "error_forbidden")

	cases := []struct {
		name         string
		d            tickets.CannedDraft
		field, msgID string
	}{
		{"empty title", tickets.CannedDraft{Locale: "en", Title: "   ", Body: "Hello"}, "title", "error_required"},
		{"long title", tickets.CannedDraft{Locale: "en", Title: strings.Repeat("ä", tickets.MaxCannedTitle+1), Body: "Hello"}, "title", "canned_error_title_long"},
		{"empty body", tickets.CannedDraft{Locale: "fi", Title: "Hei", Body: ""}, "body", "error_required"},
		{"long body", tickets.CannedDraft{Locale: "fi", Title: "Hei", Body: strings.Repeat("x", tickets.MaxCannedBody+1)}, "body", "canned_error_body_long"},
		{"nul in body", tickets.CannedDraft{Locale: "fi", Title: "Hei", Body: "a\x00b"}, "body", "error_text_invalid"},
		{"unknown locale", tickets.CannedDraft{Locale: "de", Title: "Hallo", Body: "Hallo"}, "locale", "error_locale_invalid"},
		{"no team", tickets.CannedDraft{TeamID: 999999, Locale: "en", Title: "Hi", Body: "Hello"}, "team_id", "error_invalid_choice"},
	}
	for _, c := range cases {
		_, err := b.store.CreateCanned(b.ctx, b.sup, c.d)
		wantField(t, err, c.field, c.msgID)
	}
	// Exactly at the limits (in characters, not bytes) is fine.
	c, err := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{
		Locale: "vi", Title: strings.Repeat("ệ", tickets.MaxCannedTitle), Body: strings.Repeat("ữ", tickets.MaxCannedBody)})
	if err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if c.Version != 1 || c.TeamID != 0 || c.CreatedBy != b.sup.UserID || c.ArchivedAt != nil {
		t.Fatalf("created %+v", c)
	}
}

func TestCannedCreateEditArchiveRecordEvents(t *testing.T) {
	b := setup(t)
	c, err := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{
		TeamID: b.teamA, Locale: "en", Title: "  Delivery times ", Body: "Deliveries take 2–4 days.\n"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Delivery times" || c.Body != "Deliveries take 2–4 days." || c.TeamName != "Intake" {
		t.Fatalf("created %+v", c)
	}

	// Edits need the version the editor saw; reps may not edit.
	edit := tickets.CannedDraft{TeamID: 0, Locale: "en", Title: "Delivery times", Body: "Deliveries take 1–3 days.", Version: c.Version}
	_, err = b.store.UpdateCanned(b.ctx, b.repA, c.ID, edit)
	wantKind(t, err, apperr.Forbidden, "error_forbidden")
	c2, err := b.store.UpdateCanned(b.ctx, b.sup, c.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Version != 2 || c2.TeamID != 0 || c2.Body != edit.Body {
		t.Fatalf("edited %+v", c2)
	}
	_, err = b.store.UpdateCanned(b.ctx, b.sup, c.ID, edit) // the old version again
	wantKind(t, err, apperr.Conflict, "canned_error_conflict")
	edit.Version = c2.Version
	edit.Title = ""
	_, err = b.store.UpdateCanned(b.ctx, b.sup, c.ID, edit)
	wantField(t, err, "title", "error_required")
	_, err = b.store.UpdateCanned(b.ctx, b.sup, 999999, tickets.CannedDraft{Locale: "en", Title: "x", Body: "y"})
	wantKind(t, err, apperr.NotFound, "canned_error_not_found")

	_, err = b.store.ArchiveCanned(b.ctx, b.repA, c.ID)
	wantKind(t, err, apperr.Forbidden, "error_forbidden")
	c3, err := b.store.ArchiveCanned(b.ctx, b.sup, c.ID)
	if err != nil || c3.ArchivedAt == nil {
		t.Fatalf("archive: %v %+v", err, c3)
	}
	if _, err := b.store.ArchiveCanned(b.ctx, b.sup, c.ID); err != nil {
		t.Fatalf("archive twice: %v", err)
	}
	edit.Title, edit.Version = "Back", c3.Version
	_, err = b.store.UpdateCanned(b.ctx, b.sup, c.ID, edit)
	wantKind(t, err, apperr.Conflict, "canned_error_archived")

	actions, data := b.cannedEvents(t, c.ID)
	if got := strings.Join(actions, " "); got != "canned_reply.created canned_reply.edited canned_reply.archived" {
		t.Fatalf("events: %s", got)
	}
	if data[0]["title"] != "Delivery times" || data[0]["locale"] != "en" {
		t.Errorf("created event: %v", data[0])
	}
	team, _ := data[1]["team_id"].(map[string]any)
	if team["new"] != float64(0) || team["old"] != float64(b.teamA) || data[1]["body"] != true || data[1]["title"] != nil {
		t.Errorf("edited event: %v", data[1])
	}
	var actor int64
	if err := b.db.QueryRow(b.ctx, `SELECT actor_id FROM events WHERE subject_type = 'canned_reply' AND subject_id = $1 LIMIT 1`, c.ID).Scan(&actor); err != nil || actor != b.sup.UserID {
		t.Errorf("event actor %d: %v", actor, err)
	}
}

func TestCannedListByTeamAndLocale(t *testing.T) {
	b := setup(t)
	mk := func(team int64, locale, title string) tickets.CannedReply {
		t.Helper()
		c, err := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{TeamID: team, Locale: locale, Title: title, Body: "Text of " + title})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mk(0, "en", "Refunds")
	mk(0, "fi", "Palautukset")
	mk(b.teamA, "en", "Intake hours")
	mk(b.teamA, "fi", "Vastaanoton aukiolo")
	mk(b.teamB, "en", "Invoice copy")
	old := mk(0, "en", "Old policy")
	if _, err := b.store.ArchiveCanned(b.ctx, b.sup, old.ID); err != nil {
		t.Fatal(err)
	}

	list := func(a tickets.Actor, f tickets.CannedFilter) string {
		t.Helper()
		l, err := b.store.ListCanned(b.ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		return cannedTitles(l)
	}
	// Reps see everyone's and their teams'; a team's own before everyone's.
	if got := list(b.repA, tickets.CannedFilter{}); got != "Intake hours, Refunds, Vastaanoton aukiolo, Palautukset" {
		t.Errorf("rep A sees %q", got)
	}
	if got := list(b.repB, tickets.CannedFilter{Locale: "en"}); got != "Invoice copy, Refunds" {
		t.Errorf("rep B, English: %q", got)
	}
	// Supervisors see all, and the archived ones on request.
	if got := list(b.sup, tickets.CannedFilter{TeamID: b.teamB, PreferLocale: "fi"}); got != "Palautukset, Invoice copy, Refunds" {
		t.Errorf("supervisor, team B, Finnish first: %q", got)
	}
	if got := list(b.sup, tickets.CannedFilter{Archived: true}); got != "Old policy" {
		t.Errorf("archived: %q", got)
	}
	// A rep cannot read another team's reply.
	invoice, _ := b.store.ListCanned(b.ctx, b.repB, tickets.CannedFilter{Locale: "en"})
	_, err := b.store.GetCanned(b.ctx, b.repA, invoice[0].ID)
	wantKind(t, err, apperr.NotFound, "canned_error_not_found")

	// On a ticket: its team's and everyone's, the customer's language first.
	tk := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerLocale: "fi", TeamID: b.teamA})
	got, err := b.store.CannedForTicket(b.ctx, b.repA, tk)
	if err != nil {
		t.Fatal(err)
	}
	if s := cannedTitles(got); s != "Vastaanoton aukiolo, Palautukset, Intake hours, Refunds" {
		t.Errorf("on a Finnish customer's ticket: %q", s)
	}
	if _, err := b.store.CannedForTicket(b.ctx, b.repB, tk); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("rep B lists canned replies on team A's ticket: %v", err)
	}
}

func TestCannedPlaceholders(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Nguyễn Thị Lan", CustomerLocale: "vi", TeamID: b.teamA})
	c, err := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{Locale: "vi", Title: "Chào",
		Body: "Chào {{customer_name}}, yêu cầu {{ticket_number}} đã nhận. {{unknown}} — {{agent_name}}"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.store.FillCanned(b.ctx, b.repA, tk, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var agent string
	if err := b.db.QueryRow(b.ctx, `SELECT name FROM users WHERE id = $1`, b.repA.UserID).Scan(&agent); err != nil {
		t.Fatal(err)
	}
	want := "Chào Nguyễn Thị Lan, yêu cầu #" + strconv.FormatInt(tk.ID, 10) + " đã nhận. {{unknown}} — " + agent
	if got != want {
		t.Fatalf("filled %q, want %q", got, want)
	}
	// Another team's reply, an archived one, or none at all is not offered.
	other, _ := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{TeamID: b.teamB, Locale: "en", Title: "B", Body: "B"})
	archived, _ := b.store.CreateCanned(b.ctx, b.sup, tickets.CannedDraft{Locale: "en", Title: "Old", Body: "Old"})
	if _, err := b.store.ArchiveCanned(b.ctx, b.sup, archived.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{other.ID, archived.ID, 999999} {
		_, err := b.store.FillCanned(b.ctx, b.repA, tk, id)
		wantKind(t, err, apperr.NotFound, "canned_error_not_found")
	}
	// The rep of another team cannot use the ticket at all.
	_, err = b.store.FillCanned(b.ctx, b.repB, tk, c.ID)
	wantKind(t, err, apperr.NotFound, "error_ticket_not_found")
}

func TestFillPlaceholdersIsPlainText(t *testing.T) {
	t.Parallel()
	// Values are inserted as they are: no second expansion, no template engine.
	got := tickets.FillPlaceholders("Hi {{customer_name}}, {{ticket_number}} {{.Secret}} {{ agent_name }}",
		tickets.Placeholders{CustomerName: "{{agent_name}} <b>", TicketNumber: 42, AgentName: "Anna"})
	if want := "Hi {{agent_name}} <b>, #42 {{.Secret}} {{ agent_name }}"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestAppendCannedKeepsTypedText(t *testing.T) {
	t.Parallel()
	cases := []struct{ current, text, want string }{
		{"", "Canned", "Canned"},
		{" \n ", "Canned", "Canned"},
		{"Hello Aino,", "Canned", "Hello Aino,\n\nCanned"},
		{"Hello Aino,\n\n\n", "Canned", "Hello Aino,\n\nCanned"},
	}
	for _, c := range cases {
		if got := tickets.AppendCanned(c.current, c.text); got != c.want {
			t.Errorf("AppendCanned(%q) = %q, want %q", c.current, got, c.want)
		}
	}
}
