package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/smtp"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// syncBuffer is a bytes.Buffer safe for the server goroutine to write and the
// test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv is the environment of a server on a fresh test database with its
// mail listener on a free port.
func testEnv(t *testing.T) func(string) string {
	env := map[string]string{
		"DATABASE_URL":          pgtest.NewConnString(t),
		"LOOPDESK_ADDR":         "127.0.0.1:0",
		"LOOPDESK_BASE_URL":     "https://desk.example",
		"LOOPDESK_DATA_DIR":     t.TempDir(),
		"LOOPDESK_SECRET":       strings.Repeat("s", 40),
		"LOOPDESK_LOG_FORMAT":   "json",
		"LOOPDESK_MAIL_IN_ADDR": "127.0.0.1:0",
		"LOOPDESK_MAIL_IN_TO":   "Help <help@desk.example>, tuki@desk.example",
	}
	return func(k string) string { return env[k] }
}

// mailListenerAddr waits for the server's log line that names the SMTP address.
func mailListenerAddr(t *testing.T, out *syncBuffer, errc <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "taking customer mail by SMTP" {
				return line.Addr
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("server stopped: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no mail listener after 60s:\n%s", out.String())
	return ""
}

func rawMail(from, msgID, subject, body string) []byte {
	return []byte(strings.Join([]string{"From: " + from, "To: help@desk.example", "Subject: " + subject,
		"Message-ID: <" + msgID + ">", "Content-Type: text/plain; charset=utf-8", "", body}, "\r\n") + "\r\n")
}

// TestServeTakesMail runs the real server and sends it a mail over SMTP.
func TestServeTakesMail(t *testing.T) {
	t.Parallel()
	getenv := testEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, getenv, strings.NewReader(""), out) }()
	addr := mailListenerAddr(t, out, errc)

	raw := rawMail("Aino <aino@example.fi>", "e2e@example.fi", "=?UTF-8?Q?Tilaus_my=C3=B6h=C3=A4ss=C3=A4?=", "Missä tilaukseni on?")
	if err := smtp.SendMail(addr, nil, "aino@example.fi", []string{"tuki@desk.example"}, raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	db, err := postgres.Open(ctx, getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var subject, channel, email string
	err = db.QueryRow(ctx, `
SELECT t.subject, t.channel, c.email FROM mail_in m JOIN tickets t ON t.id = m.ticket_id JOIN customers c ON c.id = t.customer_id
WHERE m.message_id = 'e2e@example.fi'`).Scan(&subject, &channel, &email)
	if err != nil || subject != "Tilaus myöhässä" || channel != "email" || email != "aino@example.fi" {
		t.Errorf("ticket from mail: %q %q %q, %v", subject, channel, email, err)
	}
	if strings.Contains(out.String(), "Missä tilaukseni") {
		t.Error("the log holds the mail's body")
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestMailInCommand files mail read from stdin, as a Postfix pipe would.
func TestMailInCommand(t *testing.T) {
	t.Parallel()
	getenv := testEnv(t)
	ctx := context.Background()
	mailin := func(raw []byte) (string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"mailin", "-log-level", "warn"}, getenv, bytes.NewReader(raw), &out)
		return strings.TrimSpace(out.String()), err
	}
	raw := rawMail("Ben <ben@example.com>", "pipe1@example.com", "Broken kettle", "It leaks.")
	got, err := mailin(raw)
	m := regexp.MustCompile(`^created #([0-9]+)$`).FindStringSubmatch(got)
	if err != nil || m == nil {
		t.Fatalf("mailin = %q, %v; want created #N", got, err)
	}
	if got, err := mailin(raw); err != nil || got != "duplicate #"+m[1] {
		t.Errorf("redelivered: %q, %v; want duplicate #%s", got, err, m[1])
	}
	reply := rawMail("ben@example.com", "pipe2@example.com", fmt.Sprintf("Re: [#%s] We have received your request", m[1]), "Still leaks.")
	if got, err := mailin(reply); err != nil || got != "threaded #"+m[1] {
		t.Errorf("reply: %q, %v; want threaded #%s", got, err, m[1])
	}
	auto := []byte("From: ben@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\nAway.\r\n")
	if got, err := mailin(auto); err != nil || got != "ignored (auto-submitted)" {
		t.Errorf("auto-reply: %q, %v", got, err)
	}
	// No sender: exit 65, so the mail server bounces it rather than retry.
	_, err = mailin([]byte("Subject: nobody\r\n\r\nx\r\n"))
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitDataErr {
		t.Errorf("no sender: err = %v, want exit %d", err, exitDataErr)
	}
	// A nesting bomb: exit 65 at once, not minutes of parsing.
	var bomb bytes.Buffer
	bomb.WriteString("From: bomb@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := range 5000 {
		fmt.Fprintf(&bomb, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	if _, err := mailin(bomb.Bytes()); !errors.As(err, &ee) || ee.code != exitDataErr || !strings.Contains(err.Error(), "too complex") {
		t.Errorf("nesting bomb: err = %v, want exit %d", err, exitDataErr)
	}
	_, err = mailin(bytes.Repeat([]byte("x"), 25<<20+1))
	if !errors.As(err, &ee) || ee.code != exitDataErr || !strings.Contains(err.Error(), "25 MB") {
		t.Errorf("too large: err = %v, want exit %d naming the limit", err, exitDataErr)
	}
}

func TestConfigMailIn(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		wantErr string
	}{
		{map[string]string{}, ""},
		{map[string]string{"LOOPDESK_MAIL_IN_ADDR": ":2525", "LOOPDESK_MAIL_IN_TO": "help@desk.example"}, ""},
		{map[string]string{"LOOPDESK_MAIL_IN_ADDR": ":2525", "LOOPDESK_SMTP_FROM": "Desk <help@desk.example>"}, ""},
		{map[string]string{"LOOPDESK_MAIL_IN_ADDR": "2525", "LOOPDESK_MAIL_IN_TO": "help@desk.example"}, "LOOPDESK_MAIL_IN_ADDR"},
		{map[string]string{"LOOPDESK_MAIL_IN_ADDR": ":2525"}, "LOOPDESK_MAIL_IN_TO"},
		{map[string]string{"LOOPDESK_MAIL_IN_ADDR": ":2525", "LOOPDESK_MAIL_IN_TO": "not an address"}, "LOOPDESK_MAIL_IN_TO"},
	} {
		var cfg config
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg.bind(fs, func(k string) string { return c.env[k] })
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		err := cfg.validate()
		if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("env %v: err = %v, want one naming %q", c.env, err, c.wantErr)
		}
	}
}
