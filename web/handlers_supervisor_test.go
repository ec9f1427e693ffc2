package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// escalated is a ticket the rep created and escalated.
type escalated struct {
	ticketID, escID int64
	subject         string
}

// escalateNew has the rep create a ticket and escalate it to target.
func (e *env) escalateNew(subject, target, reason string) escalated {
	e.t.Helper()
	ctx := context.Background()
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(ctx, actorOf(&rep), tickets.NewTicket{
		CustomerName: "Customer of " + subject, Subject: subject, Body: "Please help.", Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := e.esc.Escalate(ctx, rep, tk.ID, escalation.Request{Target: target, Reason: reason, Note: "Tried the usual steps."})
	if err != nil {
		e.t.Fatal(err)
	}
	return escalated{ticketID: tk.ID, escID: id, subject: subject}
}

// addSenior adds another active senior.
func (e *env) addSenior(name string) staff.User {
	e.t.Helper()
	u, err := e.staff.Create(context.Background(), 0, staff.NewUser{Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com",
		Name: name, Role: staff.RoleSenior, Team: "Delivery", Password: testPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) escalation(id int64) escalation.Escalation {
	e.t.Helper()
	es, err := e.esc.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func userTarget(u staff.User) string { return "user:" + strconv.FormatInt(u.ID, 10) }

func wantCode(t *testing.T, res *response, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; body:\n%s", res.StatusCode, status, res.Body)
	}
}

func wantHTML(t *testing.T, body string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		// Markup is matched as written, text also as HTML-escaped.
		if !strings.Contains(body, s) && !strings.Contains(body, html.EscapeString(s)) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestSupervisorReviewQueueAndFilters(t *testing.T) {
	e := setup(t)
	senior := e.users[staff.RoleSenior]
	a := e.escalateNew("Refund for broken kettle", userTarget(senior), "billing_adjustment")
	b := e.escalateNew("Parcel lost in transit", userTarget(senior), "delivery_problem")
	c := e.escalateNew("Angry about the rude driver", "supervisors", "complaint")
	sup := e.login(staff.RoleSupervisor)
	hi := e.srv.cat.Localizer("hi")

	res := e.get(sup, "/supervisor")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, a.subject, b.subject, c.subject, hi.T("reason_billing_adjustment"), e.users[staff.RoleRep].Name,
		senior.Name, hi.T("sup_holder_supervisors"), hi.T("sup_title"))
	if !strings.Contains(res.Body, `<h1>`) {
		t.Error("no h1")
	}

	res = e.get(sup, "/supervisor?reason=delivery_problem")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, b.subject)
	if strings.Contains(res.Body, a.subject) || strings.Contains(res.Body, c.subject) {
		t.Error("reason filter kept other reasons")
	}
	teams, _ := e.staff.Teams(t.Context())
	res = e.get(sup, "/supervisor?team="+strconv.FormatInt(teams[0].ID, 10))
	wantHTML(t, res.Body, a.subject, b.subject, c.subject)
	res = e.get(sup, "/supervisor?min_age=2")
	if strings.Contains(res.Body, a.subject) {
		t.Error("min age 2 h kept a new escalation")
	}
	res = e.get(sup, "/supervisor?overdue=1")
	if strings.Contains(res.Body, a.subject) {
		t.Error("overdue filter kept a ticket without an SLA deadline")
	}

	// Bad filters: 422, the message beside the field, the input kept.
	res = e.get(sup, "/supervisor?min_age=soon&reason=made_up")
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("sup_error_min_age"), `value="soon"`)
}

func TestSupervisorRowActions(t *testing.T) {
	e := setup(t)
	senior := e.users[staff.RoleSenior]
	sup := e.login(staff.RoleSupervisor)
	supUser := e.users[staff.RoleSupervisor]
	hi := e.srv.cat.Localizer("hi")
	accept := e.escalateNew("Accept me", userTarget(senior), "needs_expertise")
	ret := e.escalateNew("Return me", userTarget(senior), "technical_fault")
	deesc := e.escalateNew("De-escalate me", userTarget(senior), "other")
	back := url.Values{"reason": {"other"}}.Encode()

	res := e.post(sup, "/supervisor/escalations/"+strconv.FormatInt(accept.escID, 10)+"/accept", url.Values{"back": {back}})
	wantCode(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/supervisor?reason=other" {
		t.Errorf("redirect to %q, want the filtered queue", loc)
	}
	if got := e.escalation(accept.escID); got.Status != escalation.StatusAccepted || got.HolderID != supUser.ID {
		t.Fatalf("after accept: %s held by %d", got.Status, got.HolderID)
	}
	// Accepting twice is a conflict: the fresh queue with a message, not a 500.
	res = e.post(sup, "/supervisor/escalations/"+strconv.FormatInt(accept.escID, 10)+"/accept", nil)
	wantCode(t, res, http.StatusConflict)

	path := "/supervisor/escalations/" + strconv.FormatInt(ret.escID, 10) + "/return"
	res = e.post(sup, path, url.Values{"guidance": {"   "}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("error_required"), `id="guidance-`+strconv.FormatInt(ret.escID, 10)+`"`)
	res = e.post(sup, path, url.Values{"guidance": {"Check the warranty first, then call the customer."}})
	wantCode(t, res, http.StatusSeeOther)
	if got := e.escalation(ret.escID); got.Status != escalation.StatusReturned || !strings.Contains(got.Outcome, "warranty") {
		t.Fatalf("after return: %s %q", got.Status, got.Outcome)
	}

	path = "/supervisor/escalations/" + strconv.FormatInt(deesc.escID, 10) + "/deescalate"
	res = e.post(sup, path, url.Values{})
	wantCode(t, res, http.StatusUnprocessableEntity)
	res = e.post(sup, path, url.Values{"note": {"The rep can answer this from the FAQ."}})
	wantCode(t, res, http.StatusSeeOther)
	if got := e.escalation(deesc.escID); got.Status != escalation.StatusDeescalated {
		t.Fatalf("after de-escalate: %s", got.Status)
	}

	// Reassign one row to another senior; a missing choice keeps the row's form open.
	other := e.addSenior("Sam Specialist")
	one := e.escalateNew("Reassign me", userTarget(senior), "complaint")
	oneID := strconv.FormatInt(one.escID, 10)
	res = e.post(sup, "/supervisor/reassign", url.Values{"ids": {oneID}, "row": {oneID}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("sup_error_choose_senior"))
	res = e.post(sup, "/supervisor/reassign", url.Values{"ids": {oneID}, "row": {oneID}, "to_user": {strconv.FormatInt(other.ID, 10)}})
	wantCode(t, res, http.StatusSeeOther)
	if got := e.escalation(one.escID); got.ToUserID != other.ID || got.Status != escalation.StatusRequested {
		t.Fatalf("after reassign: to %d, %s", got.ToUserID, got.Status)
	}
	// A rep is no senior.
	res = e.post(sup, "/supervisor/reassign", url.Values{"ids": {oneID}, "row": {oneID}, "to_user": {strconv.FormatInt(e.users[staff.RoleRep].ID, 10)}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("error_escalation_target"))
}

func TestSupervisorBulkReassign(t *testing.T) {
	e := setup(t)
	senior := e.users[staff.RoleSenior]
	other := e.addSenior("Bea Billing")
	a := e.escalateNew("First of two", userTarget(senior), "billing_adjustment")
	b := e.escalateNew("Second of two", userTarget(senior), "billing_adjustment")
	c := e.escalateNew("Left alone", userTarget(senior), "billing_adjustment")
	sup := e.login(staff.RoleSupervisor)
	hi := e.srv.cat.Localizer("hi")

	// Nothing ticked: 422 with the message, the chosen senior kept.
	res := e.post(sup, "/supervisor/reassign", url.Values{"to_user": {strconv.FormatInt(other.ID, 10)}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("error_select_escalations"))
	if !regexp.MustCompile(`<option value="` + strconv.FormatInt(other.ID, 10) + `" selected`).MatchString(res.Body) {
		t.Error("the chosen senior was not kept")
	}

	res = e.post(sup, "/supervisor/reassign", url.Values{
		"ids": {strconv.FormatInt(a.escID, 10), strconv.FormatInt(b.escID, 10)}, "to_user": {strconv.FormatInt(other.ID, 10)},
	})
	wantCode(t, res, http.StatusSeeOther)
	for _, x := range []escalated{a, b} {
		if got := e.escalation(x.escID); got.ToUserID != other.ID {
			t.Errorf("%s: to %d, want %d", x.subject, got.ToUserID, other.ID)
		}
	}
	if got := e.escalation(c.escID); got.ToUserID != senior.ID {
		t.Errorf("an unticked escalation moved to %d", got.ToUserID)
	}
	page := e.get(sup, "/supervisor")
	wantHTML(t, page.Body, hi.T("sup_flash_reassigned"))
}

func TestSupervisorLoops(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep := e.users[staff.RoleRep]
	senior := e.users[staff.RoleSenior]
	x := e.escalateNew("Loop to close", userTarget(senior), "technical_fault")
	if err := e.esc.Accept(ctx, senior, x.escID); err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Return(ctx, senior, x.escID, "Replace the router, then call."); err != nil {
		t.Fatal(err)
	}
	if err := e.staff.SetAway(ctx, 0, rep.ID, true); err != nil {
		t.Fatal(err)
	}
	sup := e.login(staff.RoleSupervisor)
	hi := e.srv.cat.Localizer("hi")
	res := e.get(sup, "/supervisor")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, x.subject, rep.Name, hi.T("sup_owner_away"), hi.T("sup_loop_reason_escalation_returned"))
	// The away rep is not offered as a new owner.
	sel := regexp.MustCompile(`(?s)<select id="loop-owner-` + strconv.FormatInt(x.ticketID, 10) + `".*?</select>`).FindString(res.Body)
	if sel == "" || strings.Contains(sel, `<option value="`+strconv.FormatInt(rep.ID, 10)+`"`) || !strings.Contains(sel, senior.Name) {
		t.Error("an away rep is offered as new owner")
	}
	// Not overdue yet: the overdue tab leaves it out; once overdue it shows.
	res = e.get(sup, "/supervisor?loops=overdue")
	if strings.Contains(res.Body, x.subject) {
		t.Error("overdue tab shows a loop that is not due yet")
	}
	if _, err := e.srv.db.Exec(ctx, `UPDATE follow_ups SET due_at = now() - interval '3 hours' WHERE ticket_id = $1`, x.ticketID); err != nil {
		t.Fatal(err)
	}
	res = e.get(sup, "/supervisor?loops=overdue")
	wantHTML(t, res.Body, x.subject, strings.Split(hi.T("sup_loop_overdue_by", "Over", "X"), "X")[0])

	path := "/supervisor/loops/" + strconv.FormatInt(x.ticketID, 10) + "/reassign"
	res = e.post(sup, path, url.Values{"loops": {"overdue"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, hi.T("sup_error_choose_owner"))
	res = e.post(sup, path, url.Values{"owner_id": {strconv.FormatInt(senior.ID, 10)}, "loops": {"overdue"}})
	wantCode(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/supervisor?loops=overdue#loops" {
		t.Errorf("redirect to %q", loc)
	}
	f, err := e.esc.OpenFollowUp(ctx, x.ticketID)
	if err != nil || f == nil || f.OwnerID != senior.ID {
		t.Fatalf("follow-up after reassign: %+v %v", f, err)
	}
	tk, err := e.tickets.Get(ctx, actorOf(&senior), x.ticketID)
	if err != nil || tk.OwnerID != senior.ID {
		t.Fatalf("ticket owner after reassign: %d %v", tk.OwnerID, err)
	}
}

func TestSupervisorRepsPage(t *testing.T) {
	e := setup(t)
	senior := e.users[staff.RoleSenior]
	e.escalateNew("One", userTarget(senior), "other")
	e.escalateNew("Two", "supervisors", "complaint")
	sup := e.login(staff.RoleSupervisor)
	hi := e.srv.cat.Localizer("hi")
	res := e.get(sup, "/supervisor/reps")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, hi.T("sup_reps_title"))
	rep := e.users[staff.RoleRep]
	m := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(rep.Name) + `</th>(.*?)</tr>`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no row for %s", rep.Name)
	}
	if !strings.Contains(m[1], "<strong>2</strong>") {
		t.Errorf("rep row has no total of 2: %s", m[1])
	}
	// Both this week: the last week column says 2, and the rate is 2 of 2 tickets.
	if !strings.Contains(m[1], html.EscapeString(hi.T("sup_rate", "Percent", "100"))) {
		t.Errorf("rep row has no 100%% rate: %s", m[1])
	}
	_, week := time.Now().UTC().ISOWeek()
	wantHTML(t, res.Body, hi.T("sup_week_short", "Week", week))
}

// TestBrowserSupervisorScreenshot renders the review queue with a few
// escalations and a loop, at 1280 wide, for a look.
func TestBrowserSupervisorScreenshot(t *testing.T) {
	e := setup(t)
	ctx0 := context.Background()
	senior := e.users[staff.RoleSenior]
	e.escalateNew("Refund for a broken kettle", userTarget(senior), "billing_adjustment")
	e.escalateNew("Parcel lost in transit, customer upset", "supervisors", "delivery_problem")
	y := e.escalateNew("Router keeps dropping the connection", userTarget(senior), "technical_fault")
	if err := e.esc.Accept(ctx0, senior, y.escID); err != nil {
		t.Fatal(err)
	}
	z := e.escalateNew("Invoice charged twice", userTarget(senior), "billing_adjustment")
	if err := e.esc.Accept(ctx0, senior, z.escID); err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Return(ctx0, senior, z.escID, "Refunded the double charge; call to confirm."); err != nil {
		t.Fatal(err)
	}
	admin := e.users[staff.RoleAdmin]
	en := e.srv.cat.Localizer("en")
	ctx := browserLogin(t, e, admin)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor"),
		chromedp.WaitVisible(heading(en.T("sup_title"))),
	)
	if err != nil {
		t.Fatalf("open /supervisor: %v", err)
	}
	screenshot(t, ctx, "supervisor-review.png")
	// Open one row's "Return to rep" and submit it empty: the error shows beside the field.
	err = chromedp.Do(ctx,
		chromedp.Click(`(//details/summary[contains(., "`+strings.ReplaceAll(en.T("sup_return"), " ", "\u00a0")+`")])[1]`),
		chromedp.Click(`(//button[normalize-space(.)="`+en.T("sup_return_submit")+`"])[1]`),
		chromedp.WaitVisible(`//p[@class="field-error"]`),
	)
	if err != nil {
		t.Fatalf("return without guidance: %v", err)
	}
	screenshot(t, ctx, "supervisor-review-error.png")
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/reps"),
		chromedp.WaitVisible(heading(en.T("sup_reps_title"))),
	)
	if err != nil {
		t.Fatalf("open /supervisor/reps: %v", err)
	}
	screenshot(t, ctx, "supervisor-reps.png")

	// The supervisor reads Hindi: the longer words must fit too.
	sup := e.users[staff.RoleSupervisor]
	hctx := browserLogin(t, e, sup)
	err = chromedp.Do(hctx,
		chromedp.Navigate(e.http.URL+"/supervisor"),
		chromedp.WaitVisible(heading(e.srv.cat.Localizer(sup.Locale).T("sup_title"))),
	)
	if err != nil {
		t.Fatalf("open /supervisor in Hindi: %v", err)
	}
	screenshot(t, hctx, "supervisor-review-hi.png")
}
