package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeSMTP is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that
// keeps what it is given. AUTH PLAIN is allowed in the clear (the sender
// only does that to localhost). While failing is set it refuses MAIL FROM
// with a temporary error.
type fakeSMTP struct {
	ln      net.Listener
	server  *smtp.Server
	failing atomic.Bool
	mu      sync.Mutex
	msgs    []string   // raw DATA of each accepted mail
	rcpts   [][]string // RCPT TO of each accepted mail
	froms   []string   // MAIL FROM of each accepted mail
	tlsSeen []bool     // whether each accepted mail came over TLS
	auths   []string   // AUTH PLAIN credentials, "\x00user\x00password"
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &fakeSession{f: f, conn: c}, nil }))
	f.server = srv
	srv.Domain = "fake.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return f
}

func (f *fakeSMTP) addr() string { return f.ln.Addr().String() }

func (f *fakeSMTP) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.msgs...)
}

// fakeSession is one SMTP session of fakeSMTP.
type fakeSession struct {
	f     *fakeSMTP
	conn  *smtp.Conn
	from  string
	rcpts []string
}

func (s *fakeSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *fakeSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		s.f.mu.Lock()
		defer s.f.mu.Unlock()
		s.f.auths = append(s.f.auths, identity+"\x00"+user+"\x00"+pass)
		return nil
	}), nil
}

func (s *fakeSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.f.failing.Load() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Mailbox temporarily unavailable"}
	}
	s.from = from
	return nil
}

func (s *fakeSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.msgs = append(s.f.msgs, string(b))
	s.f.rcpts = append(s.f.rcpts, s.rcpts)
	s.f.froms = append(s.f.froms, s.from)
	_, overTLS := s.conn.TLSConnectionState()
	s.f.tlsSeen = append(s.f.tlsSeen, overTLS)
	return nil
}

func (s *fakeSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *fakeSession) Logout() error { return nil }

// parseMail parses a raw mail with go-message, failing the test when it
// cannot.
func parseMail(t *testing.T, raw []byte) *gomail.Reader {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, raw)
	}
	return r
}

// parsedMail is a sent mail taken apart: its header and the decoded text of
// each part, by content type.
type parsedMail struct {
	Header gomail.Header
	Parts  map[string]string
	Types  []string // content types in order
}

