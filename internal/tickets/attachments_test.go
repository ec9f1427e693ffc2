package tickets_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// Small files of each allowlisted type, as their first bytes.
var (
	pngFile  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 32)...)
	jpegFile = append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), make([]byte, 32)...)
	gifFile  = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04;")
	webpFile = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), make([]byte, 32)...)
	pdfFile  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	textFile = []byte("Order 1234 arrived broken.\r\nTilaus saapui rikki. Đơn hàng bị hỏng. ऑर्डर टूट गया।\n")
	// An executable: what a renamed .exe starts with.
	exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 64)...)
)

func TestDetectAttachmentTypeAgreesWithNetHTTP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"png", pngFile, "image/png"},
		{"jpeg", jpegFile, "image/jpeg"},
		{"gif", gifFile, "image/gif"},
		{"webp", webpFile, "image/webp"},
		{"pdf", pdfFile, "application/pdf"},
		{"text", textFile, "text/plain"},
		{"exe", exeFile, ""},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), ""},
		{"nul in text", []byte("hello\x00world"), ""},
		{"latin-1 text", []byte("caf\xe9 cr\xe8me"), ""},
	} {
		got := tickets.DetectAttachmentType(c.data)
		if got != c.want {
			t.Errorf("%s: DetectAttachmentType = %q, want %q", c.name, got, c.want)
		}
		if c.want == "" {
			continue
		}
		// What net/http sniffs (its parameters aside) must be the same type.
		if sniffed, _, _ := strings.Cut(http.DetectContentType(c.data), ";"); sniffed != c.want {
			t.Errorf("%s: http.DetectContentType = %q, want %q", c.name, sniffed, c.want)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 300)
	longVi := strings.Repeat("ệ", 250)
	for _, c := range []struct{ in, want string }{
		{"photo.png", "photo.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\aino\Desktop\kuitti.pdf`, "kuitti.pdf"},
		{"/tmp/../x/evil.txt", "evil.txt"},
		{"a\x00b\nc\td\x7f.txt", "abcd.txt"},
		{"invoice\u202Egpj.exe", "invoicegpj.exe"}, // the right-to-left override is gone
		{"zero\u200bwidth.png", "zerowidth.png"},
		{`what?<is>:this|"*.txt`, "what__is__this___.txt"},
		{"  .hidden.txt. ", "hidden.txt"},
		{"..", ""},
		{"", ""},
		{"/", ""},
		{"CON.txt", "_CON.txt"},
		{"Nguye\u0302\u0303n.png", "Nguyễn.png"}, // NFC
		{"bad\xff\xfeutf8.txt", "badutf8.txt"},
		{long + ".png", strings.Repeat("a", 196) + ".png"},
		{longVi + ".pdf", strings.Repeat("ệ", 196) + ".pdf"},
		{long, strings.Repeat("a", 200)},
		{"x." + long, "x." + strings.Repeat("a", 198)}, // no extension worth keeping
	} {
		got := tickets.SanitizeFilename(c.in)
		if got != c.want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", c.in, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > 200 {
			t.Errorf("SanitizeFilename(%q) has %d characters", c.in, n)
		}
	}
}

func TestAttachmentLimits(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("a"), tickets.MaxAttachmentSize+1)
	for _, c := range []struct {
		name string
		file tickets.NewAttachment
		want string // message id on field "attachment"; "" when accepted
	}{
		{"exactly 10 MiB", tickets.NewAttachment{Filename: "log.txt", Data: big[:tickets.MaxAttachmentSize]}, ""},
		{"10 MiB + 1", tickets.NewAttachment{Filename: "log.txt", Data: big}, "attachment_error_too_large"},
		{"empty", tickets.NewAttachment{Filename: "empty.txt"}, "attachment_error_empty"},
		{"exe renamed png", tickets.NewAttachment{Filename: "cute-cat.png", Data: exeFile}, "attachment_error_type"},
		{"exe", tickets.NewAttachment{Filename: "setup.exe", Data: exeFile}, "attachment_error_type"},
		{"png named jpg", tickets.NewAttachment{Filename: "photo.jpg", Data: pngFile}, "attachment_error_mismatch"},
		{"html named txt is text", tickets.NewAttachment{Filename: "page.txt", Data: []byte("<html><script>alert(1)</script></html>")}, ""},
		{"html", tickets.NewAttachment{Filename: "page.html", Data: []byte("<html><script>alert(1)</script></html>")}, "attachment_error_mismatch"},
		{"svg", tickets.NewAttachment{Filename: "logo.svg", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}, "attachment_error_mismatch"},
		{"upper-case extension", tickets.NewAttachment{Filename: "SCAN.PDF", Data: pdfFile}, ""},
		{"jpeg", tickets.NewAttachment{Filename: "a.jpeg", Data: jpegFile}, ""},
		{"gif", tickets.NewAttachment{Filename: "a.gif", Data: gifFile}, ""},
		{"webp", tickets.NewAttachment{Filename: "a.webp", Data: webpFile}, ""},
		{"no name at all", tickets.NewAttachment{Filename: "", Data: pngFile}, ""},
	} {
		err := c.file.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if got := apperr.FieldsOf(err)["attachment"]; !apperr.Is(err, apperr.Invalid) || got != c.want {
			t.Errorf("%s: err = %v, want attachment: %s", c.name, err, c.want)
		}
	}
}

