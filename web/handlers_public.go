package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// The customer side: the public web form (/help), the private status page
// (/status/{token}) and "find my ticket" (/find). No login; the status-link
// token is the customer's only key, so it is kept out of logs (routes are
// logged by pattern), out of Referer headers and out of caches.

// maxPublicForm bounds a public form body; the largest field is a 20,000
// character message, at most 4 bytes a character, form-encoded.
const maxPublicForm = 256 << 10

// publicFieldMsgs gives the customer-facing wording of domain field errors
// that the staff catalogs word for staff.
var publicFieldMsgs = map[string]string{
	"error_too_long":     "public_error_too_long",
	"error_text_invalid": "public_error_text_invalid",
}

func publicFields(errs map[string]string) map[string]string {
	out := make(map[string]string, len(errs))
	for f, id := range errs {
		if p, ok := publicFieldMsgs[id]; ok {
			id = p
		}
		out[f] = id
	}
	return out
}

// parsePublicForm reads a bounded form body; a body too big or malformed is
// reported as false after answering 422.
func (s *Server) parsePublicForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxPublicForm)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return false
	}
	return true
}

// privateHeaders keep a status link out of Referer headers, caches and
// search engines.
func privateHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
}

// inCustomerLocale renders the rest of the request in the customer's
// language, unless the visitor chose one with the switcher (its cookie) or is
// signed-in staff (their own setting).
func (s *Server) inCustomerLocale(w http.ResponseWriter, r *http.Request, locale string) *http.Request {
	if currentUser(r.Context()) != nil {
		return r
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		return r
	}
	l := s.cat.Localizer(locale)
	w.Header().Set("Content-Language", l.Lang)
	return r.WithContext(i18n.WithLocalizer(r.Context(), l))
}

// validAddress reports whether s is a bare address that the customers table accepts.
func validAddress(s string) bool {
	if len(s) < 3 || len(s) > 254 || !utf8.ValidString(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".")
}

// --- GET/POST /help: the web form ---

func (s *Server) handleHelpForm(w http.ResponseWriter, r *http.Request) {
	f := views.HelpForm{Locale: i18n.FromContext(r.Context()).Lang, Key: tickets.NewFormKey()}
	s.render(w, r, http.StatusOK, views.HelpPage(s.page(r, "public_help_title", ""), f))
}

func (s *Server) handleHelp(w http.ResponseWriter, r *http.Request) {
	file, ok := s.parseUploadForm(w, r) // attachments: the optional file
	if !ok {
		return
	}
	f := views.HelpForm{
		Name: r.PostForm.Get("name"), Email: strings.TrimSpace(r.PostForm.Get("email")),
		Subject: r.PostForm.Get("subject"), Message: r.PostForm.Get("message"),
		Locale: r.PostForm.Get("locale"), Honeypot: r.PostForm.Get("website"),
		Key: r.PostForm.Get("form_key"),
	}
	if f.Key == "" {
		f.Key = tickets.NewFormKey() // a page from before the forms had keys
	}
	again := func(status int) {
		s.render(w, r, status, views.HelpPage(s.page(r, "public_help_title", ""), f))
	}
	ip := clientIP(r)
	if f.Honeypot != "" {
		// A bot filled the field people cannot see. It counts towards the
		// limit, and the answer says what to do in case a person did it.
		if _, ok, err := s.rateTake(r.Context(), limitHelp, ip); err != nil {
			s.fail(w, r, err)
			return
		} else if !ok {
			f.Error = "public_error_rate_limited"
			again(http.StatusTooManyRequests)
			return
		}
		s.log.InfoContext(r.Context(), "public form: honeypot filled", "request_id", requestID(r.Context()))
		f.Error = "public_error_spam"
		f.Errors = map[string]string{"website": "public_error_spam"}
		again(http.StatusUnprocessableEntity)
		return
	}
	// The domain validates the ticket; the handler adds what the form knows
	// better: the address length the table allows, and that a language was chosen.
	n := tickets.NewPublicTicket{Name: f.Name, Email: f.Email, Subject: f.Subject, Message: f.Message, Locale: f.Locale, Attachment: file,
		IdempotencyKey: f.Key}
	errs := publicFields(apperr.FieldsOf(n.Validate()))
	if f.Email != "" && errs["email"] == "" && !validAddress(f.Email) {
		errs["email"] = "error_email_invalid"
	}
	if !i18n.Supported(f.Locale) {
		errs["locale"] = "error_locale_invalid"
	}
	if len(errs) > 0 {
		f.Errors = askFileAgain(errs, file)
		again(http.StatusUnprocessableEntity)
		return
	}
	if file == nil && s.kbSuggestFirst(w, r, f.Subject+"\n"+f.Message, f.Locale) { // selfserve: deflection without JavaScript
		return
	}
	// The hit is taken before the ticket is made, in one locked step, so
	// parallel posts cannot all pass the check; a post that then makes no
	// ticket gives its hit back.
	hit, ok, err := s.rateTake(r.Context(), limitHelp, ip)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		f.Error = "public_error_rate_limited"
		again(http.StatusTooManyRequests)
		return
	}
	p, err := s.tickets.CreatePublicOnce(r.Context(), n)
	if err != nil || p.Repeat {
		// A repeat (the same post sent twice) made no new ticket.
		s.rateGiveBack(r.Context(), hit)
	}
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			f.Errors = askFileAgain(publicFields(apperr.FieldsOf(err)), file)
			f.Error = "error_invalid_form"
			again(http.StatusUnprocessableEntity)
			return
		}
		s.fail(w, r, err)
		return
	}
	if p.Repeat {
		s.log.InfoContext(r.Context(), "public form sent again: same ticket", "request_id", requestID(r.Context()), "ticket_id", p.Ticket.ID)
	} else {
		s.log.InfoContext(r.Context(), "public ticket created", "request_id", requestID(r.Context()), "ticket_id", p.Ticket.ID)
	}
	privateHeaders(w)
	redirect(w, r, "/status/"+p.Token+"?new=1")
}

