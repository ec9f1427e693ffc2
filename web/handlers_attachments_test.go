package web

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Files for uploads, by their first bytes.
var (
	testPNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	testPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	testEXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 64)...)
)

// upload is one file part of a multipart form.
type upload struct {
	name        string
	contentType string // what the client claims; the server ignores it
	data        []byte
}

// postMultipart submits form and, unless file is nil, the file as field
// "attachment", as a same-origin browser would.
func (e *env) postMultipart(c *http.Client, path string, form url.Values, file *upload) *response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="attachment"; filename="`+strings.ReplaceAll(file.name, `"`, `\"`)+`"`)
		h.Set("Content-Type", file.contentType)
		pw, err := mw.CreatePart(h)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := pw.Write(file.data); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

var attachmentLinkRe = regexp.MustCompile(`href="([^"]*/attachments/(\d+))"`)

// attachmentLinks returns the download links of a page, in order.
func attachmentLinks(body string) []string {
	var out []string
	for _, m := range attachmentLinkRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// wantDownload fetches path and checks it is the file, served as a download.
func wantDownload(t *testing.T, e *env, c *http.Client, path, contentType, disposition string, data []byte) {
	t.Helper()
	res := e.get(c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, res.StatusCode, res.Body)
	}
	for k, want := range map[string]string{
		"Content-Type":            contentType,
		"Content-Disposition":     disposition,
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "private, no-store",
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Content-Length":          strconv.Itoa(len(data)),
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
		}
	}
	if res.Body != string(data) {
		t.Errorf("GET %s: body of %d bytes, want the %d uploaded", path, len(res.Body), len(data))
	}
}

func TestAttachmentOnTheWebFormAndStatusPage(t *testing.T) {
	e := setup(t)
	c := e.client()
	form := helpForm()
	form.Set("locale", "en")
	res := e.postMultipart(c, "/help", form, &upload{name: `C:\Users\minh\Pictures\hộp bị móp.png`, contentType: "application/x-evil", data: testPNG})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /help with a file: status %d\n%s", res.StatusCode, res.Body)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/status/"), "?new=1")
	status := e.get(c, "/status/"+token)
	links := attachmentLinks(status.Body)
	if len(links) != 1 || !strings.HasPrefix(links[0], "/status/"+token+"/attachments/") {
		t.Fatalf("status page links = %v\n%s", links, status.Body)
	}
	wantHTML(t, status.Body, "hộp bị móp.png", `enctype="multipart/form-data"`, `type="file"`, `name="attachment"`, `<label for="f-attachment">`)
	wantDownload(t, e, c, links[0], "image/png", "attachment; filename*=UTF-8''h%E1%BB%99p%20b%E1%BB%8B%20m%C3%B3p.png", testPNG)

	// A reply with a text file; text is served as UTF-8 plain text.
	text := []byte("Tracking: 123\n<script>alert(1)</script>\n")
	res = e.postMultipart(c, "/status/"+token+"/reply", url.Values{"message": {"The courier's note."}}, &upload{name: "note.txt", contentType: "text/html", data: text})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply with a file: status %d\n%s", res.StatusCode, res.Body)
	}
	links = attachmentLinks(e.get(c, "/status/"+token).Body)
	if len(links) != 2 {
		t.Fatalf("status page links = %v", links)
	}
	wantDownload(t, e, c, links[1], "text/plain; charset=utf-8", "attachment; filename*=UTF-8''note.txt", text)

	// Staff see both files on the ticket page and download them there.
	tk, err := e.tickets.TicketByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	rep := e.login(staff.RoleRep)
	page := e.get(rep, "/tickets/"+strconv.FormatInt(tk.ID, 10))
	staffLinks := attachmentLinks(page.Body)
	if len(staffLinks) != 2 || !strings.HasPrefix(staffLinks[0], "/tickets/"+strconv.FormatInt(tk.ID, 10)+"/attachments/") {
		t.Fatalf("ticket page links = %v", staffLinks)
	}
	wantDownload(t, e, rep, staffLinks[0], "image/png", "attachment; filename*=UTF-8''h%E1%BB%99p%20b%E1%BB%8B%20m%C3%B3p.png", testPNG)

	// The JSON API lists the files on their messages and downloads them with the token.
	token2 := e.apiToken(staff.RoleRep)
	res2 := e.api(token2, http.MethodGet, "/api/v1/tickets/"+strconv.FormatInt(tk.ID, 10), nil)
	var detail apiTicketDetail
	if err := json.Unmarshal([]byte(res2.Body), &detail); err != nil {
		t.Fatalf("API ticket: %v\n%s", err, res2.Body)
	}
	var files []apiAttachment
	for _, m := range detail.Messages {
		if m.Attachments == nil {
			t.Errorf("message %d: attachments is null, want a list", m.ID)
		}
		files = append(files, m.Attachments...)
	}
	if len(files) != 2 || files[0].Filename != "hộp bị móp.png" || files[0].ContentType != "image/png" || files[0].Size != int64(len(testPNG)) ||
		files[1].Filename != "note.txt" {
		t.Fatalf("API attachments = %+v", files)
	}
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+files[1].URL, nil)
	req.Header.Set("Authorization", "Bearer "+token2)
	dl := e.do(http.DefaultClient, req)
	if dl.StatusCode != http.StatusOK || dl.Body != string(text) || dl.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("API download: status %d, headers %v", dl.StatusCode, dl.Header)
	}
	if other := e.api(token2, http.MethodGet, "/api/v1/tickets/"+strconv.FormatInt(tk.ID, 10)+"/attachments/999999", nil); other.StatusCode != http.StatusNotFound {
		t.Errorf("API download of no such file: status %d", other.StatusCode)
	}
}