// attach returns the one attachment of ticket id as staff see it, with its bytes.
func (b *bundle) onlyAttachment(t *testing.T, id int64) tickets.Attachment {
	t.Helper()
	list, err := b.store.Attachments(b.ctx, id, true)
	if err != nil || len(list) != 1 {
		t.Fatalf("attachments of %d = %+v, %v; want one", id, list, err)
	}
	a, err := b.store.Attachment(b.ctx, id, list[0].ID, true)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReplyWithAttachment(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	_, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "Here is the label.",
		Attachment: &tickets.NewAttachment{Filename: `C:\labels\return label`, Data: pdfFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := b.onlyAttachment(t, tk.ID)
	msgs, _ := b.store.Messages(b.ctx, tk.ID, true)
	sum := sha256.Sum256(pdfFile)
	if a.TicketID != tk.ID || a.MessageID != msgs[len(msgs)-1].ID || a.Internal || a.Filename != "return label.pdf" ||
		a.ContentType != "application/pdf" || a.Size != int64(len(pdfFile)) || !bytes.Equal(a.SHA256, sum[:]) ||
		a.UploadedByUserID != b.repA.UserID || a.UploadedByCustomer || !bytes.Equal(a.Data, pdfFile) {
		t.Errorf("attachment = %+v", a)
	}
	actions, events := b.history(t, tk.ID)
	want := []string{"ticket.created", "ticket.replied", "ticket.attachment_added", "ticket.status_changed"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("history = %v, want %v", actions, want)
	}
	if e := events[2]; e.ActorID != b.repA.UserID || e.Data["new"] != "return label.pdf" || e.Data["attachment_id"] != float64(a.ID) {
		t.Errorf("event = %+v", e)
	}
	// The customer sees a public reply's file.
	if list, err := b.store.Attachments(b.ctx, tk.ID, false); err != nil || len(list) != 1 || list[0].Data != nil {
		t.Errorf("customer's list = %+v, %v; want the file without its bytes", list, err)
	}
}

func TestRefusedAttachmentChangesNothing(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	_, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "See attached.", Attachment: &tickets.NewAttachment{Filename: "invoice.png", Data: exeFile},
	})
	wantField(t, err, "attachment", "attachment_error_type")
	if n := ticketstest.Count(b.ctx, t, b.db, "messages"); n != 1 {
		t.Errorf("%d messages after a refused reply, want the first one only", n)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "attachments"); n != 0 {
		t.Errorf("%d attachments stored", n)
	}
	// Every failure of the form is reported at once.
	_, err = b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Attachment: &tickets.NewAttachment{Filename: "a.txt"}})
	wantField(t, err, "body", "error_required")
	wantField(t, err, "attachment", "attachment_error_empty")
}

func TestInternalNoteAttachmentIsStaffOnly(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	_, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{
		Kind: tickets.MessageInternal, Body: "Courier's photo of the parcel.",
		Attachment: &tickets.NewAttachment{Filename: "parcel.jpg", Data: jpegFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := b.onlyAttachment(t, tk.ID)
	if !a.Internal {
		t.Errorf("attachment on a note = %+v, want Internal", a)
	}
	if list, err := b.store.Attachments(b.ctx, tk.ID, false); err != nil || len(list) != 0 {
		t.Errorf("customer's list = %+v, %v; want none", list, err)
	}
	_, err = b.store.Attachment(b.ctx, tk.ID, a.ID, false)
	wantKind(t, err, apperr.NotFound, "attachment_error_not_found")
}

func TestAttachmentOfAnotherTicketIsNotFound(t *testing.T) {
	b := setup(t)
	mine := b.create(t, b.repA, tickets.NewTicket{})
	other := b.create(t, b.repB, tickets.NewTicket{})
	if _, err := b.store.AddReply(b.ctx, b.repB, other.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "Receipt.", Attachment: &tickets.NewAttachment{Filename: "r.gif", Data: gifFile},
	}); err != nil {
		t.Fatal(err)
	}
	a := b.onlyAttachment(t, other.ID)
	_, err := b.store.Attachment(b.ctx, mine.ID, a.ID, true)
	wantKind(t, err, apperr.NotFound, "attachment_error_not_found")
	_, err = b.store.Attachment(b.ctx, other.ID, a.ID+1000, true)
	wantKind(t, err, apperr.NotFound, "attachment_error_not_found")
	// A rep of another team cannot attach through a reply either.
	_, err = b.store.AddReply(b.ctx, b.repA, other.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "x", Attachment: &tickets.NewAttachment{Filename: "r.gif", Data: gifFile},
	})
	wantKind(t, err, apperr.NotFound, "error_ticket_not_found")
}

