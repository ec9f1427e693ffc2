package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail to send.
type Message struct {
	// From is this mail's From ("Billing <billing@example.com>"); "" for the
	// sender's configured From.
	From string
	To   string
	// Cc are more recipients, named in the Cc header (a ticket's persistent CC).
	Cc      []string
	Subject string
	Body    string // plain text, UTF-8, signature included
	// HTML is the same text as an HTML document (escaped by html/template);
	// "" makes one from Body.
	HTML string
	// Lang is the mail's language (the HTML's lang attribute); "" for en.
	Lang string
	// MessageID is the left part of the Message-ID header (the From domain
	// is the right part): the same on every attempt of one outbox row, so a
	// receiver can drop a copy sent twice. "" makes a random one.
	MessageID string
	// InReplyTo and References are whole Message-IDs without angle brackets,
	// so that the customer's mail program groups the conversation; an id
	// ending in "@" is the left part of the desk's own, completed with this
	// mail's domain.
	InReplyTo  string
	References []string
	// Auto marks mail no person typed (confirmations, status links,
	// surveys): it carries Auto-Submitted: auto-replied, and asks Exchange
	// for no automatic answers at all.
	Auto bool
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

// SMTPSender sends through one SMTP server with emersion/go-smtp's client:
// implicit TLS on port 465, else STARTTLS when the server offers it; AUTH
// PLAIN when a user is set, refused over a connection in the clear except
// to localhost.
type SMTPSender struct {
	cfg     SMTPConfig
	from    *mail.Address
	timeout time.Duration
	tls     *tls.Config // nil: verify the server's name with the system roots
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
	from := s.from
	if strings.TrimSpace(m.From) != "" {
		a, err := mail.ParseAddress(m.From)
		if err != nil {
			return fmt.Errorf("from %q: %w", m.From, err)
		}
		from = a
	}
	raw, rcpts, err := compose(from, m, time.Now())
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(s.cfg.Addr)
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	tlsConfig := s.tls
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	c, encrypted, err := s.dial(ctx, deadline, port, tlsConfig)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.cfg.User != "" {
		if !encrypted && !isLocalhost(host) {
			return errors.New("smtp auth: refusing to send the password over a connection without TLS")
		}
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.User, s.cfg.Password)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.SendMail(from.Address, rcpts, strings.NewReader(string(raw))); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// dial connects and says hello: implicit TLS on port 465, else STARTTLS
// when the server offers it. A server without STARTTLS is dialled again and
// spoken to in the clear (go-smtp's client cannot upgrade a connection after
// its hello); a failed TLS handshake is an error, never a fallback.
func (s *SMTPSender) dial(ctx context.Context, deadline time.Time, port string, tlsConfig *tls.Config) (*smtp.Client, bool, error) {
	connect := func() (net.Conn, error) {
		dialer := net.Dialer{Deadline: deadline}
		conn, err := dialer.DialContext(ctx, "tcp", s.cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("smtp connect: %w", err)
		}
		// The client sets its own per-command deadlines; closing the
		// connection when ctx ends bounds the whole exchange.
		context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	timeouts := func(c *smtp.Client) *smtp.Client {
		c.CommandTimeout, c.SubmissionTimeout = time.Until(deadline), time.Until(deadline)
		return c
	}
	conn, err := connect()
	if err != nil {
		return nil, false, err
	}
	if port == "465" {
		c := timeouts(smtp.NewClient(tls.Client(conn, tlsConfig)))
		if err := c.Hello("localhost"); err != nil {
			c.Close()
			return nil, false, fmt.Errorf("smtp hello: %w", err)
		}
		return c, true, nil
	}
	c, err := smtp.NewClientStartTLS(conn, tlsConfig)
	if err == nil {
		return timeouts(c), true, nil
	}
	if !strings.Contains(err.Error(), "support STARTTLS") {
		return nil, false, fmt.Errorf("smtp starttls: %w", err)
	}
	if conn, err = connect(); err != nil {
		return nil, false, err
	}
	c = timeouts(smtp.NewClient(conn))
	if err := c.Hello("localhost"); err != nil {
		c.Close()
		return nil, false, fmt.Errorf("smtp hello: %w", err)
	}
	return c, false, nil
}

// isLocalhost reports whether host is this machine (as net/smtp judges it).
func isLocalhost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
