package web

// The JSON API (/api/v1) lets scripts and other systems work tickets as a
// staff member, authenticated by that member's personal API token: no
// session, no cookies. Every failure is a JSON error
//
//	{"error":{"code":"invalid","message":"…","fields":{"subject":"…"}}}
//
// with messages in the request's Accept-Language (else the token owner's
// language). The settings pages where staff make and revoke their tokens are
// here too.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

const (
	apiPrefix = "/api/v1"
	// apiMaxBody bounds a request body: a maximal ticket body (20,000
	// characters) fits even fully \u-escaped.
	apiMaxBody            = 1 << 20
	apiMaxIdempotencyKey  = 200
	apiDefaultQueueLimit  = 50
	apiMaxQueueLimit      = 200
	apiDefaultNewChannel  = tickets.Channel("api")
	apiDefaultNewPriority = tickets.PriorityNormal
)

// ---------------------------------------------------------------------------
// Authentication and errors

// apiAuth authenticates the bearer token and puts its owner in the context:
// the API acts as exactly that staff member. It also picks the message
// language: Accept-Language when sent, else the owner's own language.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept := r.Header.Get("Accept-Language")
		lang := i18n.Negotiate("", "", accept)
		ctx := i18n.WithLocalizer(r.Context(), s.cat.Localizer(lang))
		w.Header().Set("Content-Language", lang)
		r = r.WithContext(ctx)
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			s.apiFail(w, r, apperr.New(apperr.Unauthorized, "error_api_token_missing"))
			return
		}
		u, err := s.staff.AuthenticateToken(ctx, token)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if accept == "" {
			lang = i18n.Negotiate(u.Locale, "", "")
			ctx = i18n.WithLocalizer(ctx, s.cat.Localizer(lang))
			w.Header().Set("Content-Language", lang)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxUser, &u)))
	})
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// apiRequestError is a request the API cannot read at all: malformed or
// oversized JSON, a media type other than JSON, a malformed id in the path.
// These are HTTP-level failures with no apperr kind; every domain error maps
// through statusOf instead.
type apiRequestError struct {
	status int
	code   string
	msgID  string
	args   []any // template data of msgID
	fields map[string]string
}

func (e *apiRequestError) Error() string { return e.code + ": " + e.msgID }

func badRequest(msgID string, args ...any) error {
	return &apiRequestError{status: http.StatusBadRequest, code: "bad_request", msgID: msgID, args: args}
}

// apiErrorBody is the JSON shape of every API error.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// OpenWork names what keeps a ticket from being solved or closed.
	OpenWork []apiOpenWork `json:"open_work,omitempty"`
}

type apiOpenWork struct {
	Kind string `json:"kind"` // escalation, transfer or follow_up
	ID   int64  `json:"id"`
}