// --- GET /status/{token}, POST /status/{token}/reply: the status page ---

// statusTicket opens the ticket of the request's token; a bad token gets the
// "link not valid" page (404), an expired one the "link expired" page (410),
// and ok false.
func (s *Server) statusTicket(w http.ResponseWriter, r *http.Request) (tickets.Ticket, string, bool) {
	privateHeaders(w)
	token := chi.URLParam(r, "token")
	t, err := s.tickets.TicketByToken(r.Context(), token)
	var expired *tickets.ExpiredLinkError
	if errors.As(err, &expired) {
		// Gone for good (410), in the customer's language, with the way to
		// a new link: "find my ticket" mails one to the customer's address.
		r = s.inCustomerLocale(w, r, expired.Locale)
		s.render(w, r, http.StatusGone, views.LinkExpiredPage(s.page(r, "public_link_expired_title", "")))
		return tickets.Ticket{}, "", false
	}
	if apperr.Is(err, apperr.NotFound) {
		s.render(w, r, http.StatusNotFound, views.LinkInvalidPage(s.page(r, "public_link_invalid_title", "")))
		return tickets.Ticket{}, "", false
	}
	if err != nil {
		s.fail(w, r, err)
		return tickets.Ticket{}, "", false
	}
	return t, token, true
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, t tickets.Ticket, token string, reply views.CustomerReplyForm) {
	msgs, err := s.tickets.Messages(r.Context(), t.ID, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, err := s.attachmentsByMessage(r.Context(), t.ID, false) // attachments: never internal notes' files
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.StatusView{
		Ticket: t, Messages: msgs, Token: token, Reply: reply, Attachments: files,
		CSAT: s.csatSurvey(r, t), // feedback: the CSAT survey block
		New:  r.Method == http.MethodGet && r.URL.Query().Get("new") == "1",
		Link: strings.TrimRight(s.baseURL.String(), "/") + "/status/" + token,
	}
	p := s.page(r, "public_status_page_title", "")
	p.Title = i18n.T(r.Context(), "public_status_page_title", "Number", t.ID)
	s.render(w, r, status, views.StatusPage(p, v))
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	t, token, ok := s.statusTicket(w, r)
	if !ok {
		return
	}
	r = s.inCustomerLocale(w, r, t.Customer.Locale)
	s.renderStatus(w, r, http.StatusOK, t, token, views.CustomerReplyForm{Key: tickets.NewFormKey()})
}

func (s *Server) handleStatusReply(w http.ResponseWriter, r *http.Request) {
	t, token, ok := s.statusTicket(w, r)
	if !ok {
		return
	}
	r = s.inCustomerLocale(w, r, t.Customer.Locale)
	file, ok := s.parseUploadForm(w, r) // attachments: the optional file
	if !ok {
		return
	}
	form := views.CustomerReplyForm{Message: r.PostForm.Get("message"), Key: r.PostForm.Get("form_key")}
	if form.Key == "" {
		form.Key = tickets.NewFormKey()
	}
	ip := clientIP(r)
	hit, allowed, err := s.rateTake(r.Context(), limitReply, ip)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !allowed {
		form.Errors = map[string]string{"message": "public_error_rate_limited"}
		s.renderStatus(w, r, http.StatusTooManyRequests, t, token, form)
		return
	}
	replied, err := s.tickets.AddCustomerReply(r.Context(), tickets.CustomerReply{TicketID: t.ID, Body: form.Message, File: file, IdempotencyKey: form.Key})
	if err != nil || replied.Repeat {
		// A repeat (the same post sent twice) added nothing.
		s.rateGiveBack(r.Context(), hit)
	}
	target := replied.TicketID
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = publicFields(apperr.FieldsOf(err))
		if len(form.Errors) == 0 {
			form.Errors = map[string]string{"message": "error_invalid_form"}
		}
		form.Errors = askFileAgain(form.Errors, file)
		s.renderStatus(w, r, http.StatusUnprocessableEntity, t, token, form)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "customer replied", "request_id", requestID(r.Context()), "ticket_id", target)
	if target != t.ID {
		s.flash(r, "info", "public_flash_follow_up")
	} else {
		s.flash(r, "success", "public_flash_reply_sent")
	}
	redirect(w, r, "/status/"+token)
}

