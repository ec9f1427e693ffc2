package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// How mailboxes are read.
//
// Every instance runs a Reader. Each RescanInterval it lists the mailboxes
// and tries, on one Postgres connection of its own (outside the pool), a
// session advisory lock per mailbox; the instance that holds a mailbox's
// lock is its only reader, until it stops or its connection dies (then the
// lock is free and another instance takes the mailbox at its next rescan).
// A mailbox whose settings change is restarted; a deleted one is stopped.
//
// A mailbox's reader logs in, selects the folder and files every unseen
// message (fetched with BODY.PEEK, so reading does not mark it): through
// mailin, in the ticket's own transaction, and only after that commit is
// the message flagged \Seen. A crash between the two leaves it unseen; it
// is fetched again and mailin finds its Message-ID filed (a duplicate), so
// it is filed once. Then the reader waits with IDLE when the server has it
// (re-issued every IdleRefresh), or polls every PollInterval. Any failure
// ends the session: it is recorded in plain words for the admin page and
// retried after a backoff that doubles up to BackoffMax. Mailboxes run in
// their own goroutines, so one that hangs or fails blocks no other.

// Filer files a raw mail that came in on a route; *mailin.Desk is one.
type Filer interface {
	ReceiveVia(ctx context.Context, raw []byte, route mailin.Route) (mailin.Result, error)
}

// Options tune a Reader; zero values take the defaults.
type Options struct {
	PollInterval   time.Duration // without IDLE; 60 s
	IdleRefresh    time.Duration // IDLE is re-issued after this; 20 min (servers drop it after 30)
	RescanInterval time.Duration // how often mailboxes are listed and locks tried; 15 s
	BackoffBase    time.Duration // first retry after a failure; 10 s
	BackoffMax     time.Duration // longest wait between retries; 15 min
	// TLSConfig is cloned for each connection (ServerName set); nil uses
	// the system's roots. Tests trust their own certificate here.
	TLSConfig *tls.Config
}

func (o *Options) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.PollInterval, time.Minute)
	set(&o.IdleRefresh, 20*time.Minute)
	set(&o.RescanInterval, 15*time.Second)
	set(&o.BackoffBase, 10*time.Second)
	set(&o.BackoffMax, 15*time.Minute)
}

// lockClass is the first key of the mailboxes' advisory locks (the second
// is the mailbox id): "mb".
const lockClass = 0x6d62

// dialTimeout bounds connecting and the TLS handshake.
const dialTimeout = 30 * time.Second

// maxErrorLen keeps last_error short.
const maxErrorLen = 500

// Reader reads every mailbox this instance holds the lock of.
type Reader struct {
	store *Store
	filer Filer
	log   *slog.Logger
	opts  Options
}

// NewReader returns a reader filing through filer.
func NewReader(store *Store, filer Filer, log *slog.Logger, opts Options) *Reader {
	opts.defaults()
	return &Reader{store: store, filer: filer, log: log, opts: opts}
}

// worker is one mailbox's running reader.
type worker struct {
	version int
	cancel  context.CancelFunc
	done    chan struct{}
}

// Run reads mailboxes until ctx ends. It returns nil then; database
// trouble is logged and retried, never returned.
func (r *Reader) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		err := r.lead(ctx)
		if ctx.Err() != nil {
			break
		}
		r.log.WarnContext(ctx, "mailbox: lost the lock connection; mailboxes stop until it is back", "err", err)
		sleep(ctx, r.opts.RescanInterval)
	}
	return nil
}

// lead holds one lock connection and the workers of the mailboxes locked on
// it; when the connection fails, every worker stops (their locks are gone).
func (r *Reader) lead(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, r.store.db.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect for mailbox locks: %w", err)
	}
	workers := map[int64]*worker{}
	stop := func(id int64) {
		w := workers[id]
		w.cancel()
		<-w.done
		delete(workers, id)
		if ctx.Err() == nil {
			_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockClass, int32(id))
		}
	}
	defer func() {
		for id := range workers {
			stop(id)
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx) // releases every lock held
	}()
	for {
		if err := conn.Ping(ctx); err != nil {
			return err
		}
		versions, err := r.store.versions(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.WarnContext(ctx, "mailbox: cannot list mailboxes", "err", err)
		} else {
			for id, w := range workers {
				if v, ok := versions[id]; !ok || v != w.version {
					stop(id)
				}
			}
			for id, v := range versions {
				if workers[id] != nil || id > 1<<31-1 {
					continue
				}
				var locked bool
				if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockClass, int32(id)).Scan(&locked); err != nil {
					return err
				}
				if !locked {
					continue // another instance reads it
				}
				wctx, cancel := context.WithCancel(ctx)
				w := &worker{version: v, cancel: cancel, done: make(chan struct{})}
				workers[id] = w
				go func() {
					defer close(w.done)
					r.read(wctx, id)
				}()
			}
		}
		if !sleep(ctx, r.opts.RescanInterval) {
			return nil
		}
	}
}

