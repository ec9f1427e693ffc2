package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/privacy"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// Customer data (GDPR articles 15, 17, 20): supervisors and admins look a
// customer up, download everything the desk holds about them as a zip, or
// erase them. Both are confirmed by typing the customer's email (their name
// when they have none) and recorded as events; both are in the API too.

func (s *Server) privacyService() *privacy.Service { return privacy.New(s.db, s.log, s.now) }

func customerID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "cid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "privacy_error_not_found")
	}
	return id, nil
}

func (s *Server) handlePrivacy(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	v := views.PrivacyFindView{Query: q, Looked: q != ""}
	status := http.StatusOK
	list, err := s.privacyService().Find(r.Context(), q)
	switch {
	case apperr.Is(err, apperr.Invalid):
		v.Errors, v.Looked, status = apperr.FieldsOf(err), false, http.StatusUnprocessableEntity
	case err != nil:
		s.fail(w, r, err)
		return
	}
	v.Results = list
	s.render(w, r, status, views.PrivacyFindPage(s.page(r, "privacy_title", "supervisor"), v))
}

// renderPrivacyCustomer shows customer id; v carries a failed form's input.
func (s *Server) renderPrivacyCustomer(w http.ResponseWriter, r *http.Request, status int, id int64, v views.PrivacyCustomerView) {
	c, err := s.privacyService().Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Customer = c
	p := s.page(r, "privacy_title", "supervisor")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.PrivacyCustomerPage(p, v))
}

func (s *Server) handlePrivacyCustomer(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPrivacyCustomer(w, r, http.StatusOK, id, views.PrivacyCustomerView{})
}

// handlePrivacyExport answers a confirmed export with the zip.
func (s *Server) handlePrivacyExport(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	confirm := r.PostForm.Get("confirm")
	svc := s.privacyService()
	c, err := svc.StartExport(r.Context(), u.ID, id, confirm)
	if apperr.Is(err, apperr.Invalid) {
		s.renderPrivacyCustomer(w, r, http.StatusUnprocessableEntity, id, views.PrivacyCustomerView{
			ExportErrors: apperr.FieldsOf(err), Confirm: confirm, Failed: "export"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "customer data exported", "request_id", requestID(r.Context()), "user_id", u.ID, "customer_id", id)
	s.writeExport(w, r, svc, c)
}

// writeExport streams customer c's zip; a failure half-way can only be logged.
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request, svc *privacy.Service, c privacy.Customer) {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+privacy.ExportName(c)+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := svc.WriteExport(r.Context(), c, w); err != nil {
		s.log.ErrorContext(r.Context(), "customer export failed half-way", "request_id", requestID(r.Context()), "customer_id", c.ID, "err", err)
	}
}

func (s *Server) handlePrivacyErase(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	confirm := r.PostForm.Get("confirm")
	_, err = s.privacyService().Erase(r.Context(), u.ID, id, confirm)
	if apperr.Is(err, apperr.Invalid) {
		s.renderPrivacyCustomer(w, r, http.StatusUnprocessableEntity, id, views.PrivacyCustomerView{
			EraseErrors: apperr.FieldsOf(err), Confirm: confirm, Failed: "erase"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "customer erased", "request_id", requestID(r.Context()), "user_id", u.ID, "customer_id", id)
	s.flash(r, "success", "privacy_flash_erased")
	redirect(w, r, "/supervisor/privacy/"+strconv.FormatInt(id, 10))
}

// ---------------------------------------------------------------------------
// The API: GET /api/v1/customers?q=, POST /api/v1/customers/{id}/export and
// /erase with {"confirm": "<the customer's email>"}. Supervisors and admins only.

type apiPrivacyCustomer struct {
	apiCustomer
	Tickets     int     `json:"tickets"`
	Messages    int     `json:"messages"`
	Attachments int     `json:"attachments"`
	ErasedAt    *string `json:"erased_at"`
}

type apiConfirm struct {
	Confirm string `json:"confirm"`
}

// apiPrivacyAllowed refuses reps and seniors.
func (s *Server) apiPrivacyAllowed(w http.ResponseWriter, r *http.Request) bool {
	if u := currentUser(r.Context()); u == nil || !u.Role.AtLeast(staff.RoleSupervisor) {
		s.apiFail(w, r, apperr.New(apperr.Forbidden, "error_forbidden"))
		return false
	}
	return true
}

func (s *Server) apiFindCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.apiPrivacyAllowed(w, r) {
		return
	}
	list, err := s.privacyService().Find(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := struct {
		Customers []apiPrivacyCustomer `json:"customers"`
	}{Customers: []apiPrivacyCustomer{}}
	for _, c := range list {
		ac := apiPrivacyCustomer{apiCustomer: apiCustomer{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Locale: c.Locale},
			Tickets: c.Tickets, Messages: c.Messages, Attachments: c.Attachments}
		if c.ErasedAt != nil {
			at := c.ErasedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			ac.ErasedAt = &at
		}
		out.Customers = append(out.Customers, ac)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiPrivacyRequest reads an export or erase call: the caller may, the
// customer id of the path, the confirmation in the body; false: answered.
func (s *Server) apiPrivacyRequest(w http.ResponseWriter, r *http.Request) (int64, apiConfirm, bool) {
	var body apiConfirm
	if !s.apiPrivacyAllowed(w, r) {
		return 0, body, false
	}
	id, err := apiPathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return 0, body, false
	}
	return id, body, true
}

func (s *Server) apiExportCustomer(w http.ResponseWriter, r *http.Request) {
	id, body, ok := s.apiPrivacyRequest(w, r)
	if !ok {
		return
	}
	u := currentUser(r.Context())
	svc := s.privacyService()
	c, err := svc.StartExport(r.Context(), u.ID, id, body.Confirm)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "customer data exported", "request_id", requestID(r.Context()), "user_id", u.ID, "customer_id", id, "via", "api")
	s.writeExport(w, r, svc, c)
}

func (s *Server) apiEraseCustomer(w http.ResponseWriter, r *http.Request) {
	id, body, ok := s.apiPrivacyRequest(w, r)
	if !ok {
		return
	}
	u := currentUser(r.Context())
	res, err := s.privacyService().Erase(r.Context(), u.ID, id, body.Confirm)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "customer erased", "request_id", requestID(r.Context()), "user_id", u.ID, "customer_id", id, "via", "api")
	s.writeJSON(w, r, http.StatusOK, res)
}
