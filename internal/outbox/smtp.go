package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Message is one mail to send.
type Message struct {
	To      string
	Subject string
	Body    string // plain text, UTF-8
	// MessageID is the left part of the Message-ID header (the From domain
	// is the right part): the same on every attempt of one outbox row, so a
	// receiver can drop a copy sent twice. "" makes a random one.
	MessageID string
}

// Sender delivers a message. A nil Sender means no SMTP is configured: mail
// is then held for the admin Outbox page.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig says how to reach the SMTP server; cmd/server reads it once from
// the environment (see ConfigFromEnv).
type SMTPConfig struct {
	Addr     string // host:port; empty: no SMTP, mail is held
	User     string // optional; AUTH PLAIN, only over TLS or to localhost
	Password string
	From     string // the From address, e.g. "Loopdesk <support@example.com>"
}

// The environment variables ConfigFromEnv reads.
const (
	EnvSMTPAddr     = "LOOPDESK_SMTP_ADDR"
	EnvSMTPUser     = "LOOPDESK_SMTP_USER"
	EnvSMTPPassword = "LOOPDESK_SMTP_PASSWORD"
	EnvSMTPFrom     = "LOOPDESK_SMTP_FROM"
)

// ConfigFromEnv reads the SMTP settings with getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) SMTPConfig {
	return SMTPConfig{
		Addr:     strings.TrimSpace(getenv(EnvSMTPAddr)),
		User:     getenv(EnvSMTPUser),
		Password: getenv(EnvSMTPPassword),
		From:     strings.TrimSpace(getenv(EnvSMTPFrom)),
	}
}

// Configured reports whether an SMTP server is set.
func (c SMTPConfig) Configured() bool { return c.Addr != "" }

// Validate names the setting at fault; an unconfigured SMTP is valid.
func (c SMTPConfig) Validate() error {
	if !c.Configured() {
		if c.User != "" || c.Password != "" || c.From != "" {
			return fmt.Errorf("%s is empty but other LOOPDESK_SMTP_* settings are set", EnvSMTPAddr)
		}
		return nil
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("%s=%q: want host:port, e.g. smtp.example.com:587", EnvSMTPAddr, c.Addr)
	}
	if c.From == "" {
		return fmt.Errorf("%s is required when %s is set", EnvSMTPFrom, EnvSMTPAddr)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("%s=%q is not a mail address: %v", EnvSMTPFrom, c.From, err)
	}
	if (c.User == "") != (c.Password == "") {
		return fmt.Errorf("%s and %s go together: set both or neither", EnvSMTPUser, EnvSMTPPassword)
	}
	return nil
}

// SMTPSender sends through one SMTP server: STARTTLS when the server offers
// it, AUTH PLAIN when a user is set (net/smtp refuses to send a password in
// the clear except to localhost).
type SMTPSender struct {
	cfg     SMTPConfig
	from    *mail.Address
	timeout time.Duration
}

// NewSMTPSender returns a sender for cfg, which must be Configured and valid.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if !cfg.Configured() {
		return nil, errors.New("outbox: SMTP is not configured")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(cfg.From)
	return &SMTPSender{cfg: cfg, from: from, timeout: 30 * time.Second}, nil
}

// Send delivers m. Its errors never contain the password.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	err := s.send(ctx, m)
	if err != nil && s.cfg.Password != "" {
		return errors.New(strings.ReplaceAll(err.Error(), s.cfg.Password, "[redacted]"))
	}
	return err
}

func (s *SMTPSender) send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", m.To, err)
	}
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp connect: %w", err)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.cfg.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(compose(s.from, to, m, time.Now())); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data end: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// compose builds an RFC 5322 message: UTF-8 subject as an encoded word,
// quoted-printable body, CRLF line ends.
func compose(from, to *mail.Address, m Message, now time.Time) []byte {
	var b bytes.Buffer
	id := m.MessageID
	if id == "" || strings.ContainsAny(id, "<>@ \r\n") {
		raw := make([]byte, 12)
		_, _ = rand.Read(raw)
		id = hex.EncodeToString(raw)
	}
	domain := "loopdesk.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}
	subject := strings.Join(strings.Fields(m.Subject), " ")
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+id+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	_, _ = qp.Write([]byte(body))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}