// parse takes a raw mail apart, checking on the way that it is a
// multipart/alternative of UTF-8 text parts and that no line is longer
// than RFC 5322's 998 octets.
func parse(t *testing.T, raw string) parsedMail {
	t.Helper()
	for i, l := range strings.Split(raw, "\r\n") {
		if len(l) > 998 {
			t.Fatalf("line %d is %d octets long (over 998): %.120q...", i+1, len(l), l)
		}
	}
	r := parseMail(t, []byte(raw))
	typ, _, err := r.Header.ContentType()
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", typ, err)
	}
	p := parsedMail{Header: r.Header, Parts: map[string]string{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		h, ok := part.Header.(*gomail.InlineHeader)
		if !ok {
			t.Fatalf("part %T is not inline", part.Header)
		}
		ct, params, _ := h.ContentType()
		if params["charset"] != "utf-8" {
			t.Errorf("%s part charset %q", ct, params["charset"])
		}
		b, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		p.Parts[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
		p.Types = append(p.Types, ct)
	}
	return p
}

// decoded parses a raw mail into its decoded subject and plain-text body.
func decoded(t *testing.T, raw string) (subject, body string) {
	t.Helper()
	p := parse(t, raw)
	subject, err := p.Header.Subject()
	if err != nil {
		t.Fatal(err)
	}
	return subject, p.Parts["text/plain"]
}

type bundle struct {
	db      *pgxpool.Pool
	cat     *i18n.Catalog
	tickets *tickets.Store
	store   *Store
	log     *slog.Logger
}

func setup(t *testing.T) bundle {
	t.Helper()
	db := pgtest.New(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return bundle{
		db: db, cat: cat,
		tickets: tickets.NewStore(db, time.Now, "https://desk.example.com"),
		store:   NewStore(db, time.Now),
		log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// startRiver runs a River client with the outbox's workers and a fast dispatcher.
func startRiver(t *testing.T, b bundle, o *Outbox) {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(b.db), &river.Config{
		Queues:            map[string]river.QueueConfig{Queue: {MaxWorkers: 2}},
		Workers:           o.Workers(),
		PeriodicJobs:      periodicJobs(100 * time.Millisecond),
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            b.log,
		TestOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = client.Stop(sctx)
		cancel()
	})
}

// createTicket opens a ticket through the web form's store call, which
// queues its confirmation mail, and returns the outbox row.
func createTicket(t *testing.T, b bundle, locale string) (tickets.Ticket, Mail) {
	t.Helper()
	tk, _, err := b.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{
		Name: "Minh Anh", Email: "minh.anh@example.com", Subject: "Gói hàng bị hỏng", Message: "Hộp bị móp.", Locale: locale,
	})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := b.db.QueryRow(t.Context(), `SELECT id FROM outbox WHERE ticket_id = $1`, tk.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	m, err := b.store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk, m
}

// waitFor polls row id until cond holds, failing after 20 s.
func waitFor(t *testing.T, b bundle, id int64, what string, cond func(Mail) bool) Mail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, err := b.store.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox row %d never became %s: %+v", id, what, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWorkerSendsThroughSMTP(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv := startFakeSMTP(t)
	cfg := SMTPConfig{Addr: srv.addr(), User: "desk", Password: "s3cret-pass", From: "Loopdesk <support@example.com>"}
	sender, err := NewSMTPSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, sender, b.log, time.Now)
	tk, m := createTicket(t, b, "fi")
	if m.Status != StatusQueued || m.Kind != "confirmation" {
		t.Fatalf("queued row: %+v", m)
	}
	startRiver(t, b, o)

	sent := waitFor(t, b, m.ID, "sent", func(m Mail) bool { return m.Status == StatusSent })
	if sent.Attempts != 1 || sent.SentAt == nil || sent.LastError != "" || sent.JobID == 0 {
		t.Fatalf("sent row: %+v", sent)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails reached the SMTP server, want 1", len(msgs))
	}
	subject, body := decoded(t, msgs[0])
	l := b.cat.Localizer("fi")
	if want := l.T("mail_confirmation_subject", "Number", tk.ID, "Subject", tk.Subject); subject != want {
		t.Errorf("subject %q, want the Finnish %q", subject, want)
	}
	if !strings.Contains(body, "Tikettisi numero on") || !strings.Contains(body, "https://desk.example.com/status/") {
		t.Errorf("body is not the Finnish confirmation with the status link:\n%s", body)
	}
	if !strings.Contains(msgs[0], "To: <minh.anh@example.com>") || !strings.Contains(msgs[0], "From: \"Loopdesk\" <support@example.com>") {
		t.Errorf("headers:\n%s", msgs[0])
	}
	p := parse(t, msgs[0])
	if !strings.Contains(p.Parts["text/html"], `<html lang="fi">`) || !strings.Contains(p.Parts["text/html"], `<a href="https://desk.example.com/status/`) {
		t.Errorf("HTML part is not the Finnish confirmation with its link:\n%s", p.Parts["text/html"])
	}
	if p.Header.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("a confirmation without Auto-Submitted: auto-replied:\n%s", msgs[0])
	}
	srv.mu.Lock()
	auths := srv.auths
	srv.mu.Unlock()
	if len(auths) != 1 || auths[0] != "\x00desk\x00s3cret-pass" {
		t.Errorf("AUTH PLAIN credentials %q", auths)
	}
}

func TestFailedSendIsRecordedAndRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv := startFakeSMTP(t)
	srv.failing.Store(true)
	sender, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), User: "desk", Password: "s3cret-pass", From: "support@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, sender, b.log, time.Now)
	o.retryBase, o.retryMax = 300*time.Millisecond, time.Second
	_, m := createTicket(t, b, "vi")
	startRiver(t, b, o)

	failed := waitFor(t, b, m.ID, "failed", func(m Mail) bool { return m.Status == StatusFailed })
	if failed.Attempts < 1 || !strings.Contains(failed.LastError, "451") || failed.LastAttemptAt == nil {
		t.Fatalf("failed row: %+v", failed)
	}
	if strings.Contains(failed.LastError, "s3cret-pass") {
		t.Fatal("last_error holds the SMTP password")
	}
	// River retries with backoff: a second failed attempt is counted too.
	waitFor(t, b, m.ID, "failed twice", func(m Mail) bool { return m.Status == StatusFailed && m.Attempts >= 2 })
	var state string
	var attempt int
	if err := b.db.QueryRow(t.Context(), `SELECT state, attempt FROM river_job WHERE id = $1`, failed.JobID).Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	if attempt < 1 || state == "discarded" || state == "completed" {
		t.Fatalf("river job state %s attempt %d: want a job still being retried", state, attempt)
	}
	// The server recovers: the next retry sends it.
	srv.failing.Store(false)
	sent := waitFor(t, b, m.ID, "sent", func(m Mail) bool { return m.Status == StatusSent })
	if sent.Attempts < 3 || sent.LastError != "" {
		t.Fatalf("sent row after retries: %+v", sent)
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d mails delivered, want 1", n)
	}
}

func TestHeldWithoutSMTPAndAdminRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := New(b.db, b.cat, nil, b.log, time.Now)
	_, m := createTicket(t, b, "hi")
	startRiver(t, b, o)
	held := waitFor(t, b, m.ID, "held", func(m Mail) bool { return m.Status == StatusHeld })
	if held.Attempts != 0 || held.JobID != 0 {
		t.Fatalf("held row: %+v", held)
	}

	mails, next, err := b.store.List(t.Context(), ListFilter{Status: StatusHeld})
	if err != nil || len(mails) != 1 || mails[0].ID != m.ID || next != 0 {
		t.Fatalf("list held: %v %+v %d", err, mails, next)
	}
	counts, err := b.store.Counts(t.Context())
	if err != nil || counts[StatusHeld] != 1 {
		t.Fatalf("counts: %v %v", err, counts)
	}

	if err := b.store.Retry(t.Context(), 0, m.ID); err != nil {
		t.Fatal(err)
	}
	// Still no SMTP: the dispatcher holds it again, and the retry is audited.
	waitFor(t, b, m.ID, "held again", func(m Mail) bool { return m.Status == StatusHeld })
	var events int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE subject_type = 'outbox' AND subject_id = $1 AND action = 'outbox.retried'`, m.ID).Scan(&events); err != nil || events != 1 {
		t.Fatalf("retry events: %d %v", events, err)
	}
}

func TestRetryRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, m := createTicket(t, b, "en")
	if err := b.store.Retry(t.Context(), 0, m.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("retry of a queued mail: %v, want Conflict", err)
	}
	if err := b.store.Retry(t.Context(), 0, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("retry of a missing mail: %v, want NotFound", err)
	}
	if _, _, err := b.store.List(t.Context(), ListFilter{Status: "bogus"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad status filter: %v", err)
	}
}

// A job that is no longer its row's (an admin requeued the row) sends nothing.
func TestStaleJobDoesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var calls atomic.Int32
	o := New(b.db, b.cat, senderFunc(func(context.Context, Message) error { calls.Add(1); return nil }), b.log, time.Now)
	_, m := createTicket(t, b, "en")
	if _, err := b.db.Exec(t.Context(), `UPDATE outbox SET job_id = 42 WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := o.send(t.Context(), m.ID, 41); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Fatal("a stale job sent the mail")
	}
	if err := o.send(t.Context(), m.ID, 42); err != nil || calls.Load() != 1 {
		t.Fatalf("the row's own job: err %v, %d sends", err, calls.Load())
	}
	if err := o.send(t.Context(), m.ID, 42); err != nil || calls.Load() != 1 {
		t.Fatalf("a sent mail was sent again: err %v, %d sends", err, calls.Load())
	}
}

