package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Login throttling, shared by all instances through Postgres. Failures are
// counted per (account, client address) with a growing delay, and per
// address over all accounts. There is no lock of an account as such: that
// would let anyone lock out a colleague from everywhere, so the right
// password from an address that has not failed is never refused.
const (
	// MaxAddressFailures failed logins from one client address, on any
	// accounts, within AddressWindow refuse further attempts from it.
	MaxAddressFailures = 20
	AddressWindow      = 15 * time.Minute
	// PairWindow is how long failures of one account from one address count.
	PairWindow = time.Hour
	// freePairFailures failures of an account from an address cost nothing:
	// people mistype.
	freePairFailures = 2
	maxPairDelay     = 15 * time.Minute
)

// LoginDelay is how long an address must wait after its n-th recent failure
// on one account before it may try that account again: none for the first
// two, then 15 s doubling to at most 15 minutes.
func LoginDelay(n int) time.Duration {
	if n <= freePairFailures {
		return 0
	}
	d := 15 * time.Second
	for i := freePairFailures + 1; i < n && d < maxPairDelay; i++ {
		d *= 2
	}
	return min(d, maxPairDelay)
}

const sqlLoginFailures = `
SELECT (SELECT count(*) FROM login_failures WHERE ip = $2 AND failed_at > $3),
       count(*), max(failed_at)
FROM login_failures
WHERE email = $1 AND ip = $2 AND failed_at > $4`

// Authenticate checks email and password from ip. Wrong credentials and unknown
// accounts give the same Unauthorized error. TooMany comes before the password
// is even checked when the address has failed too often (on any accounts), or
// is still waiting out its delay on this account.
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
	now := s.now()
	// The attempt is written down as a failure before the password is
	// checked, under a lock per address, so parallel guesses each see the
	// ones before them; a success deletes it again.
	var attemptID int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('loopdesk.login:' || $1, 0))`, ip); err != nil {
			return fmt.Errorf("lock login address: %w", err)
		}
		var byAddress, byPair int
		var lastPair *time.Time
		if err := tx.QueryRow(ctx, sqlLoginFailures, email, ip, now.Add(-AddressWindow), now.Add(-PairWindow)).Scan(&byAddress, &byPair, &lastPair); err != nil {
			return fmt.Errorf("count login failures: %w", err)
		}
		if byAddress >= MaxAddressFailures || (lastPair != nil && now.Before(lastPair.Add(LoginDelay(byPair)))) {
			return apperr.New(apperr.TooMany, "error_login_throttled")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO login_failures (email, ip, failed_at) VALUES ($1, $2, $3) RETURNING id`, email, ip, now).Scan(&attemptID); err != nil {
			return fmt.Errorf("record login attempt: %w", err)
		}
		return nil
	})
	if err != nil {
		return User{}, err
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
	ok, err := s.checkPassword(ctx, hash, password)
	if apperr.Is(err, apperr.Unavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// Never checked: the attempt counts for nothing. A fresh context,
		// as ctx may be the reason.
		if _, derr := s.db.Exec(context.WithoutCancel(ctx), `DELETE FROM login_failures WHERE id = $1`, attemptID); derr != nil {
			return User{}, fmt.Errorf("forget unchecked login attempt: %w", derr)
		}
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("check password of user %d: %w", id, err)
	}
	if !ok || id == 0 || !active {
		return User{}, apperr.New(apperr.Unauthorized, "error_login_failed")
	}
	// This attempt and this address's failures on the account go; a sign-in
	// here says nothing about guesses made elsewhere.
	if _, err := s.db.Exec(ctx, `DELETE FROM login_failures WHERE email = $1 AND ip = $2`, email, ip); err != nil {
		return User{}, fmt.Errorf("clear login failures: %w", err)
	}
	return s.Get(ctx, id)
}
