package views

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// BenchmarkQueuePageRender renders a queue page of 50 tickets, the layout
// and all, as a rep sees it: the template's own CPU and allocations,
// without the database or HTTP. It asserts no timing.
//
//	go test ./web/views -run '^$' -bench QueuePageRender
func BenchmarkQueuePageRender(b *testing.B) {
	cat, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	ctx := i18n.WithLocalizer(context.Background(), cat.Localizer("fi"))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	u := &staff.User{ID: 7, Name: "Anna Rep", Role: staff.RoleRep, Locale: "fi", TimeZone: "Europe/Helsinki", Active: true, TeamIDs: []int64{1}}
	p := Page{Title: "Queue", Lang: "fi", User: u, Active: "team", Path: "/queue/team", Asset: func(n string) string { return "/static/" + n },
		NavBadge: map[string]int{"mine": 12, "team": 40}, Unread: 3}
	v := QueueView{Scope: "team_unassigned", Path: "/queue/team", TitleID: "nav_team_queue", Now: now,
		Teams: []Option{{Value: "1", Label: "Delivery"}, {Value: "2", Label: "Billing"}}, Clocks: map[int64]escalation.Clock{}}
	for i := range 50 {
		id := int64(1000 + i)
		t := tickets.Ticket{ID: id, Subject: "Tilaus " + strconv.Itoa(i) + " ei ole saapunut — pesukone", Status: tickets.StatusOpen,
			Priority: tickets.Priority(i % 4), Category: "delivery", Customer: tickets.Customer{Name: "Nguyễn Văn An"},
			TeamID: 1, TeamName: "Delivery", UpdatedAt: now.Add(-time.Duration(i) * time.Minute)}
		if i%3 == 0 {
			t.OwnerID, t.OwnerName = 9, "Ville Senior"
		}
		v.Tickets = append(v.Tickets, t)
		v.Clocks[id] = escalation.Clock{}
	}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		w := &countingWriter{}
		if err := QueuePage(p, v).Render(ctx, w); err != nil {
			b.Fatal(err)
		}
		n = w.n
	}
	if n < 10_000 {
		b.Fatalf("rendered %d bytes: not a queue page of 50 rows", n)
	}
	b.ReportMetric(float64(n), "bytes/page")
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)