// --- GET/POST /find: find my ticket ---

func (s *Server) handleFindForm(w http.ResponseWriter, r *http.Request) {
	f := views.FindForm{Sent: r.URL.Query().Get("sent") == "1"}
	s.render(w, r, http.StatusOK, views.FindPage(s.page(r, "public_find_title", ""), f))
}

// handleFind mails a fresh status link when number and email match a ticket.
// Matching or not, a well-formed request gets the same redirect and the same
// neutral answer, so the form reveals nothing about which tickets exist.
func (s *Server) handleFind(w http.ResponseWriter, r *http.Request) {
	if !s.parsePublicForm(w, r) {
		return
	}
	f := views.FindForm{Number: strings.TrimSpace(r.PostForm.Get("number")), Email: strings.TrimSpace(r.PostForm.Get("email"))}
	again := func(status int) {
		s.render(w, r, status, views.FindPage(s.page(r, "public_find_title", ""), f))
	}
	var fe apperr.Fields
	number, err := strconv.ParseInt(strings.TrimPrefix(f.Number, "#"), 10, 64)
	switch {
	case f.Number == "":
		fe.Add("number", "error_required")
	case err != nil || number <= 0:
		fe.Add("number", "public_error_number_invalid")
	}
	switch {
	case f.Email == "":
		fe.Add("email", "error_required")
	case !validAddress(f.Email):
		fe.Add("email", "error_email_invalid")
	}
	if len(fe) > 0 {
		f.Errors = fe
		again(http.StatusUnprocessableEntity)
		return
	}
	ip := clientIP(r)
	_, ok, err := s.rateTake(r.Context(), limitFind, ip)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		f.Error = "public_error_rate_limited"
		again(http.StatusTooManyRequests)
		return
	}
	if err := s.tickets.SendStatusLink(r.Context(), number, f.Email); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/find?sent=1")
}

// --- rate limits of the public forms ---

// rateLimit allows max actions per client address per window. Hits are
// counted in Postgres, so the limit holds across instances.
type rateLimit struct {
	bucket string
	max    int
	window time.Duration
}

var (
	limitHelp  = rateLimit{"help", 5, 10 * time.Minute}   // tickets created (and honeypot trips)
	limitFind  = rateLimit{"find", 5, 10 * time.Minute}   // status links asked for: each may send a mail
	limitReply = rateLimit{"reply", 30, 10 * time.Minute} // replies on status pages
)

// rateKey hashes the client address: the address itself is not stored.
func rateKey(bucket, ip string) []byte {
	h := sha256.Sum256([]byte(bucket + "\x00" + ip))
	return h[:]
}

// sqlRateLock serialises the hits of one key until the transaction ends, so
// counting and recording a hit is one step: of parallel requests from one
// address exactly max get through. The two-key form keeps clear of the
// bigint advisory locks (migrations); a hash clash of two keys only makes
// them wait for each other.
const sqlRateLock = `SELECT pg_advisory_xact_lock(hashtext('rate_hits'), hashtext($1))`

// sqlRateTake records a hit when the key has fewer than $5 in the window, and
// returns its id (no row: the limit is reached). Under sqlRateLock it runs
// as its own statement, so its snapshot sees every hit committed before the
// lock was granted. Hits older than a day, which no limit looks at, are
// dropped on the way, so the table stays small without a separate cleaner.
const sqlRateTake = `
WITH old AS (DELETE FROM rate_hits WHERE at < $4),
n AS (SELECT count(*) AS hits FROM rate_hits WHERE bucket = $1 AND key_hash = $2 AND at > $3)
INSERT INTO rate_hits (bucket, key_hash, at)
SELECT $1, $2, $6 FROM n WHERE n.hits < $5
RETURNING id`

// rateTake takes one l-limited action of ip now: ok is false when the limit
// is reached (nothing is recorded then). hit identifies the recorded hit for
// rateGiveBack.
func (s *Server) rateTake(ctx context.Context, l rateLimit, ip string) (hit int64, ok bool, err error) {
	key := rateKey(l.bucket, ip)
	now := s.now()
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlRateLock, l.bucket+":"+hex.EncodeToString(key)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, sqlRateTake, l.bucket, key, now.Add(-l.window), now.Add(-24*time.Hour), l.max, now).Scan(&hit)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("take rate hit: %w", err)
	}
	return hit, ok, nil
}

// rateGiveBack removes a hit whose action did not happen (the store refused
// it), so a failed attempt does not count. A failure is only logged: at
// worst the customer waits a little longer.
func (s *Server) rateGiveBack(ctx context.Context, hit int64) {
	if _, err := s.db.Exec(context.WithoutCancel(ctx), `DELETE FROM rate_hits WHERE id = $1`, hit); err != nil {
		s.log.WarnContext(ctx, "public form: give back rate hit", "request_id", requestID(ctx), "err", err)
	}
}
