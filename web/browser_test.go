package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// chromiumPath is the browser the tests drive (DEVELOPERS.md lists the flags).
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium for one test. A missing browser fails
// the test: browser flows are part of `make test`, never silently skipped.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium not found at %s (apt-get install -y chromium): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-US"),
		// A person who asked for reduced motion: no smooth scrolling. A click
		// computes where its element is and then presses there; while a link
		// to an anchor still scrolls the page smoothly (slowly, on a busy
		// machine) the press lands on whatever has moved under that spot.
		chromedp.Flag("force-prefers-reduced-motion", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	// The first Do starts the browser; it must not carry the test's timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if reduced, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`matchMedia('(prefers-reduced-motion: reduce)').matches`)); err != nil || !reduced {
		t.Fatalf("the browser does not prefer reduced motion (%v): clicks after an anchor would race its smooth scroll", err)
	}
	// Generous: a whole flow with axe checks takes ~10 s on a quiet 2-core
	// machine but several times that when the machine is busy; a hang still
	// ends here, well inside go test's own timeout.
	ctx, cancelTimeout := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	t.Cleanup(func() { logBrowserState(t, bctx) }) // runs first, browser still open
	return ctx
}

// logBrowserState tells, for a failed test, where the browser was and what
// it showed, and saves a screenshot as artifacts/failed-<test>.png: the
// test's own context may have run out, so bctx (without the timeout) is used.
func logBrowserState(t *testing.T, bctx context.Context) {
	if !t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(bctx, 15*time.Second)
	defer cancel()
	at, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 3000 {
		text = text[:3000] + " …"
	}
	t.Logf("the browser was at %s showing:\n%s", at, text)
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil {
		dir := filepath.Join("..", "artifacts")
		if os.MkdirAll(dir, 0o755) == nil {
			_ = os.WriteFile(filepath.Join(dir, "failed-"+strings.ReplaceAll(t.Name(), "/", "_")+".png"), png, 0o644)
		}
	}
}

// byLabel selects the form control whose <label> reads text, as a person finds it.
func byLabel(text string) string {
	return fmt.Sprintf(`//*[@id=//label[normalize-space(text()[1])=%q]/@for]`, text)
}

// button selects a button by its accessible name.
func button(name string) string {
	return fmt.Sprintf(`//button[normalize-space(.)=%q]`, name)
}

// clickTo clicks sel (a link, or a form's submit button) and waits until the
// new page's address contains part. Waiting for an element alone could find
// it on the old page while the new one loads. A click that started no page
// (it landed while the old page was still settling) is tried again, at most
// three times in all.
func clickTo(sel, part string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var none chromedp.Void
		for attempt := 1; ; attempt++ {
			if _, err := chromedp.Click(sel)(ctx, tg); err != nil {
				return none, err
			}
			for wait := time.Now().Add(5 * time.Second); time.Now().Before(wait); {
				at, err := chromedp.Location()(ctx, tg)
				if err != nil {
					return none, err
				}
				if strings.Contains(at, part) {
					return chromedp.WaitReady(`body`)(ctx, tg)
				}
				select {
				case <-ctx.Done():
					return none, ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
			if attempt == 3 {
				return none, fmt.Errorf("clicking %s opened no page at %q", sel, part)
			}
		}
	}
}

// clickUntil clicks sel until the XPath cond is on the page, for a click
// that stays on the same address (a form that comes back to the same page).
// The ticket page refreshes its parts when the live desk hears of a change,
// which can land just after the page loaded; a click on a part being
// replaced is lost. It is tried again, at most three times in all, and only
// while sel is still there to click (a click that worked removes it or
// leads away).
func clickUntil(sel, cond string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var none chromedp.Void
		present := func(xpath string) bool {
			ok, err := chromedp.Evaluate[bool](fmt.Sprintf(
				`document.evaluate(%q, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue !== null`, xpath))(ctx, tg)
			return err == nil && ok // an error: the page is changing; not yet
		}
		for attempt := 1; ; attempt++ {
			if _, err := chromedp.Click(sel)(ctx, tg); err != nil {
				return none, err
			}
			for wait := time.Now().Add(5 * time.Second); time.Now().Before(wait); {
				if present(cond) {
					return chromedp.WaitVisible(cond)(ctx, tg)
				}
				select {
				case <-ctx.Done():
					return none, ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
			if attempt == 3 {
				return none, fmt.Errorf("clicking %s did not lead to %s", sel, cond)
			}
			if !present(sel) {
				return chromedp.WaitVisible(cond)(ctx, tg)
			}
		}
	}
}

// heading selects a level-1 heading by its text.
func heading(text string) string {
	return fmt.Sprintf(`//h1[normalize-space(.)=%q]`, text)
}

// screenshot saves a full-page PNG under artifacts/ at the repository root.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// htmlLang reads the page's <html lang>.
func htmlLang(t *testing.T, ctx context.Context) string {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
	if err != nil {
		t.Fatalf("read html lang: %v", err)
	}
	return res.Value
}

func TestBrowserLoginLanguageLogout(t *testing.T) {
	e := setup(t)
	ctx := newBrowser(t)
	cat, _ := i18n.Load()
	en, fi, vi := cat.Localizer("en"), cat.Localizer("fi"), cat.Localizer("vi")
	rep := e.users[staff.RoleRep] // Finnish-speaking rep

	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/"),
		chromedp.WaitVisible(heading(en.T("login_title"))),
		chromedp.SendKeys(byLabel(en.T("login_email")), rep.Email),
		chromedp.SendKeys(byLabel(en.T("login_password")), testPassword),
		chromedp.Click(button(en.T("login_submit"))),
		// Home page, in the rep's own language.
		chromedp.WaitVisible(heading(fi.T("home_title", "Name", rep.Name))),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	if lang := htmlLang(t, ctx); lang != "fi" {
		t.Fatalf("html lang = %q, want fi", lang)
	}
	screenshot(t, ctx, "home-fi.png")

	err = chromedp.Do(ctx,
		chromedp.SetValue(byLabel(fi.T("language")), "vi"),
		chromedp.Click(button(fi.T("language_change"))),
		chromedp.WaitVisible(heading(vi.T("home_title", "Name", rep.Name))),
	)
	if err != nil {
		t.Fatalf("switch language: %v", err)
	}
	if lang := htmlLang(t, ctx); lang != "vi" {
		t.Fatalf("after switching, html lang = %q, want vi", lang)
	}
	screenshot(t, ctx, "home-vi.png")

	err = chromedp.Do(ctx,
		chromedp.Click(button(vi.T("logout"))),
		// The switcher's cookie keeps the login page in Vietnamese.
		chromedp.WaitVisible(heading(vi.T("login_title"))),
	)
	if err != nil {
		t.Fatalf("log out: %v", err)
	}
}
