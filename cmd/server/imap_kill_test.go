package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// killingProxy forwards TCP to target and, when connection i (i <
// len(at)) has carried at[i] bytes from the server, tells the test on
// reached: it then kills the server process mid-FETCH with SIGKILL.
type killingProxy struct {
	ln      net.Listener
	target  string
	at      []int
	reached chan int
	mu      sync.Mutex
	n       int
}

func startKillingProxy(t *testing.T, target string, at []int) *killingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &killingProxy{ln: ln, target: target, at: at, reached: make(chan int, len(at))}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			i := p.n
			p.n++
			p.mu.Unlock()
			go p.serve(c, i)
		}
	}()
	return p
}

func (p *killingProxy) serve(client net.Conn, i int) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { _, _ = io.Copy(server, client); server.Close() }()
	buf := make([]byte, 512)
	sent, told := 0, false
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
			sent += n
			if !told && i < len(p.at) && sent >= p.at[i] {
				told = true
				p.reached <- i
			}
		}
		if err != nil {
			return
		}
	}
}

// TestIMAPReaderKilledMidFetch runs the real server binary reading an IMAP
// mailbox and kills it with SIGKILL three times in the middle of FETCH
// responses, starting it again each time: in the end every mail is filed
// exactly once and flagged \Seen.
func TestIMAPReaderKilledMidFetch(t *testing.T) {
	ctx := t.Context()
	bin := buildServer(t)
	dbURL := pgtest.NewConnString(t)
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	// The IMAP server, over TLS with a certificate the server process
	// trusts through SSL_CERT_FILE.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap kill test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	parsed, _ := x509.ParseCertificate(der)
	roots.AddCert(parsed)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("help@desk.example", "app-pw")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:      imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}},
		TLSConfig: tlsConf,
		Logger:    log.New(io.Discard, "", 0),
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	mua, err := imapclient.DialTLS(ln.Addr().String(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mua.Close() })
	if err := mua.Login("help@desk.example", "app-pw").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := mua.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	const mails = 30
	body := strings.Repeat("The kettle leaks a little more every day. ", 100) // ~4 KB each
	for i := range mails {
		raw := "From: cust" + strconv.Itoa(i) + "@example.com\r\nTo: help@desk.example\r\nSubject: Mail " + strconv.Itoa(i) +
			"\r\nMessage-ID: <kill" + strconv.Itoa(i) + "@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
		cmd := mua.Append("INBOX", int64(len(raw)), nil)
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
	unseen := func() int {
		if err := mua.Noop().Wait(); err != nil {
			t.Fatal(err)
		}
		d, err := mua.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		return len(d.AllUIDs())
	}

	// Kill points: well inside the first, the fourth and the ninth mail's
	// literal of each successive connection.
	proxy := startKillingProxy(t, ln.Addr().String(), []int{6000, 18000, 38000})
	const secret = "imap-kill-test-secret-0123456789abcdef"
	team := ticketstest.Team(ctx, t, pool, "Support")
	boxes, err := mailbox.NewStore(pool, secret, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(proxy.ln.Addr().String())
	if _, err := boxes.Create(ctx, 0, mailbox.NewMailbox{Host: host, Port: port, Security: "tls", Username: "help@desk.example",
		Password: "app-pw", TeamID: team}); err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=" + dbURL, "LOOPDESK_LOG_LEVEL=warn", "LOOPDESK_METRICS_ADDR=off",
		"LOOPDESK_SECRET=" + secret, "SSL_CERT_FILE=" + caFile, "SSL_CERT_DIR=" + t.TempDir()}
	count := func(sql string) int {
		var n int
		if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for run := range 3 {
		p := startProcess(t, bin, "reader"+strconv.Itoa(run), env)
		select {
		case i := <-proxy.reached:
			p.kill(t)
			t.Logf("killed the server in connection %d's FETCH: %d mails filed, %d unseen", i, count(`SELECT count(*) FROM mail_in`), unseen())
		case err := <-p.exited:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("the server exited: %v\n%s", err, lastLines(string(b), 30))
		case <-time.After(hang):
			t.Fatalf("run %d: the reader never got that far", run)
		}
	}
	if unseen() == 0 {
		t.Fatal("every mail was read before the last kill: the kills proved little")
	}
	startProcess(t, bin, "last", env)
	for deadline := time.Now().Add(hang); unseen() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("mails still unseen: %d", unseen())
		}
		time.Sleep(50 * time.Millisecond)
	}
	tickets, filed, messages := count(`SELECT count(*) FROM tickets`), count(`SELECT count(*) FROM mail_in`), count(`SELECT count(*) FROM messages`)
	if tickets != mails || filed != mails || messages != mails {
		t.Errorf("after 3 kills: %d tickets, %d mails filed, %d messages; want %d of each (none lost, none twice)", tickets, filed, messages, mails)
	}
	if n := count(`SELECT count(DISTINCT subject) FROM tickets`); n != mails {
		t.Errorf("%d distinct subjects, want %d", n, mails)
	}
}
