package mailbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = "0123456789abcdef0123456789abcdef-test"

// imapServer is go-imap's in-memory server on loopback, over TLS (tlsAddr)
// and with STARTTLS (plainAddr), counting logins per user.
type imapServer struct {
	mem       *imapmemserver.Server
	tlsAddr   string
	plainAddr string
	pool      *x509.CertPool // trusts the server's certificate
	mu        sync.Mutex
	logins    map[string]int
}

// countingSession counts successful logins.
type countingSession struct {
	imapserver.Session
	srv *imapServer
}

func (s countingSession) Login(user, pass string) error {
	if err := s.Session.Login(user, pass); err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.logins[user]++
	s.srv.mu.Unlock()
	return nil
}

func (s *imapServer) loginsOf(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins[user]
}

// startIMAP starts an IMAP4rev1 server with IDLE or without.
func startIMAP(t *testing.T, idle bool) *imapServer {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &imapServer{mem: imapmemserver.New(), pool: pool, logins: map[string]int{}}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if idle {
		caps[imap.CapIdle] = struct{}{}
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return countingSession{Session: s.mem.NewSession(), srv: s}, nil, nil
		},
		Caps:      caps,
		TLSConfig: tlsConf,
		Logger:    log.New(io.Discard, "", 0),
	})
	tlsLn, err := tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(tlsLn) }()
	go func() { _ = srv.Serve(plainLn) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.tlsAddr, s.plainAddr = tlsLn.Addr().String(), plainLn.Addr().String()
	return s
}

// addUser gives the server an account with an INBOX.
func (s *imapServer) addUser(t *testing.T, name, password string) {
	t.Helper()
	u := imapmemserver.NewUser(name, password)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.mem.AddUser(u)
}

