package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/web/views"
)

// The supervisor dashboard and its CSV downloads. Both read the same filter
// from the query string and the same reports.Dashboard, and the CSV of a
// section writes the Value cells of the very table the page shows.

// dashboardDefaultDays is the range shown when none is chosen.
const dashboardDefaultDays = 30

// dashboardFilter reads from, to and team from q into the form (as typed) and
// a reports.Filter in the viewer's zone. Bad values are field errors.
func (s *Server) dashboardFilter(r *http.Request, q url.Values) (views.DashboardForm, reports.Filter, error) {
	u := currentUser(r.Context())
	zone := u.Location()
	today := s.now().In(zone)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	form := views.DashboardForm{From: q.Get("from"), To: q.Get("to"), TeamID: q.Get("team")}
	if form.From == "" && form.To == "" {
		form.From = today.AddDate(0, 0, 1-dashboardDefaultDays).Format(time.DateOnly)
		form.To = today.Format(time.DateOnly)
	}
	f := reports.Filter{Zone: zone}
	var errs apperr.Fields
	var err error
	if f.From, err = time.Parse(time.DateOnly, form.From); err != nil {
		errs.Add("from", "dash_error_date")
	}
	if f.To, err = time.Parse(time.DateOnly, form.To); err != nil {
		errs.Add("to", "dash_error_date")
	}
	f.TeamID = parseID(&errs, "team", form.TeamID)
	if errs.Err() == nil {
		switch err := f.Validate(); {
		case errors.Is(err, reports.ErrRangeReversed):
			errs.Add("to", "dash_error_range_reversed")
		case errors.Is(err, reports.ErrRangeTooLong):
			errs.Add("from", "dash_error_range_long")
		}
	}
	return form, f, errs.Err()
}

// handleDashboard serves the dashboard; a bad filter comes back with its
// input and messages beside the fields (422).
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, f, err := s.dashboardFilter(r, r.URL.Query())
	v := views.DashboardView{Form: form, Zone: f.Zone}
	teams, terr := s.staff.Teams(ctx)
	if terr != nil {
		s.fail(w, r, terr)
		return
	}
	v.Teams = views.TeamOptions(ctx, teams, "dash_all_teams")
	status := http.StatusOK
	if err == nil {
		var d reports.Dashboard
		d, err = s.reports.Dashboard(ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.D = &d
	} else if apperr.Is(err, apperr.Invalid) {
		v.Form.Errors = apperr.FieldsOf(err)
		status = http.StatusUnprocessableEntity
	} else {
		s.fail(w, r, err)
		return
	}
	if v.D != nil { // selfserve: the deflection for the same range and team
		if st, err := s.deflection(r, f); err == nil {
			v.Deflection = &st
		} else {
			s.log.WarnContext(ctx, "kb deflection figures", "request_id", requestID(ctx), "err", err)
		}
	}
	s.render(w, r, status, views.DashboardPage(s.page(r, "dash_title", "dashboard"), v))
}

// handleDashboardCSV downloads one section's figures (section=summary by
// default) for the same filter as the page.
func (s *Server) handleDashboardCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	section := q.Get("section")
	if section == "" {
		section = views.DashSummary
	}
	_, f, err := s.dashboardFilter(r, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var t views.DashTable
	ok := false
	if section == views.DashDeflection || section == views.DashDeflectionArticles { // selfserve
		st, err := s.deflection(r, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t, ok = views.KBDeflectionTable(ctx, st, section)
	} else {
		d, err := s.reports.Dashboard(ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t, ok = views.DashboardTable(ctx, d, section)
	}
	if !ok {
		s.fail(w, r, apperr.New(apperr.NotFound, "error_not_found"))
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // a byte order mark, so spreadsheets read the UTF-8 headers right
	// Formula cells are neutralised; writes to a buffer cannot fail.
	_ = writeCSV(&buf, t.CSVHeader(ctx), t.CSVRows())
	name := "loopdesk-" + section + "-" + f.From.Format(time.DateOnly) + "-" + f.To.Format(time.DateOnly)
	if f.TeamID != 0 {
		name += "-team-" + strconv.FormatInt(f.TeamID, 10)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// deflection is the knowledge base's deflection for the dashboard's filter:
// its days in the desk's reporting zone, its team.
func (s *Server) deflection(r *http.Request, f reports.Filter) (kb.Stats, error) {
	f.Zone = s.reports.Zone()
	start, end := f.Bounds()
	return s.kbStore().Deflection(r.Context(), kb.DeflectionFilter{Start: start, End: end, Zone: f.Zone.String(), TeamID: f.TeamID})
}
