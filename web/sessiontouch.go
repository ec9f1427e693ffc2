package web

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/loopdesk/loopdesk/internal/staff"
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
	// find reads a live session row and its member in one statement
	// (staff.Store.FindSession).
	find  func(ctx context.Context, hashedToken string) (staff.Session, bool, error)
	codec scs.Codec
	slack time.Duration
}

// sessionRow is the session row a request found.
type sessionRow struct {
	token  string
	data   []byte
	expiry time.Time
	// user is the member the row belongs to, read with it (nil when none,
	// or when this request wrote the row): loadUser takes it instead of
	// reading the member again.
	user *staff.User
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

// FindCtx implements scs.CtxStore.
func (s *lazyTouchStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	sess, found, err := s.find(ctx, token)
	if err != nil || !found {
		return nil, false, err
	}
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok {
		*seen = sessionRow{token: token, data: sess.Data, expiry: sess.Expiry, user: sess.User}
	}
	return sess.Data, true, nil
}

// sessionUser is the member read with the request's session row, when the
// row is the one the request found and belongs to user id; else nil.
func sessionUser(ctx context.Context, id int64) *staff.User {
	if seen, ok := ctx.Value(sessionRowKey{}).(*sessionRow); ok && seen.user != nil && seen.user.ID == id {
		return seen.user
	}
	return nil
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
