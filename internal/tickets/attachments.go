package tickets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Attachments are files on ticket messages: a customer's on the web form and
// the status page, a rep's on a reply or note. Nothing the client says about a
// file is trusted: the name is sanitised, the type is detected from the bytes
// and must be on a short allowlist, and the size is counted.

// MaxAttachmentSize is the largest file that may be attached: 10 MiB.
const MaxAttachmentSize = 10 << 20

// maxFilename bounds a stored file name, in characters (the schema's CHECK).
const maxFilename = 200

// attachmentTypes is the allowlist: detected content type -> the extensions a
// file of that type may have, the first one added to a name without any.
// Anything a browser could run (HTML, SVG, scripts) is deliberately absent.
var attachmentTypes = map[string][]string{
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/gif":       {".gif"},
	"image/webp":      {".webp"},
	"application/pdf": {".pdf"},
	"text/plain":      {".txt", ".log", ".csv"},
}

// NewAttachment is one uploaded file as the client sent it.
type NewAttachment struct {
	Filename string // as the browser gave it: sanitised before it is stored
	Data     []byte
	// ContentID is a mail's inline image's Content-ID (without angle
	// brackets), which its HTML names as cid:; "" otherwise.
	ContentID string
}

// Attachment is a stored file's metadata; Data is filled only by Attachment.
type Attachment struct {
	ID                 int64
	TicketID           int64
	MessageID          int64 // 0 when the file is on no message
	Internal           bool  // on an internal note: never shown to the customer
	Filename           string
	ContentType        string // one of the allowlist, detected from the bytes
	Size               int64
	SHA256             []byte
	UploadedByUserID   int64 // 0 when the customer uploaded it
	UploadedByCustomer bool
	CreatedAt          time.Time
	Data               []byte
}

// checkedAttachment is a NewAttachment that passed validation.
type checkedAttachment struct {
	filename    string
	contentType string
	data        []byte
}

// Validate checks the file's size and type; failures are reported on the
// form field "attachment".
func (n *NewAttachment) Validate() error {
	_, err := n.check()
	return err
}

func (n *NewAttachment) check() (checkedAttachment, error) {
	fail := func(msgID string) (checkedAttachment, error) {
		return checkedAttachment{}, apperr.InvalidFields(map[string]string{"attachment": msgID})
	}
	switch {
	case len(n.Data) == 0:
		return fail("attachment_error_empty")
	case len(n.Data) > MaxAttachmentSize:
		return fail("attachment_error_too_large")
	}
	ct := DetectAttachmentType(n.Data)
	exts, ok := attachmentTypes[ct]
	if !ok {
		return fail("attachment_error_type")
	}
	name := SanitizeFilename(n.Filename)
	switch ext := strings.ToLower(extension(name)); {
	case ext == "":
		// No extension to contradict the content: give it the right one, so the
		// downloaded file opens with the right program.
		name = truncateRunes(name, maxFilename-len(exts[0]))
		if name == "" {
			name = "attachment"
		}
		name += exts[0]
	case !containsString(exts, ext):
		return fail("attachment_error_mismatch")
	}
	return checkedAttachment{filename: name, contentType: ct, data: n.Data}, nil
}

// DetectAttachmentType names the allowlisted type of data from its content
// alone, or returns "" when data is none of them. It agrees with
// http.DetectContentType on the allowlisted types (the domain does not import
// net/http), except that text must be UTF-8 without control bytes throughout,
// not only in its first 512 bytes.
func DetectAttachmentType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	case len(data) >= 14 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:14], []byte("WEBPVP")):
		return "image/webp"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	case isPlainText(data):
		return "text/plain"
	}
	return ""
}

// isPlainText reports whether data is UTF-8 text: no invalid sequences and
// none of the control bytes that http.DetectContentType counts as binary.
func isPlainText(data []byte) bool {
	if len(data) == 0 || !utf8.Valid(data) {
		return false
	}
	for _, b := range data {
		if b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F) || b == 0x7F {
			return false
		}
	}
	return true
}

