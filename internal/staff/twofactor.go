package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/secretbox"
)

// Two-factor sign-in: a TOTP authenticator app (RFC 6238: SHA-1, 6 digits,
// 30-second steps, one step of clock drift either way), and ten single-use
// recovery codes. Secrets are sealed with AES-256-GCM under a key derived
// from LOOPDESK_SECRET, so a database or backup reader cannot make codes;
// recovery codes are kept as SHA-256 hashes. Code guesses are limited per
// member, since whoever guesses already has the password.
const (
	totpIssuer         = "Loopdesk"
	totpPeriod         = 30 // seconds
	recoveryCodeCount  = 10
	MaxCodeFailures    = 5 // wrong codes per member within CodeFailureWindow
	CodeFailureWindow  = 15 * time.Minute
	recoveryCodeGroups = 2 // "abcde-fghij"
)

// SetSecret gives the store the server's secret (LOOPDESK_SECRET), from
// which the key that seals two-factor secrets is derived (secretbox,
// purpose "totp"). Without it two-factor setup is refused.
func (s *Store) SetSecret(secret string) error {
	box, err := secretbox.New(secret, "totp")
	if err != nil {
		return err
	}
	s.box = box
	return nil
}

// seal encrypts a member's TOTP secret, bound to their id.
func (s *Store) seal(userID int64, secret string) ([]byte, error) {
	if s.box == nil {
		return nil, errors.New("staff: no secret key for two-factor secrets (SetSecret)")
	}
	return s.box.Seal([]byte(secret), userAAD(userID)), nil
}

// open decrypts what seal made for the same member.
func (s *Store) open(userID int64, sealed []byte) (string, error) {
	if s.box == nil {
		return "", errors.New("staff: no secret key for two-factor secrets (SetSecret)")
	}
	plain, err := s.box.Open(sealed, userAAD(userID))
	if err != nil {
		return "", fmt.Errorf("staff: open two-factor secret of user %d: %w", userID, err)
	}
	return string(plain), nil
}

func userAAD(id int64) []byte { return binary.BigEndian.AppendUint64([]byte("user:"), uint64(id)) }

// TwoFactorSetup is what a member types or scans into an authenticator app.
type TwoFactorSetup struct {
	Secret string // base32
	URI    string // otpauth://totp/...
}

// StartTwoFactor returns the member's pending TOTP secret, making one when
// there is none. It is not in force until ConfirmTwoFactor.
func (s *Store) StartTwoFactor(ctx context.Context, userID int64) (TwoFactorSetup, error) {
	var email string
	var sealed []byte
	var enabled *time.Time
	err := s.db.QueryRow(ctx, `SELECT email, totp_secret, totp_enabled_at FROM users WHERE id = $1 AND active`, userID).Scan(&email, &sealed, &enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return TwoFactorSetup{}, apperr.New(apperr.NotFound, "error_user_not_found")
	}
	if err != nil {
		return TwoFactorSetup{}, fmt.Errorf("get two-factor state: %w", err)
	}
	if enabled != nil {
		return TwoFactorSetup{}, apperr.New(apperr.Conflict, "trust_error_2fa_already_on")
	}
	var secret string
	if sealed != nil {
		if secret, err = s.open(userID, sealed); err != nil {
			return TwoFactorSetup{}, err
		}
	} else {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod})
		if err != nil {
			return TwoFactorSetup{}, fmt.Errorf("make totp secret: %w", err)
		}
		secret = key.Secret()
		if sealed, err = s.seal(userID, secret); err != nil {
			return TwoFactorSetup{}, err
		}
		if _, err := s.db.Exec(ctx, `UPDATE users SET totp_secret = $2 WHERE id = $1 AND totp_enabled_at IS NULL`, userID, sealed); err != nil {
			return TwoFactorSetup{}, fmt.Errorf("store pending totp secret: %w", err)
		}
	}
	return TwoFactorSetup{Secret: secret, URI: totpURI(email, secret)}, nil
}

func totpURI(email, secret string) string {
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + totpIssuer + ":" + email, RawQuery: url.Values{
		"secret": {secret}, "issuer": {totpIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"},
	}.Encode()}
	return u.String()
}

