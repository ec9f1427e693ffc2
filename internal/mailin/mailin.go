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
	"strconv"
	"strings"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Filer files a parsed mail; *tickets.Store is one.
type Filer interface {
	ReceiveEmail(ctx context.Context, m tickets.InboundEmail) (tickets.EmailResult, error)
	RecordBounce(ctx context.Context, b tickets.Bounce) (tickets.BounceResult, error)
}

// Desk takes customer mail in.
type Desk struct {
	tickets Filer
	own     map[string]bool // the desk's own addresses, lower case: mail from them is a loop
	log     *slog.Logger
	spam    *Spam // nil: no block list, rate limit, authentication results or Spam view
}

// UseSpam turns on the spam checks (block list, rate limit, sender
// authentication, own Message-IDs) and the Spam view; it returns d.
func (d *Desk) UseSpam(s *Spam) *Desk {
	d.spam = s
	return d
}

// Spam is the desk's spam store, nil when off.
func (d *Desk) Spam() *Spam { return d.spam }

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
	// auto-reply, report, bounce, own-address, own-message-id), "" when it was.
	Ignored string
	// Held is why the mail went to the Spam view (ReasonBlocked,
	// ReasonRate, ReasonDMARC), "" when it did not.
	Held string
	// Bounced counts the customer addresses a delivery report marked as
	// bouncing (ReportOutcome).
	Bounced int
}

// Ignored is the Outcome of a mail that was dropped on purpose.
const Ignored = "ignored"

// HeldOutcome is the Outcome of a mail kept in the Spam view.
const HeldOutcome = "held"

// ReportOutcome is the Outcome of a delivery report: its failed deliveries
// were recorded (Result.Bounced of them), no ticket was opened.
const ReportOutcome = "report"

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
	// NullSender is set for mail sent with an empty envelope sender
	// (MAIL FROM:<>): only a delivery report of such mail is read, the
	// rest is dropped (answering it could loop).
	NullSender bool
	// Own are more of the desk's own addresses (the mailbox's, its From):
	// mail from them is a loop, as from the addresses given to New.
	Own []string
}

// ReceiveVia is Receive for mail that came in on route.
func (d *Desk) ReceiveVia(ctx context.Context, raw []byte, route Route) (Result, error) {
	return d.receive(ctx, raw, route, false)
}