// read runs mailbox id's sessions until ctx ends, with backoff on failure.
func (r *Reader) read(ctx context.Context, id int64) {
	for ctx.Err() == nil {
		err := r.session(ctx, id)
		if ctx.Err() != nil || err == nil {
			return
		}
		kind, msg := classify(err)
		n, rerr := r.store.recordFailure(ctx, id, kind, msg)
		if rerr != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "mailbox: cannot record health", "mailbox_id", id, "err", rerr)
		}
		delay := backoff(r.opts.BackoffBase, r.opts.BackoffMax, n)
		r.log.WarnContext(ctx, "mailbox: reading failed", "mailbox_id", id, "kind", kind, "err", msg, "failures", n, "retry_in", delay)
		sleep(ctx, delay)
	}
}

// backoff is base doubled per failure after the first, at most max.
func backoff(base, max time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Errors of a session's stages, for classify.
type (
	dialError   struct{ err error }
	loginError  struct{ err error }
	filingError struct{ err error }
)

func (e dialError) Error() string   { return e.err.Error() }
func (e dialError) Unwrap() error   { return e.err }
func (e loginError) Error() string  { return e.err.Error() }
func (e loginError) Unwrap() error  { return e.err }
func (e filingError) Error() string { return e.err.Error() }
func (e filingError) Unwrap() error { return e.err }

// session connects to mailbox id and files its mail until ctx ends (nil)
// or something fails.
func (r *Reader) session(ctx context.Context, id int64) (err error) {
	cfg, err := r.store.load(ctx, id)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && cfg.Password != "" {
			err = redacted{err: err, password: cfg.Password}
		}
	}()
	updates := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: r.tlsConfig(cfg.Host),
		Dialer:    &net.Dialer{Timeout: dialTimeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case updates <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	if cfg.Security == SecurityTLS {
		c, err = imapclient.DialTLS(cfg.Addr(), opts)
	} else {
		c, err = imapclient.DialStartTLS(cfg.Addr(), opts)
	}
	if err != nil {
		return dialError{err}
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		return loginError{err}
	}
	if _, err := c.Select(cfg.Folder, nil).Wait(); err != nil {
		return fmt.Errorf("select %q: %w", cfg.Folder, err)
	}
	idle := c.Caps().Has(imap.CapIdle)
	r.log.InfoContext(ctx, "mailbox: reading", "mailbox_id", id, "host", cfg.Host, "user", cfg.Username, "idle", idle)
	for {
		if err := r.fileUnseen(ctx, c, cfg); err != nil {
			return err
		}
		if err := r.store.recordSuccess(ctx, id); err != nil {
			return filingError{err}
		}
		if idle {
			// Mail that arrived while the last batch was filed is announced
			// on the next command: a NOOP now, so IDLE does not wait for
			// its refresh with that mail unread.
			if err := c.Noop().Wait(); err != nil {
				return err
			}
			err = r.idle(ctx, c, updates)
		} else {
			sleep(ctx, r.opts.PollInterval)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *Reader) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if r.opts.TLSConfig != nil {
		c = r.opts.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	c.ServerName = host
	c.MinVersion = tls.VersionTLS12
	return c
}

// idle waits in IDLE for new mail, IdleRefresh, or ctx.
func (r *Reader) idle(ctx context.Context, c *imapclient.Client, updates <-chan struct{}) error {
	cmd, err := c.Idle()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t := time.NewTimer(r.opts.IdleRefresh)
	defer t.Stop()
	select {
	case <-updates:
	case <-t.C:
	case <-ctx.Done():
		return nil
	case err := <-done:
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	return <-done
}

// fetchBatch bounds the messages fetched per round, so a full mailbox is
// worked through in steps that each record progress.
const fetchBatch = 50

// fileUnseen files the folder's unseen messages, oldest first, and flags
// each \Seen after its ticket is committed.
func (r *Reader) fileUnseen(ctx context.Context, c *imapclient.Client, cfg config) error {
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return err
	}
	uids := found.AllUIDs()
	if len(uids) > fetchBatch {
		uids = uids[:fetchBatch]
	}
	if len(uids) == 0 {
		return nil
	}
	sizes, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return err
	}
	route := mailin.Route{TeamID: cfg.TeamID, MailboxID: cfg.ID, Own: []string{cfg.FromAddress}}
	if strings.Contains(cfg.Username, "@") {
		route.Own = append(route.Own, cfg.Username)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	for _, s := range sizes {
		if s.RFC822Size > mailin.MaxMessageBytes {
			r.log.WarnContext(ctx, "mailbox: refused a mail over the size limit; flagged seen, it stays in the mailbox",
				"mailbox_id", cfg.ID, "uid", s.UID, "size", s.RFC822Size)
			if err := markSeen(c, s.UID); err != nil {
				return err
			}
			continue
		}
		msgs, err := c.Fetch(imap.UIDSetNum(s.UID), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			continue // expunged meanwhile
		}
		raw := msgs[0].FindBodySection(section)
		res, err := r.filer.ReceiveVia(ctx, raw, route)
		if err != nil {
			if !mailin.Permanent(err) {
				return filingError{err} // left unseen: read again after the backoff
			}
			r.log.WarnContext(ctx, "mailbox: a mail cannot be filed; flagged seen, it stays in the mailbox",
				"mailbox_id", cfg.ID, "uid", s.UID, "err", err)
		} else if res.Outcome != string(tickets.EmailDuplicate) && res.Outcome != mailin.Ignored && res.Outcome != mailin.HeldOutcome && res.Outcome != mailin.ReportOutcome {
			if err := r.store.recordFiled(ctx, cfg.ID); err != nil {
				r.log.WarnContext(ctx, "mailbox: cannot count a filed mail", "mailbox_id", cfg.ID, "err", err)
			}
		}
		// Only now, with the ticket committed, is the message acknowledged.
		if err := markSeen(c, s.UID); err != nil {
			return err
		}
	}
	return nil
}

func markSeen(c *imapclient.Client, uid imap.UID) error {
	return c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
}

// redacted hides the password in an error's text.
type redacted struct {
	err      error
	password string
}

func (e redacted) Error() string { return strings.ReplaceAll(e.err.Error(), e.password, "[redacted]") }
func (e redacted) Unwrap() error { return e.err }

// classify turns a session's error into its kind and a short message.
func classify(err error) (ErrorKind, string) {
	msg := err.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
		msg += "…"
	}
	var ie *imap.Error
	var fe filingError
	var de dialError
	var le loginError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.Is(err, secretbox.ErrOpen):
		return ErrPassword, msg
	case errors.As(err, &fe):
		return ErrFiling, msg
	case errors.As(err, &ie) && (ie.Code == imap.ResponseCodeAuthenticationFailed || ie.Code == imap.ResponseCodeAuthorizationFailed):
		return ErrWrongPassword, msg
	case errors.As(err, &ie) && ie.Code == imap.ResponseCodeOverQuota:
		return ErrQuota, msg
	case errors.As(err, &ie) && (ie.Code == imap.ResponseCodeNonExistent || ie.Code == imap.ResponseCodeTryCreate):
		return ErrFolder, msg
	case errors.As(err, &le):
		return ErrWrongPassword, msg
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &certInvalid), errors.As(err, &verify),
		errors.As(err, &record), errors.As(err, &alert):
		return ErrTLS, msg
	case errors.As(err, &de):
		if strings.Contains(strings.ToLower(msg), "tls") {
			return ErrTLS, msg
		}
		return ErrConnect, msg
	case errors.As(err, &ie) && strings.Contains(strings.ToLower(ie.Text), "quota"):
		return ErrQuota, msg
	}
	return ErrOther, msg
}

// Start runs the reader in the background until ctx ends; the returned
// func waits for it to stop.
func (r *Reader) Start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = r.Run(ctx)
	}()
	return wg.Wait
}
