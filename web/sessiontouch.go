package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// touchSlack is how far a session's idle deadline may lag behind before its
// row is written again. scs commits every session on every request (with an
// idle timeout each request moves the deadline); the row need only move
// when its data changed or the deadline moved by more than this. The idle
// timeout is thereby at most this much shorter than configured.
const touchSlack = time.Minute

// lazyTouchStore wraps the session store (scs.Store with CommitCtx) so that a
// request whose session data did not change, and whose idle deadline moved by
// less than touchSlack, writes nothing: one round trip per request instead of
// two. What the request read is passed from Find to Commit in the request
// context (withSessionRow); without it every commit is written.
type lazyTouchStore struct {
	next interface {
		scs.Store
		CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error
	}
	db    *pgxpool.Pool
	codec scs.Codec
	slack time.Duration
}

// sessionRow is the session row a request found.
type sessionRow struct {
	token  string
	data   []byte
	expiry time.Time
}

type sessionRowKey struct{}

// withSessionRow gives the request a place for the session row it reads.
func withSessionRow(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionRowKey{}, &sessionRow{})
}

// loadAndSave is scs's LoadAndSave with a place for the session row.
func loadAndSave(sm *scs.SessionManager) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		inner := sm.LoadAndSave(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r.WithContext(withSessionRow(r.Context())))
		})
	}
}

// sqlFindSession reads a live session and its expiry (pgxstore's Find without the expiry).
const sqlFindSession = `SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry`

// FindCtx implements scs.CtxStore.
func (s *lazyTouchStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var row sessionRow
	err := s.db.QueryRow(ctx, sqlFindSession, token).Scan(&row.data, &row.expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok {
		row.token = token
		*seen = row
	}
	return row.data, true, nil
}

// CommitCtx implements scs.CtxStore: it skips the write when nothing but a
// small move of the idle deadline would change.
func (s *lazyTouchStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok && seen.token == token && seen.token != "" &&
		expiry.Sub(seen.expiry) < s.slack && !expiry.Before(seen.expiry) && s.sameData(seen.data, b) {
		return nil
	}
	if err := s.next.CommitCtx(ctx, token, b, expiry); err != nil {
		return err
	}
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok {
		*seen = sessionRow{token: token, data: b, expiry: expiry}
	}
	return nil
}

// sameData reports whether two encoded sessions hold the same deadline and
// values (gob writes a map in random order, so equal values may differ in bytes).
func (s *lazyTouchStore) sameData(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	da, va, err1 := s.codec.Decode(a)
	db, vb, err2 := s.codec.Decode(b)
	return err1 == nil && err2 == nil && da.Equal(db) && reflect.DeepEqual(va, vb)
}

// DeleteCtx implements scs.CtxStore.
func (s *lazyTouchStore) DeleteCtx(ctx context.Context, token string) error {
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok {
		*seen = sessionRow{}
	}
	return s.next.Delete(token)
}

// Find, Commit and Delete implement scs.Store for callers without a context.
func (s *lazyTouchStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *lazyTouchStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.next.CommitCtx(context.Background(), token, b, expiry)
}

func (s *lazyTouchStore) Delete(token string) error { return s.next.Delete(token) }
