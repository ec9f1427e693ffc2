package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Login throttling: failures counted per account and per client IP over a
// window, shared by all instances through Postgres.
const (
	throttleWindow     = 15 * time.Minute
	maxAccountFailures = 5
	MaxAddressFailures = 20 // failed logins from one client address in the window, any accounts
)

// Authenticate checks email and password from ip. Wrong credentials and unknown
// accounts give the same Unauthorized error; too many recent failures for the
// account or the IP give TooMany before the password is even checked.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = strings.TrimSpace(email)
	var f apperr.Fields
	// An address is at most 254 characters of one line: anything else is
	// refused here, before it reaches the failures table and its index.
	textcheck.Field(&f, "email", email, textcheck.Line, true, 254)
	if password == "" {
		f.Add("password", "error_required")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	since := s.now().Add(-throttleWindow)
	var byAccount, byIP int
	err := s.db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM login_failures WHERE email = $1 AND failed_at > $3),
       (SELECT count(*) FROM login_failures WHERE ip = $2 AND failed_at > $3)`,
		email, ip, since).Scan(&byAccount, &byIP)
	if err != nil {
		return User{}, fmt.Errorf("count login failures: %w", err)
	}
	if byAccount >= maxAccountFailures || byIP >= MaxAddressFailures {
		return User{}, apperr.New(apperr.TooMany, "error_login_throttled")
	}

	var id int64
	var hash string
	var active bool
	err = s.db.QueryRow(ctx, `SELECT id, password_hash, active FROM users WHERE email = $1`, email).Scan(&id, &hash, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		hash = dummyHash
	} else if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("check password of user %d: %w", id, err)
	}
	if !ok || id == 0 || !active {
		if _, err := s.db.Exec(ctx, `INSERT INTO login_failures (email, ip, failed_at) VALUES ($1, $2, $3)`, email, ip, s.now()); err != nil {
			return User{}, fmt.Errorf("record login failure: %w", err)
		}
		return User{}, apperr.New(apperr.Unauthorized, "error_login_failed")
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM login_failures WHERE email = $1`, email); err != nil {
		return User{}, fmt.Errorf("clear login failures: %w", err)
	}
	return s.Get(ctx, id)
}
