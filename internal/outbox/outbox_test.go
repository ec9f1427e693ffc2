package outbox

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeSMTP is a real listener on 127.0.0.1 that speaks enough SMTP for
// net/smtp: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. While failing is set it
// refuses MAIL FROM with a temporary error.
type fakeSMTP struct {
	ln      net.Listener
	failing atomic.Bool
	mu      sync.Mutex
	msgs    []string // raw DATA of each accepted mail
	auths   []string // decoded AUTH PLAIN credentials
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakeSMTP) addr() string { return f.ln.Addr().String() }

func (f *fakeSMTP) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.msgs...)
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	say("220 fake.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			say("250-fake.test")
			say("250-8BITMIME")
			say("250 AUTH PLAIN")
		case "HELO":
			say("250 fake.test")
		case "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			f.mu.Lock()
			f.auths = append(f.auths, string(raw))
			f.mu.Unlock()
			say("235 2.7.0 Authentication successful")
		case "MAIL":
			if f.failing.Load() {
				say("451 4.3.0 Mailbox temporarily unavailable")
				continue
			}
			say("250 2.1.0 OK")
		case "RCPT":
			say("250 2.1.5 OK")
		case "DATA":
			say("354 End data with <CR><LF>.<CR><LF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			f.mu.Lock()
			f.msgs = append(f.msgs, b.String())
			f.mu.Unlock()
			say("250 2.0.0 queued")
		case "RSET", "NOOP":
			say("250 OK")
		case "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 command not recognized")
		}
	}
}

// decoded parses a raw mail into its decoded subject and body.
func decoded(t *testing.T, raw string) (subject, body string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, raw)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
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
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
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
