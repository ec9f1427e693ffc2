package staff

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled returns a store whose rep has two-factor on, its secret and
// recovery codes.
func enrolled(t *testing.T) (*Store, *testClock, map[Role]User, string, []string) {
	t.Helper()
	s, clock, users := newTokenStore(t)
	if err := s.SetSecret(strings.Repeat("k", 32)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	setup, err := s.StartTwoFactor(ctx, users[RoleRep].ID)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := s.ConfirmTwoFactor(ctx, users[RoleRep].ID, codeAt(t, setup.Secret, clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	clock.add(30 * time.Second) // the setup code's step is used up
	return s, clock, users, setup.Secret, codes
}

func TestTwoFactorSetup(t *testing.T) {
	s, clock, users := newTokenStore(t)
	ctx := context.Background()
	rep := users[RoleRep]
	if _, err := s.StartTwoFactor(ctx, rep.ID); err == nil {
		t.Fatal("setup without a secret key worked")
	}
	if err := s.SetSecret(strings.Repeat("k", 32)); err != nil {
		t.Fatal(err)
	}
	setup, err := s.StartTwoFactor(ctx, rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.StartTwoFactor(ctx, rep.ID); again.Secret != setup.Secret {
		t.Error("a second visit made another secret")
	}
	if !strings.HasPrefix(setup.URI, "otpauth://totp/Loopdesk:rep@example.com?") || !strings.Contains(setup.URI, "secret="+setup.Secret) {
		t.Errorf("URI %q", setup.URI)
	}
	// The database holds the secret sealed, bound to the member.
	var sealed []byte
	if err := s.db.QueryRow(ctx, `SELECT totp_secret FROM users WHERE id = $1`, rep.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(setup.Secret)) {
		t.Fatal("the secret is stored in the clear")
	}
	if _, err := s.open(users[RoleAdmin].ID, sealed); err == nil {
		t.Fatal("the sealed secret opens for another member")
	}
	other := NewStore(s.db, clock.now)
	_ = other.SetSecret(strings.Repeat("x", 32))
	if _, err := other.open(rep.ID, sealed); err == nil {
		t.Fatal("the sealed secret opens under another server secret")
	}
	// Not in force until a code confirms it.
	if u, _ := s.Get(ctx, rep.ID); u.TwoFactor {
		t.Fatal("two-factor on before confirmation")
	}
	wantFields(t, second(s.ConfirmTwoFactor(ctx, rep.ID, "000000")), map[string]string{"code": "trust_error_2fa_code"})
	codes, err := s.ConfirmTwoFactor(ctx, rep.ID, codeAt(t, setup.Secret, clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || seen[c] {
			t.Fatalf("recovery codes %v", codes)
		}
		seen[c] = true
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	var stored int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND code_hash <> $2`, rep.ID, []byte(codes[0])).Scan(&stored); err != nil || stored != 10 {
		t.Fatalf("stored recovery codes %d %v", stored, err)
	}
	if u, _ := s.Get(ctx, rep.ID); !u.TwoFactor {
		t.Fatal("two-factor not on after confirmation")
	}
}

func second[T any](_ T, err error) error { return err }

func TestTwoFactorVerify(t *testing.T) {
	type step struct {
		wait time.Duration
		code func(secret string, now time.Time, recovery []string) string
		want apperr.Kind // succeeds or the kind
	}
	current := func(secret string, now time.Time, _ []string) string {
		c, _ := totp.GenerateCode(secret, now)
		return c
	}
	previous := func(secret string, now time.Time, _ []string) string {
		c, _ := totp.GenerateCode(secret, now.Add(-30*time.Second))
		return c
	}
	old := func(secret string, now time.Time, _ []string) string {
		c, _ := totp.GenerateCode(secret, now.Add(-2*time.Minute))
		return c
	}
	recovery := func(_ string, _ time.Time, r []string) string { return r[0] }
	recoveryTyped := func(_ string, _ time.Time, r []string) string {
		return " " + strings.ToUpper(strings.ReplaceAll(r[1], "-", " "))
	}
	wrong := func(string, time.Time, []string) string { return "123456" }
	tests := []struct {
		name  string
		steps []step
	}{
		{"the current code", []step{{code: current}}},
		{"one step of drift", []step{{wait: time.Minute, code: previous}}},
		{"an old code", []step{{code: old, want: apperr.Invalid}}},
		{"no code works twice", []step{{code: current}, {code: current, want: apperr.Invalid}, {wait: 30 * time.Second, code: current}}},
		{"an earlier code after a later one", []step{{code: current}, {code: previous, want: apperr.Invalid}}},
		{"a recovery code, once", []step{{code: recovery}, {code: recovery, want: apperr.Invalid}, {code: recoveryTyped}}},
		{"wrong codes are limited, then even the right one waits", []step{
			{code: wrong, want: apperr.Invalid}, {code: wrong, want: apperr.Invalid}, {code: wrong, want: apperr.Invalid},
			{code: wrong, want: apperr.Invalid}, {code: wrong, want: apperr.Invalid},
			{code: current, want: apperr.TooMany},
			{wait: CodeFailureWindow, code: current},
		}},
		{"a right code clears the count", []step{
			{code: wrong, want: apperr.Invalid}, {code: wrong, want: apperr.Invalid}, {code: wrong, want: apperr.Invalid},
			{code: wrong, want: apperr.Invalid}, {code: current},
			{code: wrong, want: apperr.Invalid}, {wait: 30 * time.Second, code: current},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, users, secret, codes := enrolled(t)
			for i, st := range tc.steps {
				clock.add(st.wait)
				err := s.VerifyTwoFactor(context.Background(), users[RoleRep].ID, st.code(secret, clock.now(), codes))
				if (err == nil) != (st.want == succeeds) || (err != nil && apperr.KindOf(err) != st.want) {
					t.Fatalf("step %d: err %v, want %v", i, err, st.want)
				}
			}
		})
	}
}

func TestTwoFactorOff(t *testing.T) {
	s, clock, users, secret, _ := enrolled(t)
	ctx := context.Background()
	rep, admin := users[RoleRep], users[RoleAdmin]
	// An admin must keep it.
	if err := s.SetSecret(strings.Repeat("k", 32)); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableTwoFactor(ctx, admin.ID, "123456"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("admin disables: %v", err)
	}
	// A rep turns it off with a code.
	wantFields(t, s.DisableTwoFactor(ctx, rep.ID, "123456"), map[string]string{"code": "trust_error_2fa_code"})
	if err := s.DisableTwoFactor(ctx, rep.ID, codeAt(t, secret, clock.now())); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Get(ctx, rep.ID); u.TwoFactor {
		t.Fatal("still on")
	}
	// An admin resets another member's, never their own.
	if _, err := s.StartTwoFactor(ctx, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetTwoFactor(ctx, admin.ID, admin.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("self reset: %v", err)
	}
	if err := s.ResetTwoFactor(ctx, admin.ID, rep.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.RecoveryCodesLeft(ctx, rep.ID); n != 0 {
		t.Fatalf("%d recovery codes left after reset", n)
	}
}
