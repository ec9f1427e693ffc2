package outbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// hindiSubject is 300 characters of Hindi: 900 octets of UTF-8, which the
// old writer put on one 2,739-character Subject line.
func hindiSubject() string {
	const phrase = "मेरा पार्सल टूटा हुआ पहुँचा और ग्राहक सेवा से अब तक कोई जवाब नहीं मिला "
	s := []rune(strings.Repeat(phrase, 10))
	return strings.TrimSpace(string(s[:300]))
}

func TestLongHindiSubjectIsFoldedAndRoundTrips(t *testing.T) {
	subject := hindiSubject()
	if n := len([]rune(subject)); n < 290 {
		t.Fatalf("test subject has %d characters", n)
	}
	raw, rcpts, err := compose(mustAddr(t, "सहायता डेस्क <desk@example.com>"),
		Message{To: "ग्राहक <c@example.com>", Subject: subject, Body: "नमस्ते", Lang: "hi"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rcpts) != 1 || rcpts[0] != "c@example.com" {
		t.Fatalf("envelope recipients %q", rcpts)
	}
	longest := 0
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, l := range strings.Split(head, "\r\n") {
		longest = max(longest, len(l))
		for _, r := range l {
			if r > 127 {
				t.Fatalf("raw 8-bit text in a header line: %q", l)
			}
		}
	}
	p := parse(t, string(raw)) // fails on any line over 998 octets
	got, err := p.Header.Subject()
	if err != nil || got != subject {
		t.Fatalf("subject did not round-trip (%v):\n got %q\nwant %q", err, got, subject)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "सहायता डेस्क" {
		t.Fatalf("From %v %v", from, err)
	}
	t.Logf("300-character Hindi subject: longest header line %d octets", longest)
	if longest > 78 {
		t.Errorf("longest header line %d octets: want folding at about 76", longest)
	}
}

func TestComposedMailHasTextAndEscapedHTML(t *testing.T) {
	body := "Hello <b>Ann</b> & co,\n\nsee https://desk.example.com/status/abc?x=1&y=2.\nBye\n-- \nBilling team <billing@example.com>\nhttps://example.com/help"
	raw, _, err := compose(mustAddr(t, "desk@example.com"), Message{To: "c@example.com", Subject: "Re: <script>", Body: body, Lang: "fi"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, string(raw))
	if strings.Join(p.Types, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v, want text/plain then text/html", p.Types)
	}
	if strings.TrimRight(p.Parts["text/plain"], "\n") != body {
		t.Errorf("plain part changed:\n%q\nwant\n%q", p.Parts["text/plain"], body)
	}
	html := p.Parts["text/html"]
	for _, want := range []string{
		`<html lang="fi">`,
		"Hello &lt;b&gt;Ann&lt;/b&gt; &amp; co,",
		`<a href="https://desk.example.com/status/abc?x=1&amp;y=2">https://desk.example.com/status/abc?x=1&amp;y=2</a>.`,
		`<div class="signature"`,
		"Billing team &lt;billing@example.com&gt;",
		`<title>Re: &lt;script&gt;</title>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<b>") || strings.Contains(html, "<script>") {
		t.Errorf("text became markup:\n%s", html)
	}
	if p.Header.Get("Auto-Submitted") != "" || p.Header.Get("X-Auto-Response-Suppress") != "OOF, AutoReply" {
		t.Errorf("a rep's reply: Auto-Submitted %q, X-Auto-Response-Suppress %q",
			p.Header.Get("Auto-Submitted"), p.Header.Get("X-Auto-Response-Suppress"))
	}
}

func TestAutomaticMailIsMarked(t *testing.T) {
	raw, _, err := compose(mustAddr(t, "desk@example.com"), Message{To: "c@example.com", Subject: "s", Body: "b", Auto: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, string(raw))
	if got := p.Header.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted %q", got)
	}
	if got := p.Header.Get("X-Auto-Response-Suppress"); got != "All" {
		t.Errorf("X-Auto-Response-Suppress %q", got)
	}
}

func TestHTMLLinksAreOnlyWebLinks(t *testing.T) {
	html, err := htmlDocument("en", "t", "javascript:alert(1) and http://a.test/\"onmouseover=x and data:text/html,hi")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, `href="javascript`) || strings.Contains(html, `href="data`) || strings.Contains(html, `"onmouseover`) {
		t.Fatalf("unsafe link in:\n%s", html)
	}
	if !strings.Contains(html, `<a href="http://a.test/">`) {
		t.Fatalf("the web link is not a link:\n%s", html)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// The sender takes STARTTLS when the server offers it and authenticates
// inside TLS; it sends To and Cc as envelope recipients.
func TestSendUsesSTARTTLSAndCc(t *testing.T) {
	srv := startFakeSMTP(t)
	cert, pool := selfSigned(t)
	srv.server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.server.AllowInsecureAuth = false
	s, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), User: "desk", Password: "pw", From: "Desk <desk@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	s.tls = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	err = s.Send(t.Context(), Message{From: "Billing <billing@example.org>", To: "c@example.com",
		Cc: []string{"Boss <boss@example.com>", "C@example.com", "x@example.net"}, Subject: "s", Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.msgs) != 1 || !srv.tlsSeen[0] {
		t.Fatalf("%d mails, over TLS: %v", len(srv.msgs), srv.tlsSeen)
	}
	if got := strings.Join(srv.rcpts[0], ","); got != "c@example.com,boss@example.com,x@example.net" {
		t.Errorf("RCPT TO %s", got)
	}
	if srv.froms[0] != "billing@example.org" {
		t.Errorf("MAIL FROM %s", srv.froms[0])
	}
	p := parse(t, srv.msgs[0])
	cc, _ := p.Header.AddressList("Cc")
	from, _ := p.Header.AddressList("From")
	if len(cc) != 2 || cc[0].Address != "boss@example.com" || cc[1].Address != "x@example.net" || from[0].Address != "billing@example.org" {
		t.Errorf("Cc %v From %v", cc, from)
	}
	if id, _ := p.Header.MessageID(); !strings.HasSuffix(id, "@example.org") {
		t.Errorf("Message-ID %q is not of the From's domain", id)
	}
}

// A server with no TLS is never given the password, unless it is this machine.
func TestNoPasswordInTheClearToAnotherHost(t *testing.T) {
	if !isLocalhost("127.0.0.1") || !isLocalhost("::1") || !isLocalhost("localhost") || isLocalhost("smtp.example.com") || isLocalhost("10.0.0.1") {
		t.Fatal("isLocalhost")
	}
}

// End to end: a ticket whose subject is 300 characters of Hindi gets its
// confirmation through the worker and a real SMTP server with every line
// within RFC 5322's limit, and the subject decodes to what was typed.
func TestHindiSubjectThroughTheWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	subject := hindiSubject()
	tk, _, err := b.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{
		Name: "अनीता", Email: "anita@example.in", Subject: subject, Message: "पार्सल टूटा है।", Locale: "hi",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := startFakeSMTP(t)
	sender, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), From: "सहायता <help@example.in>"})
	if err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, sender, b.log, time.Now)
	sendRow(t, b, o, rowsOf(t, b, tk.ID)[0])
	raw := srv.messages()[0]
	longest := 0
	for _, l := range strings.Split(raw, "\r\n") {
		longest = max(longest, len(l))
	}
	p := parse(t, raw) // fails on a line over 998 octets
	got, _ := p.Header.Subject()
	if !strings.Contains(got, subject) {
		t.Fatalf("subject %q does not hold the ticket's", got)
	}
	t.Logf("Hindi confirmation: subject %d characters, longest line of the whole mail %d octets", len([]rune(got)), longest)
}
