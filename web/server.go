// Package web is Loopdesk's HTTP face: middleware, the route table, thin
// handlers per feature and the one error -> status map.
package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/live"
	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/webhooks"
)

// Deps is everything the HTTP layer needs; cmd/server wires it.
type Deps struct {
	Log     *slog.Logger
	DB      *pgxpool.Pool
	Catalog *i18n.Catalog
	Staff   *staff.Store
	Tickets *tickets.Store
	Esc     *escalation.Service
	BaseURL string // public base URL, e.g. https://desk.example.com
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (LOOPDESK_TRUSTED_PROXIES); empty: none.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, is the bearer token /metrics wants
	// (LOOPDESK_METRICS_TOKEN); without it /metrics is not on this handler.
	MetricsToken string
	// AdminTwoFactorOptional lets admins work without two-factor sign-in.
	// Only tests set it; Loopdesk itself always sends an admin without it
	// to set it up.
	AdminTwoFactorOptional bool
	Now                    func() time.Time
	// feedback: CSAT surveys and at-risk customers; team announcements.
	CSAT    *csat.Store
	News    *announce.Store
	Reports *reports.Store // dashboard

	// selfserve: webhooks.
	Webhooks *webhooks.Service
	// Live is the instance's live-update hub (one LISTEN connection); nil:
	// New makes one on DB, started by the first stream. Close stops it.
	Live *live.Hub

	// Mailboxes are the IMAP mailboxes the desk reads (admin page).
	Mailboxes *mailbox.Store
	// MailDesk files customer mail; its spam store backs the Spam view and
	// the block list (mailin2). nil: those pages are 404.
	MailDesk *mailin.Desk
}

// Server holds the handlers' dependencies.
type Server struct {
	served   atomic.Uint64 // requests answered (Served)
	log      *slog.Logger
	db       *pgxpool.Pool
	cat      *i18n.Catalog
	staff    *staff.Store
	tickets  *tickets.Store
	esc      *escalation.Service
	csat     *csat.Store     // feedback
	announce *announce.Store // feedback
	reports  *reports.Store  // dashboard
	live     *live.Hub       // live desk: update streams
	nav      *live.NavCounts // the layout's nav counts, kept between pages
	presence *live.Presence  // live desk: who else has a ticket open
	sessions *scs.SessionManager
	assets   *assets
	favicon  favicon
	compress func(http.Handler) http.Handler
	metrics  *metrics
	baseURL  *url.URL
	now      func() time.Time
	// trustedProxies: whose X-Forwarded-For names the client (clientIP).
	trustedProxies []netip.Prefix
	metricsToken   string
	// adminTwoFactorOptional: see Deps.
	adminTwoFactorOptional bool
	handler                http.Handler

	// selfserve: webhooks.
	webhooks  *webhooks.Service
	mailboxes *mailbox.Store // IMAP mailboxes (admin page)
	mailDesk  *mailin.Desk   // mailin2: the Spam view, Release, the block list
}

// New builds the server and its route table.
func New(d Deps) (*Server, error) {
	base, err := url.Parse(d.BaseURL)
	if err != nil {
		return nil, err
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	icon, err := newFavicon()
	if err != nil {
		return nil, err
	}
	compress, err := compressResponses()
	if err != nil {
		return nil, err
	}
	sm := newSessions(d.DB, d.Staff)
	sm.Cookie.Name = "loopdesk_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	if base.Scheme == "https" {
		// __Host-: the browser takes the cookie only over https, for this
		// host alone (no Domain), for every path.
		sm.Cookie.Name = "__Host-loopdesk_session"
		sm.Cookie.Secure = true
	}
	s := &Server{
		log:      d.Log,
		db:       d.DB,
		cat:      d.Catalog,
		staff:    d.Staff,
		tickets:  d.Tickets,
		esc:      d.Esc,
		csat:     d.CSAT,    // feedback
		announce: d.News,    // feedback
		reports:  d.Reports, // dashboard
		live:     d.Live,
		presence: live.NewPresence(d.DB, d.Now),
		sessions: sm,
		assets:   a,
		favicon:  icon,
		compress: compress,
		metrics:  newMetrics(d.DB),
		baseURL:  base,
		now:      d.Now,

		trustedProxies: d.TrustedProxies,
		metricsToken:   d.MetricsToken,

		webhooks:  d.Webhooks, // selfserve
		mailboxes: d.Mailboxes,
		mailDesk:  d.MailDesk,

		adminTwoFactorOptional: d.AdminTwoFactorOptional,
	}
	sm.ErrorFunc = s.sessionError // the outage page when the database is down
	if s.live == nil {
		s.live = live.NewHub(d.DB, d.Log)
	}
	s.nav = live.NewNavCounts(s.live, d.Tickets, d.Now)
	s.handler = s.routes()
	return s, nil
}

// Close ends the live-update streams and stops their listener; call it when
// the HTTP server starts shutting down, so that open streams do not hold
// the shutdown up.
func (s *Server) Close() { s.live.Close() }

// ServeHTTP serves every Loopdesk request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
