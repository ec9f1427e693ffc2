package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/web/views"
)

// At-risk customers (supervisors): the ranked list with each customer's
// reasons and points, and a proactive follow-up form per customer. Pages are
// keyset: ?after_score=&after_id= is the last row of the previous page.

// parseRiskCursor reads the page cursor; both keys or neither.
func parseRiskCursor(q url.Values) (*csat.RiskCursor, bool) {
	rawScore, rawID := q.Get("after_score"), q.Get("after_id")
	if rawScore == "" && rawID == "" {
		return nil, true
	}
	score, err1 := strconv.Atoi(rawScore)
	id, err2 := strconv.ParseInt(rawID, 10, 64)
	if err1 != nil || err2 != nil || score <= 0 || id <= 0 {
		return nil, false
	}
	return &csat.RiskCursor{Score: score, CustomerID: id}, true
}

func riskCursorQuery(c csat.RiskCursor) string {
	return url.Values{"after_score": {strconv.Itoa(c.Score)}, "after_id": {strconv.FormatInt(c.CustomerID, 10)}}.Encode()
}

// atRiskView loads the page at the cursor in q; a bad cursor shows the first
// page with a message, and ok false (the caller answers 422).
func (s *Server) atRiskView(r *http.Request, q url.Values) (v views.AtRiskView, ok bool, err error) {
	ctx := r.Context()
	v.Forms = map[int64]views.AtRiskForm{}
	cursor, ok := parseRiskCursor(q)
	if !ok {
		v.CursorErr = "atrisk_error_cursor"
	} else if cursor != nil {
		v.After = riskCursorQuery(*cursor)
	}
	if v.Page, err = s.csat.AtRisk(ctx, cursor, csat.MaxRiskPage); err != nil {
		return v, ok, err
	}
	if v.Page.Next != nil {
		v.NextHref = "/supervisor/customers?" + riskCursorQuery(*v.Page.Next)
	}
	users, err := s.staff.List(ctx)
	if err != nil {
		return v, ok, err
	}
	awayIDs, err := s.staff.AwayUsers(ctx)
	if err != nil {
		return v, ok, err
	}
	away := map[int64]bool{}
	for _, id := range awayIDs {
		away[id] = true
	}
	_, v.Owners = staffChoices(ctx, users, away)
	v.Owners[0].Label = views.T(ctx, "atrisk_choose_rep")
	return v, ok, nil
}

// handleAtRisk serves the ranked list.
func (s *Server) handleAtRisk(w http.ResponseWriter, r *http.Request) {
	v, ok, err := s.atRiskView(r, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, views.AtRiskPage(s.page(r, "atrisk_title", "supervisor"), v))
}

// handleAtRiskFollowUp gives the chosen rep a proactive follow-up on the
// customer's newest ticket.
func (s *Server) handleAtRiskFollowUp(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	customerID, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || customerID <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "error_customer_not_found"))
		return
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	if _, ok := parseRiskCursor(back); !ok {
		back = url.Values{}
	}
	raw := r.PostFormValue("owner_id")
	owner, perr := strconv.ParseInt(raw, 10, 64)
	var ticketID int64
	if perr != nil || owner <= 0 {
		err = apperr.InvalidFields(map[string]string{"owner_id": "atrisk_error_owner"})
	} else {
		ticketID, err = s.csat.AssignProactive(r.Context(), *currentUser(r.Context()), customerID, owner)
	}
	anchor := "#" + "cust-" + strconv.FormatInt(customerID, 10)
	switch k := apperr.KindOf(err); {
	case err == nil:
		s.log.InfoContext(r.Context(), "proactive follow-up assigned", "request_id", requestID(r.Context()),
			"ticket_id", ticketID, "customer_id", customerID, "owner_id", owner)
		s.flash(r, "success", "atrisk_flash_assigned")
		to := "/supervisor/customers"
		if q := back.Encode(); q != "" {
			to += "?" + q
		}
		redirect(w, r, to+anchor)
	case k == apperr.Invalid || k == apperr.Conflict:
		v, _, verr := s.atRiskView(r, back)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		p := s.page(r, "atrisk_title", "supervisor")
		status := http.StatusConflict
		if k == apperr.Invalid {
			status = http.StatusUnprocessableEntity
			v.Forms[customerID] = views.AtRiskForm{OwnerID: raw, Errors: apperr.FieldsOf(err)}
			p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
		} else {
			p.Flash = &views.Flash{Kind: "error", MsgID: apperr.MsgIDOf(err)}
		}
		s.render(w, r, status, views.AtRiskPage(p, v))
	default:
		s.fail(w, r, err)
	}
}
