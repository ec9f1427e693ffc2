package web

import (
	"context"
	"fmt"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// Session keys.
const (
	sessionUserKey  = "user_id"
	sessionEpochKey = "session_epoch" // the member's users.session_epoch when they signed in
)

// sessionStore keeps sessions in Postgres. The session manager hashes every
// token with SHA-256 before it reaches the store (HashTokenInStore), so the
// sessions table holds no token a reader of the database or a backup could
// present as a cookie. Commit also records whose session a row is (user_id),
// so a password change or reset can end a member's other sessions with one
// DELETE; pgxstore does the rest (find, delete, removing expired rows).
type sessionStore struct {
	*pgxstore.PostgresStore
	db    *pgxpool.Pool
	codec scs.Codec
}

// sqlCommitSession writes a session's data, expiry and staff member.
const sqlCommitSession = `
INSERT INTO sessions (token, data, expiry, user_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`

// Commit implements scs.Store.
func (s *sessionStore) Commit(hashedToken string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), hashedToken, b, expiry)
}

// CommitCtx implements scs.CtxStore; scs calls it with the request context.
func (s *sessionStore) CommitCtx(ctx context.Context, hashedToken string, b []byte, expiry time.Time) error {
	var userID *int64
	if _, values, err := s.codec.Decode(b); err == nil {
		if id, ok := values[sessionUserKey].(int64); ok && id > 0 {
			userID = &id
		}
	}
	if _, err := s.db.Exec(ctx, sqlCommitSession, hashedToken, b, expiry, userID); err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// newSessions returns the session manager: sessions in Postgres under hashed
// tokens, 12 hours at most, 4 idle.
func newSessions(db *pgxpool.Pool, st *staff.Store) *scs.SessionManager {
	sm := scs.New()
	sm.HashTokenInStore = true
	sm.Codec = sessionCodec{} // before the stores take it
	hashed := &sessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(db, 30*time.Minute), db: db, codec: sm.Codec}
	sm.Store = &lazyTouchStore{next: hashed, find: st.FindSession, codec: sm.Codec, slack: touchSlack}
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 4 * time.Hour
	return sm
}
