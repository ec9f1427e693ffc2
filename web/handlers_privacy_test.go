package web

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// privacyCustomer makes a ticket for a customer with an email and returns the customer's id.
func privacyCustomer(t *testing.T, e *env, name, email string) int64 {
	t.Helper()
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: name, CustomerEmail: email, Subject: "Broken kettle", Body: "It leaks, " + name + " here.",
		Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk.Customer.ID
}

func TestSupervisorExportsAndErasesCustomer(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := privacyCustomer(t, e, "Lumi Korhonen", "lumi@example.fi")
	sup := e.login(staff.RoleSupervisor) // Hindi
	path := "/supervisor/privacy/" + strconv.FormatInt(id, 10)

	if res := e.get(sup, "/supervisor/privacy?q=lumi%40example.fi"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `href="`+path+`"`) {
		t.Fatalf("find by email: %d", res.StatusCode)
	}
	if res := e.get(sup, path); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "lumi@example.fi") {
		t.Fatalf("customer page: %d", res.StatusCode)
	}
	// A wrong confirmation keeps the input and says why beside the field.
	res := e.post(sup, path+"/export", url.Values{"confirm": {"lumi@example.com"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="lumi@example.com"`) ||
		!strings.Contains(res.Body, e.srv.cat.Localizer("hi").T("privacy_error_confirm")) {
		t.Fatalf("export, wrong confirmation: %d", res.StatusCode)
	}
	res = e.post(sup, path+"/export", url.Values{"confirm": {"LUMI@example.fi"}})
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "loopdesk-customer-"+strconv.FormatInt(id, 10)+".zip") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.Body)), int64(len(res.Body)))
	if err != nil || len(zr.File) < 5 {
		t.Fatalf("export zip: %v", err)
	}
	// Reps cannot reach it.
	if res := e.get(e.login(staff.RoleRep), path); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep: %d", res.StatusCode)
	}
	// Erase: confirmed, then the page says so and offers nothing more.
	if res := e.post(sup, path+"/erase", url.Values{"confirm": {"nope"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("erase, wrong confirmation: %d", res.StatusCode)
	}
	if res := e.post(sup, path+"/erase", url.Values{"confirm": {"lumi@example.fi"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("erase: %d", res.StatusCode)
	}
	res = e.get(sup, path)
	if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "lumi@example.fi") || strings.Contains(res.Body, "Lumi") ||
		strings.Contains(res.Body, path+"/erase") {
		t.Fatalf("after erasure: %d", res.StatusCode)
	}
	if res := e.post(sup, path+"/erase", url.Values{"confirm": {"Erased customer"}}); res.StatusCode != http.StatusConflict {
		t.Fatalf("second erasure: %d", res.StatusCode)
	}
}

func TestCustomerDataAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := privacyCustomer(t, e, "Nguyễn Văn An", "an@example.vn")
	sid := strconv.FormatInt(id, 10)
	repToken, supToken := e.apiToken(staff.RoleRep), e.apiToken(staff.RoleAdmin)

	wantStatus(t, e.api(repToken, "POST", "/api/v1/customers/"+sid+"/erase", map[string]string{"confirm": "an@example.vn"}), http.StatusForbidden)
	found := e.api(supToken, "GET", "/api/v1/customers?q=an%40example.vn", nil)
	wantStatus(t, found, http.StatusOK)
	var list struct {
		Customers []apiPrivacyCustomer `json:"customers"`
	}
	found.decode(t, &list)
	if len(list.Customers) != 1 || list.Customers[0].ID != id || list.Customers[0].Tickets != 1 {
		t.Fatalf("find: %s", found.Body)
	}
	bad := e.api(supToken, "POST", "/api/v1/customers/"+sid+"/export", map[string]string{"confirm": "someone@example.vn"})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if bad.Err.Fields["confirm"] == "" {
		t.Fatalf("no message on confirm: %s", bad.Body)
	}
	// The export is a zip, not JSON: read it by hand.
	req, _ := http.NewRequest("POST", e.http.URL+"/api/v1/customers/"+sid+"/export", strings.NewReader(`{"confirm":"an@example.vn"}`))
	req.Header.Set("Authorization", "Bearer "+supToken)
	req.Header.Set("Content-Type", "application/json")
	zipRes := e.do(http.DefaultClient, req)
	if zipRes.StatusCode != http.StatusOK || zipRes.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", zipRes.StatusCode, zipRes.Body)
	}
	if _, err := zip.NewReader(bytes.NewReader([]byte(zipRes.Body)), int64(len(zipRes.Body))); err != nil {
		t.Fatal(err)
	}
	erased := e.api(supToken, "POST", "/api/v1/customers/"+sid+"/erase", map[string]string{"confirm": "AN@example.vn"})
	wantStatus(t, erased, http.StatusOK)
	if !strings.Contains(erased.Body, `"tickets":1`) || !strings.Contains(erased.Body, `"customer_id":`+sid) {
		t.Fatalf("erase: %s", erased.Body)
	}
	wantStatus(t, e.api(supToken, "POST", "/api/v1/customers/"+sid+"/erase", map[string]string{"confirm": "x"}), http.StatusConflict)
}