func TestCustomerAttachments(t *testing.T) {
	b := setup(t)
	tk, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{
		Name: "Lan", Email: "lan@example.vn", Subject: "Hỏng", Message: "Ảnh đính kèm.", Locale: "vi",
		Attachment: &tickets.NewAttachment{Filename: "ảnh.webp", Data: webpFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := b.onlyAttachment(t, tk.ID)
	if !a.UploadedByCustomer || a.UploadedByUserID != 0 || a.Filename != "ảnh.webp" || a.ContentType != "image/webp" {
		t.Errorf("web form attachment = %+v", a)
	}
	if actions, _ := b.history(t, tk.ID); strings.Join(actions, " ") != "ticket.created ticket.attachment_added" {
		t.Errorf("history = %v", actions)
	}
	// The form's other fields and the file are validated together.
	n := tickets.NewPublicTicket{Name: "Lan", Email: "lan@example.vn", Message: "x", Attachment: &tickets.NewAttachment{Filename: "a.png", Data: exeFile}}
	err = n.Validate()
	wantField(t, err, "subject", "error_required")
	wantField(t, err, "attachment", "attachment_error_type")

	// A reply from the status page.
	if _, err := b.store.AddCustomerMessageWithAttachment(b.ctx, tk.ID, "Thêm một tệp.", &tickets.NewAttachment{Filename: "note.txt", Data: textFile}); err != nil {
		t.Fatal(err)
	}
	list, err := b.store.Attachments(b.ctx, tk.ID, false)
	if err != nil || len(list) != 2 || list[1].ContentType != "text/plain" || !list[1].UploadedByCustomer {
		t.Fatalf("attachments = %+v, %v", list, err)
	}
	msgs, _ := b.store.Messages(b.ctx, tk.ID, false)
	byMsg := tickets.AttachmentsByMessage(list)
	if len(msgs) != 2 || len(byMsg[msgs[0].ID]) != 1 || len(byMsg[msgs[1].ID]) != 1 || byMsg[msgs[1].ID][0].Filename != "note.txt" {
		t.Errorf("attachments by message = %+v (messages %+v)", byMsg, msgs)
	}
	// The plain variant still works and attaches nothing.
	if _, err := b.store.AddCustomerMessage(b.ctx, tk.ID, "Không có tệp."); err != nil {
		t.Fatal(err)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "attachments"); n != 2 {
		t.Errorf("%d attachments, want 2", n)
	}

	// A reply to a closed ticket opens a follow-up, and the file goes with it.
	ticketstest.Move(b.ctx, t, b.store, b.sup, tk.ID, tickets.StatusSolved, tickets.StatusClosed)
	target, err := b.store.AddCustomerMessageWithAttachment(b.ctx, tk.ID, "Vẫn hỏng.", &tickets.NewAttachment{Filename: "again.png", Data: pngFile})
	if err != nil || target == tk.ID {
		t.Fatalf("follow-up = %d, %v", target, err)
	}
	if a := b.onlyAttachment(t, target); a.Filename != "again.png" || !a.UploadedByCustomer {
		t.Errorf("follow-up attachment = %+v", a)
	}

	// A refused file refuses the reply, with the message.
	_, err = b.store.AddCustomerMessageWithAttachment(b.ctx, target, "", &tickets.NewAttachment{Filename: "big.txt", Data: bytes.Repeat([]byte("a"), tickets.MaxAttachmentSize+1)})
	wantField(t, err, "message", "error_required")
	wantField(t, err, "attachment", "attachment_error_too_large")
}

func TestMergeMovesAttachments(t *testing.T) {
	b := setup(t)
	dup := b.create(t, b.repA, tickets.NewTicket{})
	surv := b.create(t, b.repA, tickets.NewTicket{CustomerID: dup.Customer.ID})
	if _, err := b.store.AddReply(b.ctx, b.repA, dup.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "Photo.", Attachment: &tickets.NewAttachment{Filename: "p.png", Data: pngFile},
	}); err != nil {
		t.Fatal(err)
	}
	a := b.onlyAttachment(t, dup.ID)
	if err := b.store.Merge(b.ctx, b.repA, dup.ID, surv.ID); err != nil {
		t.Fatal(err)
	}
	if moved := b.onlyAttachment(t, surv.ID); moved.ID != a.ID {
		t.Errorf("after merge: %+v, want attachment %d", moved, a.ID)
	}
	if list, _ := b.store.Attachments(b.ctx, dup.ID, true); len(list) != 0 {
		t.Errorf("the duplicate still lists %+v", list)
	}
}

func TestAddAttachmentTxChecksTheMessage(t *testing.T) {
	b := setup(t)
	one := b.create(t, b.repA, tickets.NewTicket{})
	two := b.create(t, b.repA, tickets.NewTicket{})
	msgs, _ := b.store.Messages(b.ctx, two.ID, true)
	tx, err := b.db.Begin(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(b.ctx)
	if _, err := b.store.AddAttachmentTx(b.ctx, tx, one.ID, msgs[0].ID, b.repA.UserID, tickets.NewAttachment{Filename: "a.png", Data: pngFile}); err == nil {
		t.Error("attached a file to another ticket's message")
	}
}
