package mailin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// startServer runs a Server for deskAddress on 127.0.0.1:0 and returns its address.
func startServer(t *testing.T, b *bundle) string {
	t.Helper()
	srv, err := NewServer(b.desk, []string{"Help <" + deskAddress + ">"}, "desk.example", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// smtpCode is the reply code of an SMTP error, 0 for another error.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestSMTPListenerFilesMail(t *testing.T) {
	b := setup(t)
	addr := startServer(t, b)

	raw := mailFrom("=?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <an@example.vn>", "smtp1@example.vn",
		"=?UTF-8?B?xJDGoW4gaMOgbmcgY+G7p2EgdMO0aSBi4buLIHRy4buF?=", "Xin chào, đơn hàng bị trễ.\n.\nDòng có dấu chấm.")
	if err := smtp.SendMail(addr, nil, "an@example.vn", []string{"HELP@desk.example"}, raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	var id int64
	if err := b.db.QueryRow(b.ctx, `SELECT ticket_id FROM mail_in WHERE message_id = 'smtp1@example.vn'`).Scan(&id); err != nil {
		t.Fatalf("the mail made no ticket: %v", err)
	}
	tk := b.ticket(t, id)
	if tk.Channel != "email" || tk.Subject != "Đơn hàng của tôi bị trễ" || tk.Customer.Name != "Nguyễn Văn An" || tk.Customer.Locale != "vi" {
		t.Errorf("ticket = %+v", tk)
	}
	if got := b.bodies(t, id); len(got) != 1 || got[0] != "Xin chào, đơn hàng bị trễ.\n.\nDòng có dấu chấm." {
		t.Errorf("messages = %q (dot-stuffing must be undone)", got)
	}

	// The same mail again, as a retrying server would send it: accepted, filed once.
	if err := smtp.SendMail(addr, nil, "an@example.vn", []string{deskAddress}, raw); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if n := b.count(t); n != 1 {
		t.Errorf("tickets after a resend = %d", n)
	}

	// Mail for anyone else is refused at RCPT: this is no relay.
	err := smtp.SendMail(addr, nil, "an@example.vn", []string{"someone@elsewhere.example"}, raw)
	if smtpCode(err) != 550 {
		t.Errorf("mail for another address: err = %v, want 550", err)
	}

	// A bounce (null sender) is taken and dropped, never answered.
	if err := smtp.SendMail(addr, nil, "", []string{deskAddress}, mailFrom("an@example.vn", "bounce@x", "Undelivered", "x")); err != nil {
		t.Errorf("bounce: %v", err)
	}
	if n := b.count(t); n != 1 {
		t.Errorf("tickets after a bounce = %d", n)
	}

	// Too large: refused politely with 552, nothing filed.
	big := append(mailFrom("an@example.vn", "big@example.vn", "Big", "x"), bytes.Repeat([]byte("0123456789abcdef\r\n"), MaxMessageBytes/18+10)...)
	err = smtp.SendMail(addr, nil, "an@example.vn", []string{deskAddress}, big)
	if smtpCode(err) != 552 || !strings.Contains(err.Error(), "25 MB") {
		t.Errorf("too large: err = %v, want 552 naming the limit", err)
	}
	if n := b.count(t); n != 1 {
		t.Errorf("tickets after a refused mail = %d", n)
	}

	// A nesting bomb (8,000 levels) is refused for good with 554 at once,
	// so the sending server bounces it instead of retrying forever.
	err = smtp.SendMail(addr, nil, "bomb@example.com", []string{deskAddress}, nestingBomb(8000))
	if smtpCode(err) != 554 || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("nesting bomb: err = %v, want 554 naming the limit", err)
	}
	if n := b.count(t); n != 1 {
		t.Errorf("tickets after a nesting bomb = %d", n)
	}
}

func (b *bundle) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var _ Filer = (*tickets.Store)(nil)
