package mailin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// MaxMessageBytes is the largest mail taken in, headers and encoding
// included: 25 MiB, the usual limit of the big mail providers.
const MaxMessageBytes = 25 << 20

// ErrTooLarge is a mail over MaxMessageBytes; the sender is told so.
var ErrTooLarge = errors.New("mailin: message too large")

// maxCc bounds the Cc addresses taken from one mail.
const maxCc = 50

// ErrNoSender is a mail without a usable From address: there is nobody to
// file it for or answer.
var ErrNoSender = errors.New("mailin: no sender address")

// Message is a parsed mail: what the desk needs of it, nothing raw.
type Message struct {
	MessageID string // without angle brackets; "sha256:<hex of the raw mail>" when it has none
	FromName  string
	FromEmail string
	Subject   string // decoded, with the ticket tag and reply prefixes removed
	// TicketNumber is the ticket the subject's tag names ("[#123]", as the
	// outbox writes subjects), 0 when there is none.
	TicketNumber int64
	// InReplyTo and References are the Message-IDs (without angle brackets)
	// of the mails this one answers; the tickets store threads by them first.
	InReplyTo   []string
	References  []string
	Body        string // plain text: HTML converted, quoted tail stripped
	Locale      string // a guess for a new customer: en, fi, vi or hi
	Attachments []tickets.NewAttachment
	Skipped     []string // files not kept: not allowed by type or size, or too many
	// Auto is why the mail was written by a machine (auto-reply, list, bounce),
	// "" when a person wrote it. Automatic mail is never filed.
	Auto string
	// HTML is the mail's HTML part, sanitised (SanitizeHTML), "" when it has
	// none or it is over MaxHTMLBytes; RemoteImages says it shows images
	// from the internet.
	HTML         string
	RemoteImages bool
	// AuthHeaders are the mail's Authentication-Results headers, topmost
	// first; Auth is what the desk believes of them (AuthResults).
	AuthHeaders []string
	Auth        tickets.MailAuth
	// Cc are the addresses of the Cc header (at most maxCc): the tickets
	// store copies the ticket's replies to them.
	Cc []string
	// Report is set for a delivery status report (DSN); Bounces are the
	// failed deliveries it names (see deliveryReport).
	Report  bool
	Bounces []tickets.Bounce
}

var (
	// ticketTag is the tag the outbox puts in front of every subject.
	ticketTag = regexp.MustCompile(`\[#([0-9]{1,18})\]`)
	// replyPrefix matches the "Re:" and "Fwd:" of common mail programs and
	// languages at the start of a subject, repeated.
	replyPrefix = regexp.MustCompile(`(?i)^\s*((re|aw|sv|vs|fw|fwd|wg|tr)(\[[0-9]+\])?\s*:\s*)+`)
)

