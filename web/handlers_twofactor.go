package web

import (
	"net/http"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/returnto"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// Two-factor sign-in. A member with it on gives the password at /login and
// a code at /login/2fa; only then is the session signed in (for that
// session alone: there is no "remember this device"). Admins must have it:
// an admin without it is sent to /settings/2fa until it is set up.

// Session keys of a sign-in waiting for its second step.
const (
	sessionPendingUser   = "tfa_user"
	sessionPendingAt     = "tfa_at" // unix seconds when the password was right
	sessionPendingReturn = "tfa_return"
	pendingTwoFactorTTL  = 5 * time.Minute
)

// startTwoFactor parks a sign-in whose password was right until its code
// comes: a new token, and no signed-in user yet.
func (s *Server) startTwoFactor(w http.ResponseWriter, r *http.Request, u staff.User, ret string) {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessionPendingUser, u.ID)
	s.sessions.Put(r.Context(), sessionPendingAt, s.now().Unix())
	s.sessions.Put(r.Context(), sessionPendingReturn, returnto.Path(ret))
	http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
}

// pendingTwoFactor is the member waiting for their second step, 0 when there
// is none or it took too long.
func (s *Server) pendingTwoFactor(r *http.Request) int64 {
	id := s.sessions.GetInt64(r.Context(), sessionPendingUser)
	at := time.Unix(s.sessions.GetInt64(r.Context(), sessionPendingAt), 0)
	if id == 0 || s.now().Sub(at) > pendingTwoFactorTTL {
		return 0
	}
	return id
}

func (s *Server) clearPendingTwoFactor(r *http.Request) {
	for _, k := range []string{sessionPendingUser, sessionPendingAt, sessionPendingReturn} {
		s.sessions.Remove(r.Context(), k)
	}
}

func (s *Server) handleTwoFactorLoginForm(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if s.pendingTwoFactor(r) == 0 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, views.TwoFactorLoginPage(s.page(r, "trust_2fa_login_title", ""), views.TwoFactorLoginForm{}))
}

