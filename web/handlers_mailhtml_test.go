package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// tinyPNG is a real 2x2 image, so that a browser can draw it.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hostileMail is a customer's HTML mail that tries to run script, restyle
// the page and fetch from remote (the host given), with one inline image.
func hostileMail(t *testing.T, remote string) []byte {
	body := `<html><head><meta http-equiv="refresh" content="0;url=` + remote + `/refresh">
<link rel="stylesheet" href="` + remote + `/sheet.css"><style>body{background:url(` + remote + `/style.png)}</style>
<script>parent.document.title='pwned-script'</script></head>
<body onload="parent.document.title='pwned-onload'">
<h1>Order 4411</h1><table border="1"><tr><th>Item</th><th>Qty</th></tr><tr><td>Kettle</td><td>1</td></tr></table>
<ul><li>leaks</li><li>hums</li></ul>
<p><a href="javascript:parent.document.title='pwned-link'">click</a> <a href="https://shop.example/o/4411">Your order</a></p>
<img src="x" onerror="parent.document.title='pwned-onerror'">
<img id="pixel" src="` + remote + `/pixel.png" alt="tracking pixel">
<img id="logo" src="cid:logo@shop.example" alt="Shop logo">
<div style="background-image:url(` + remote + `/div.png)">styled</div>
<form action="` + remote + `/form"><input name="pw"><button>Send</button></form>
</body></html>`
	var b strings.Builder
	for _, l := range []string{"From: Hostile Customer <hostile@example.com>", "To: help@desk.example",
		"Subject: Order problem", "Message-ID: <hostile-" + strconv.Itoa(len(remote)) + "@example.com>", "MIME-Version: 1.0",
		`Content-Type: multipart/related; boundary="rel"`, "", "--rel", "Content-Type: text/html; charset=utf-8", "", body,
		"--rel", "Content-Type: image/png", "Content-ID: <logo@shop.example>", "Content-Transfer-Encoding: base64", "",
		base64.StdEncoding.EncodeToString(tinyPNG(t)), "--rel--", ""} {
		b.WriteString(l + "\r\n")
	}
	return []byte(b.String())
}

