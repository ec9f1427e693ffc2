// Package views holds Loopdesk's templ components. Components are pure
// functions of their props; strings come from the i18n catalogs via ctx.
package views

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// Page is what every full page's layout needs.
type Page struct {
	Title    string
	Lang     string
	User     *staff.User // nil for anonymous visitors
	Active   string      // key of the current nav entry
	Flash    *Flash
	Asset    func(name string) string // content-hashed static URL
	Path     string                   // current path, to return to after switching language
	NavBadge map[string]int           // counts beside nav entries
	Unread   int                      // unread notifications (the bell)
	// LiveFrom is where the page's event stream starts: the live position
	// taken before the page read anything ("" opens it fresh).
	LiveFrom string

	// Head adds elements to the page's head: the help centre's stylesheet,
	// canonical address and translations (selfserve).
	Head templ.Component
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind  string // success, error, info
	MsgID string
	Args  []any // name/value pairs for the message
}

// Text is the flash message in the user's language.
func (f Flash) Text(ctx context.Context) string { return T(ctx, f.MsgID, f.Args...) }

// NavItem is one link of the role-based navigation.
type NavItem struct {
	Key   string
	Href  string
	MsgID string
	Min   staff.Role
}

// Nav lists the main navigation; entries are shown to roles at or above Min.
var Nav = []NavItem{
	{"new", "/tickets/new", "nav_new_ticket", staff.RoleRep},
	{"mine", "/queue/mine", "nav_my_queue", staff.RoleRep},
	{"team", "/queue/team", "nav_team_queue", staff.RoleRep},
	{"escalations", "/escalations", "nav_escalations", staff.RoleRep}, // reps: transfers to their department
	{"canned", "/canned", "nav_canned", staff.RoleRep},
	{"kb", "/kb", "nav_kb", staff.RoleRep},       // selfserve: the help centre, internal articles included
	{"spam", "/spam", "nav_spam", staff.RoleRep}, // mailin2: mail held out of the queues
	{"supervisor", "/supervisor", "nav_supervisor", staff.RoleSupervisor},
	{"dashboard", "/supervisor/dashboard", "nav_dashboard", staff.RoleSupervisor},
	{"admin", "/admin", "nav_admin", staff.RoleAdmin},
}

// T translates id with the request localizer.
func T(ctx context.Context, id string, args ...any) string { return i18n.T(ctx, id, args...) }

// FormatTime formats t for the user's language and time zone.
func FormatTime(ctx context.Context, t time.Time, loc *time.Location) string {
	return i18n.FromContext(ctx).FormatTime(t, loc)
}

func ariaCurrent(active, key string) string {
	if active == key {
		return "page"
	}
	return ""
}

func flashRole(kind string) string {
	if kind == "error" {
		return "alert"
	}
	return "status"
}

// FieldErr returns the translated error for field, "" when it has none.
func FieldErr(ctx context.Context, errs map[string]string, field string) string {
	if id, ok := errs[field]; ok {
		return T(ctx, id)
	}
	return ""
}

func invalid(errs map[string]string, field string) string {
	if _, ok := errs[field]; ok {
		return "true"
	}
	return ""
}

func errID(field string) string { return field + "-error" }
