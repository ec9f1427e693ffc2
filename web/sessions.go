package web

import (
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// newSessions returns the session manager: sessions in Postgres, 12 hours at
// most, 4 idle. The manager hashes every token with SHA-256 before it reaches
// the store (HashTokenInStore), so the sessions table holds no token that a
// reader of the database or a backup could present as a cookie.
func newSessions(db *pgxpool.Pool) *scs.SessionManager {
	sm := scs.New()
	sm.HashTokenInStore = true
	sm.Store = pgxstore.NewWithCleanupInterval(db, 30*time.Minute)
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 4 * time.Hour
	return sm
}
