package web

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// sseMessage is one message of an event stream.
type sseMessage struct{ id, event, data string }

// openStream opens /events as c (after: the Last-Event-ID, "" for none) and
// returns its messages; the stream ends with the test.
func (e *env) openStream(c *http.Client, after string) <-chan sseMessage {
	e.t.Helper()
	return openStreamAt(e.t, e.http.URL, e.srv, c, after)
}

// openStreamAt opens the event stream of the instance srv serving at base.
func openStreamAt(t *testing.T, base string, srv *Server, c *http.Client, after string) <-chan sseMessage {
	t.Helper()
	return openStreamURL(t, base+"/events", srv, c, after)
}

// openStreamURL opens the event stream at address u (a page's sse-connect).
func openStreamURL(t *testing.T, u string, srv *Server, c *http.Client, after string) <-chan sseMessage {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/event-stream")
	if after != "" {
		req.Header.Set("Last-Event-ID", after)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("/events: status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseMessage, 100)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.event != "" {
					out <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	select {
	case <-srv.live.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the live hub never listened")
	}
	return out
}

// expect reads msgs until one named event arrives; it fails on any message
// in refuse first.
func expect(t *testing.T, msgs <-chan sseMessage, event string, refuse ...string) sseMessage {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("stream ended before %q", event)
			}
			for _, r := range refuse {
				if m.event == r {
					t.Fatalf("got %q (%s) before %q", m.event, m.data, event)
				}
			}
			if m.event == event {
				return m
			}
		case <-deadline:
			t.Fatalf("no %q", event)
		}
	}
}

// TestEventStreamSendsIDsToThoseWhoMaySee: a rep's stream carries their
// team's new ticket as event names and its number, nothing of another
// team's ticket, and picks up after a reconnect where it stopped.
func TestEventStreamSendsIDsToThoseWhoMaySee(t *testing.T) {
	e := setup(t)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	c := e.login(staff.RoleRep)
	msgs := e.openStream(c, "")

	billing, err := e.staff.EnsureTeam(t.Context(), "Billing")
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := e.tickets.Create(t.Context(), actorOf(&sup), tickets.NewTicket{CustomerName: "Other", Subject: "Invoice",
		Body: "Wrong amount", Channel: "phone", Priority: tickets.PriorityNormal, TeamID: billing.ID})
	if err != nil {
		t.Fatal(err)
	}
	mine, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "Aino", Subject: "Secret subject",
		Body: "Secret body", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	other := "ticket-" + strconv.FormatInt(theirs.ID, 10)
	m := expect(t, msgs, "ticket-"+strconv.FormatInt(mine.ID, 10), other)
	if m.data != strconv.FormatInt(mine.ID, 10) || m.id == "" {
		t.Fatalf("message %+v: want the ticket number as data and an id", m)
	}

	// Reconnect with the last id: a note written meanwhile is delivered.
	if _, err := e.tickets.AddReply(t.Context(), actorOf(&sup), mine.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Psst"}); err != nil {
		t.Fatal(err)
	}
	again := e.openStream(e.login(staff.RoleRep), m.id)
	expect(t, again, "ticket-"+strconv.FormatInt(mine.ID, 10), other, "reset")
	// An id this instance never gave asks the page to reload what it shows.
	expect(t, e.openStream(e.login(staff.RoleRep), "123456789"), "reset")
}

var threadVersion = regexp.MustCompile(`name="thread_version" value="(\d+)"`)

// TestReplyAfterReplyAsksFirst: a rep who answers after a colleague wrote
// since the page was loaded gets the colleague's message first and the
// reply back, unsent; sending again sends it.
func TestReplyAfterReplyAsksFirst(t *testing.T) {
	e := setup(t)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi",
		Subject: "Paketti", Body: "Missä paketti?", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleRep)
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10)
	page := e.get(c, path)
	v := threadVersion.FindStringSubmatch(page.Body)
	if v == nil {
		t.Fatal("ticket page has no thread version")
	}
	// The senior answers first.
	if _, err := e.tickets.AddReply(t.Context(), actorOf(&senior), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Paketti on matkalla."}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"kind": {"public"}, "body": {"Tarkistan asian."}, "thread_version": {v[1]}}
	res := e.post(c, path+"/replies", form)
	fi := e.srv.cat.Localizer("fi")
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, `id="reply-guard"`) ||
		!strings.Contains(res.Body, "Paketti on matkalla.") || !strings.Contains(res.Body, "Tarkistan asian.") ||
		!strings.Contains(res.Body, fi.T("live_replied_since", "Name", senior.Name)) {
		t.Fatalf("reply after reply: status %d, want 409 with the senior's message first and the reply kept", res.StatusCode)
	}
	msgs, err := e.tickets.Messages(t.Context(), tk.ID, true)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages (%v): the reply must not have been sent", len(msgs), err)
	}
	// Sent again from the page that showed the message: it goes.
	v = threadVersion.FindStringSubmatch(res.Body)
	form.Set("thread_version", v[1])
	if res := e.post(c, path+"/replies", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second send: status %d", res.StatusCode)
	}
	// A note of one's own in between asks nothing.
	page = e.get(c, path)
	v = threadVersion.FindStringSubmatch(page.Body)
	if _, err := e.tickets.AddReply(t.Context(), actorOf(&rep), tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Muistiinpano"}); err != nil {
		t.Fatal(err)
	}
	form.Set("thread_version", v[1])
	form.Set("body", "Vielä yksi asia.")
	if res := e.post(c, path+"/replies", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after one's own note: status %d, want sent", res.StatusCode)
	}
}

