package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxUser
	ctxNav
	ctxLiveFrom
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// currentUser returns the signed-in staff member, nil for anonymous requests.
func currentUser(ctx context.Context) *staff.User {
	u, _ := ctx.Value(ctxUser).(*staff.User)
	return u
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "request_id", requestID(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the response status for logs and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Served counts the requests answered so far: the process is idle while
// it does not move (cmd/server trims memory then).
func (s *Server) Served() uint64 { return s.served.Load() }

// observe logs each request and counts it by route pattern (never by raw path,
// which would leak tokens into metrics and explode label cardinality).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		d := time.Since(start)
		s.served.Add(1)
		s.metrics.observe(route, r.Method, rec.status, d)
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" || strings.HasPrefix(route, "/static/") {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "request_id", requestID(r.Context()),
			"method", r.Method, "route", route, "status", rec.status, "duration_ms", d.Milliseconds())
	})
}

// contentSecurityPolicy allows only our own scripts and styles: no inline
// scripts, no eval, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. HSTS goes out
// when the desk's base URL is https: behind a TLS-terminating proxy r.TLS is
// nil, so the request cannot tell.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := s.baseURL.Scheme == "https"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection rejects state-changing requests that a browser marks
// as cross-site (Sec-Fetch-Site / Origin), which is our CSRF defence.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if s.baseURL.Host != "" {
		_ = cop.AddTrustedOrigin(s.baseURL.Scheme + "://" + s.baseURL.Host)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request rejected", "request_id", requestID(r.Context()),
			"method", r.Method) // never the path: status links carry secret tokens
		http.Error(w, "cross-origin request rejected", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// actorOf is the signed-in staff member as the tickets domain sees them.
func actorOf(u *staff.User) tickets.Actor {
	if u == nil {
		return tickets.Actor{}
	}
	return tickets.Actor{UserID: u.ID, TeamIDs: u.TeamIDs, SeeAll: u.Role.AtLeast(staff.RoleSupervisor)}
}

// loadUser puts the signed-in, active staff member into the context. A
// session from before the member's sessions were ended (password changed or
// reset, deactivated: the epoch moved on) is destroyed.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), sessionUserKey)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		// The live position comes before anything the page reads about
		// tickets: its stream replays every change after it
		// (views.Page.LiveFrom). The member was read with the session, just
		// before; the stream carries no change of staff.
		from := s.live.Position()
		// The member was read with the session row (one round trip);
		// only a session this request wrote reads them again.
		var u staff.User
		var err error
		if su := sessionUser(r.Context(), id); su != nil {
			u = *su
		} else {
			u, err = s.staff.Get(r.Context(), id)
		}
		if apperr.Is(err, apperr.NotFound) || (err == nil && (!u.Active || u.SessionEpoch != s.sessions.GetInt(r.Context(), sessionEpochKey))) {
			_ = s.sessions.Destroy(r.Context())
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), ctxUser, &u), ctxLiveFrom, from)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxNav, &navCounts{})))
	})
}

const langCookie = "loopdesk_lang"

// withLocale picks the request language: user setting, switcher cookie,
// Accept-Language, English.
func (s *Server) withLocale(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var userLocale, cookie string
		if u := currentUser(r.Context()); u != nil {
			userLocale = u.Locale
		}
		if c, err := r.Cookie(langCookie); err == nil {
			cookie = c.Value
		}
		lang := i18n.Negotiate(userLocale, cookie, r.Header.Get("Accept-Language"))
		w.Header().Set("Content-Language", lang)
		next.ServeHTTP(w, r.WithContext(i18n.WithLocalizer(r.Context(), s.cat.Localizer(lang))))
	})
}

// require lets through staff at or above min; anonymous visitors go to the
// login page, others get 403.
func (s *Server) require(min staff.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := currentUser(r.Context())
			if u == nil {
				target := "/login"
				if r.Method == http.MethodGet && r.URL.Path != "/" {
					target += "?return=" + url.QueryEscape(r.URL.RequestURI())
				}
				if r.Header.Get("HX-Request") == "true" {
					w.Header().Set("HX-Redirect", target)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			if s.needsTwoFactorSetup(u) && !strings.HasPrefix(r.URL.Path, "/settings/2fa") {
				// An admin works only with two-factor sign-in on.
				if r.Header.Get("HX-Request") == "true" {
					w.Header().Set("HX-Redirect", "/settings/2fa")
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
				return
			}
			if !u.Role.AtLeast(min) {
				s.fail(w, r, apperr.New(apperr.Forbidden, "error_forbidden"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
