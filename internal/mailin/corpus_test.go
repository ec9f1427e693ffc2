package mailin

import (
	"bytes"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestCorpusThroughSMTP files real-world mails (testdata/corpus/*.eml, in
// the styles of Gmail, Outlook and Apple Mail, in Windows-1258,
// ISO-8859-1 and UTF-8, HTML-only, a calendar invite, a forwarded chain, a
// delivery report, an out-of-office reply, hostile HTML and a phish that
// failed DMARC) through the real SMTP listener, in order, and checks where
// each went and that its text was decoded right.
func TestCorpusThroughSMTP(t *testing.T) {
	b := setup(t)
	b.withSpam(0)
	addr := startServer(t, b)
	read := func(name string) []byte {
		raw, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// send delivers raw as an MX would: envelope sender from its From (the
	// null sender for a report).
	send := func(t *testing.T, name string, raw []byte) {
		t.Helper()
		from := ""
		if !strings.HasPrefix(name, "dsn") {
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// The envelope sender is the bare address (a name in a charset
			// net/mail lacks does not matter here).
			h := msg.Header.Get("From")
			if i, j := strings.LastIndex(h, "<"), strings.LastIndex(h, ">"); i >= 0 && j > i {
				h = h[i+1 : j]
			}
			from = strings.TrimSpace(h)
		}
		if err := smtp.SendMail(addr, nil, from, []string{deskAddress}, raw); err != nil {
			t.Fatalf("%s: send: %v", name, err)
		}
	}
	// filed returns the ticket the mail with messageID went to (0: none).
	filed := func(messageID string) int64 {
		var id int64
		_ = b.db.QueryRow(b.ctx, `SELECT coalesce(ticket_id, 0) FROM mail_in WHERE message_id = $1`, messageID).Scan(&id)
		return id
	}
	lastMessage := func(id int64) tickets.Message {
		msgs, err := b.store.Messages(b.ctx, id, true)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("messages of %d: %v", id, err)
		}
		return msgs[len(msgs)-1]
	}
	nfc := func(s string) string { return norm.NFC.String(s) }

	type want struct {
		subject, name, locale, body string // a new ticket's; "" to skip
	}
	var gmailTicket int64
	for _, c := range []struct {
		file, messageID string
		ticket          *want // a new ticket
		check           func(t *testing.T, id int64)
	}{
		{file: "gmail_new.eml", messageID: "CAKx9Q2p+1rT5bqZ=8yGm0v1J@mail.gmail.com",
			ticket: &want{"Kettle stopped working after a week", "Aino Virtanen", "en",
				"Hello,\n\nThe kettle I bought (order 4411) stopped heating after a week. The light comes on but nothing happens.\n\nThanks,\nAino"},
			check: func(t *testing.T, id int64) {
				gmailTicket = id
				if m := lastMessage(id); !m.HasHTML || m.RemoteImages {
					t.Errorf("message = %+v", m)
				}
				// The desk's confirmation went out with a Message-ID; the
				// customer's reply below answers it.
				if _, err := b.db.Exec(b.ctx, `UPDATE outbox SET message_id = 'a1b2c3d4e5f6a7b8c9d0e1f2', status = 'sent' WHERE ticket_id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}},
		{file: "gmail_reply.eml", messageID: "CAKx9Q2r+7hYtq=Lm4@mail.gmail.com",
			check: func(t *testing.T, id int64) {
				if id != gmailTicket {
					t.Fatalf("the reply with an edited subject went to #%d, want #%d", id, gmailTicket)
				}
				if m := lastMessage(id); m.Body != "The serial number is KT-2026-0042." || !m.FromCustomer {
					t.Errorf("reply = %+v", m)
				}
			}},
		{file: "outlook_new.eml", messageID: "AM9PR07MB7201C3B0D2A4E5F6A7B8C9D0E1F2A@AM9PR07MB7201.eurprd07.prod.outlook.example",
			ticket: &want{"Double charge on invoice INV-889", "Matti Korhonen", "en",
				"Hi,\n\nOur invoice INV-889 was charged twice. Please refund one of the payments.\n\nBest regards\nMatti Korhonen\nAcme Oy"},
			check: func(t *testing.T, id int64) {
				h, err := b.store.MessageHTML(b.ctx, id, lastMessage(id).ID)
				if err != nil || strings.Contains(h.HTML, "MsoNormal {") || !strings.Contains(h.HTML, "INV-889") {
					t.Errorf("html = %q, %v", h.HTML, err)
				}
			}},
		{file: "apple_mail.eml", messageID: "8E4C2A1B-7D6F-4B3A-9C8E-0F1A2B3C4D5E@icloud.example",
			// format=flowed: the soft line break is undone.
			ticket: &want{"Scratch on the lid", "Sanna Lind", "en", "The lid arrived with a scratch, see the photo. Can you send a new one?\n\nSanna"},
			check: func(t *testing.T, id int64) {
				m := lastMessage(id)
				h, err := b.store.MessageHTML(b.ctx, id, m.ID)
				files, _ := b.store.Attachments(b.ctx, id, true)
				if err != nil || len(files) != 1 || files[0].Filename != "lid.png" || h.CIDs["F3C2B1A0-9E8D-4C7B-A6F5-E4D3C2B1A0F9"] != files[0].ID {
					t.Errorf("inline image: html %+v, files %+v, %v", h, files, err)
				}
			}},
		{file: "vietnamese_windows1258.eml", messageID: "vn-1258-0001@example.vn",
			ticket: &want{nfc("Đơn hàng bị trễ"), nfc("Nguyễn Văn An"), "vi",
				nfc("Xin chào, đơn hàng số 4411 của tôi bị trễ một tuần. Tôi muốn được hoàn tiền.")}},
		{file: "finnish_iso88591.eml", messageID: "fi-8859-0001@example.fi",
			ticket: &want{"Tilaus myöhässä", "Äijä Öhman", "fi",
				"Hyvää päivää,\n\ntilaukseni 7788 on myöhässä jo kaksi viikkoa. Voitteko tarkistaa, missä paketti on?\n\nTerveisin\nÄijä Öhman"}},
		{file: "hindi_utf8.eml", messageID: "hi-utf8-0001@example.in",
			ticket: &want{"ऑर्डर नहीं पहुँचा", "प्रिया शर्मा", "hi",
				"नमस्ते,\n\nमेरा ऑर्डर 5521 अभी तक नहीं पहुँचा है। कृपया जाँच करें।\n\nधन्यवाद,\nप्रिया शर्मा"}},
		{file: "html_only.eml", messageID: "html-only-0001@shop-client.example",
			ticket: &want{"Question about my subscription", "Shop Customer", "en", ""},
			check: func(t *testing.T, id int64) {
				m := lastMessage(id)
				if !m.HasHTML || !m.RemoteImages || !strings.Contains(m.Body, "Why was I charged *twice* this month?") {
					t.Errorf("message = %+v", m)
				}
				h, _ := b.store.MessageHTML(b.ctx, id, m.ID)
				shown, _ := RenderHTML(h.HTML, nil, false)
				if !strings.Contains(shown, "<table") || !strings.Contains(shown, "<li>Plan: Premium</li>") || strings.Contains(shown, "track.shop-client") {
					t.Errorf("shown html = %s", shown)
				}
			}},
		{file: "calendar_invite.eml", messageID: "0000000000008a7b6c5d4e3f2a10@google.example",
			ticket: &want{"Invitation: Call about the kettle return @ Thu Dec 10, 2026 11am - 11:30am (EET)", "Aino Virtanen", "en",
				"You have been invited to the following event.\n\nCall about the kettle return\nWhen: Thursday Dec 10, 2026 11am – 11:30am (EET)"},
			check: func(t *testing.T, id int64) {
				if !containsAction(b.actions(t, id), "ticket.email_attachment_skipped") {
					t.Error("the .ics file was not noted as skipped")
				}
			}},
		{file: "forwarded_chain.eml", messageID: "CAKx9Q2fwd0001@mail.gmail.com",
			check: func(t *testing.T, id int64) {
				// Aino's second new subject: a ticket of its own, with the
				// forwarded mail kept (it is the point of the mail).
				if id == gmailTicket || id == 0 {
					t.Fatalf("forwarded mail went to #%d", id)
				}
				if m := lastMessage(id); !strings.Contains(m.Body, "This says shipped") || !strings.Contains(m.Body, "JJFI123456789") {
					t.Errorf("body = %q", m.Body)
				}
			}},
		{file: "hostile_html.eml", messageID: "hostile-0001@evil.example",
			ticket: &want{"Invoice attached", "Mallory", "en", ""},
			check: func(t *testing.T, id int64) {
				h, err := b.store.MessageHTML(b.ctx, id, lastMessage(id).ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"script", "onload", "onerror", "javascript", "url(", "<form", "<iframe", "<object", "<svg", "<meta", "<base", "<link", "<style"} {
					if strings.Contains(strings.ToLower(h.HTML), bad) {
						t.Errorf("stored HTML keeps %q: %s", bad, h.HTML)
					}
				}
			}},
	} {
		t.Run(c.file, func(t *testing.T) {
			send(t, c.file, read(c.file))
			id := filed(c.messageID)
			if id == 0 {
				t.Fatalf("not filed")
			}
			if w := c.ticket; w != nil {
				tk := b.ticket(t, id)
				if tk.Channel != "email" || tk.Subject != w.subject || tk.Customer.Name != w.name || tk.Customer.Locale != w.locale {
					t.Errorf("ticket: subject %q, name %q, locale %q; want %q, %q, %q", tk.Subject, tk.Customer.Name, tk.Customer.Locale, w.subject, w.name, w.locale)
				}
				if w.body != "" {
					if got := b.bodies(t, id); len(got) != 1 || got[0] != w.body {
						t.Errorf("body = %q\nwant %q", got, w.body)
					}
				}
			}
			if c.check != nil {
				c.check(t, id)
			}
		})
	}
	tickets0 := b.count(t)

	t.Run("auto_reply.eml", func(t *testing.T) {
		send(t, "auto_reply.eml", read("auto_reply.eml"))
		if filed("oof-0001@corp.example") != 0 || b.count(t) != tickets0 {
			t.Error("an out-of-office reply was filed")
		}
	})
	t.Run("dmarc_fail.eml", func(t *testing.T) {
		send(t, "dmarc_fail.eml", read("dmarc_fail.eml"))
		if filed("phish-0001@evil.example") != 0 || b.count(t) != tickets0 {
			t.Error("a mail that failed DMARC was filed")
		}
		var reason, dmarc string
		if err := b.db.QueryRow(b.ctx, `SELECT reason, dmarc FROM mail_spam WHERE message_id = 'phish-0001@evil.example'`).Scan(&reason, &dmarc); err != nil ||
			reason != ReasonDMARC || dmarc != "fail" {
			t.Errorf("held: %q %q %v", reason, dmarc, err)
		}
	})
	t.Run("dsn_postfix.eml", func(t *testing.T) {
		raw := read("dsn_postfix.eml")
		raw = bytes.ReplaceAll(raw, []byte("OUTBOXID"), []byte("a1b2c3d4e5f6a7b8c9d0e1f2"))
		raw = bytes.ReplaceAll(raw, []byte("gone.customer@example.net"), []byte("aino.virtanen@gmail.example"))
		send(t, "dsn_postfix.eml", raw)
		if b.count(t) != tickets0 {
			t.Error("a delivery report opened a ticket")
		}
		c := b.ticket(t, gmailTicket).Customer
		if c.BouncedAt == nil || c.BounceStatus != "5.1.1" {
			t.Errorf("customer after the report: %+v", c)
		}
		if !containsAction(b.actions(t, gmailTicket), "ticket.mail_bounced") {
			t.Error("no bounce event on the ticket")
		}
	})
}

func containsAction(actions []string, want string) bool {
	for _, a := range actions {
		if a == want {
			return true
		}
	}
	return false
}