// TestLiveTicketRefreshAndPresence: the live refresh of a ticket page names
// what others did since it was loaded; who else has it open and who is
// typing shows to colleagues, not to the typist.
func TestLiveTicketRefreshAndPresence(t *testing.T) {
	e := setup(t)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "An", Subject: "Đơn hàng",
		Body: "Chưa nhận.", Channel: "chat", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10)
	repC, seniorC := e.login(staff.RoleRep), e.login(staff.RoleSenior)
	page := e.get(repC, path)
	since := regexp.MustCompile(`\?since=(\d+)`).FindStringSubmatch(page.Body)
	if since == nil {
		t.Fatal("ticket page has no live listener")
	}
	// A refresh for a change the page already shows (heard late) swaps
	// nothing; a plain visit of the same address is the page.
	refresh := func() *response {
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+path+"?since="+since[1], nil)
		req.Header.Set("HX-Request", "true")
		return e.do(repC, req)
	}
	if res := refresh(); res.StatusCode != http.StatusNoContent || res.Body != "" {
		t.Fatalf("a refresh with nothing new: status %d, %d bytes; want 204 and nothing", res.StatusCode, len(res.Body))
	}
	if res := e.get(repC, path+"?since="+since[1]); res.StatusCode != http.StatusOK {
		t.Fatalf("a plain visit with ?since=: status %d", res.StatusCode)
	}
	if _, err := e.tickets.AddReply(t.Context(), actorOf(&senior), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Đang giao."}); err != nil {
		t.Fatal(err)
	}
	fi := e.srv.cat.Localizer("fi")
	live := refresh()
	if live.StatusCode != http.StatusOK {
		t.Fatalf("a refresh after the senior's reply: status %d", live.StatusCode)
	}
	notice := live.Body[strings.Index(live.Body, `id="live-notice"`):]
	notice = notice[:strings.Index(notice, "</div>")]
	if !strings.Contains(notice, senior.Name) || !strings.Contains(notice, fi.T("event_ticket_replied")) {
		t.Fatalf("live notice lacks the senior's reply: %s", notice)
	}

	if res := e.post(seniorC, path+"/presence", url.Values{"state": {"typing"}}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("beat: status %d", res.StatusCode)
	}
	if res := e.post(repC, path+"/presence", url.Values{"state": {"viewing"}}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("beat: status %d", res.StatusCode)
	}
	seen := e.get(repC, path+"/presence")
	if want := fi.T("live_presence_typing", "Name", senior.Name); !strings.Contains(seen.Body, want) {
		t.Fatalf("rep's presence list lacks %q:\n%s", want, seen.Body)
	}
	vi := e.srv.cat.Localizer("vi")
	own := e.get(seniorC, path+"/presence")
	if !strings.Contains(own.Body, vi.T("live_presence_viewing", "Name", rep.Name)) || strings.Contains(own.Body, senior.Name) {
		t.Fatalf("senior's presence list: %s", own.Body)
	}
	if res := e.post(seniorC, path+"/presence", url.Values{"state": {"left"}}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("leave: status %d", res.StatusCode)
	}
	if gone := e.get(repC, path+"/presence"); strings.Contains(gone.Body, senior.Name) {
		t.Fatal("the senior left but is still listed")
	}
}

