package mailin

import (
	"bufio"
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Delivery reports (RFC 3464 DSNs): a mail server tells the desk that a
// mail it sent could not be delivered. Such a report is
// multipart/report; report-type=delivery-status with a
// message/delivery-status part (one block of fields per recipient) and the
// returned mail or its headers (message/rfc822, text/rfc822-headers), whose
// Message-ID names the desk's mail. A failed delivery marks the customer's
// address as bouncing (tickets.Store.RecordBounce); a report never opens a
// ticket.

// maxBounces bounds the recipients read from one report.
const maxBounces = 20

// deliveryReport reads env's delivery report: the failed recipients, each
// with the Message-ID of the returned mail. ok is false when env is not a
// delivery status report.
func deliveryReport(env *enmime.Envelope) (bounces []tickets.Bounce, ok bool) {
	mtype, params, _, err := mediatype.Parse(env.Root.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mtype, "multipart/report") || !strings.EqualFold(params["report-type"], "delivery-status") {
		return nil, false
	}
	var status, original []byte
	for p := env.Root.FirstChild; p != nil; p = p.NextSibling {
		switch strings.ToLower(p.ContentType) {
		case "message/delivery-status", "message/global-delivery-status":
			status = p.Content
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			original = p.Content
		}
	}
	if status == nil {
		return nil, true
	}
	originalID := ""
	if original != nil {
		r := textproto.NewReader(bufio.NewReader(bytes.NewReader(original)))
		if h, err := r.ReadMIMEHeader(); err == nil || len(h) > 0 {
			originalID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
		}
	}
	// The per-message block comes first, then one block per recipient.
	blocks := dsnBlocks(status)
	for i, b := range blocks {
		if i == 0 && b.Get("Final-Recipient") == "" && b.Get("Action") == "" {
			continue
		}
		action := strings.ToLower(strings.TrimSpace(b.Get("Action")))
		code := strings.TrimSpace(b.Get("Status"))
		if action != "failed" && !strings.HasPrefix(code, "5.") {
			continue // delayed, delivered, relayed, expanded: nothing bounced
		}
		bounces = append(bounces, tickets.Bounce{
			OriginalID: originalID,
			Recipient:  dsnAddress(b.Get("Final-Recipient"), b.Get("Original-Recipient")),
			Status:     code,
			Diagnostic: dsnDiagnostic(b.Get("Diagnostic-Code")),
		})
		if len(bounces) == maxBounces {
			break
		}
	}
	return bounces, true
}

// dsnBlocks splits a message/delivery-status body into its header blocks.
func dsnBlocks(body []byte) []textproto.MIMEHeader {
	var out []textproto.MIMEHeader
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(body)))
	for len(out) < maxBounces+1 {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			break
		}
	}
	return out
}

// dsnAddress is the address of "rfc822; someone@example.com".
func dsnAddress(fields ...string) string {
	for _, f := range fields {
		typ, addr, ok := strings.Cut(f, ";")
		if !ok || !strings.EqualFold(strings.TrimSpace(typ), "rfc822") {
			continue
		}
		if a, err := mail.ParseAddress(strings.TrimSpace(addr)); err == nil {
			return strings.ToLower(a.Address)
		}
	}
	return ""
}

// dsnDiagnostic is a Diagnostic-Code without its type ("smtp; 550 ...").
func dsnDiagnostic(v string) string {
	if typ, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(typ, " <>") {
		v = rest
	}
	return strings.Join(strings.Fields(v), " ")
}
