package staff

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testClock is a settable clock for the store.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTokenStore(t *testing.T) (*Store, *testClock, map[Role]User) {
	t.Helper()
	t.Parallel()
	clock := &testClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := NewStore(pgtest.New(t), clock.now)
	users := map[Role]User{}
	for _, r := range []Role{RoleRep, RoleSenior, RoleAdmin} {
		u, err := s.Create(context.Background(), 0, NewUser{
			Email: string(r) + "@example.com", Name: "Token " + string(r), Role: r, Password: "long enough password",
		})
		if err != nil {
			t.Fatal(err)
		}
		users[r] = u
	}
	return s, clock, users
}

func TestTokenCreateListAuthenticateRevoke(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	rep := users[RoleRep]

	plain, tok, err := s.CreateToken(ctx, rep.ID, "  CRM sync  ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "ldk_") || len(plain) != tokenLen {
		t.Fatalf("token %q has the wrong shape", plain)
	}
	if tok.Name != "CRM sync" || tok.Prefix != plain[:tokenPrefixLen] || tok.ID == 0 || !tok.Active() {
		t.Fatalf("token record %+v", tok)
	}
	// Only the hash is stored: the plaintext appears in no column.
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE token_hash = $1 AND position($2 in name || prefix) = 0`,
		hashToken(plain), plain).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored token: n=%d err=%v", n, err)
	}
	var events int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_type = 'api_token' AND subject_id = $1 AND action = 'api_token.created' AND actor_id = $2`,
		tok.ID, rep.ID).Scan(&events); err != nil || events != 1 {
		t.Fatalf("created event: %d %v", events, err)
	}

	u, err := s.AuthenticateToken(ctx, plain)
	if err != nil || u.ID != rep.ID || u.Role != RoleRep {
		t.Fatalf("authenticate: %+v %v", u, err)
	}

	plain2, _, err := s.CreateToken(ctx, rep.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	if plain2 == plain {
		t.Fatal("two tokens are equal")
	}
	list, err := s.ListTokens(ctx, rep.ID)
	if err != nil || len(list) != 2 || list[0].Name != "second" || list[1].LastUsedAt == nil {
		t.Fatalf("list: %+v %v", list, err)
	}
	if other, _ := s.ListTokens(ctx, users[RoleSenior].ID); len(other) != 0 {
		t.Fatalf("another user sees %d tokens", len(other))
	}

	if err := s.RevokeToken(ctx, rep.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, plain); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := s.AuthenticateToken(ctx, plain2); err != nil {
		t.Fatalf("the other token stopped working: %v", err)
	}
	// Revoking twice is harmless; the revoked token stays listed, last.
	if err := s.RevokeToken(ctx, rep.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = s.ListTokens(ctx, rep.ID)
	if len(list) != 2 || list[1].ID != tok.ID || list[1].Active() || list[1].RevokedAt == nil {
		t.Fatalf("list after revoke: %+v", list)
	}
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject_type = 'api_token' AND subject_id = $1 AND action = 'api_token.revoked'`,
		tok.ID).Scan(&events); err != nil || events != 1 {
		t.Fatalf("revoked events: %d %v", events, err)
	}
}

func TestTokenRevokeOnlyOwnUnlessAdmin(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	plain, tok, err := s.CreateToken(ctx, users[RoleRep].ID, "mine")
	if err != nil {
		t.Fatal(err)
	}
	// A senior is not the owner: the token is "not found" and keeps working.
	if err := s.RevokeToken(ctx, users[RoleSenior].ID, tok.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("senior revoking a rep's token: %v", err)
	}
	if err := s.RevokeToken(ctx, users[RoleRep].ID, tok.ID+1000); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := s.AuthenticateToken(ctx, plain); err != nil {
		t.Fatalf("token broken by a refused revoke: %v", err)
	}
	if err := s.RevokeToken(ctx, users[RoleAdmin].ID, tok.ID); err != nil {
		t.Fatalf("admin revoke: %v", err)
	}
	if _, err := s.AuthenticateToken(ctx, plain); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("after admin revoke: %v", err)
	}
	var actor int64
	if err := s.db.QueryRow(ctx, `SELECT actor_id FROM events WHERE action = 'api_token.revoked' AND subject_id = $1`, tok.ID).Scan(&actor); err != nil || actor != users[RoleAdmin].ID {
		t.Fatalf("revoke event actor %d: %v", actor, err)
	}
}

func TestTokenAuthenticateRejects(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	plain, _, err := s.CreateToken(ctx, users[RoleRep].ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	flipped := plain[:len(plain)-1] + map[bool]string{true: "A", false: "B"}[plain[len(plain)-1] != 'A']
	for _, bad := range []string{"", "ldk_", "Bearer " + plain, plain + "x", strings.ToUpper(plain), flipped, "xyz" + plain[3:]} {
		if _, err := s.AuthenticateToken(ctx, bad); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("token %q: %v, want unauthorized", bad, err)
		}
	}
	// A deactivated member's tokens stop working.
	if _, err := s.db.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, users[RoleRep].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, plain); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("inactive user's token: %v", err)
	}
}

func TestTokenLastUsedAtMostOnceAMinute(t *testing.T) {
	s, clock, users := newTokenStore(t)
	ctx := context.Background()
	plain, tok, err := s.CreateToken(ctx, users[RoleRep].ID, "poller")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		var at *time.Time
		if err := s.db.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		if at == nil {
			return time.Time{}
		}
		return *at
	}
	if !lastUsed().IsZero() {
		t.Fatal("a new token has been used")
	}
	first := clock.now()
	if _, err := s.AuthenticateToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("last used %v, want %v", got, first)
	}
	clock.add(59 * time.Second)
	if _, err := s.AuthenticateToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("touched again within a minute: %v", got)
	}
	clock.add(time.Second)
	if _, err := s.AuthenticateToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(clock.now()) {
		t.Fatalf("after a minute last used %v, want %v", got, clock.now())
	}
}

func TestTokenCreateValidates(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	id := users[RoleRep].ID
	cases := map[string]string{
		"":                       "error_required",
		"   ":                    "error_required",
		strings.Repeat("n", 101): "error_token_name_too_long",
		"bad\x00name":            "error_token_name_invalid",
		"bad \xff utf8":          "error_token_name_invalid",
		strings.Repeat("ä", 100): "",
	}
	for name, want := range cases {
		_, _, err := s.CreateToken(ctx, id, name)
		if want == "" {
			if err != nil {
				t.Errorf("name %q: %v", name, err)
			}
			continue
		}
		if got := apperr.FieldsOf(err)["name"]; got != want {
			t.Errorf("name %q: %v, want field error %s", name, err, want)
		}
	}
	if _, _, err := s.CreateToken(ctx, 999999, "ghost"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("token for a missing user: %v", err)
	}
}

func TestTokenLimitPerUser(t *testing.T) {
	s, _, users := newTokenStore(t)
	ctx := context.Background()
	id := users[RoleRep].ID
	var last Token
	for i := 0; i < maxActiveTokens; i++ {
		_, tok, err := s.CreateToken(ctx, id, "t")
		if err != nil {
			t.Fatal(err)
		}
		last = tok
	}
	if _, _, err := s.CreateToken(ctx, id, "one too many"); apperr.FieldsOf(err)["name"] != "error_token_limit" {
		t.Fatalf("over the limit: %v", err)
	}
	// Revoking one makes room again.
	if err := s.RevokeToken(ctx, id, last.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateToken(ctx, id, "room again"); err != nil {
		t.Fatal(err)
	}
}
