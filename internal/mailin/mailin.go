// Package mailin lets customers reach the desk by email: it parses a raw
// message, drops auto-replies and loops, and files the rest as tickets or
// replies through the tickets store; an SMTP listener and stdin feed it.
package mailin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Filer files a parsed mail; *tickets.Store is one.
type Filer interface {
	ReceiveEmail(ctx context.Context, m tickets.InboundEmail) (tickets.EmailResult, error)
}

// Desk takes customer mail in.
type Desk struct {
	tickets Filer
	own     map[string]bool // the desk's own addresses, lower case: mail from them is a loop
	log     *slog.Logger
}

// New returns a Desk filing into store. ownAddresses are the desk's own
// addresses (the outbox's From, the addresses mail comes in on); a mail
// from one of them is a loop and is dropped. Entries may carry a display
// name ("Loopdesk <help@example.com>"); empty ones are skipped.
func New(store Filer, ownAddresses []string, log *slog.Logger) (*Desk, error) {
	d := &Desk{tickets: store, own: map[string]bool{}, log: log}
	for _, a := range ownAddresses {
		if strings.TrimSpace(a) == "" {
			continue
		}
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("mailin: own address %q: %w", a, err)
		}
		d.own[strings.ToLower(addr.Address)] = true
	}
	return d, nil
}

// Result says what became of a mail.
type Result struct {
	TicketID int64
	// Outcome is created, threaded, follow_up or duplicate (see
	// tickets.EmailOutcome), or ignored.
	Outcome string
	// Ignored is why the mail was not filed (auto-submitted, precedence,
	// auto-reply, report, bounce, own-address), "" when it was.
	Ignored string
}

// Ignored is the Outcome of a mail that was dropped on purpose.
const Ignored = "ignored"

// ReadMessage reads one raw message from r, at most MaxMessageBytes.
func ReadMessage(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("mailin: read message: %w", err)
	}
	if len(raw) > MaxMessageBytes {
		return nil, ErrTooLarge
	}
	return raw, nil
}

// Receive parses raw and files it. Automatic mail and mail from the desk's
// own addresses are dropped without error (logged). ErrTooLarge, ErrNoSender
// and a parse failure are permanent: the mail should be refused, not
// retried; any other error is temporary.
func (d *Desk) Receive(ctx context.Context, raw []byte) (Result, error) {
	return d.ReceiveVia(ctx, raw, Route{})
}

// Route says where mail that came in on one way (an IMAP mailbox) goes.
type Route struct {
	// TeamID receives new tickets; 0 for the intake team.
	TeamID int64
	// MailboxID is the IMAP mailbox the mail came in on (0: none); the
	// tickets it opens are answered from that mailbox's From address.
	MailboxID int64
	// Own are more of the desk's own addresses (the mailbox's, its From):
	// mail from them is a loop, as from the addresses given to New.
	Own []string
}

// ReceiveVia is Receive for mail that came in on route.
func (d *Desk) ReceiveVia(ctx context.Context, raw []byte, route Route) (Result, error) {
	m, err := Parse(raw)
	if err != nil {
		d.log.WarnContext(ctx, "mailin: refused a mail", "size", len(raw), "err", err)
		return Result{}, err
	}
	if m.Auto == "" && (d.own[strings.ToLower(m.FromEmail)] || ownAddress(route.Own, m.FromEmail)) {
		m.Auto = "own-address"
	}
	if m.Auto != "" {
		d.log.InfoContext(ctx, "mailin: ignored automatic mail", "message_id", m.MessageID, "reason", m.Auto)
		return Result{Outcome: Ignored, Ignored: m.Auto}, nil
	}
	res, err := d.tickets.ReceiveEmail(ctx, tickets.InboundEmail{
		MessageID: m.MessageID, FromName: m.FromName, FromEmail: m.FromEmail,
		Subject: m.Subject, Body: m.Body, TicketNumber: m.TicketNumber, Locale: m.Locale,
		InReplyTo: m.InReplyTo, References: m.References, TeamID: route.TeamID, MailboxID: route.MailboxID,
		Attachments: m.Attachments, Skipped: m.Skipped, HTML: m.HTML, RemoteImages: m.RemoteImages,
	})
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			d.log.WarnContext(ctx, "mailin: refused a mail", "message_id", m.MessageID, "err", err)
			return Result{}, &permanentError{fmt.Errorf("mailin: cannot file mail: %w", err)}
		}
		return Result{}, fmt.Errorf("mailin: file mail: %w", err)
	}
	d.log.InfoContext(ctx, "mailin: filed a mail", "message_id", m.MessageID, "ticket_id", res.TicketID,
		"outcome", res.Outcome, "tagged", m.TicketNumber, "attachments", len(m.Attachments), "skipped", len(m.Skipped))
	return Result{TicketID: res.TicketID, Outcome: string(res.Outcome)}, nil
}

// ownAddress reports whether addr is one of own (bare or with a name).
func ownAddress(own []string, addr string) bool {
	for _, a := range own {
		if p, err := mail.ParseAddress(a); err == nil {
			a = p.Address
		}
		if strings.EqualFold(strings.TrimSpace(a), addr) {
			return true
		}
	}
	return false
}

// Permanent reports whether err means the mail can never be filed, so a
// mail server should bounce it rather than try again.
func Permanent(err error) bool {
	var p *permanentError
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoSender) || errors.As(err, &p)
}

// permanentError marks a mail that no retry can file.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