func TestRefusedUploadKeepsTheForm(t *testing.T) {
	e := setup(t)
	c := e.client()
	en := e.srv.cat.Localizer("en")
	for _, tc := range []struct {
		name string
		file upload
		want string
	}{
		{"exe renamed png", upload{"invoice.png", "image/png", testEXE}, "attachment_error_type"},
		{"10 MiB + 1", upload{"big.txt", "text/plain", bytes.Repeat([]byte("a"), tickets.MaxAttachmentSize+1)}, "attachment_error_too_large"},
		{"png named pdf", upload{"scan.pdf", "application/pdf", testPNG}, "attachment_error_mismatch"},
		{"empty file", upload{"empty.txt", "text/plain", nil}, "attachment_error_empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := helpForm()
			form.Set("locale", "en")
			res := e.postMultipart(c, "/help", form, &tc.file)
			wantCode(t, res, http.StatusUnprocessableEntity)
			wantHTML(t, res.Body, form.Get("name"), form.Get("subject"), form.Get("message"), form.Get("email"),
				en.T(tc.want), `id="f-attachment" name="attachment" type="file"`, `aria-invalid="true" aria-describedby="f-attachment-hint f-attachment-error"`)
		})
	}
	// A good file with another field wrong: the form asks for the file again.
	form := helpForm()
	form.Set("locale", "en")
	form.Set("subject", "")
	res := e.postMultipart(c, "/help", form, &upload{"photo.png", "image/png", testPNG})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, form.Get("message"), en.T("attachment_error_choose_again"), en.T("error_required"))
	if n := e.countTickets(); n != 0 {
		t.Fatalf("%d tickets created from refused forms", n)
	}

	// The status page reply keeps the message.
	token := e.submitHelp(c, helpForm())
	res = e.postMultipart(c, "/status/"+token+"/reply", url.Values{"message": {"Ảnh chụp gói hàng."}}, &upload{"photo.png", "image/png", testEXE})
	wantCode(t, res, http.StatusUnprocessableEntity)
	vi := e.srv.cat.Localizer("vi") // the customer's language
	wantHTML(t, res.Body, "Ảnh chụp gói hàng.", vi.T("attachment_error_type"))

	// So does the rep's reply box (the rep reads Finnish).
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(context.Background(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Aino", Subject: "Lasku", Body: "Lasku on väärin.", Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := e.login(staff.RoleRep)
	res = e.postMultipart(rc, "/tickets/"+strconv.FormatInt(tk.ID, 10)+"/replies",
		url.Values{"kind": {"internal"}, "body": {"Asiakkaan kuitti liitteenä."}}, &upload{"kuitti.gif", "image/gif", testEXE})
	wantCode(t, res, http.StatusUnprocessableEntity)
	fi := e.srv.cat.Localizer("fi")
	wantHTML(t, res.Body, "Asiakkaan kuitti liitteenä.", fi.T("attachment_error_type"), `id="kind-internal" name="kind" value="internal" checked`)
}

func TestTooLargeBodyIsRefusedWith413(t *testing.T) {
	e := setup(t)
	c := e.client()
	res := e.postMultipart(c, "/help", helpForm(), &upload{"huge.txt", "text/plain", bytes.Repeat([]byte("a"), maxUploadBody+1)})
	wantCode(t, res, http.StatusRequestEntityTooLarge)
	wantHTML(t, res.Body, e.srv.cat.Localizer("en").T("attachment_error_body_too_large"))
	if n := e.countTickets(); n != 0 {
		t.Fatalf("%d tickets created", n)
	}
}

func TestAttachmentAuthorization(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := e.client()

	// Two customers' tickets, each with a file; the first also has a file on an internal note.
	form := helpForm()
	tokenA := func() string {
		res := e.postMultipart(c, "/help", form, &upload{"a.png", "image/png", testPNG})
		wantCode(t, res, http.StatusSeeOther)
		return strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/status/"), "?new=1")
	}()
	form.Set("email", "someone.else@example.com")
	tokenB := func() string {
		res := e.postMultipart(c, "/help", form, &upload{"b.pdf", "application/pdf", testPDF})
		wantCode(t, res, http.StatusSeeOther)
		return strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/status/"), "?new=1")
	}()
	tkA, _ := e.tickets.TicketByToken(ctx, tokenA)
	tkB, _ := e.tickets.TicketByToken(ctx, tokenB)
	rc := e.login(staff.RoleRep)
	res := e.postMultipart(rc, "/tickets/"+strconv.FormatInt(tkA.ID, 10)+"/replies",
		url.Values{"kind": {"internal"}, "body": {"Courier's photo, not for the customer."}}, &upload{"courier.pdf", "application/pdf", testPDF})
	wantCode(t, res, http.StatusSeeOther)
	list, err := e.tickets.Attachments(ctx, tkA.ID, true)
	if err != nil || len(list) != 2 || !list[1].Internal {
		t.Fatalf("attachments of A = %+v, %v", list, err)
	}
	publicA, internalA := list[0].ID, list[1].ID
	listB, _ := e.tickets.Attachments(ctx, tkB.ID, true)
	publicB := listB[0].ID
	statusURL := func(token string, id int64) string {
		return "/status/" + token + "/attachments/" + strconv.FormatInt(id, 10)
	}
	ticketURL := func(tk tickets.Ticket, id int64) string {
		return "/tickets/" + strconv.FormatInt(tk.ID, 10) + "/attachments/" + strconv.FormatInt(id, 10)
	}

	// The customer: their own public files only.
	wantCode(t, e.get(c, statusURL(tokenA, publicA)), http.StatusOK)
	wantCode(t, e.get(c, statusURL(tokenA, internalA)), http.StatusNotFound) // on an internal note
	wantCode(t, e.get(c, statusURL(tokenA, publicB)), http.StatusNotFound)   // another ticket's file
	wantCode(t, e.get(c, statusURL(tokenB, publicA)), http.StatusNotFound)   // a token for another ticket
	wantCode(t, e.get(c, statusURL("not-a-real-token-0123456789", publicA)), http.StatusNotFound)
	wantCode(t, e.get(c, "/status/"+tokenA+"/attachments/x"), http.StatusNotFound)
	if page := e.get(c, "/status/"+tokenA); strings.Contains(page.Body, "courier.pdf") || len(attachmentLinks(page.Body)) != 1 {
		t.Errorf("the status page shows %v", attachmentLinks(page.Body))
	}

	// Staff of the ticket's team see everything on it, notes' files included.
	wantCode(t, e.get(rc, ticketURL(tkA, internalA)), http.StatusOK)
	wantCode(t, e.get(rc, ticketURL(tkA, publicB)), http.StatusNotFound) // B's file under A's id
	if page := e.get(rc, "/tickets/"+strconv.FormatInt(tkA.ID, 10)); len(attachmentLinks(page.Body)) != 2 {
		t.Errorf("the ticket page shows %v", attachmentLinks(page.Body))
	}

	// A rep of another team: not found, as the ticket itself.
	other, err := e.staff.Create(ctx, 0, staff.NewUser{Email: "billing.rep@example.com", Name: "Billing Rep", Role: staff.RoleRep,
		Team: "Billing", Locale: "en", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	oc := e.client()
	wantCode(t, e.post(oc, "/login", url.Values{"email": {other.Email}, "password": {testPassword}}), http.StatusSeeOther)
	wantCode(t, e.get(oc, "/tickets/"+strconv.FormatInt(tkA.ID, 10)), http.StatusNotFound)
	wantCode(t, e.get(oc, ticketURL(tkA, publicA)), http.StatusNotFound)
	wantCode(t, e.get(oc, ticketURL(tkA, internalA)), http.StatusNotFound)
	// Anonymous visitors go to the login page.
	if res := e.get(e.client(), ticketURL(tkA, publicA)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous download: status %d", res.StatusCode)
	}
}

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"report.pdf":            "attachment; filename*=UTF-8''report.pdf",
		"my file (1).png":       "attachment; filename*=UTF-8''my%20file%20%281%29.png",
		`a"b;c=d\e'f%g.txt`:     "attachment; filename*=UTF-8''a%22b%3Bc%3Dd%5Ce%27f%25g.txt",
		"line\r\nX-Evil: 1.txt": "attachment; filename*=UTF-8''line%0D%0AX-Evil%3A%201.txt",
		"kuitti-ä.pdf":          "attachment; filename*=UTF-8''kuitti-%C3%A4.pdf",
		"रसीद.pdf":              "attachment; filename*=UTF-8''%E0%A4%B0%E0%A4%B8%E0%A5%80%E0%A4%A6.pdf",
	} {
		if got := contentDisposition(name); got != want {
			t.Errorf("contentDisposition(%q) = %q, want %q", name, got, want)
		}
	}
}