// client logs in as user over TLS, as a mail program would.
func (s *imapServer) client(t *testing.T, user, password string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(s.tlsAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// deliver appends a mail to user's INBOX (as the provider's MX does).
func deliver(t *testing.T, c *imapclient.Client, from, msgID, subject, body string, headers ...string) {
	t.Helper()
	raw := "From: " + from + "\r\nTo: help@desk.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID + ">\r\n"
	for _, h := range headers {
		raw += h + "\r\n"
	}
	raw += "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// unseen returns how many of c's INBOX messages are not \Seen.
func unseen(t *testing.T, c *imapclient.Client) int {
	t.Helper()
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	d, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return len(d.AllUIDs())
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// bundle is one test's database, stores and desk.
type bundle struct {
	ctx   context.Context
	db    *pgxpool.Pool
	store *Store
	desk  *mailin.Desk
	team  int64
}

func setup(t *testing.T) *bundle {
	t.Helper()
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	ticketstest.Team(ctx, t, db, "Intake")
	b := &bundle{ctx: ctx, db: db, team: ticketstest.Team(ctx, t, db, "Billing")}
	var err error
	if b.store, err = NewStore(db, testSecret, time.Now); err != nil {
		t.Fatal(err)
	}
	if b.desk, err = mailin.New(ticketstest.NewStore(db), []string{"noreply@desk.example"}, discard()); err != nil {
		t.Fatal(err)
	}
	return b
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// add creates a mailbox on addr ("host:port").
func (b *bundle) add(t *testing.T, addr string, sec Security, user, password string) int64 {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	id, err := b.store.Create(b.ctx, 0, NewMailbox{Host: host, Port: port, Security: string(sec), Username: user, Password: password,
		TeamID: b.team, FromAddress: "Billing <billing@desk.example>"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// run starts a reader (one instance) trusting srv's certificate.
func (b *bundle) run(t *testing.T, filer Filer, srv *imapServer) {
	t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	r := NewReader(b.store, filer, discard(), Options{PollInterval: 50 * time.Millisecond, RescanInterval: 50 * time.Millisecond,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, TLSConfig: &tls.Config{RootCAs: srv.pool}})
	wait := r.Start(ctx)
	t.Cleanup(func() { cancel(); wait() })
}

// eventually waits until cond holds; it is a sync point, not a timing
// assertion: the bound only keeps a broken test from hanging.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *bundle) count(t *testing.T, table string) int {
	return ticketstest.Count(b.ctx, t, b.db, table)
}

func (b *bundle) mailbox(t *testing.T, id int64) Mailbox {
	t.Helper()
	list, err := b.store.List(b.ctx, time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no mailbox %d", id)
	return Mailbox{}
}

func TestMailboxTurnsMailIntoTickets(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, true)
	srv.addUser(t, "billing@desk.example", "app-password-1")
	mua := srv.client(t, "billing@desk.example", "app-password-1")
	deliver(t, mua, "Ben <ben@example.com>", "m1@example.com", "Invoice wrong", "Twice charged.")
	deliver(t, mua, "Cai <cai@example.com>", "m2@example.com", "Refund", "Where is it?")
	deliver(t, mua, "Billing <billing@desk.example>", "m3@desk.example", "Loop", "Our own mail.")
	id := b.add(t, srv.tlsAddr, SecurityTLS, "billing@desk.example", "app-password-1")

	var sealed []byte
	if err := b.db.QueryRow(b.ctx, `SELECT password_sealed FROM mailboxes WHERE id = $1`, id).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "app-password-1") || len(sealed) < 20 {
		t.Fatalf("password stored as %q", sealed)
	}

	b.run(t, b.desk, srv)
	eventually(t, "both mails are filed and all three flagged seen", func() bool { return unseen(t, mua) == 0 })
	if n := b.count(t, "tickets"); n != 2 {
		t.Fatalf("tickets = %d, want 2 (the desk's own mail is a loop)", n)
	}
	var teams []int64
	rows, _ := b.db.Query(b.ctx, `SELECT team_id FROM tickets ORDER BY id`)
	for rows.Next() {
		var tm int64
		_ = rows.Scan(&tm)
		teams = append(teams, tm)
	}
	if !slices.Equal(teams, []int64{b.team, b.team}) {
		t.Errorf("ticket teams = %v, want the mailbox's team %d", teams, b.team)
	}
	// The success is recorded after the flags are set.
	eventually(t, "the fetch is recorded as a success", func() bool { return b.mailbox(t, id).LastSuccessAt != nil })
	m := b.mailbox(t, id)
	if m.LastSuccessAt == nil || m.Failures != 0 || m.FiledToday != 2 {
		t.Errorf("health = %+v, want a success and 2 filed", m)
	}

	// New mail arrives while the reader idles: it is filed.
	deliver(t, mua, "Ben <ben@example.com>", "m4@example.com", "Re: Invoice wrong", "Still wrong.", "In-Reply-To: <m1@example.com>")
	eventually(t, "the new mail is filed", func() bool { return unseen(t, mua) == 0 })
	if n := b.count(t, "tickets"); n != 2 {
		t.Errorf("tickets = %d after a reply, want 2 (it threads)", n)
	}
	if n := b.count(t, "messages"); n != 3 {
		t.Errorf("messages = %d, want 3", n)
	}

	// Redelivered (a second copy of a mail, as a mail server that retried
	// leaves it): filed once, by its Message-ID.
	deliver(t, mua, "Ben <ben@example.com>", "m1@example.com", "Invoice wrong", "Twice charged.")
	eventually(t, "the copy is read", func() bool { return unseen(t, mua) == 0 })
	if n, msgs := b.count(t, "tickets"), b.count(t, "messages"); n != 2 || msgs != 3 {
		t.Errorf("after a redelivery: %d tickets, %d messages, want 2 and 3", n, msgs)
	}
	if m := b.mailbox(t, id); m.FiledToday != 3 {
		t.Errorf("filed today = %d, want 3 (a duplicate is not counted)", m.FiledToday)
	}
}

// flakyFiler fails while broken is set, as a database outage would.
type flakyFiler struct {
	desk   *mailin.Desk
	broken atomic.Bool
	calls  atomic.Int32
}

func (f *flakyFiler) ReceiveVia(ctx context.Context, raw []byte, r mailin.Route) (mailin.Result, error) {
	f.calls.Add(1)
	if f.broken.Load() {
		return mailin.Result{}, errors.New("database is down")
	}
	return f.desk.ReceiveVia(ctx, raw, r)
}

func TestMailIsAcknowledgedOnlyAfterFiling(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, false) // no IDLE: polling
	srv.addUser(t, "help@desk.example", "pw-2")
	mua := srv.client(t, "help@desk.example", "pw-2")
	deliver(t, mua, "ben@example.com", "a1@example.com", "Hello", "Anyone?")
	id := b.add(t, srv.plainAddr, SecurityStartTLS, "help@desk.example", "pw-2")
	f := &flakyFiler{desk: b.desk}
	f.broken.Store(true)
	b.run(t, f, srv)

	eventually(t, "a failed filing is recorded", func() bool { return b.mailbox(t, id).Failures >= 2 })
	m := b.mailbox(t, id)
	if m.LastErrorKind != ErrFiling || m.LastError == "" {
		t.Errorf("health = %+v, want a filing error", m)
	}
	if n := unseen(t, mua); n != 1 {
		t.Fatalf("unseen = %d while filing fails, want 1 (never acknowledged before it is filed)", n)
	}
	if n := b.count(t, "tickets"); n != 0 {
		t.Fatalf("tickets = %d", n)
	}
	f.broken.Store(false)
	eventually(t, "the mail is filed after the outage", func() bool { return unseen(t, mua) == 0 })
	if n := b.count(t, "tickets"); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
	// The success is recorded after the flags are set.
	eventually(t, "the recovery is recorded as a success", func() bool { return b.mailbox(t, id).LastSuccessAt != nil })
	if m := b.mailbox(t, id); m.Failures != 0 || m.LastSuccessAt == nil || m.LastErrorKind != ErrFiling {
		t.Errorf("health after recovery = %+v, want no failures, a success and the last error kept", m)
	}
}

func TestFailingMailboxesSayWhyAndBlockNoOther(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, true)
	srv.addUser(t, "good@desk.example", "right")
	srv.addUser(t, "bad@desk.example", "right")
	wrong := b.add(t, srv.tlsAddr, SecurityTLS, "bad@desk.example", "Wr0ng-pa55")
	// A port where nothing listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	refused := b.add(t, closed, SecurityTLS, "good@desk.example", "right")
	good := b.add(t, srv.tlsAddr, SecurityTLS, "good@desk.example", "right")
	mua := srv.client(t, "good@desk.example", "right")
	deliver(t, mua, "ben@example.com", "g1@example.com", "Works", "Yes.")
	b.run(t, b.desk, srv)

	eventually(t, "the good mailbox files its mail", func() bool { return unseen(t, mua) == 0 })
	eventually(t, "both bad mailboxes have failed twice", func() bool {
		return b.mailbox(t, wrong).Failures >= 2 && b.mailbox(t, refused).Failures >= 2
	})
	if m := b.mailbox(t, wrong); m.LastErrorKind != ErrWrongPassword {
		t.Errorf("wrong password: kind %q (%s)", m.LastErrorKind, m.LastError)
	}
	if m := b.mailbox(t, refused); m.LastErrorKind != ErrConnect {
		t.Errorf("nothing listening: kind %q (%s)", m.LastErrorKind, m.LastError)
	}
	if m := b.mailbox(t, good); m.Failures != 0 || m.FiledToday != 1 {
		t.Errorf("good mailbox = %+v", m)
	}
	if m := b.mailbox(t, wrong); strings.Contains(m.LastError, "Wr0ng-pa55") {
		t.Errorf("the error shows the password: %q", m.LastError)
	}

	// A server whose certificate is not trusted: a TLS failure.
	untrusted := NewReader(b.store, b.desk, discard(), Options{RescanInterval: 50 * time.Millisecond, BackoffBase: 20 * time.Millisecond})
	kind, msg := classify(untrusted.session(b.ctx, good))
	if kind != ErrTLS {
		t.Errorf("untrusted certificate: kind %q (%s)", kind, msg)
	}
}

func TestOneReaderPerMailboxAcrossInstances(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, true)
	srv.addUser(t, "help@desk.example", "pw")
	mua := srv.client(t, "help@desk.example", "pw")
	b.add(t, srv.tlsAddr, SecurityTLS, "help@desk.example", "pw")
	for range 3 { // three instances
		b.run(t, b.desk, srv)
	}
	for i := range 5 {
		deliver(t, mua, "ben@example.com", "x"+strconv.Itoa(i)+"@example.com", fmt.Sprintf("Mail %d", i), "Body.")
	}
	eventually(t, "all mail is filed", func() bool { return unseen(t, mua) == 0 })
	if n := b.count(t, "tickets"); n != 5 {
		t.Errorf("tickets = %d, want 5", n)
	}
	// The test's own client logged in once; the readers once in all.
	if n := srv.loginsOf("help@desk.example"); n != 2 {
		t.Errorf("logins = %d, want 2 (the test's client and one reader of three instances)", n)
	}
}

func TestCreateValidates(t *testing.T) {
	b := setup(t)
	_, err := b.store.Create(b.ctx, 0, NewMailbox{Host: "imap example.com", Port: "99999", Security: "plain", Password: "", TeamID: 0, FromAddress: "not an address"})
	if err == nil {
		t.Fatal("a bad mailbox was accepted")
	}
	_, err = b.store.Create(b.ctx, 0, NewMailbox{Host: "imap.example.com", Port: "993", Security: "tls", Username: "u", Password: "p", TeamID: 999999})
	if err == nil {
		t.Fatal("a mailbox of no team was accepted")
	}
	if _, err := b.store.Create(b.ctx, 0, NewMailbox{Host: "imap.example.com", Port: "993", Security: "tls", Username: "u", Password: "p", TeamID: b.team}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Create(b.ctx, 0, NewMailbox{Host: "IMAP.example.com", Port: "993", Security: "tls", Username: "u", Password: "p", TeamID: b.team}); err == nil {
		t.Fatal("the same mailbox was added twice")
	}
}
