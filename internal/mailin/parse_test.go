package mailin

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// eml joins header and body lines into a raw message with CRLF line ends.
func eml(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// b64 wraps data as a base64 body at 76 characters a line.
func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var out []string
	for len(s) > 76 {
		out, s = append(out, s[:76]), s[76:]
	}
	return strings.Join(append(out, s), "\r\n")
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		raw  []byte
		want Message
		// wantFiles are the kept files' names; Skipped is compared from want.
		wantFiles []string
	}{
		{
			name: "plain",
			raw: eml("From: Ben Lee <ben@example.com>", "To: help@desk.example", "Subject: Broken kettle",
				"Message-ID: <k1@example.com>", "Content-Type: text/plain; charset=utf-8", "", "It leaks.", "", "Ben"),
			want: Message{MessageID: "k1@example.com", FromName: "Ben Lee", FromEmail: "ben@example.com",
				Subject: "Broken kettle", Body: "It leaks.\n\nBen", Locale: "en"},
		},
		{
			name: "HTML only becomes plain text; the HTML is kept sanitised",
			raw: eml("From: ann@example.com", "Subject: Hi", "Message-ID: <h1@example.com>",
				"Content-Type: text/html; charset=utf-8", "",
				`<html><body><p>Hello <b>desk</b>,</p><script>alert(1)</script><p>my order <a href="https://shop.example/o/7">#7</a> is late.</p></body></html>`),
			want: Message{MessageID: "h1@example.com", FromEmail: "ann@example.com", Subject: "Hi", Locale: "en",
				// enmime's html2text: emphasis as *...*, links as text (URL); scripts dropped.
				Body: "Hello *desk* ,\n\nmy order #7 ( https://shop.example/o/7 ) is late.",
				HTML: `<p>Hello <b>desk</b>,</p><p>my order <a href="https://shop.example/o/7" rel="nofollow noreferrer noopener" target="_blank">#7</a> is late.</p>`},
		},
		{
			name: "multipart with an allowed and a disallowed attachment",
			raw: eml("From: Cai <cai@example.com>", "Subject: Receipt", "Message-ID: <m1@example.com>",
				"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b1"`, "",
				"--b1", "Content-Type: text/plain; charset=utf-8", "", "Photo attached.",
				"--b1", "Content-Type: image/png", `Content-Disposition: attachment; filename="kettle.png"`,
				"Content-Transfer-Encoding: base64", "", b64(pngBytes),
				"--b1", "Content-Type: application/octet-stream", `Content-Disposition: attachment; filename="setup.exe"`,
				"Content-Transfer-Encoding: base64", "", b64([]byte("MZ\x90\x00\x03\x00\x00\x00binary")),
				"--b1--"),
			want: Message{MessageID: "m1@example.com", FromName: "Cai", FromEmail: "cai@example.com", Subject: "Receipt",
				Body: "Photo attached.", Locale: "en", Skipped: []string{"setup.exe"}},
			wantFiles: []string{"kettle.png"},
		},
		{
			name: "Vietnamese subject in a B encoded-word",
			raw: eml("From: =?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <an@example.vn>", "Subject: =?UTF-8?B?xJDGoW4gaMOgbmcgY+G7p2EgdMO0aSBi4buLIHRy4buF?=",
				"Message-ID: <v1@example.vn>", "Content-Type: text/plain; charset=utf-8", "", "Xin chào, đơn hàng bị trễ."),
			want: Message{MessageID: "v1@example.vn", FromName: "Nguyễn Văn An", FromEmail: "an@example.vn",
				Subject: "Đơn hàng của tôi bị trễ", Body: "Xin chào, đơn hàng bị trễ.", Locale: "vi"},
		},
		{
			name: "Finnish subject in a Q encoded-word, ISO-8859-1 body, reply to a tagged ticket",
			raw: eml("From: Aino <aino@example.fi>", "Subject: =?ISO-8859-1?Q?VS:_[#42]_Tilaus_my=F6h=E4ss=E4?=",
				"Message-ID: <f1@example.fi>", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable",
				"", "Kiitos, odotan viel=E4."),
			want: Message{MessageID: "f1@example.fi", FromName: "Aino", FromEmail: "aino@example.fi", TicketNumber: 42,
				Subject: "Tilaus myöhässä", Body: "Kiitos, odotan vielä.", Locale: "fi"},
		},
		{
			name: "Hindi subject split over two encoded-words",
			raw: eml("From: Priya <priya@example.in>", "Subject: =?UTF-8?B?4KSu4KWH4KSw4KS+IOCkkeCksOCljeCkoeCksA==?=",
				" =?UTF-8?B?IOCkqOCkueClgOCkgiDgpIbgpK/gpL4=?=", "Message-ID: <i1@example.in>",
				"Content-Type: text/plain; charset=utf-8", "", "कृपया मदद करें।"),
			want: Message{MessageID: "i1@example.in", FromName: "Priya", FromEmail: "priya@example.in",
				Subject: "मेरा ऑर्डर नहीं आया", Body: "कृपया मदद करें।", Locale: "hi"},
		},
		{
			name: "quoted tail stripped, Gmail attribution over two lines",
			raw: eml("From: ben@example.com", "Subject: Re: [#7] New reply to your request: Kettle", "Message-ID: <q1@example.com>",
				"Content-Type: text/plain; charset=utf-8", "",
				"Yes, that fixed it.", "", "On Mon, 6 Jan 2030 at 10:00, Loopdesk <help@desk.example>", "wrote:",
				"> Please try descaling it.", "> ", "> Loopdesk"),
			want: Message{MessageID: "q1@example.com", FromEmail: "ben@example.com", TicketNumber: 7,
				Subject: "New reply to your request: Kettle", Body: "Yes, that fixed it.", Locale: "en"},
		},
		{
			name: "auto-reply and no Message-ID",
			raw: eml("From: ben@example.com", "Subject: Out of office", "Auto-Submitted: auto-replied",
				"Content-Type: text/plain", "", "I am away."),
			want: Message{FromEmail: "ben@example.com", Subject: "Out of office", Body: "I am away.", Locale: "en",
				Auto: "auto-submitted"},
		},
		{
			name: "list mail",
			raw:  eml("From: news@shop.example", "Subject: Sale", "Precedence: bulk", "Message-ID: <l1@shop.example>", "", "50% off"),
			want: Message{MessageID: "l1@shop.example", FromEmail: "news@shop.example", Subject: "Sale", Body: "50% off",
				Locale: "en", Auto: "precedence"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.want.MessageID == "" {
				if !strings.HasPrefix(got.MessageID, "sha256:") || len(got.MessageID) != 7+64 {
					t.Errorf("MessageID = %q, want a sha256 of the raw mail", got.MessageID)
				}
				c.want.MessageID = got.MessageID
			}
			var files []string
			for _, a := range got.Attachments {
				files = append(files, a.Filename)
			}
			if strings.Join(files, ",") != strings.Join(c.wantFiles, ",") {
				t.Errorf("attachments = %v, want %v", files, c.wantFiles)
			}
			got.Attachments = nil
			if strings.Join(got.Skipped, ",") != strings.Join(c.want.Skipped, ",") {
				t.Errorf("skipped = %v, want %v", got.Skipped, c.want.Skipped)
			}
			got.Skipped, c.want.Skipped = nil, nil
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, c.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	if _, err := Parse(eml("Subject: who?", "", "no sender")); !errors.Is(err, ErrNoSender) || !Permanent(err) {
		t.Errorf("no From: err = %v, want permanent ErrNoSender", err)
	}
	big := make([]byte, MaxMessageBytes+1)
	if _, err := Parse(big); !errors.Is(err, ErrTooLarge) || !Permanent(err) {
		t.Errorf("too large: err = %v, want permanent ErrTooLarge", err)
	}
	if _, err := ReadMessage(strings.NewReader(string(big))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadMessage too large: err = %v", err)
	}
}

func TestStripQuoted(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Thanks!\n\nOn Tue, Jan 7, 2030 at 9:00 AM Desk <help@desk.example> wrote:\n> old", "Thanks!"},
		{"Kiitos!\n\nti 7.1.2030 klo 9.00 Desk <help@desk.example> kirjoitti:\n> vanha", "Kiitos!"},
		{"Cảm ơn!\n\nVào Th 3, 7 thg 1, 2030 Desk <help@desk.example> đã viết:\n> cũ", "Cảm ơn!"},
		{"धन्यवाद!\n\nमंगल, 7 जन॰ 2030 को Desk <help@desk.example> ने लिखा:\n> पुराना", "धन्यवाद!"},
		{"New text\r\n\r\n-----Original Message-----\r\nFrom: Desk\r\nold", "New text"},
		{"> a\nanswer a\n> b\nanswer b", "answer a\nanswer b"},
		// Only quotes: keep everything rather than lose the mail.
		{"> all quoted", "> all quoted"},
		// A sentence that merely mentions writing is not an attribution.
		{"My colleague wrote: it broke.\nPlease help.", "My colleague wrote: it broke.\nPlease help."},
	} {
		if got := StripQuoted(c.in); got != c.want {
			t.Errorf("StripQuoted(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
