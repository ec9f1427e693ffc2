package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/returnto"
	"github.com/loopdesk/loopdesk/web/views"
)

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, returnto.Path(r.URL.Query().Get("return")), http.StatusSeeOther)
		return
	}
	p := s.page(r, "login_title", "")
	if r.URL.Query().Get("logged_out") == "1" && p.Flash == nil {
		p.Flash = &views.Flash{Kind: "info", MsgID: "flash_logged_out"}
	}
	s.render(w, r, http.StatusOK, views.LoginPage(p, views.LoginForm{Return: returnto.Path(r.URL.Query().Get("return"))}))
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	form := views.LoginForm{Email: r.PostForm.Get("email"), Return: r.PostForm.Get("return")}
	u, err := s.staff.Authenticate(r.Context(), form.Email, r.PostForm.Get("password"), clientIP(r))
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.Invalid, apperr.Unauthorized, apperr.TooMany, apperr.Unavailable:
			if apperr.KindOf(err) == apperr.Unavailable {
				w.Header().Set("Retry-After", "5")
			}
			form.Errors = apperr.FieldsOf(err)
			if len(form.Errors) == 0 {
				form.Error = apperr.MsgIDOf(err)
			}
			s.render(w, r, statusOf(apperr.KindOf(err)), views.LoginPage(s.page(r, "login_title", ""), form))
		default:
			s.fail(w, r, err)
		}
		return
	}
	if u.TwoFactor {
		s.startTwoFactor(w, r, u, form.Return)
		return
	}
	s.signIn(w, r, u, form.Return)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?logged_out=1", http.StatusSeeOther)
}

// handleLocale switches the interface language: a cookie for everyone, and the
// saved setting for signed-in staff.
func (s *Server) handleLocale(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		s.fail(w, r, apperr.New(apperr.Invalid, "error_locale_invalid"))
		return
	}
	if u := currentUser(r.Context()); u != nil {
		if err := s.staff.SetLocale(r.Context(), u.ID, lang); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.baseURL.Scheme == "https",
	})
	http.Redirect(w, r, kbPathIn(returnto.Path(r.PostFormValue("return")), lang), http.StatusSeeOther) // selfserve: /kb/{lang} follows
}