// windowsReserved are device names that Windows will not save a file under.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// SanitizeFilename makes a client's file name safe to store and to offer for
// download: the last path element only, NFC, no control or invisible format
// characters (such as the right-to-left override that makes "gpj.exe" look
// like "exe.jpg"), none of the characters Windows forbids, no leading or
// trailing dots and spaces, and at most 200 characters with the extension
// kept. It returns "" when nothing usable is left.
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	ext := extension(name)
	if utf8.RuneCountInString(ext) > 16 {
		ext = "" // not an extension worth keeping whole
	}
	base := strings.TrimRight(strings.TrimSuffix(name, ext), " .")
	if windowsReserved[strings.ToUpper(base)] {
		base = "_" + base
	}
	if base == "" {
		return strings.TrimLeft(ext, ".")
	}
	return truncateRunes(base, maxFilename-utf8.RuneCountInString(ext)) + ext
}

// extension returns name's extension with its dot ("" when it has none; a
// leading dot alone is not an extension).
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	return name[i:]
}

// truncateRunes cuts s to at most n characters, not mid-character, and
// without a trailing space or dot left at the cut.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimRight(string([]rune(s)[:n]), " .")
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sqlInsertMessageID is sqlInsertMessage returning the new message's id, for
// the paths that attach a file to the message they add.
const sqlInsertMessageID = sqlInsertMessage + ` RETURNING id`

// insertMessageIDTx is insertMessageTx returning the new message's id.
func insertMessageIDTx(ctx context.Context, tx pgx.Tx, ticketID int64, kind MessageKind, userID, customerID int64, body string, at time.Time) (int64, error) {
	var cust *int64
	if userID == 0 {
		cust = postgres.NullID(customerID)
	}
	var id int64
	if err := tx.QueryRow(ctx, sqlInsertMessageID, ticketID, kind, postgres.NullID(userID), cust, body, at).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	return id, nil
}

// sqlInsertAttachment stores a checked file on ticket $1, on message $2 when
// it is not NULL, which must then be a message of that ticket (else no row).
// $8 is the uploading staff member; NULL means the customer.
const sqlInsertAttachment = `
INSERT INTO attachments (ticket_id, message_id, filename, content_type, size_bytes, sha256, data,
                         uploaded_by_user_id, uploaded_by_customer, created_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8::bigint IS NULL, $9
WHERE $2::bigint IS NULL OR EXISTS (SELECT 1 FROM messages WHERE id = $2 AND ticket_id = $1)
RETURNING id`

// AddAttachmentTx stores file on ticket ticketID's message messageID (0: on
// no message) inside the caller's transaction, uploaded by staff member
// userID (0: by the customer), and records a 'ticket.attachment_added' event.
// An unacceptable file is an Invalid error on field "attachment".
func (s *Store) AddAttachmentTx(ctx context.Context, tx pgx.Tx, ticketID, messageID, userID int64, file NewAttachment) (int64, error) {
	c, err := file.check()
	if err != nil {
		return 0, err
	}
	now := s.now()
	// Hashed here, not in check: Validate runs on every file that is offered
	// (an inbound mail's files more than once) and needs no hash.
	sum := sha256.Sum256(c.data)
	var id int64
	err = tx.QueryRow(ctx, sqlInsertAttachment, ticketID, postgres.NullID(messageID), c.filename, c.contentType,
		len(c.data), sum[:], c.data, postgres.NullID(userID), now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("attach to message %d: not a message of ticket %d", messageID, ticketID)
	}
	if err != nil {
		return 0, fmt.Errorf("insert attachment: %w", err)
	}
	if err := RecordEventTx(ctx, tx, now, ticketID, userID, "ticket.attachment_added", map[string]any{
		"new": c.filename, "attachment_id": id, "message_id": messageID, "content_type": c.contentType, "size": len(c.data),
	}); err != nil {
		return 0, err
	}
	return id, nil
}

