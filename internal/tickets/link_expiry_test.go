package tickets_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// TestStatusLinkExpiresAfterTheTicketCloses: a link works while the ticket
// is open and for the TTL after it closes, then answers "expired" (with the
// customer's language); a link asked for later works for a full TTL from
// then. A follow-up made by a reply keeps the old links working.
func TestStatusLinkExpiresAfterTheTicketCloses(t *testing.T) {
	b := setup(t)
	var clock atomic.Int64
	day0 := ticketstest.Epoch
	clock.Store(day0.UnixNano())
	at := func(days int) { clock.Store(day0.Add(time.Duration(days) * 24 * time.Hour).UnixNano()) }
	store := tickets.NewStore(b.db, func() time.Time { return time.Unix(0, clock.Load()).UTC() }, ticketstest.BaseURL)

	tk, token, err := store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Aino", Email: "aino@example.fi", Subject: "Lasku", Message: "Väärä summa.", Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	opens := func(tok string) error {
		t.Helper()
		got, err := store.TicketByToken(b.ctx, tok)
		if err == nil && got.ID != tk.ID {
			t.Fatalf("link opens #%d, want #%d", got.ID, tk.ID)
		}
		return err
	}
	at(400) // open for a long time: the link works
	if err := opens(token); err != nil {
		t.Fatalf("open ticket, day 400: %v", err)
	}
	closedAt := day0.Add(400 * 24 * time.Hour)
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET status = 'closed', solved_at = $2, closed_at = $2 WHERE id = $1`, tk.ID, closedAt); err != nil {
		t.Fatal(err)
	}
	at(400 + 89)
	if err := opens(token); err != nil {
		t.Fatalf("89 days after closing: %v", err)
	}
	at(400 + 91)
	err = opens(token)
	var expired *tickets.ExpiredLinkError
	if !errors.As(err, &expired) || expired.Locale != "fi" || !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("91 days after closing: %v, want an expired link in Finnish that is a NotFound", err)
	}

	// Find my ticket mails a new link: made now, it works for 90 days more.
	var fresh string
	if err := store.SendStatusLink(b.ctx, tk.ID, "aino@example.fi"); err != nil {
		t.Fatal(err)
	}
	mails := ticketstest.Mails(b.ctx, t, b.db)
	link, _ := ticketstest.SentLinksAt(b.ctx, t, b.db, mails[len(mails)-1], day0.Add(491*24*time.Hour))["Link"].(string)
	fresh = strings.TrimPrefix(link, ticketstest.BaseURL+"/status/")
	at(400 + 91 + 89)
	if err := opens(fresh); err != nil {
		t.Fatalf("new link after 89 days: %v", err)
	}
	if err := opens(token); !errors.As(err, &expired) {
		t.Fatalf("the old link came back: %v", err)
	}
	at(400 + 91 + 91)
	if err := opens(fresh); !errors.As(err, &expired) {
		t.Fatalf("new link after 91 days: %v, want expired", err)
	}

	// A shorter TTL is honoured; a bad token is still "invalid", not "expired".
	store.SetStatusLinkTTL(30 * 24 * time.Hour)
	at(400 + 31)
	if err := opens(token); !errors.As(err, &expired) {
		t.Fatalf("30-day TTL, day 31: %v", err)
	}
	// The token with its first character changed (to "x", or to "y" when
	// it already was "x": one token in 64 starts with it).
	bad := "x" + token[1:]
	if token[0] == 'x' {
		bad = "y" + token[1:]
	}
	if err := opens(bad); errors.As(err, &expired) || !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown token %q: %v", bad, err)
	}
}