// apiFail answers err as a translated JSON error. Internal errors are logged
// with the request id and shown only as a generic message.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	l := i18n.FromContext(r.Context())
	var d apiErrorDetail
	var status int
	var fields map[string]string
	if re := (*apiRequestError)(nil); errors.As(err, &re) {
		status, d.Code, fields = re.status, re.code, re.fields
		d.Message = l.T(re.msgID, re.args...)
	} else {
		kind, msgID := s.classify(r, err)
		status, d.Code, fields = statusOf(kind), kind.String(), apperr.FieldsOf(err)
		switch {
		case kind == apperr.Unavailable:
			w.Header().Set("Retry-After", retryAfter)
		case kind == apperr.Internal || status >= 500:
			msgID = "error_internal"
		case kind == apperr.Invalid && len(fields) > 0:
			msgID = "error_api_invalid" // not the web form's "correct the highlighted fields"
		}
		d.Message = translateOr(l, msgID, "error_api_"+d.Code)
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "api request failed", "request_id", requestID(r.Context()), "err", err)
	}
	if len(fields) > 0 {
		d.Fields = make(map[string]string, len(fields))
		for f, id := range fields {
			d.Fields[f] = apiFieldMessage(l, id)
		}
	}
	for _, b := range tickets.BlockersOf(err) {
		d.OpenWork = append(d.OpenWork, apiOpenWork{Kind: b.Kind, ID: b.ID})
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="loopdesk"`)
	}
	s.writeJSON(w, r, status, apiErrorBody{Error: d})
}

// translateOr translates id for an API client: the API's own wording of a
// domain message (key "api_" + id, for messages written for web forms)
// when the catalogs have one, else id's message, else fallbackID's (a raw id
// must never reach a client).
func translateOr(l *i18n.Localizer, id, fallbackID string) string {
	if id != "" {
		for _, k := range []string{"api_" + id, id} {
			if msg := l.T(k); msg != k {
				return msg
			}
		}
	}
	return l.T(fallbackID)
}

// apiChoicePrefix marks a field message id that lists the accepted values:
// "error_api_choice:low, normal, high, urgent".
const apiChoicePrefix = "error_api_choice:"

func choiceError(f *apperr.Fields, field string, choices []string) {
	f.Add(field, apiChoicePrefix+strings.Join(choices, ", "))
}

func apiFieldMessage(l *i18n.Localizer, id string) string {
	if choices, ok := strings.CutPrefix(id, apiChoicePrefix); ok {
		return l.T("error_api_choice", "Choices", choices)
	}
	return translateOr(l, id, "error_api_field_invalid")
}

// writeJSON writes v as the response; encoding happens first, so a failure
// cannot leave a half-written body behind a success status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a JSON API, not HTML: keep "<token>" readable
	if err := enc.Encode(v); err != nil {
		s.log.ErrorContext(r.Context(), "api encode", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, buf.String())
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiFail(w, r, apperr.New(apperr.NotFound, "error_api_route_not_found"))
}

func (s *Server) apiMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.apiFail(w, r, &apiRequestError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", msgID: "error_api_method_not_allowed"})
}

// ---------------------------------------------------------------------------
// Decoding

// decodeJSON reads exactly one JSON object of at most apiMaxBody bytes into
// dst, refusing unknown fields. Unreadable bodies are 400 (413 when too
// large); unknown fields and wrong types are per-field 422s.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &apiRequestError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", msgID: "error_api_media_type"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, apiMaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return badRequest("error_api_json_trailing")
	}
	return nil
}

// decodeError turns an encoding/json failure into a clear API error.
func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return &apiRequestError{status: http.StatusRequestEntityTooLarge, code: "too_large", msgID: "error_api_body_too_large",
			args: []any{"Max", fmt.Sprintf("%d KiB", apiMaxBody/1024)}}
	case errors.Is(err, io.EOF):
		return badRequest("error_api_body_empty")
	case errors.As(err, &syntax):
		return badRequest("error_api_json_syntax", "Offset", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("error_api_body_object")
		}
		return apperr.InvalidFields(map[string]string{typ.Field: wantType(typ.Type)})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, err := strconv.Unquote(name); err == nil {
			name = unq
		}
		return apperr.InvalidFields(map[string]string{name: "error_api_unknown_field"})
	}
	return badRequest("error_api_json_invalid") // e.g. unexpected EOF in the middle of a value
}

// wantType names the JSON type a Go field expects.
func wantType(t reflect.Type) string {
	if t == nil {
		return "error_api_field_invalid"
	}
	switch t.Kind() {
	case reflect.String:
		return "error_api_want_string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "error_api_want_integer"
	case reflect.Bool:
		return "error_api_want_bool"
	case reflect.Slice, reflect.Array:
		return "error_api_want_array"
	case reflect.Struct, reflect.Map:
		return "error_api_want_object"
	case reflect.Pointer:
		return wantType(t.Elem())
	}
	return "error_api_field_invalid"
}

// optionalID is a JSON id that can be absent (no change), null (clear it) or
// a number.
type optionalID struct {
	Set bool
	ID  int64 // 0 when null
}

func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = 0
		return nil
	}
	if err := json.Unmarshal(b, &o.ID); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int64]()}
	}
	return nil
}

// apiPathID is the {id} of the path; anything but a positive number is a 400.
func apiPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &apiRequestError{status: http.StatusBadRequest, code: "bad_request", msgID: "error_api_id_invalid",
			fields: map[string]string{"id": "error_api_id_invalid"}}
	}
	return id, nil
}

// ---------------------------------------------------------------------------
// JSON shapes

type apiCustomer struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Phone  string `json:"phone"`
	Locale string `json:"locale"`
}

// apiTicket is a ticket as the API shows it. Ids that may be absent are null;
// priorities are their keys; times are RFC 3339 in UTC.
type apiTicket struct {
	ID              int64           `json:"id"`
	URL             string          `json:"url"`
	Subject         string          `json:"subject"`
	Status          tickets.Status  `json:"status"`
	Priority        string          `json:"priority"`
	Category        string          `json:"category"`
	Channel         tickets.Channel `json:"channel"`
	Customer        apiCustomer     `json:"customer"`
	TeamID          *int64          `json:"team_id"`
	TeamName        string          `json:"team_name"`
	OwnerID         *int64          `json:"owner_id"`
	OwnerName       string          `json:"owner_name"`
	CreatedBy       *int64          `json:"created_by"`
	OrderRef        string          `json:"order_ref"`
	Tags            []string        `json:"tags"`
	MergedInto      *int64          `json:"merged_into"`
	Version         int             `json:"version"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	FirstResponseAt *time.Time      `json:"first_response_at"`
	SolvedAt        *time.Time      `json:"solved_at"`
	ClosedAt        *time.Time      `json:"closed_at"`
}