// Parse reads a raw RFC 5322 message. It fails only when the message is too
// large, too deeply nested or with too many parts (ErrTooComplex), cannot be
// parsed at all or has no sender address.
func Parse(raw []byte) (Message, error) {
	if len(raw) > MaxMessageBytes {
		return Message{}, ErrTooLarge
	}
	env, err := parseEnvelope(raw)
	if err != nil {
		return Message{}, &permanentError{fmt.Errorf("mailin: parse: %w", err)}
	}
	var m Message
	from, err := env.AddressList("From")
	if err != nil || len(from) == 0 || from[0].Address == "" {
		return Message{}, ErrNoSender
	}
	m.FromName, m.FromEmail = strings.TrimSpace(from[0].Name), strings.TrimSpace(from[0].Address)

	m.MessageID = strings.Trim(strings.TrimSpace(env.GetHeader("Message-ID")), "<>")
	if m.MessageID == "" || len(m.MessageID) > 900 {
		sum := sha256.Sum256(raw)
		m.MessageID = "sha256:" + hex.EncodeToString(sum[:])
	}

	if cc, err := env.AddressList("Cc"); err == nil {
		for _, a := range cc {
			if a.Address != "" && len(m.Cc) < maxCc {
				m.Cc = append(m.Cc, strings.TrimSpace(a.Address))
			}
		}
	}

	m.InReplyTo = messageIDs(env.GetHeader("In-Reply-To"))
	m.References = messageIDs(env.GetHeader("References"))

	subject := env.GetHeader("Subject")
	if sm := ticketTag.FindStringSubmatch(subject); sm != nil {
		m.TicketNumber, _ = strconv.ParseInt(sm[1], 10, 64)
		subject = ticketTag.ReplaceAllString(subject, " ")
	}
	m.Subject = strings.Join(strings.Fields(replyPrefix.ReplaceAllString(subject, "")), " ")

	// Text in NFC: a Windows-1258 mail writes Vietnamese tone marks as
	// combining characters, which must compare and search as the letters.
	m.Subject, m.FromName = norm.NFC.String(m.Subject), norm.NFC.String(m.FromName)
	text := env.Text
	if flowed, delsp := flowedBody(env); flowed {
		text = unflow(text, delsp)
	}
	m.Body = norm.NFC.String(StripQuoted(text))
	m.Auto = autoReason(env, m.FromEmail)
	m.Locale = guessLocale(env.GetHeader("Content-Language"), m.Subject+" "+m.Body)
	m.Attachments, m.Skipped = attachments(env)
	m.AuthHeaders = env.Root.Header.Values("Authentication-Results")
	m.Bounces, m.Report = deliveryReport(env)
	if env.HTML != "" {
		if h := SanitizeHTML(env.HTML); h != "" && len(h) <= MaxHTMLBytes {
			m.HTML, m.RemoteImages = h, RemoteImages(h)
		}
	}
	return m, nil
}

// maxHeaderIDs bounds the Message-IDs taken from one header; a long
// thread's References keeps its newest ones (at the end).
const maxHeaderIDs = 50

// msgIDToken is one "<id>" of In-Reply-To or References.
var msgIDToken = regexp.MustCompile(`<([^<>\s]{1,900})>`)

// messageIDs reads the Message-IDs of an In-Reply-To or References header
// (RFC 5322 msg-id lists; comments and phrases between them are skipped),
// without angle brackets. A value without brackets, as some programs write
// it, is taken whole when it looks like one id.
func messageIDs(h string) []string {
	var ids []string
	for _, sm := range msgIDToken.FindAllStringSubmatch(h, -1) {
		ids = append(ids, sm[1])
	}
	if len(ids) == 0 {
		if f := strings.Fields(h); len(f) == 1 && strings.Contains(f[0], "@") && len(f[0]) <= 900 {
			ids = f
		}
	}
	if len(ids) > maxHeaderIDs {
		ids = ids[len(ids)-maxHeaderIDs:]
	}
	return ids
}