// addAttachmentTx attaches file, when there is one, to message messageID.
func (s *Store) addAttachmentTx(ctx context.Context, tx pgx.Tx, ticketID, messageID, userID int64, file *NewAttachment) error {
	if file == nil {
		return nil
	}
	_, err := s.AddAttachmentTx(ctx, tx, ticketID, messageID, userID, *file)
	return err
}

// checkAttachment adds file's failure, if any, to f.
func checkAttachment(f *apperr.Fields, file *NewAttachment) {
	if file == nil {
		return
	}
	for field, msgID := range apperr.FieldsOf(file.Validate()) {
		f.Add(field, msgID)
	}
}

// sqlSelectAttachments lists the metadata (never the bytes) of a ticket's
// files in thread order (attachments_ticket_idx). Unless $2, only files on
// public messages: a customer never sees what is on an internal note.
const sqlSelectAttachments = `
SELECT a.id, a.ticket_id, coalesce(a.message_id, 0), coalesce(m.kind = 'internal', false),
       a.filename, a.content_type, a.size_bytes, a.sha256,
       coalesce(a.uploaded_by_user_id, 0), a.uploaded_by_customer, a.created_at
FROM attachments a
LEFT JOIN messages m ON m.id = a.message_id
WHERE a.ticket_id = $1 AND ($2 OR m.kind = 'public')
ORDER BY a.id`

func scanAttachment(row pgx.Row, withData bool) (Attachment, error) {
	var a Attachment
	dst := []any{&a.ID, &a.TicketID, &a.MessageID, &a.Internal, &a.Filename, &a.ContentType, &a.Size, &a.SHA256,
		&a.UploadedByUserID, &a.UploadedByCustomer, &a.CreatedAt}
	if withData {
		dst = append(dst, &a.Data)
	}
	return a, row.Scan(dst...)
}

// Attachments lists the files of ticket ticketID, oldest first, without
// their bytes; those on internal notes only when withInternal (never for
// customers).
func (s *Store) Attachments(ctx context.Context, ticketID int64, withInternal bool) ([]Attachment, error) {
	rows, err := s.db.Query(ctx, sqlSelectAttachments, ticketID, withInternal)
	if err != nil {
		return nil, fmt.Errorf("attachments of %d: %w", ticketID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) { return scanAttachment(r, false) })
}

// sqlSelectAttachment reads one file with its bytes, only as a file of ticket
// $2 and, unless $3, only when it is on a public message.
const sqlSelectAttachment = `
SELECT a.id, a.ticket_id, coalesce(a.message_id, 0), coalesce(m.kind = 'internal', false),
       a.filename, a.content_type, a.size_bytes, a.sha256,
       coalesce(a.uploaded_by_user_id, 0), a.uploaded_by_customer, a.created_at, a.data
FROM attachments a
LEFT JOIN messages m ON m.id = a.message_id
WHERE a.id = $1 AND a.ticket_id = $2 AND ($3 OR m.kind = 'public')`

// Attachment returns file id of ticket ticketID with its bytes. The caller
// has decided that the ticket may be seen; withInternal also allows files on
// internal notes. Any other file, or none, is NotFound, so that a download
// link reveals nothing about other tickets' files.
func (s *Store) Attachment(ctx context.Context, ticketID, id int64, withInternal bool) (Attachment, error) {
	a, err := scanAttachment(s.db.QueryRow(ctx, sqlSelectAttachment, id, ticketID, withInternal), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return Attachment{}, apperr.New(apperr.NotFound, "attachment_error_not_found")
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, nil
}

// AttachmentsByMessage groups list by message id, for showing each file
// under its message.
func AttachmentsByMessage(list []Attachment) map[int64][]Attachment {
	out := make(map[int64][]Attachment, len(list))
	for _, a := range list {
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out
}