type apiMessage struct {
	ID           int64               `json:"id"`
	Kind         tickets.MessageKind `json:"kind"`
	AuthorID     *int64              `json:"author_id"`
	AuthorName   string              `json:"author_name"`
	FromCustomer bool                `json:"from_customer"`
	Body         string              `json:"body"`
	CreatedAt    time.Time           `json:"created_at"`
	Attachments  []apiAttachment     `json:"attachments"`
}

// apiAttachment is a file on a message; url downloads it with the same token.
type apiAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// apiTicketDetail is one ticket with its whole thread, internal notes included.
type apiTicketDetail struct {
	apiTicket
	Messages []apiMessage `json:"messages"`
}

type apiTicketList struct {
	Tickets []apiTicket `json:"tickets"`
	Next    string      `json:"next"`
}

func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func utcOrNull(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func apiTicketURL(id int64) string { return apiPrefix + "/tickets/" + strconv.FormatInt(id, 10) }

func toAPITicket(t tickets.Ticket) apiTicket {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return apiTicket{
		ID: t.ID, URL: apiTicketURL(t.ID), Subject: t.Subject, Status: t.Status, Priority: t.Priority.String(),
		Category: t.Category, Channel: t.Channel,
		Customer: apiCustomer{ID: t.Customer.ID, Name: t.Customer.Name, Email: t.Customer.Email, Phone: t.Customer.Phone, Locale: t.Customer.Locale},
		TeamID:   idOrNull(t.TeamID), TeamName: t.TeamName, OwnerID: idOrNull(t.OwnerID), OwnerName: t.OwnerName,
		CreatedBy: idOrNull(t.CreatedBy), OrderRef: t.OrderRef, Tags: tags, MergedInto: idOrNull(t.MergedInto),
		Version: t.Version, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		FirstResponseAt: utcOrNull(t.FirstResponseAt), SolvedAt: utcOrNull(t.SolvedAt), ClosedAt: utcOrNull(t.ClosedAt),
	}
}

// ticketDetail loads the thread of t (the caller has already seen t).
func (s *Server) ticketDetail(ctx context.Context, t tickets.Ticket) (apiTicketDetail, error) {
	msgs, err := s.tickets.Messages(ctx, t.ID, true)
	if err != nil {
		return apiTicketDetail{}, err
	}
	files, err := s.tickets.Attachments(ctx, t.ID, true)
	if err != nil {
		return apiTicketDetail{}, err
	}
	byMessage := map[int64][]apiAttachment{}
	for _, a := range files {
		byMessage[a.MessageID] = append(byMessage[a.MessageID], apiAttachment{ID: a.ID, Filename: a.Filename,
			ContentType: a.ContentType, Size: a.Size, URL: apiTicketURL(t.ID) + "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	d := apiTicketDetail{apiTicket: toAPITicket(t), Messages: make([]apiMessage, 0, len(msgs))}
	for _, m := range msgs {
		am := byMessage[m.ID]
		if am == nil {
			am = []apiAttachment{}
		}
		d.Messages = append(d.Messages, apiMessage{
			ID: m.ID, Kind: m.Kind, AuthorID: idOrNull(m.AuthorID), AuthorName: m.AuthorName,
			FromCustomer: m.FromCustomer, Body: m.Body, CreatedAt: m.CreatedAt.UTC(), Attachments: am,
		})
	}
	return d, nil
}

func (s *Server) writeTicket(w http.ResponseWriter, r *http.Request, status int, t tickets.Ticket) {
	d, err := s.ticketDetail(r.Context(), t)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeJSON(w, r, status, d)
}

// Accepted values, as clients type them.
var (
	apiPriorityChoices = func() []string {
		out := make([]string, 0, len(tickets.Priorities))
		for _, p := range tickets.Priorities {
			out = append(out, p.String())
		}
		return out
	}()
	apiStatusChoices  = stringsOf(tickets.Statuses)
	apiChannelChoices = stringsOf(tickets.Channels)
	apiScopeChoices   = []string{string(tickets.ScopeMine), string(tickets.ScopeTeamUnassigned), string(tickets.ScopeAll)}
	apiKindChoices    = []string{string(tickets.MessagePublic), string(tickets.MessageInternal)}
)

func stringsOf[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// ---------------------------------------------------------------------------
// Endpoints

// apiNewTicket is the body of POST /api/v1/tickets. Field names match the
// domain's validation fields, so its errors point at the right JSON keys.
type apiNewTicket struct {
	CustomerID     int64  `json:"customer_id"`
	CustomerName   string `json:"customer_name"`
	CustomerEmail  string `json:"customer_email"`
	CustomerPhone  string `json:"customer_phone"`
	CustomerLocale string `json:"customer_locale"`
	Subject        string `json:"subject"`
	Body           string `json:"body"`
	Channel        string `json:"channel"`  // default "api"
	Priority       string `json:"priority"` // default "normal"
	Category       string `json:"category"`
	OrderRef       string `json:"order_ref"`
	TeamID         int64  `json:"team_id"` // default: the caller's first team
}

// apiCreateTicket opens a ticket owned by the caller. An Idempotency-Key
// header makes retries safe: a repeated key returns the first ticket (200).
func (s *Server) apiCreateTicket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := currentUser(ctx)
	var in apiNewTicket
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	n := tickets.NewTicket{
		CustomerID: in.CustomerID, CustomerName: strings.TrimSpace(in.CustomerName),
		CustomerEmail: strings.TrimSpace(in.CustomerEmail), CustomerPhone: strings.TrimSpace(in.CustomerPhone),
		CustomerLocale: strings.TrimSpace(in.CustomerLocale), Subject: in.Subject, Body: in.Body,
		Channel: apiDefaultNewChannel, Priority: apiDefaultNewPriority, Category: in.Category,
		OrderRef: in.OrderRef, TeamID: in.TeamID,
	}
	var f apperr.Fields
	if in.Channel != "" {
		n.Channel = tickets.Channel(in.Channel)
		if !n.Channel.Valid() {
			choiceError(&f, "channel", apiChannelChoices)
		}
	}
	if in.Priority != "" {
		p, ok := tickets.ParsePriority(in.Priority)
		if !ok {
			choiceError(&f, "priority", apiPriorityChoices)
		}
		n.Priority = p
	}
	if in.Category != "" && !slices.Contains(tickets.Categories, in.Category) {
		choiceError(&f, "category", tickets.Categories)
	}
	if in.CustomerID != 0 {
		if _, err := s.tickets.GetCustomer(ctx, in.CustomerID); apperr.Is(err, apperr.NotFound) {
			f.Add("customer_id", "error_api_customer_not_found")
		} else if err != nil {
			s.apiFail(w, r, err)
			return
		}
	}
	if in.TeamID != 0 {
		if ok, err := s.teamExists(ctx, in.TeamID); err != nil {
			s.apiFail(w, r, err)
			return
		} else if !ok {
			f.Add("team_id", "error_api_team_not_found")
		}
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if !validIdempotencyKey(key) {
			f.Add("idempotency_key", "error_api_idempotency_key_invalid")
		}
		// Keys are per staff member: another member's key can neither collide
		// with nor reveal this one's ticket.
		n.IdempotencyKey = fmt.Sprintf("api:%d:%s", u.ID, key)
	}
	// Report the domain's checks together with ours, in one answer.
	if err := n.Validate(); err != nil {
		for k, v := range apperr.FieldsOf(err) {
			f.Add(k, v)
		}
	}
	if err := f.Err(); err != nil {
		s.apiFail(w, r, err)
		return
	}
	a := actorOf(u)
	t, created, err := s.tickets.Create(ctx, a, n)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if !created && !a.CanSee(t) {
		// The key made a ticket that has since moved out of the caller's sight.
		s.apiFail(w, r, apperr.New(apperr.Conflict, "error_api_idempotency_reused"))
		return
	}
	w.Header().Set("Location", apiTicketURL(t.ID))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.log.InfoContext(ctx, "api ticket created", "request_id", requestID(ctx), "user_id", u.ID, "ticket_id", t.ID)
	}
	s.writeTicket(w, r, status, t)
}

// validIdempotencyKey allows 1 to 200 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) > apiMaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func (s *Server) teamExists(ctx context.Context, id int64) (bool, error) {
	teams, err := s.staff.Teams(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(teams, func(t staff.Team) bool { return t.ID == id }), nil
}

// apiGetAttachment downloads a file of a ticket the caller may see, with the
// same headers as the web download (attachment disposition, nosniff).
func (s *Server) apiGetAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := apiPathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	t, err := s.tickets.Get(r.Context(), actorOf(currentUser(r.Context())), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	aid, err := attachmentID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	a, err := s.tickets.Attachment(r.Context(), t.ID, aid, true)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	serveAttachment(w, a)
}

// apiGetTicket returns a ticket the caller may see, with its whole thread.
// Tickets the caller may not see are 404, exactly like missing ones.
func (s *Server) apiGetTicket(w http.ResponseWriter, r *http.Request) {
	id, err := apiPathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	t, err := s.tickets.Get(r.Context(), actorOf(currentUser(r.Context())), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// apiQueryParams are the parameters GET /api/v1/tickets understands.
var apiQueryParams = []string{"scope", "status", "priority", "team", "owner", "channel", "tag", "category",
	"created_from", "created_to", "sort", "after", "limit"}

// apiListTickets lists the tickets the caller may see, filtered, one keyset
// page at a time: pass the answer's "next" as "after" for the next page.
func (s *Server) apiListTickets(w http.ResponseWriter, r *http.Request) {
	filter, err := parseAPIFilter(r.URL.Query())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	page, err := s.tickets.Queue(r.Context(), actorOf(currentUser(r.Context())), filter)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := apiTicketList{Tickets: make([]apiTicket, 0, len(page.Tickets)), Next: page.Next}
	for _, t := range page.Tickets {
		out.Tickets = append(out.Tickets, toAPITicket(t))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// parseAPIFilter reads the list parameters, reporting every bad one.
func parseAPIFilter(q url.Values) (tickets.Filter, error) {
	var f apperr.Fields
	for k, v := range q {
		switch {
		case !slices.Contains(apiQueryParams, k):
			f.Add(k, "error_api_unknown_field")
		case len(v) > 1:
			f.Add(k, "error_api_repeated")
		}
	}
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	filter := tickets.Filter{
		Scope: tickets.Scope(get("scope")), Status: get("status"), Tag: get("tag"), Category: get("category"),
		Sort: get("sort"), After: get("after"), Limit: apiDefaultQueueLimit,
	}
	if v := get("scope"); v != "" && !slices.Contains(apiScopeChoices, v) {
		choiceError(&f, "scope", apiScopeChoices)
	}
	if v := get("status"); v != "" && v != "any" && !tickets.Status(v).Valid() {
		choiceError(&f, "status", append(slices.Clone(apiStatusChoices), "any"))
	}
	if v := get("priority"); v != "" {
		p, ok := tickets.ParsePriority(v)
		if !ok {
			choiceError(&f, "priority", apiPriorityChoices)
		}
		filter.Priority = p
	}
	if v := get("channel"); v != "" {
		filter.Channel = tickets.Channel(v)
		if !filter.Channel.Valid() {
			choiceError(&f, "channel", apiChannelChoices)
		}
	}
	if v := get("category"); v != "" && !slices.Contains(tickets.Categories, v) {
		choiceError(&f, "category", tickets.Categories)
	}
	if v := get("sort"); v != "" && !slices.Contains(tickets.Sorts, v) {
		choiceError(&f, "sort", tickets.Sorts)
	}
	for _, p := range []struct {
		key string
		dst *int64
	}{{"team", &filter.TeamID}, {"owner", &filter.OwnerID}} {
		if v := get(p.key); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				f.Add(p.key, "error_api_id_invalid")
			}
			*p.dst = id
		}
	}
	var ok bool
	if filter.CreatedFrom, ok = parseAPITime(get("created_from"), false); !ok {
		f.Add("created_from", "error_api_time_invalid")
	}
	if filter.CreatedTo, ok = parseAPITime(get("created_to"), true); !ok {
		f.Add("created_to", "error_api_time_invalid")
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiMaxQueueLimit {
			f.Add("limit", "error_api_limit_invalid")
		}
		filter.Limit = n
	}
	return filter, f.Err()
}

// parseAPITime reads an RFC 3339 time or a date (UTC). A date as an upper
// bound includes that whole day: the bound is the next midnight.
func parseAPITime(s string, upper bool) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false
	}
	if upper {
		d = d.AddDate(0, 0, 1)
	}
	return d, true
}

// apiNewMessage is the body of POST /api/v1/tickets/{id}/messages.
type apiNewMessage struct {
	Kind      string `json:"kind"` // public or internal
	Body      string `json:"body"`
	SetStatus string `json:"set_status"` // optional
}

// apiAddMessage adds a public reply or an internal note, optionally moving
// the ticket to set_status, and returns the ticket with its thread (201).
func (s *Server) apiAddMessage(w http.ResponseWriter, r *http.Request) {
	id, err := apiPathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	var in apiNewMessage
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	var f apperr.Fields
	switch {
	case in.Kind == "":
		f.Add("kind", "error_required")
	case !slices.Contains(apiKindChoices, in.Kind):
		choiceError(&f, "kind", apiKindChoices)
	}
	if strings.TrimSpace(in.Body) == "" {
		f.Add("body", "error_required")
	}
	if in.SetStatus != "" && !tickets.Status(in.SetStatus).Valid() {
		choiceError(&f, "set_status", apiStatusChoices)
	}
	if err := f.Err(); err != nil {
		s.apiFail(w, r, err)
		return
	}
	t, err := s.tickets.AddReply(r.Context(), actorOf(currentUser(r.Context())), id, tickets.Reply{
		Kind: tickets.MessageKind(in.Kind), Body: in.Body, SetStatus: tickets.Status(in.SetStatus),
	})
	if err != nil {
		// The domain names the status field "status"; here it is "set_status".
		if fields := apperr.FieldsOf(err); fields["status"] != "" {
			fields = map[string]string{"set_status": fields["status"]}
			err = apperr.InvalidFields(fields)
		}
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", apiTicketURL(t.ID))
	s.writeTicket(w, r, http.StatusCreated, t)
}

// apiTicketPatch is the body of PATCH /api/v1/tickets/{id}. Absent fields
// stay as they are; owner_id and team_id may be null to clear them.
type apiTicketPatch struct {
	Version  *int       `json:"version"` // the version the client last saw: required
	Status   *string    `json:"status"`
	Priority *string    `json:"priority"`
	Category *string    `json:"category"`
	Tags     *[]string  `json:"tags"`
	OwnerID  optionalID `json:"owner_id"`
	TeamID   optionalID `json:"team_id"`
}

// apiUpdateTicket changes a ticket's status, priority, category, tags, owner
// or team. A stale version is a 409: someone else saved first.
func (s *Server) apiUpdateTicket(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := apiPathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	var in apiTicketPatch
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	var f apperr.Fields
	var c tickets.Changes
	if in.Version == nil {
		f.Add("version", "error_required")
	} else {
		c.Version = *in.Version
	}
	if in.Status != nil {
		st := tickets.Status(*in.Status)
		if !st.Valid() {
			choiceError(&f, "status", apiStatusChoices)
		}
		c.Status = &st
	}
	if in.Priority != nil {
		p, ok := tickets.ParsePriority(*in.Priority)
		if !ok {
			choiceError(&f, "priority", apiPriorityChoices)
		}
		c.Priority = &p
	}
	if in.Category != nil {
		if *in.Category != "" && !slices.Contains(tickets.Categories, *in.Category) {
			choiceError(&f, "category", tickets.Categories)
		}
		c.Category = in.Category
	}
	if in.Tags != nil {
		// Each element is one tag: separators inside one would silently split it.
		if slices.ContainsFunc(*in.Tags, func(t string) bool { return strings.ContainsAny(t, ", ") }) {
			f.Add("tags", "error_tag_invalid")
		}
		tags, err := tickets.ParseTags(strings.Join(*in.Tags, ","))
		for k, v := range apperr.FieldsOf(err) {
			f.Add(k, v)
		}
		c.Tags = &tags
	}
	// Who may own a ticket and which teams exist are the domain's rules.
	if in.OwnerID.Set {
		c.OwnerID = &in.OwnerID.ID
	}
	if in.TeamID.Set {
		c.TeamID = &in.TeamID.ID
	}
	if err := f.Err(); err != nil {
		s.apiFail(w, r, err)
		return
	}
	t, err := s.tickets.Update(ctx, actorOf(currentUser(ctx)), id, c)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// apiTake makes the token's owner the ticket's loop owner. A ticket someone
// else owns needs {"confirm": true}; without it the answer is 409.
func (s *Server) apiTake(w http.ResponseWriter, r *http.Request) {
	id, err := apiPathID(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	var in struct {
		Confirm bool `json:"confirm"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			s.apiFail(w, r, err)
			return
		}
	}
	t, err := s.tickets.Take(r.Context(), actorOf(currentUser(r.Context())), id, in.Confirm)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// ---------------------------------------------------------------------------
// Settings pages: a staff member's own API tokens

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, v views.TokensView) {
	u := currentUser(r.Context())
	list, err := s.staff.ListTokens(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Tokens = list
	s.render(w, r, status, views.TokensPage(s.page(r, "tokens_title", ""), v))
}

// handleTokens lists the member's tokens beside the form to make one.
func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, views.TokensView{})
}

// handleTokenCreate makes a token and shows it this once. The page is the
// POST's answer rather than a redirect, so the secret never has to be kept
// (not even in the session) to be shown on a later GET.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	u := currentUser(r.Context())
	name := r.PostForm.Get("name")
	plain, tok, err := s.staff.CreateToken(r.Context(), u.ID, name)
	if apperr.Is(err, apperr.Invalid) {
		s.renderTokens(w, r, statusOf(apperr.Invalid), views.TokensView{Form: views.TokenForm{Name: name, Errors: apperr.FieldsOf(err)}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "api token created", "request_id", requestID(r.Context()), "user_id", u.ID, "token_id", tok.ID)
	s.renderTokens(w, r, http.StatusOK, views.TokensView{Created: &views.CreatedToken{Name: tok.Name, Plaintext: plain}})
}

// handleTokenRevoke revokes one of the member's tokens (an admin's: any).
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.handleNotFound(w, r)
		return
	}
	u := currentUser(r.Context())
	if err := s.staff.RevokeToken(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "api token revoked", "request_id", requestID(r.Context()), "user_id", u.ID, "token_id", id)
	s.flash(r, "success", "tokens_revoked")
	redirect(w, r, "/settings/tokens")
}

// ---------------------------------------------------------------------------
// Search

// apiSearchParams are the parameters GET /api/v1/search understands.
var apiSearchParams = []string{"q", "after", "limit", "as_typed"}

// apiSearchHit is one ticket a search found: the ticket, the start of its
// first matching message, and whether it is listed only as a ticket of a
// customer the search found.
type apiSearchHit struct {
	apiTicket
	Snippet    string `json:"snippet"`
	OfCustomer bool   `json:"of_customer"`
}

// apiSearchResult is a page of GET /api/v1/search. A ticket number the
// caller may see is ticket_id, and the ticket the only hit (the page goes
// straight to it). searched are the words searched: q, or their correction
// when corrected.
type apiSearchResult struct {
	Query     string         `json:"query"`
	Searched  string         `json:"searched"`
	Corrected bool           `json:"corrected"`
	TicketID  *int64         `json:"ticket_id"`
	Customers []apiCustomer  `json:"customers"`
	Tickets   []apiSearchHit `json:"tickets"`
	Next      string         `json:"next"`
}

// apiSearch runs the search box with the web page's rules and the caller's
// visibility, one keyset page at a time: pass the answer's "next" as
// "after" (with the same q) for the next page.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f apperr.Fields
	for k, v := range q {
		switch {
		case !slices.Contains(apiSearchParams, k):
			f.Add(k, "error_api_unknown_field")
		case len(v) > 1:
			f.Add(k, "error_api_repeated")
		}
	}
	req := tickets.SearchRequest{Query: q.Get("q"), After: strings.TrimSpace(q.Get("after")), Limit: searchPageSize}
	if strings.TrimSpace(req.Query) == "" {
		f.Add("q", "error_search_query_required")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			f.Add("limit", "error_search_limit_invalid")
		}
		req.Limit = n
	}
	switch q.Get("as_typed") {
	case "", "false", "0":
	case "true", "1":
		req.AsTyped = true
	default:
		choiceError(&f, "as_typed", []string{"true", "false"})
	}
	if err := f.Err(); err != nil {
		s.apiFail(w, r, err)
		return
	}
	a := actorOf(currentUser(r.Context()))
	res, err := s.tickets.Find(r.Context(), a, req)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := apiSearchResult{Query: req.Query, Searched: res.Searched, Corrected: res.Corrected, Next: res.Next,
		Customers: make([]apiCustomer, 0, len(res.Customers)), Tickets: make([]apiSearchHit, 0, len(res.Hits))}
	if res.JumpTo != 0 {
		t, err := s.tickets.Get(r.Context(), a, res.JumpTo)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		out.TicketID, out.Searched = &t.ID, req.Query
		out.Tickets = append(out.Tickets, apiSearchHit{apiTicket: toAPITicket(t)})
	}
	for _, c := range res.Customers {
		out.Customers = append(out.Customers, apiCustomer{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Locale: c.Locale})
	}
	for _, h := range res.Hits {
		var snippet strings.Builder
		for _, seg := range h.Snippet {
			snippet.WriteString(seg.Text)
		}
		out.Tickets = append(out.Tickets, apiSearchHit{apiTicket: toAPITicket(h.Ticket), Snippet: snippet.String(), OfCustomer: h.OfCustomer})
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