// instance starts another Loopdesk instance on e's database (deps as setup
// made them; its own live hub and LISTEN connection).
func (e *env) instance(deps Deps) (*Server, *httptest.Server) {
	e.t.Helper()
	deps.Live = nil
	srv, err := New(deps)
	if err != nil {
		e.t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	e.t.Cleanup(hs.Close)
	e.t.Cleanup(srv.Close)
	return srv, hs
}

// TestThreeInstancesShareTheDesk: three instances on one database. A rep
// signed in through A is signed in on B and C; a ticket made and answered
// through A reaches streams on B and C; when B dies, its browser reconnects
// to C with the last event id it had and gets what it missed, no reset.
func TestThreeInstancesShareTheDesk(t *testing.T) {
	var deps Deps
	e := setupWith(t, func(d *Deps) { deps = *d })
	b, bHTTP := e.instance(deps)
	c, cHTTP := e.instance(deps)
	rep := e.login(staff.RoleRep) // through A; the session is in Postgres

	onB := openStreamAt(t, bHTTP.URL, b, rep, "")
	onC := openStreamAt(t, cHTTP.URL, c, rep, "")
	res := e.post(rep, "/tickets", url.Values{"customer_name": {"Aino"}, "subject": {"Across instances"}, "body": {"Hello"},
		"channel": {"phone"}, "priority": {"normal"}, "idempotency_key": {"three-instances"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create through A: %d", res.StatusCode)
	}
	path := res.Header.Get("Location")
	event := "ticket-" + strings.TrimPrefix(path, "/tickets/")
	seenOnB := expect(t, onB, event)
	seenOnC := expect(t, onC, event)
	if seenOnB.id != seenOnC.id {
		t.Fatalf("one change, two ids: %s on B, %s on C", seenOnB.id, seenOnC.id)
	}

	// B goes away; its stream ends.
	b.Close()
	bHTTP.CloseClientConnections()
	for range onB {
	}
	// Meanwhile a note is written through A.
	if res := e.post(rep, path+"/replies", url.Values{"kind": {"internal"}, "body": {"While B was down"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note through A: %d", res.StatusCode)
	}
	expect(t, onC, event) // C has heard of it
	// B's browser reconnects to C with the id it saw last.
	again := openStreamAt(t, cHTTP.URL, c, rep, seenOnB.id)
	expect(t, again, event, "reset")
}

// TestFollowAndMentionReachTheBell: a senior follows a ticket from its page
// and is named in a rep's note; the bell event reaches the senior's stream
// at once and the notifications page says why.
func TestFollowAndMentionReachTheBell(t *testing.T) {
	e := setup(t)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "An", Subject: "Follow me",
		Body: "Hi", Channel: "chat", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10)
	sc := e.login(staff.RoleSenior)
	vi := e.srv.cat.Localizer("vi")
	if page := e.get(sc, path); !strings.Contains(page.Body, vi.T("live_follow")) {
		t.Fatal("ticket page lacks Follow")
	}
	if res := e.post(sc, path+"/follow", url.Values{"follow": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", res.StatusCode)
	}
	if page := e.get(sc, path); !strings.Contains(page.Body, `aria-pressed="true"`) {
		t.Fatal("the page does not say the senior follows")
	}
	msgs := e.openStream(sc, "")
	rc := e.login(staff.RoleRep)
	if res := e.post(rc, path+"/replies", url.Values{"kind": {"internal"}, "body": {"@" + senior.Name + " what do you think?"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", res.StatusCode)
	}
	expect(t, msgs, "bell")
	page := e.get(sc, "/notifications")
	for _, id := range []string{"notify_mention", "notify_followed_update"} {
		if !strings.Contains(page.Body, vi.T(id)) {
			t.Errorf("notifications lack %q", vi.T(id))
		}
	}
}

var sseConnect = regexp.MustCompile(`sse-connect="(/events[^"]*)"`)

// TestStreamStartsWherePageWasRead: a page names the live position it was
// read at in its stream's address; a change made after the page was read
// but before its stream connects comes down that stream, with no reset,
// both before this instance heard anything and after.
func TestStreamStartsWherePageWasRead(t *testing.T) {
	e := setup(t)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	e.srv.live.Start()
	select {
	case <-e.srv.live.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the live hub never listened")
	}
	// The supervisor's stream witnesses that this instance heard each change
	// before the rep's stream connects.
	witness := e.openStream(e.login(staff.RoleSupervisor), "")
	c := e.login(staff.RoleRep)
	for i, path := range []string{"/queue/team", "/"} {
		page := e.get(c, path)
		m := sseConnect.FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(m[1], "?last=") {
			t.Fatalf("%s: the stream's address %v names no position", path, m)
		}
		tk, _, err := e.tickets.Create(t.Context(), actorOf(&sup), tickets.NewTicket{CustomerName: "Aino", Subject: "Between",
			Body: "Made after the page was read", Channel: "phone", Priority: tickets.PriorityNormal, TeamID: rep.TeamIDs[0]})
		if err != nil {
			t.Fatal(err)
		}
		event := "ticket-" + strconv.FormatInt(tk.ID, 10)
		expect(t, witness, event)
		u := e.http.URL + strings.ReplaceAll(m[1], "&amp;", "&")
		t.Logf("change %d: page read at %s", i, m[1])
		expect(t, openStreamURL(t, u, e.srv, c, ""), event, "reset")
	}
}
