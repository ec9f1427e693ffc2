package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/outbox"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Exit statuses of `loopdesk mailin` that mail servers understand
// (sysexits.h): Postfix's pipe and procmail retry 75 and bounce 65.
const (
	exitDataErr  = 65
	exitTempFail = 75
)

// exitError is an error with the process exit status main should use.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ownAddresses are the desk's configured addresses: the outbox's From and
// those the listener takes mail for (a list Validate has checked).
func ownAddresses(cfg *config, getenv func(string) string) []string {
	own := []string{outbox.ConfigFromEnv(getenv).From}
	if list, err := mail.ParseAddressList(cfg.MailInTo); err == nil {
		for _, a := range list {
			own = append(own, a.Address)
		}
	}
	return own
}

// mailDesk returns the desk that files customer mail into store, knowing
// the desk's own addresses (those mail comes in on, the outbox's From).
func mailDesk(cfg *config, getenv func(string) string, store *tickets.Store, db *pgxpool.Pool, log *slog.Logger) (*mailin.Desk, []string, error) {
	var to []string
	if cfg.MailInTo != "" {
		list, err := mail.ParseAddressList(cfg.MailInTo)
		if err != nil {
			return nil, nil, fmt.Errorf("LOOPDESK_MAIL_IN_TO: %w", err)
		}
		for _, a := range list {
			to = append(to, a.Address)
		}
	}
	desk, err := mailin.New(store, append([]string{outbox.ConfigFromEnv(getenv).From}, to...), log)
	if err != nil {
		return nil, nil, err
	}
	desk.UseSpam(mailin.NewSpam(db, time.Now, mailin.SpamOptions{
		AuthServID: cfg.MailAuthServID, NewTicketsPerHour: cfg.MailNewTicketsPerHour, KeepDays: cfg.MailSpamKeepDays}))
	return desk, to, nil
}

// startMailIn starts the SMTP listener for customer mail when
// LOOPDESK_MAIL_IN_ADDR is set. stop shuts it down within shutdownGrace.
func startMailIn(cfg *config, getenv func(string) string, store *tickets.Store, db *pgxpool.Pool, log *slog.Logger) (stop func(), err error) {
	if cfg.MailInAddr == "" {
		return func() {}, nil
	}
	desk, to, err := mailDesk(cfg, getenv, store, db, log)
	if err != nil {
		return nil, err
	}
	domain := "localhost"
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
		domain = u.Hostname()
	}
	srv, err := mailin.NewServer(desk, to, domain, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.MailInAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for mail on %s: %w", cfg.MailInAddr, err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Error("mail listener stopped", "err", err)
		}
	}()
	log.Info("taking customer mail by SMTP", "addr", ln.Addr().String(), "for", to)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("mail listener did not drain in time", "err", err)
		}
	}, nil
}

// runMailIn files one message read from stdin: `loopdesk mailin < message.eml`,
// for a Postfix pipe or procmail. A mail that can never be filed exits 65
// (bounced), a passing failure 75 (retried).
func runMailIn(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("mailin", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return &exitError{exitTempFail, err}
	}
	log := cfg.logger(stdout)
	raw, err := mailin.ReadMessage(stdin)
	if errors.Is(err, mailin.ErrTooLarge) {
		return &exitError{exitDataErr, fmt.Errorf("sorry, your message is larger than %d MB and was not delivered", mailin.MaxMessageBytes>>20)}
	}
	if err != nil {
		return &exitError{exitTempFail, err}
	}
	pool, closeDB, err := openDB(ctx, &cfg, log)
	if err != nil {
		return &exitError{exitTempFail, err}
	}
	defer closeDB()
	// An insert-only River client, as for `demo`: the SLA timers of a new
	// ticket are scheduled now and run by `serve`.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: log})
	if err != nil {
		return &exitError{exitTempFail, err}
	}
	store, _ := escalation.Wire(pool, time.Now, cfg.BaseURL, jobs, log, escalation.Config{FollowUpHours: cfg.FollowUpHours})
	desk, _, err := mailDesk(&cfg, getenv, store, pool, log)
	if err != nil {
		return &exitError{exitTempFail, err}
	}
	res, err := desk.Receive(ctx, raw)
	if mailin.Permanent(err) {
		return &exitError{exitDataErr, err}
	}
	if err != nil {
		return &exitError{exitTempFail, err}
	}
	if res.Outcome == mailin.Ignored {
		fmt.Fprintf(stdout, "ignored (%s)\n", res.Ignored)
		return nil
	}
	if res.Outcome == mailin.HeldOutcome {
		fmt.Fprintf(stdout, "held in Spam (%s)\n", res.Held)
		return nil
	}
	fmt.Fprintf(stdout, "%s #%d\n", res.Outcome, res.TicketID)
	return nil
}
