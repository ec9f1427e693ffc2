package mailin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// fileTimeout bounds filing one mail after its DATA arrived.
const fileTimeout = time.Minute

// Server is an SMTP listener that takes mail for the desk's addresses only
// and files it with a Desk. It has no TLS and no AUTH: run it behind the
// organisation's MX (or on a private network) that relays the desk's mail.
type Server struct {
	desk       *Desk
	recipients map[string]bool // lower-case addresses accepted in RCPT TO
	smtp       *smtp.Server
	log        *slog.Logger
	base       context.Context // cancelled by Shutdown after the grace
	cancel     context.CancelFunc
}

// NewServer returns a listener for mail to recipients (the desk's
// addresses; at least one), greeting as domain.
func NewServer(desk *Desk, recipients []string, domain string, log *slog.Logger) (*Server, error) {
	s := &Server{desk: desk, recipients: map[string]bool{}, log: log}
	for _, r := range recipients {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return nil, fmt.Errorf("mailin: recipient %q: %w", r, err)
		}
		s.recipients[strings.ToLower(a.Address)] = true
	}
	if len(s.recipients) == 0 {
		return nil, errors.New("mailin: no recipient address to accept mail for")
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = domain
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 20
	srv.MaxLineLength = 4000
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.ErrorLog = slogLogger{log}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.smtp.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits until open sessions end or
// ctx is done; then mail still being filed is cancelled (its transaction
// rolls back and the sending server, not told 250, delivers it again).
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.cancel()
	return s.smtp.Shutdown(ctx)
}

// session is one SMTP transaction at a time on one connection.
type session struct {
	s          *Server
	nullSender bool // MAIL FROM:<>: a bounce or other report
}

func (ss *session) Reset()        { ss.nullSender = false }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.nullSender = from == ""
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.s.recipients[strings.ToLower(strings.Trim(to, "<> "))] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "No such mailbox here: this server only takes mail for the help desk"}
	}
	return nil
}

// errTooLarge is the polite refusal of a mail over MaxMessageBytes.
var errTooLarge = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
	Message: fmt.Sprintf("Sorry, your message is larger than %d MB and was not delivered; please send large files another way or split them over several messages", MaxMessageBytes>>20)}

// errTooComplex refuses, for good, a mail nested too deeply or with too
// many parts to read safely (see checkStructure).
var errTooComplex = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
	Message: fmt.Sprintf("Sorry, your message is nested more than %d levels deep or has more than %d parts and was not delivered; please send it as a simpler email", MaxMIMEDepth, MaxMIMEParts)}

func (ss *session) Data(r io.Reader) error {
	raw, err := ReadMessage(r)
	if errors.Is(err, ErrTooLarge) || errors.Is(err, smtp.ErrDataTooLarge) {
		ss.s.log.Warn("mailin: refused a mail over the size limit")
		return errTooLarge
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ss.s.base, fileTimeout)
	defer cancel()
	// A mail from the null sender is a bounce or another report: the desk
	// reads a delivery report (marks the address bouncing) and drops the
	// rest; answering it could loop.
	_, err = ss.s.desk.ReceiveVia(ctx, raw, Route{NullSender: ss.nullSender})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTooLarge):
		return errTooLarge
	case errors.Is(err, ErrTooComplex):
		return errTooComplex
	case Permanent(err):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "Sorry, this message could not be read as an email with a sender address and was not delivered"}
	default:
		ss.s.log.Error("mailin: could not file a mail; the sender will retry", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary problem on our side, please try again later"}
	}
}

// slogLogger routes go-smtp's connection errors to slog.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Warn("mailin: smtp", "msg", fmt.Sprintf(format, v...))
}
func (l slogLogger) Println(v ...any) { l.log.Warn("mailin: smtp", "msg", fmt.Sprint(v...)) }