// ConfirmTwoFactor turns two-factor sign-in on once the member types a code
// from their app for the pending secret. It returns the recovery codes, the
// only time they are seen, and ends every session of the member (the caller
// continues its own).
func (s *Store) ConfirmTwoFactor(ctx context.Context, userID int64, code string) ([]string, error) {
	if err := s.checkCode(ctx, userID, code, false); err != nil {
		return nil, err
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET totp_enabled_at = $2 WHERE id = $1 AND totp_enabled_at IS NULL AND totp_secret IS NOT NULL`, userID, s.now())
		if err != nil {
			return fmt.Errorf("enable two-factor: %w", err)
		}
		if tag.RowsAffected() != 1 {
			return apperr.New(apperr.Conflict, "trust_error_2fa_already_on")
		}
		if err := replaceRecoveryCodesTx(ctx, tx, userID, hashes); err != nil {
			return err
		}
		if _, err := endSessionsTx(ctx, tx, userID); err != nil {
			return err
		}
		return recordEventTx(ctx, tx, s.now(), "user", userID, userID, "user.two_factor_enabled", map[string]any{})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// VerifyTwoFactor checks the second step of a sign-in: a code from the app
// or an unused recovery code (which is then used up).
func (s *Store) VerifyTwoFactor(ctx context.Context, userID int64, code string) error {
	return s.checkCode(ctx, userID, code, true)
}

// DisableTwoFactor turns a member's own two-factor sign-in off, given a
// current code. Admins must keep it.
func (s *Store) DisableTwoFactor(ctx context.Context, userID int64, code string) error {
	if strings.TrimSpace(code) == "" {
		return apperr.InvalidFields(map[string]string{"code": "error_required"})
	}
	u, err := s.Get(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role == RoleAdmin {
		return apperr.New(apperr.Forbidden, "trust_error_2fa_admin_required")
	}
	if err := s.checkCode(ctx, userID, code, true); err != nil {
		return err
	}
	return s.clearTwoFactor(ctx, userID, userID, "user.two_factor_disabled")
}

// ResetTwoFactor is an admin turning off another member's two-factor sign-in
// (a lost phone and lost codes). The member's sessions end; an admin so
// reset is sent to set it up again at their next sign-in.
func (s *Store) ResetTwoFactor(ctx context.Context, actorID, userID int64) error {
	if actorID == userID {
		return apperr.New(apperr.Forbidden, "trust_error_2fa_reset_self")
	}
	return s.clearTwoFactor(ctx, actorID, userID, "user.two_factor_reset")
}

func (s *Store) clearTwoFactor(ctx context.Context, actorID, userID int64, action string) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var wasOn bool
		err := tx.QueryRow(ctx, `SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&wasOn)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("get two-factor state: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("clear two-factor: %w", err)
		}
		if !wasOn {
			return nil // only a setup begun: nothing was in force
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("delete recovery codes: %w", err)
		}
		if _, err := endSessionsTx(ctx, tx, userID); err != nil {
			return err
		}
		return recordEventTx(ctx, tx, s.now(), "user", userID, actorID, action, map[string]any{})
	})
}

// RecoveryCodesLeft counts a member's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", err)
	}
	return n, nil
}

// checkCode checks code for the member, limited to MaxCodeFailures wrong
// ones per CodeFailureWindow. enabled says which secret: the one in force
// (then a recovery code also does) or the pending one being set up. The
// attempt is written down first, under the member's row lock, so parallel
// guesses each see the ones before; a right code deletes the attempts.
func (s *Store) checkCode(ctx context.Context, userID int64, code string, enabled bool) error {
	code = strings.Join(strings.Fields(code), "")
	if code == "" {
		return apperr.InvalidFields(map[string]string{"code": "error_required"})
	}
	now := s.now()
	var sealed []byte
	var lastStep *int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var on bool
		err := tx.QueryRow(ctx, `SELECT totp_secret, totp_enabled_at IS NOT NULL, totp_last_step FROM users WHERE id = $1 AND active FOR UPDATE`, userID).Scan(&sealed, &on, &lastStep)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("get totp secret: %w", err)
		}
		if sealed == nil || on != enabled {
			return apperr.New(apperr.Conflict, "trust_error_2fa_state")
		}
		var failures int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM second_factor_failures WHERE user_id = $1 AND failed_at > $2`, userID, now.Add(-CodeFailureWindow)).Scan(&failures); err != nil {
			return fmt.Errorf("count code failures: %w", err)
		}
		if failures >= MaxCodeFailures {
			return apperr.New(apperr.TooMany, "trust_error_2fa_throttled")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO second_factor_failures (user_id, failed_at) VALUES ($1, $2)`, userID, now); err != nil {
			return fmt.Errorf("record code attempt: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	secret, err := s.open(userID, sealed)
	if err != nil {
		return err
	}
	ok, err := s.acceptCode(ctx, userID, secret, code, lastStep, enabled)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.InvalidFields(map[string]string{"code": "trust_error_2fa_code"})
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM second_factor_failures WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("clear code failures: %w", err)
	}
	return nil
}

// acceptCode reports whether code is the app's code for now (one step of
// drift either way) at a later step than any accepted before, recording
// that step; or, when recovery is allowed, an unused recovery code, which
// it uses up.
func (s *Store) acceptCode(ctx context.Context, userID int64, secret, code string, lastStep *int64, recovery bool) (bool, error) {
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		now := s.now()
		step := now.Unix() / totpPeriod
		for _, d := range []int64{0, -1, 1} {
			st := step + d
			if lastStep != nil && st <= *lastStep {
				continue
			}
			want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				return false, fmt.Errorf("make totp code: %w", err)
			}
			if want != code {
				continue
			}
			tag, err := s.db.Exec(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`, userID, st)
			if err != nil {
				return false, fmt.Errorf("record totp step: %w", err)
			}
			return tag.RowsAffected() == 1, nil
		}
		return false, nil
	}
	if !recovery {
		return false, nil
	}
	tag, err := s.db.Exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
		userID, hashRecoveryCode(code), s.now())
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// newRecoveryCodes makes ten codes of 50 random bits ("abcde-fghij") and
// their hashes.
func newRecoveryCodes() (codes []string, hashes [][]byte, err error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		c := strings.ToLower(enc.EncodeToString(b))[:10]
		codes = append(codes, c[:5]+"-"+c[5:])
		hashes = append(hashes, hashRecoveryCode(c))
	}
	return codes, hashes, nil
}

// hashRecoveryCode hashes a recovery code as typed: case, spaces and
// hyphens do not matter.
func hashRecoveryCode(code string) []byte {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	h := sha256.Sum256([]byte("loopdesk recovery code:" + c))
	return h[:]
}

func replaceRecoveryCodesTx(ctx context.Context, tx pgx.Tx, userID int64, hashes [][]byte) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete recovery codes: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) h`, userID, hashes); err != nil {
		return fmt.Errorf("store recovery codes: %w", err)
	}
	return nil
}
