package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Personal API tokens look like "ldk_" + 43 base64url characters (32 random
// bytes). Only their SHA-256 is stored.
const (
	tokenScheme      = "ldk_"
	tokenRandomBytes = 32
	tokenPrefixLen   = len(tokenScheme) + 8 // shown in lists to tell tokens apart
	maxTokenName     = 100
	maxActiveTokens  = 25 // per staff member: enough for every script, not a dump
	// tokenTouchEvery limits last_used_at writes to one a minute per token, so
	// a busy script does not turn every API read into a row update.
	tokenTouchEvery = time.Minute
)

// tokenLen is the length of every plaintext token.
var tokenLen = len(tokenScheme) + base64.RawURLEncoding.EncodedLen(tokenRandomBytes)

// Token is a personal API token as lists show it; the secret itself is never
// stored and so never part of it.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Active reports whether the token still opens the API.
func (t Token) Active() bool { return t.RevokedAt == nil }

func hashToken(plaintext string) []byte {
	h := sha256.Sum256([]byte(plaintext))
	return h[:]
}

const sqlCountActiveTokens = `
SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`

const sqlInsertToken = `
INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id`

// CreateToken makes a personal API token for userID named name and records
// an event. plaintext is the token: show it once, it cannot be read back.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string) (plaintext string, t Token, err error) {
	name = strings.TrimSpace(name)
	var f apperr.Fields
	switch textcheck.Check(name, textcheck.Line, true, maxTokenName) {
	case textcheck.Blank:
		f.Add("name", "error_required")
	case textcheck.TooLong:
		f.Add("name", "error_token_name_too_long")
	case textcheck.Invalid, textcheck.LineBreak:
		f.Add("name", "error_token_name_invalid")
	}
	if err := f.Err(); err != nil {
		return "", Token{}, err
	}
	b := make([]byte, tokenRandomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", Token{}, fmt.Errorf("token randomness: %w", err)
	}
	plaintext = tokenScheme + base64.RawURLEncoding.EncodeToString(b)
	t = Token{UserID: userID, Name: name, Prefix: plaintext[:tokenPrefixLen], CreatedAt: s.now()}
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock the owner's row so two concurrent creates cannot both pass the cap.
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&active)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("lock user %d: %w", userID, err)
		}
		var n int
		if err := tx.QueryRow(ctx, sqlCountActiveTokens, userID).Scan(&n); err != nil {
			return fmt.Errorf("count tokens: %w", err)
		}
		if n >= maxActiveTokens {
			return apperr.InvalidFields(map[string]string{"name": "error_token_limit"})
		}
		if err := tx.QueryRow(ctx, sqlInsertToken, userID, name, hashToken(plaintext), t.Prefix, t.CreatedAt).Scan(&t.ID); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return recordEventTx(ctx, tx, t.CreatedAt, "api_token", t.ID, userID, "api_token.created",
			map[string]any{"user_id": userID, "name": name, "prefix": t.Prefix})
	})
	if err != nil {
		return "", Token{}, err
	}
	return plaintext, t, nil
}

const sqlListTokens = `
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
FROM api_tokens
WHERE user_id = $1
ORDER BY revoked_at IS NOT NULL, id DESC`

// ListTokens returns userID's tokens: active ones first, newest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.Query(ctx, sqlListTokens, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens of %d: %w", userID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		return t, r.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	})
}

const sqlTokenForRevoke = `
SELECT t.user_id, t.revoked_at IS NOT NULL, (SELECT role FROM users WHERE id = $2) = 'admin'
FROM api_tokens t
WHERE t.id = $1
FOR UPDATE OF t`

// RevokeToken revokes token tokenID on behalf of userID, who must own it or
// be an admin; anyone else gets NotFound, as for a token that does not exist.
// Revoking a revoked token changes nothing.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var owner int64
		var revoked, admin bool
		err := tx.QueryRow(ctx, sqlTokenForRevoke, tokenID, userID).Scan(&owner, &revoked, &admin)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && owner != userID && !admin) {
			return apperr.New(apperr.NotFound, "error_token_not_found")
		}
		if err != nil {
			return fmt.Errorf("find token %d: %w", tokenID, err)
		}
		if revoked {
			return nil
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1`, tokenID, now); err != nil {
			return fmt.Errorf("revoke token %d: %w", tokenID, err)
		}
		return recordEventTx(ctx, tx, now, "api_token", tokenID, userID, "api_token.revoked", map[string]any{"user_id": owner})
	})
}

const sqlFindToken = `
SELECT t.id, t.user_id, t.last_used_at
FROM api_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active`

// AuthenticateToken returns the staff member whose active token plaintext is.
// Unknown, malformed and revoked tokens, and tokens of deactivated staff, are
// all Unauthorized alike.
func (s *Store) AuthenticateToken(ctx context.Context, plaintext string) (User, error) {
	denied := apperr.New(apperr.Unauthorized, "error_token_invalid")
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, tokenScheme) {
		return User{}, denied
	}
	var id, userID int64
	var lastUsed *time.Time
	err := s.db.QueryRow(ctx, sqlFindToken, hashToken(plaintext)).Scan(&id, &userID, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, denied
	}
	if err != nil {
		return User{}, fmt.Errorf("find token: %w", err)
	}
	if now := s.now(); lastUsed == nil || now.Sub(*lastUsed) >= tokenTouchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, now); err != nil {
			return User{}, fmt.Errorf("touch token %d: %w", id, err)
		}
	}
	u, err := s.Get(ctx, userID)
	if apperr.Is(err, apperr.NotFound) {
		return User{}, denied
	}
	return u, err
}
