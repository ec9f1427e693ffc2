package web

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// navBadge reads the count beside a nav link of a page.
func navBadge(t *testing.T, body, href string) int {
	t.Helper()
	m := regexp.MustCompile(`href="` + regexp.QuoteMeta(href) + `"[^>]*>[^<]*<span class="count">(\d+)</span>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no count beside %s", href)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestNavCountsAfterOwnChange: the nav counts are kept between pages, and a
// member's own change shows on their very next page.
func TestNavCountsAfterOwnChange(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := e.login(staff.RoleRep)
	e.srv.live.Start() // pages keep counts only while the hub listens
	select {
	case <-e.srv.live.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the live hub never listened")
	}
	var ids []int64
	for _, subject := range []string{"Where is it?", "Broken kettle"} {
		tk, _, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{Name: "Minh", Email: "minh@example.vn", Subject: subject, Message: "Order 1001?", Locale: "vi"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	want := func(what string, mine, team int) {
		t.Helper()
		res := e.get(c, "/queue/mine")
		wantCode(t, res, 200)
		if got := [2]int{navBadge(t, res.Body, "/queue/mine"), navBadge(t, res.Body, "/queue/team")}; got != [2]int{mine, team} {
			t.Fatalf("%s: nav counts mine %d, team %d; want %d, %d", what, got[0], got[1], mine, team)
		}
	}
	// Two new tickets before any page: the first page counts, the next
	// keeps.
	want("before", 0, 2)
	want("again", 0, 2)
	for i, id := range ids {
		res := e.post(c, ticketURLOf(id)+"/take", url.Values{"return": {"/queue/mine"}})
		wantCode(t, res, 303)
		want("after taking "+strconv.Itoa(i+1), i+1, 1-i)
	}
}