// receive parses and files raw; released mail (a rep let it out of the
// Spam view) skips the spam checks, not the loop checks.
func (d *Desk) receive(ctx context.Context, raw []byte, route Route, released bool) (Result, error) {
	m, err := Parse(raw)
	if err != nil {
		d.log.WarnContext(ctx, "mailin: refused a mail", "size", len(raw), "err", err)
		return Result{}, err
	}
	if m.Report {
		// The block list holds reports too (a sender flooding forged
		// reports); a rep who releases one has it read.
		if d.spam != nil && !released {
			blocked, err := d.spam.blocked(ctx, m.FromEmail)
			if err != nil {
				return Result{}, fmt.Errorf("mailin: %w", err)
			}
			if blocked {
				return d.hold(ctx, m, raw, route, ReasonBlocked)
			}
		}
		return d.report(ctx, m)
	}
	if route.NullSender && m.Auto == "" {
		m.Auto = "null-sender"
	}
	if m.Auto == "" && (d.own[strings.ToLower(m.FromEmail)] || ownAddress(route.Own, m.FromEmail)) {
		m.Auto = "own-address"
	}
	if m.Auto == "" && d.spam != nil {
		own, err := d.spam.ownMessage(ctx, m.MessageID)
		if err != nil {
			return Result{}, fmt.Errorf("mailin: %w", err)
		}
		if own {
			m.Auto = "own-message-id"
		}
	}
	if m.Auto != "" {
		d.log.InfoContext(ctx, "mailin: ignored automatic mail", "message_id", m.MessageID, "reason", m.Auto)
		return Result{Outcome: Ignored, Ignored: m.Auto}, nil
	}
	// The desk's own addresses in Cc (a customer who wrote to two of them)
	// are not people to copy replies to.
	var cc []string
	for _, a := range m.Cc {
		if !d.own[strings.ToLower(a)] && !ownAddress(route.Own, a) {
			cc = append(cc, a)
		}
	}
	in := tickets.InboundEmail{
		MessageID: m.MessageID, FromName: m.FromName, FromEmail: m.FromEmail,
		Subject: m.Subject, Body: m.Body, TicketNumber: m.TicketNumber, Locale: m.Locale,
		InReplyTo: m.InReplyTo, References: m.References, TeamID: route.TeamID, MailboxID: route.MailboxID, Cc: cc,
		Attachments: m.Attachments, Skipped: m.Skipped, HTML: m.HTML, RemoteImages: m.RemoteImages,
	}
	if d.spam != nil {
		m.Auth = AuthResults(m.AuthHeaders, d.spam.opts.AuthServID)
		in.Auth = m.Auth
		if !released {
			reason, err := d.spam.check(ctx, m)
			if err != nil {
				return Result{}, fmt.Errorf("mailin: %w", err)
			}
			if reason == ReasonRate {
				in.OnlyThread = true // a reply to a ticket of theirs still goes through
			} else if reason != "" {
				return d.hold(ctx, m, raw, route, reason)
			}
		}
	}
	res, err := d.tickets.ReceiveEmail(ctx, in)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			d.log.WarnContext(ctx, "mailin: refused a mail", "message_id", m.MessageID, "err", err)
			return Result{}, &permanentError{fmt.Errorf("mailin: cannot file mail: %w", err)}
		}
		return Result{}, fmt.Errorf("mailin: file mail: %w", err)
	}
	if res.Outcome == tickets.EmailWouldCreate {
		return d.hold(ctx, m, raw, route, ReasonRate)
	}
	d.log.InfoContext(ctx, "mailin: filed a mail", "message_id", m.MessageID, "ticket_id", res.TicketID,
		"outcome", res.Outcome, "tagged", m.TicketNumber, "attachments", len(m.Attachments), "skipped", len(m.Skipped))
	return Result{TicketID: res.TicketID, Outcome: string(res.Outcome)}, nil
}

// report records the failed deliveries of delivery report m; a report
// never opens a ticket nor is answered.
func (d *Desk) report(ctx context.Context, m Message) (Result, error) {
	res := Result{Outcome: ReportOutcome}
	for i, b := range m.Bounces {
		b.ReportID = "dsn:" + strconv.Itoa(i) + ":" + m.MessageID
		r, err := d.tickets.RecordBounce(ctx, b)
		if err != nil {
			return Result{}, fmt.Errorf("mailin: record bounce: %w", err)
		}
		if r.Outcome == tickets.BounceRecorded {
			res.Bounced++
			res.TicketID = r.TicketID
		}
		d.log.InfoContext(ctx, "mailin: delivery report", "message_id", m.MessageID, "outcome", r.Outcome,
			"ticket_id", r.TicketID, "status", b.Status)
	}
	return res, nil
}

// hold keeps m in the Spam view.
func (d *Desk) hold(ctx context.Context, m Message, raw []byte, route Route, reason string) (Result, error) {
	if err := d.spam.hold(ctx, m, raw, route, reason); err != nil {
		return Result{}, fmt.Errorf("mailin: %w", err)
	}
	d.log.InfoContext(ctx, "mailin: held a mail in Spam", "message_id", m.MessageID, "reason", reason)
	return Result{Outcome: HeldOutcome, Held: reason}, nil
}

// Release files held mail id as if it had just come in, without the spam
// checks, and removes it from the Spam view (event mail.released). Filing
// is idempotent by Message-ID, so a release interrupted between the two
// steps is simply done again. Only staff who see the held mail's team
// (tickets.Actor.SeesTeam) may release it; for others it is NotFound.
func (d *Desk) Release(ctx context.Context, a tickets.Actor, id int64) (Result, error) {
	if d.spam == nil {
		return Result{}, apperr.New(apperr.NotFound, "spam_error_not_found")
	}
	raw, route, err := d.spam.heldRaw(ctx, a, id)
	if err != nil {
		return Result{}, err
	}
	res, err := d.receive(ctx, raw, route, true)
	if err != nil && !Permanent(err) {
		return Result{}, err
	}
	if err := d.spam.remove(ctx, a, id, "mail.released", res.TicketID); err != nil {
		return Result{}, err
	}
	return res, nil
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