type senderFunc func(context.Context, Message) error

func (f senderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

func TestRenderEveryKindInEveryLanguage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"Number": 1234567, "Subject": "Parcel\r\nBcc: evil@example.com", "Link": "https://x.test/status/abc", "Body": "Hello there"}`)
	for _, kind := range []string{"confirmation", "reply", "status_link"} {
		for _, lang := range i18n.Locales {
			r, err := Render(cat, Mail{Kind: kind, Locale: lang, Data: data})
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if strings.HasPrefix(r.Subject, "mail_") || strings.HasPrefix(r.Body, "mail_") {
				t.Errorf("%s/%s: untranslated %q", kind, lang, r.Subject)
			}
			if !strings.Contains(r.Subject, "1234567") || !strings.Contains(r.Body, "https://x.test/status/abc") {
				t.Errorf("%s/%s: number or link missing:\n%s\n%s", kind, lang, r.Subject, r.Body)
			}
			if strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s/%s: subject spans lines: %q", kind, lang, r.Subject)
			}
		}
	}
	if _, err := Render(cat, Mail{Kind: "nonsense", Locale: "en"}); err == nil {
		t.Fatal("unknown kind rendered")
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if c := ConfigFromEnv(env(nil)); c.Configured() || c.Validate() != nil {
		t.Fatal("empty config should be valid and unconfigured")
	}
	bad := []map[string]string{
		{EnvSMTPAddr: "smtp.example.com"},                                                           // no port
		{EnvSMTPAddr: "smtp.example.com:587"},                                                       // no From
		{EnvSMTPAddr: "smtp.example.com:587", EnvSMTPFrom: "not an address"},                        // bad From
		{EnvSMTPAddr: "smtp.example.com:587", EnvSMTPFrom: "a@example.com", EnvSMTPUser: "u"},       // user without password
		{EnvSMTPFrom: "a@example.com"},                                                              // From without Addr
		{EnvSMTPAddr: "smtp.example.com:587", EnvSMTPFrom: "a@example.com", EnvSMTPPassword: "pw1"}, // password without user
	}
	for _, m := range bad {
		err := ConfigFromEnv(env(m)).Validate()
		if err == nil {
			t.Errorf("%v: accepted", m)
			continue
		}
		if strings.Contains(err.Error(), "pw1") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	good := ConfigFromEnv(env(map[string]string{EnvSMTPAddr: "smtp.example.com:587", EnvSMTPFrom: "Desk <a@example.com>", EnvSMTPUser: "u", EnvSMTPPassword: "p"}))
	if err := good.Validate(); err != nil || !good.Configured() {
		t.Fatalf("good config: %v", err)
	}
}

func TestSendErrorsNeverShowThePassword(t *testing.T) {
	// A server that echoes the credentials in its refusal.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serve := func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		_, _ = io.WriteString(c, "220 echo\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(line, "EHLO"):
				_, _ = io.WriteString(c, "250-echo\r\n250 AUTH PLAIN\r\n")
			case strings.HasPrefix(line, "AUTH"):
				raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line[strings.LastIndexByte(line, ' ')+1:]))
				_, _ = io.WriteString(c, "535 5.7.8 bad credentials "+strings.ReplaceAll(string(raw), "\x00", " ")+"\r\n")
			default:
				_, _ = io.WriteString(c, "221 bye\r\n")
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	s, err := NewSMTPSender(SMTPConfig{Addr: ln.Addr().String(), User: "desk", Password: "hunter2-long", From: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), Message{To: "b@example.com", Subject: "x", Body: "y"})
	if err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("want the auth refusal, got %v", err)
	}
	if strings.Contains(err.Error(), "hunter2-long") {
		t.Fatalf("error shows the password: %v", err)
	}
}
