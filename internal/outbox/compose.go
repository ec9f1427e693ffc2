package outbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
)

// compose writes m as an RFC 5322 message with emersion/go-message: a
// multipart/alternative of a text/plain and a text/html part, both UTF-8
// and quoted-printable; header fields encoded (RFC 2047) and folded, so no
// line is longer than 998 octets whatever the subject or names hold. It
// returns the message and its envelope recipients (To, then Cc).
func compose(from *netmail.Address, m Message, now time.Time) ([]byte, []string, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	rcpts := []string{to.Address}
	seen := map[string]bool{strings.ToLower(to.Address): true}
	var cc []string
	for _, a := range m.Cc {
		p, err := netmail.ParseAddress(a)
		if err != nil {
			return nil, nil, fmt.Errorf("cc %q: %w", a, err)
		}
		if seen[strings.ToLower(p.Address)] {
			continue
		}
		seen[strings.ToLower(p.Address)] = true
		cc = append(cc, formatAddress(p))
		rcpts = append(rcpts, p.Address)
	}
	id := m.MessageID
	if id == "" || strings.ContainsAny(id, "<>@ \r\n") {
		raw := make([]byte, 12)
		_, _ = rand.Read(raw)
		id = hex.EncodeToString(raw)
	}
	var h mail.Header
	h.SetDate(now)
	h.Set("From", formatAddress(from))
	h.Set("To", formatAddress(to))
	if len(cc) > 0 {
		h.Set("Cc", strings.Join(cc, ", "))
	}
	h.Set("Subject", encodeText(strings.Join(strings.Fields(m.Subject), " ")))
	h.SetMessageID(id + "@" + domainOf(from.Address))
	domain := domainOf(from.Address)
	if id := cleanMsgID(m.InReplyTo, domain); id != "" {
		h.SetMsgIDList("In-Reply-To", []string{id})
	}
	var refs []string
	for _, r := range m.References {
		if r = cleanMsgID(r, domain); r != "" {
			refs = append(refs, r)
		}
	}
	h.SetMsgIDList("References", refs)
	if m.Auto {
		// RFC 3834: mail sent by the desk on its own; Exchange is asked for
		// no out-of-office or other automatic answer to it.
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Auto-Response-Suppress", "All")
	} else {
		// A rep's reply: no out-of-office answers, but bounces still come.
		h.Set("X-Auto-Response-Suppress", "OOF, AutoReply")
	}
	html := m.HTML
	if html == "" {
		if html, err = htmlDocument(m.Lang, m.Subject, m.Body); err != nil {
			return nil, nil, err
		}
	}
	var b bytes.Buffer
	w, err := mail.CreateInlineWriter(&b, h)
	if err != nil {
		return nil, nil, fmt.Errorf("compose mail: %w", err)
	}
	for _, part := range []struct{ typ, body string }{
		{"text/plain", crlf(m.Body)},
		{"text/html", crlf(html)},
	} {
		var ph mail.InlineHeader
		ph.SetContentType(part.typ, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, nil, fmt.Errorf("compose mail: %w", err)
		}
		if _, err := pw.Write([]byte(part.body)); err != nil {
			return nil, nil, fmt.Errorf("compose mail: %w", err)
		}
		if err := pw.Close(); err != nil {
			return nil, nil, fmt.Errorf("compose mail: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, nil, fmt.Errorf("compose mail: %w", err)
	}
	return b.Bytes(), rcpts, nil
}

// encodeText encodes a header's text when it is not plain ASCII: as RFC
// 2047 base64 words of at most 64 octets, cut between characters, so that
// go-message folds the field between words at about 76 octets (a 75-octet
// word does not fit beside "Subject: ", and the field would be folded at
// the 998-octet hard limit instead).
func encodeText(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f {
			plain = false
			break
		}
	}
	if plain && !strings.Contains(s, "=?") {
		return s
	}
	const maxChunk = 39 // octets of text per word: 52 of base64, 64 with "=?utf-8?b?...?="
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n > 0 && n+size > maxChunk {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// formatAddress writes an address for a header: a name that is not plain
// ASCII as encodeText's short words, else as net/mail quotes it.
func formatAddress(a *netmail.Address) string {
	if a.Name == "" || encodeText(a.Name) == a.Name {
		return a.String()
	}
	return encodeText(a.Name) + " <" + a.Address + ">"
}

// domainOf is the right part of addr, the Message-ID's domain.
func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		return addr[at+1:]
	}
	return "loopdesk.invalid"
}

// cleanMsgID strips angle brackets and refuses what cannot be a Message-ID.
// An id ending in "@" is the left part of one of the desk's own (the outbox
// keeps only that): domain completes it.
func cleanMsgID(id, domain string) string {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	if strings.HasSuffix(id, "@") {
		id += domain
	}
	at := strings.LastIndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || len(id) > 900 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e || id[i] == '<' || id[i] == '>' {
			return ""
		}
	}
	return id
}

// crlf gives text CRLF line ends.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