// autoReason says why env looks machine-written (RFC 3834 Auto-Submitted,
// Precedence of lists and vacation programs, bounce reports), "" otherwise.
func autoReason(env *enmime.Envelope, from string) string {
	if v := strings.ToLower(strings.TrimSpace(env.GetHeader("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return "auto-submitted"
	}
	switch strings.ToLower(strings.TrimSpace(env.GetHeader("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return "precedence"
	}
	if env.GetHeader("X-Autoreply") != "" || env.GetHeader("X-Autorespond") != "" {
		return "auto-reply"
	}
	if strings.HasPrefix(strings.ToLower(env.Root.Header.Get("Content-Type")), "multipart/report") {
		return "report"
	}
	local, _, _ := strings.Cut(strings.ToLower(from), "@")
	if local == "mailer-daemon" || local == "postmaster" {
		return "bounce"
	}
	return ""
}

// attachments takes the files of env that tickets accepts, up to
// tickets.MaxEmailAttachments, and names the others. Inline parts count
// when they have a file name (a pasted screenshot); inline text and HTML
// bodies do not.
func attachments(env *enmime.Envelope) (kept []tickets.NewAttachment, skipped []string) {
	parts := append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...)
	for _, p := range env.OtherParts {
		if p.FileName != "" || inlineImage(p) {
			parts = append(parts, p)
		}
	}
	for _, p := range parts {
		if p.Disposition == "inline" && p.FileName == "" && !inlineImage(p) {
			continue
		}
		name := p.FileName
		if name == "" {
			name = "attachment"
		}
		a := tickets.NewAttachment{Filename: name, Data: p.Content, ContentID: strings.Trim(p.ContentID, "<> ")}
		if len(kept) >= tickets.MaxEmailAttachments || a.Validate() != nil {
			if s := tickets.SanitizeFilename(name); s != "" {
				name = s
			}
			skipped = append(skipped, name)
			continue
		}
		kept = append(kept, a)
	}
	return kept, skipped
}

// inlineImage reports whether p is an image the HTML part shows by its
// Content-ID (cid:), kept as an attachment even without a file name.
func inlineImage(p *enmime.Part) bool {
	return p.ContentID != "" && strings.HasPrefix(strings.ToLower(p.ContentType), "image/")
}

// quoteHeaders start the quoted original in the reply styles of common mail
// programs, in the desk's four languages: Gmail and Apple Mail's
// "On <date>, <name> wrote:", Outlook's "-----Original Message-----".
var (
	attribution = regexp.MustCompile(`(?i)^(on\s.+\swrote|.+@.+\s(wrote|kirjoitti|đã viết|ने लिखा))\s*:$`)
	outlookRule = regexp.MustCompile(`(?i)^-{2,}\s*(original message|alkuperäinen viesti|thư gốc|मूल संदेश)\s*-{2,}$`)
)

// StripQuoted removes what a reply quotes: lines starting with ">", and
// everything from the attribution line ("On ... wrote:", also split over two
// lines as Gmail does) or Outlook's "Original Message" rule on. When that
// would leave nothing, the text is kept whole: better a long message than a
// lost one.
func StripQuoted(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if outlookRule.MatchString(line) || attribution.MatchString(line) {
			break
		}
		if i+1 < len(lines) && strings.HasPrefix(strings.ToLower(line), "on ") &&
			attribution.MatchString(line+" "+strings.TrimSpace(lines[i+1])) {
			break
		}
		if strings.HasPrefix(line, ">") {
			continue
		}
		out = append(out, strings.TrimRightFunc(lines[i], unicode.IsSpace))
	}
	stripped := collapseBlankLines(out)
	if stripped == "" {
		return collapseBlankLines(strings.Split(text, "\n"))
	}
	return stripped
}

// collapseBlankLines joins lines, keeping at most one blank line in a row
// and none at either end.
func collapseBlankLines(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.TrimRightFunc(l, unicode.IsSpace))
	}
	return b.String()
}

// guessLocale picks a new customer's language: the mail's Content-Language
// when the desk speaks it, else the script or letters of the text
// (Devanagari for Hindi, Vietnamese's own letters, Finnish ä and ö), else en.
func guessLocale(contentLanguage, text string) string {
	for _, tag := range strings.Split(contentLanguage, ",") {
		lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch lang {
		case "en", "fi", "vi", "hi":
			return lang
		}
	}
	var deva, viet, fin int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Devanagari, r):
			deva++
		case strings.ContainsRune("ăâđêôơưĂÂĐÊÔƠƯ", r) || (r >= 0x1EA0 && r <= 0x1EF9):
			viet++
		case strings.ContainsRune("äöÄÖ", r):
			fin++
		}
	}
	switch {
	case deva > 0 && deva >= viet:
		return "hi"
	case viet > 0:
		return "vi"
	case fin > 0:
		return "fi"
	}
	return "en"
}