func (s *Server) handleTwoFactorLogin(w http.ResponseWriter, r *http.Request) {
	id := s.pendingTwoFactor(r)
	if id == 0 {
		s.clearPendingTwoFactor(r)
		s.flash(r, "error", "trust_error_2fa_expired")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.staff.VerifyTwoFactor(r.Context(), id, r.PostFormValue("code"))
	switch apperr.KindOf(err) {
	case apperr.Internal:
		if err != nil {
			s.fail(w, r, err)
			return
		}
	case apperr.Invalid, apperr.TooMany:
		form := views.TwoFactorLoginForm{Errors: apperr.FieldsOf(err)}
		if len(form.Errors) == 0 {
			form.Error = apperr.MsgIDOf(err)
		}
		s.log.WarnContext(r.Context(), "second step refused", "request_id", requestID(r.Context()), "user_id", id, "kind", apperr.KindOf(err).String())
		s.render(w, r, statusOf(apperr.KindOf(err)), views.TwoFactorLoginPage(s.page(r, "trust_2fa_login_title", ""), form))
		return
	default: // the member went away (deactivated, two-factor reset)
		s.clearPendingTwoFactor(r)
		s.flash(r, "error", "trust_error_2fa_expired")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := s.staff.Get(r.Context(), id)
	if err != nil || !u.Active {
		s.clearPendingTwoFactor(r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ret := s.sessions.GetString(r.Context(), sessionPendingReturn)
	s.clearPendingTwoFactor(r)
	s.signIn(w, r, u, ret)
}

// signIn starts the signed-in session of u and sends them on.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, u staff.User, ret string) {
	// A new token on every privilege change defeats session fixation.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessionUserKey, u.ID)
	s.sessions.Put(r.Context(), sessionEpochKey, u.SessionEpoch)
	s.log.InfoContext(r.Context(), "login", "request_id", requestID(r.Context()), "user_id", u.ID, "two_factor", u.TwoFactor)
	http.Redirect(w, r, returnto.Path(ret), http.StatusSeeOther)
}

// needsTwoFactorSetup reports whether u must set up two-factor sign-in
// before anything else.
func (s *Server) needsTwoFactorSetup(u *staff.User) bool {
	return u.Role == staff.RoleAdmin && !u.TwoFactor && !s.adminTwoFactorOptional
}

func (s *Server) twoFactorView(r *http.Request, u *staff.User) (views.TwoFactorView, error) {
	v := views.TwoFactorView{On: u.TwoFactor, Required: s.needsTwoFactorSetup(u), CanDisable: u.Role != staff.RoleAdmin}
	if u.TwoFactor {
		n, err := s.staff.RecoveryCodesLeft(r.Context(), u.ID)
		v.RecoveryLeft = n
		return v, err
	}
	setup, err := s.staff.StartTwoFactor(r.Context(), u.ID)
	v.Secret, v.URI = setup.Secret, setup.URI
	return v, err
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, v views.TwoFactorView) {
	s.render(w, r, status, views.TwoFactorPage(s.page(r, "trust_2fa_title", ""), v))
}

func (s *Server) handleTwoFactorSettings(w http.ResponseWriter, r *http.Request) {
	v, err := s.twoFactorView(r, currentUser(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderTwoFactor(w, r, http.StatusOK, v)
}

// handleTwoFactorEnable confirms the setup with a code and shows the
// recovery codes, this once (no redirect: they are in this response only).
func (s *Server) handleTwoFactorEnable(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	codes, err := s.staff.ConfirmTwoFactor(r.Context(), u.ID, r.PostFormValue("code"))
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.TooMany) {
		v, verr := s.twoFactorView(r, u)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Errors = apperr.FieldsOf(err)
		if len(v.Errors) == 0 {
			v.Errors = map[string]string{"code": apperr.MsgIDOf(err)}
		}
		s.renderTwoFactor(w, r, statusOf(apperr.KindOf(err)), v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Turning it on ended every session of the member; this one goes on.
	if err := s.continueSession(r, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "two-factor enabled", "request_id", requestID(r.Context()), "user_id", u.ID)
	p := s.page(r, "trust_2fa_title", "")
	p.Flash = &views.Flash{Kind: "success", MsgID: "trust_2fa_enabled"}
	s.render(w, r, http.StatusOK, views.TwoFactorPage(p, views.TwoFactorView{On: true, RecoveryCodes: codes}))
}

func (s *Server) handleTwoFactorDisable(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	err := s.staff.DisableTwoFactor(r.Context(), u.ID, r.PostFormValue("code"))
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.TooMany) {
		v := views.TwoFactorView{On: u.TwoFactor, CanDisable: true, Errors: apperr.FieldsOf(err)}
		if len(v.Errors) == 0 {
			v.Errors = map[string]string{"code": apperr.MsgIDOf(err)}
		}
		v.RecoveryLeft, _ = s.staff.RecoveryCodesLeft(r.Context(), u.ID)
		s.renderTwoFactor(w, r, statusOf(apperr.KindOf(err)), v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.continueSession(r, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "two-factor disabled", "request_id", requestID(r.Context()), "user_id", u.ID)
	s.flash(r, "success", "trust_2fa_disabled")
	redirect(w, r, "/settings/2fa")
}

// handleAdminTwoFactorReset turns off another member's two-factor sign-in
// (a lost phone and lost recovery codes); their sessions end.
func (s *Server) handleAdminTwoFactorReset(w http.ResponseWriter, r *http.Request) {
	id, ok := staffIDParam(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	if err := s.staff.ResetTwoFactor(r.Context(), currentUser(r.Context()).ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "two-factor reset", "request_id", requestID(r.Context()), "user_id", id)
	s.flash(r, "success", "trust_staff_2fa_reset_done")
	redirect(w, r, views.StaffURL(id))
}