// fileMail files raw through the mail intake and returns its ticket.
func fileMail(t *testing.T, e *env, raw []byte) int64 {
	t.Helper()
	desk, err := mailin.New(e.tickets, []string{"help@desk.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := desk.Receive(context.Background(), raw)
	if err != nil || res.TicketID == 0 {
		t.Fatalf("file mail: %+v, %v", res, err)
	}
	return res.TicketID
}

// remoteHost counts the requests a page makes to a host outside the desk.
func remoteHost(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	png := tinyPNG(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestMessageHTMLFrameIsSandboxedAndStrict(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := fileMail(t, e, hostileMail(t, "https://evil.example"))
	rep := e.login(staff.RoleAdmin)
	page := e.get(rep, ticketURLOf(id))
	if page.StatusCode != 200 {
		t.Fatalf("ticket page: %d", page.StatusCode)
	}
	frame := regexpFind(t, page.Body, `<iframe src="(/tickets/\d+/messages/\d+/html)"`)
	if !strings.Contains(page.Body, `sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"`) ||
		strings.Contains(page.Body, "allow-scripts") {
		t.Errorf("the frame's sandbox is not as it should be")
	}
	for _, images := range []bool{false, true} {
		path := frame
		if images {
			path += "?images=1"
		}
		res := e.get(rep, path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "form-action 'none'", "sandbox allow-same-origin allow-popups"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "script-src") || strings.Contains(csp, "allow-scripts") {
			t.Errorf("%s: CSP allows scripts: %q", path, csp)
		}
		if remote := strings.Contains(csp, "https:"); remote != images {
			t.Errorf("%s: CSP %q: remote images allowed = %v", path, csp, remote)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("%s: headers %v", path, res.Header)
		}
		for _, bad := range []string{"<script", "onload", "onerror", "javascript:", "url(", "<form", "<meta http-equiv", "<link"} {
			if strings.Contains(res.Body, bad) {
				t.Errorf("%s: served %q", path, bad)
			}
		}
		if strings.Contains(res.Body, "evil.example/pixel.png") != images {
			t.Errorf("%s: remote image present = %v", path, !images)
		}
		if !regexpMatch(`<img id="logo" src="/tickets/\d+/attachments/\d+" alt="Shop logo">`, res.Body) {
			t.Errorf("%s: the cid: image is not the ticket's attachment:\n%s", path, res.Body)
		}
	}
	// Someone who may not see the ticket gets no HTML either.
	other := fileMail(t, e, bytes.ReplaceAll(hostileMail(t, "https://evil.example"), []byte("hostile-"), []byte("other-")))
	if res := e.get(e.client(), frame); res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %d", res.StatusCode)
	}
	if res := e.get(rep, strings.Replace(frame, ticketURLOf(id), ticketURLOf(other), 1)); res.StatusCode != 404 {
		t.Errorf("a message through another ticket: %d", res.StatusCode)
	}
}

// TestBrowserHostileHTMLMail opens a hostile HTML mail in Chromium: nothing
// in it runs, nothing is fetched from the remote host until "Show images",
// the inline image shows from the ticket's attachment.
func TestBrowserHostileHTMLMail(t *testing.T) {
	e := setup(t)
	remote, hits := remoteHost(t)
	id := fileMail(t, e, hostileMail(t, remote.URL))
	ctx := browserLogin(t, e, e.users[staff.RoleAdmin])
	en := e.srv.cat.Localizer("en")
	// The frame is found afresh on every poll and scrolled to there: the
	// live desk may replace the thread (and its frame) just after the page
	// loaded, when it hears of the filing late.
	frameLoaded := `(() => { const f = document.querySelector('.mail-html iframe'); if (f) f.scrollIntoView(); const d = f && f.contentDocument;
		return !!d && d.readyState === 'complete' && d.location.href.includes('/html') && !!d.getElementById('logo') && d.getElementById('logo').complete; })()`
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+ticketURLOf(id)),
		chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](frameLoaded, chromedp.WithPollingTimeout(0))(ctx, tg)
			return chromedp.Void{}, err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		Title     string `json:"title"`
		LogoWidth int    `json:"logo"`
		Pixel     bool   `json:"pixel"`
		Text      string `json:"text"`
	}
	// read waits for a loaded frame again and reads it in the same step, so
	// a frame replaced in between is never read half-loaded.
	read := func() state {
		s, err := chromedp.Run(ctx, chromedp.Poll[state](`(() => { if (!`+frameLoaded+`) return null;
			const d = document.querySelector('.mail-html iframe').contentDocument;
			const px = d.getElementById('pixel');
			return {title: document.title, logo: d.getElementById('logo').naturalWidth, pixel: !!px && !!px.getAttribute('src'), text: d.body.innerText}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := read()
	screenshot(t, ctx, "mailin2-html-mail-blocked.png")
	if strings.Contains(s.Title, "pwned") || s.LogoWidth != 2 || s.Pixel || !strings.Contains(s.Text, "Kettle") {
		t.Errorf("before Show images: %+v", s)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the remote host was asked %d times before Show images", n)
	}
	err = chromedp.Do(ctx,
		clickTo(`//a[normalize-space(.)=`+strconvQuote(en.T("mailhtml_show_images"))+`]`, "images="),
		chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](frameLoaded+` && document.querySelector('.mail-html iframe').contentDocument.getElementById('pixel').complete`,
				chromedp.WithPollingTimeout(0))(ctx, tg)
			return chromedp.Void{}, err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	s = read()
	screenshot(t, ctx, "mailin2-html-mail-images.png")
	if strings.Contains(s.Title, "pwned") || !s.Pixel {
		t.Errorf("after Show images: %+v", s)
	}
	if hits.Load() == 0 {
		t.Error("Show images did not load the remote image")
	}
}

// regexpFind returns the first group of pattern in s, failing the test without one.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", pattern)
	}
	return m[1]
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// strconvQuote quotes s for an XPath string literal.
func strconvQuote(s string) string { return strconv.Quote(s) }
