// Package staff holds staff accounts, roles, teams and login: who may work the
// desk, in which team and at which tier, and how they prove it.
package staff

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Role is a staff member's tier. Roles are ordered: rep < senior < supervisor < admin.
type Role string

// The roles.
const (
	RoleRep        Role = "rep"
	RoleSenior     Role = "senior"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, lowest tier first.
var Roles = []Role{RoleRep, RoleSenior, RoleSupervisor, RoleAdmin}

func (r Role) rank() int { return slices.Index(Roles, r) }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r is at or above min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// User is a staff account.
type User struct {
	ID       int64
	Email    string
	Name     string
	Role     Role
	Locale   string
	TimeZone string
	Active   bool
	TeamIDs  []int64
	// SessionEpoch changes whenever the member's sessions must end (password
	// changed or reset, deactivated); a session signed in under another
	// value is refused.
	SessionEpoch int
	// TwoFactor: sign-in wants a code from an authenticator app too.
	TwoFactor bool
}

// InTeam reports whether u belongs to team id.
func (u User) InTeam(id int64) bool { return slices.Contains(u.TeamIDs, id) }

// Location returns the user's time zone (UTC when unknown).
func (u User) Location() *time.Location {
	if loc, ok := zones.Load(u.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(u.TimeZone, loc)
	return loc
}

// zones memoises time.LoadLocation, which reads and parses the zone's file
// on every call; pages format every time in the viewer's zone. It holds
// only names that loaded: at most the system's few hundred zones.
var zones sync.Map // name -> *time.Location

// Team is a group of staff working a queue.
type Team struct {
	ID   int64
	Name string
}

// Store runs staff SQL.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
	// users and teams are the staff and team lists as last read (cache.go).
	users listCache[User]
	teams listCache[Team]
	// hashes bounds the argon2id hashes running at once (19 MiB each);
	// hashWait is how long a request waits for a free slot.
	hashes   chan struct{}
	hashWait time.Duration
	// box seals two-factor secrets (SetSecret); nil: two-factor setup is refused.
	box *secretbox.Box
}

// NewStore returns a Store on db; now is the clock (time.Now in production).
// It runs as many password hashes at once as there are CPUs (at least two),
// and a request waits up to five seconds for a turn.
func NewStore(db *pgxpool.Pool, now func() time.Time) *Store {
	s := &Store{db: db, now: now}
	s.LimitHashing(max(2, runtime.GOMAXPROCS(0)), 5*time.Second)
	return s
}

// LimitHashing sets how many password hashes may run at once and how long a
// request waits for a turn before it is refused as Unavailable. Zero slots
// refuse every hash (tests use it to show the refusal). Call it before use.
func (s *Store) LimitHashing(slots int, wait time.Duration) {
	s.hashes, s.hashWait = make(chan struct{}, max(slots, 0)), wait
}

// NewUser is the input to Create.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Team     string // team name; created when missing; empty for none
	Locale   string
	TimeZone string
	Password string
}

// Validate returns field -> message id failures.
func (n NewUser) Validate() error {
	var f apperr.Fields
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > 254 || !textcheck.Valid(n.Email, textcheck.Line) {
		f.Add("email", "error_email_invalid")
	}
	textcheck.Field(&f, "name", n.Name, textcheck.Line, true, 200)
	textcheck.Field(&f, "team", n.Team, textcheck.Line, false, 100)
	if !n.Role.Valid() {
		f.Add("role", "error_role_invalid")
	}
	if n.Locale != "" && !slices.Contains([]string{"en", "fi", "vi", "hi"}, n.Locale) {
		f.Add("locale", "error_locale_invalid")
	}
	if n.TimeZone != "" {
		if _, err := time.LoadLocation(n.TimeZone); err != nil {
			f.Add("time_zone", "error_time_zone_invalid")
		}
	}
	if msg := PasswordProblem(n.Password, n.Email, n.Name); msg != "" {
		f.Add("password", msg)
	}
	return f.Err()
}

const sqlInsertUser = `
INSERT INTO users (email, name, role, locale, time_zone, password_hash)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id`

// Create adds a staff account (and its team when named), recording an event.
func (s *Store) Create(ctx context.Context, actorID int64, n NewUser) (User, error) {
	n.Email = strings.TrimSpace(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if n.Locale == "" {
		n.Locale = "en"
	}
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, sqlInsertUser, n.Email, n.Name, n.Role, n.Locale, n.TimeZone, hash).Scan(&id); err != nil {
			if _, ok := postgres.IsUniqueViolation(err); ok {
				return apperr.InvalidFields(map[string]string{"email": "error_email_taken"})
			}
			return fmt.Errorf("insert user: %w", err)
		}
		if n.Team != "" {
			team, err := ensureTeamTx(ctx, tx, n.Team)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, team.ID, id); err != nil {
				return fmt.Errorf("join team: %w", err)
			}
		}
		return recordEventTx(ctx, tx, s.now(), "user", id, actorID, "user.created",
			map[string]any{"email": n.Email, "role": n.Role, "team": n.Team})
	})
	if err != nil {
		return User{}, err
	}
	return s.Get(ctx, id)
}

// EnsureTeam returns the team named name, creating it when missing.
func (s *Store) EnsureTeam(ctx context.Context, name string) (Team, error) {
	var t Team
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		t, err = ensureTeamTx(ctx, tx, name)
		return err
	})
	return t, err
}

const sqlEnsureTeam = `
WITH ins AS (
    INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name
)
SELECT id, name FROM ins
UNION ALL
SELECT id, name FROM teams WHERE name = $1
LIMIT 1`

func ensureTeamTx(ctx context.Context, tx pgx.Tx, name string) (Team, error) {
	var t Team
	if err := tx.QueryRow(ctx, sqlEnsureTeam, strings.TrimSpace(name)).Scan(&t.ID, &t.Name); err != nil {
		return Team{}, fmt.Errorf("ensure team %q: %w", name, err)
	}
	return t, nil
}

// sqlSelectUser reads a member with their teams (every request of a signed-in
// member runs it: two primary-key/index lookups, no aggregate).
const sqlSelectUser = `
SELECT u.id, u.email, u.name, u.role, u.locale, u.time_zone, u.active,
       ARRAY(SELECT m.team_id FROM team_members m WHERE m.user_id = u.id ORDER BY m.team_id),
       u.session_epoch, u.totp_enabled_at IS NOT NULL
FROM users u
WHERE u.id = $1`

// dest is where a row of sqlSelectUser's columns scans to. Every statement
// that reads a member scans through it, so a field added here must be read
// by each of them (sqlSelectUser, sqlFindSession), or they all fail.
func (u *User) dest() []any {
	return []any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.TimeZone, &u.Active, &u.TeamIDs, &u.SessionEpoch, &u.TwoFactor}
}

// Get returns the user with id.
func (s *Store) Get(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.QueryRow(ctx, sqlSelectUser, id).Scan(u.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "error_user_not_found")
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// Session is a live session row as the web layer's session store reads it,
// with the member it belongs to read in the same statement.
type Session struct {
	Data   []byte
	Expiry time.Time
	// User is the member whose session it is (sessions.user_id), as Get
	// returns them; nil for a session of nobody (signed out, or a member
	// since deleted).
	User *User
}

// sqlFindSession reads a live session and its member: sqlSelectUser's
// columns (User.dest) over a LEFT JOIN (a row of nobody reads id 0), so one
// round trip serves both on every signed-in request.
const sqlFindSession = `
SELECT s.data, s.expiry,
       coalesce(u.id, 0), coalesce(u.email, ''), coalesce(u.name, ''), coalesce(u.role, ''),
       coalesce(u.locale, ''), coalesce(u.time_zone, ''), coalesce(u.active, false),
       ARRAY(SELECT m.team_id FROM team_members m WHERE m.user_id = u.id ORDER BY m.team_id),
       coalesce(u.session_epoch, 0), u.totp_enabled_at IS NOT NULL
FROM sessions s LEFT JOIN users u ON u.id = s.user_id
WHERE s.token = $1 AND current_timestamp < s.expiry`

// FindSessionSQL is the statement FindSession runs, for the load bench's
// SQL floor (cmd/loadbench); its one argument is the hashed token.
const FindSessionSQL = sqlFindSession

// FindSession returns the live session stored under hashedToken and its
// member; found is false when there is none or it has expired.
func (s *Store) FindSession(ctx context.Context, hashedToken string) (sess Session, found bool, err error) {
	var u User
	err = s.db.QueryRow(ctx, sqlFindSession, hashedToken).Scan(append([]any{&sess.Data, &sess.Expiry}, u.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("find session: %w", err)
	}
	if u.ID != 0 {
		sess.User = &u
	}
	return sess, true, nil
}

// Count returns how many staff accounts exist.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// SetLocale changes a user's interface language.
func (s *Store) SetLocale(ctx context.Context, id int64, locale string) error {
	if !slices.Contains([]string{"en", "fi", "vi", "hi"}, locale) {
		return apperr.InvalidFields(map[string]string{"locale": "error_locale_invalid"})
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `
UPDATE users SET locale = $2, updated_at = $3
WHERE id = $1
RETURNING (SELECT locale FROM users WHERE id = $1)`, id, locale, s.now()).Scan(&old)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("set locale: %w", err)
		}
		if old == locale {
			return nil
		}
		return recordEventTx(ctx, tx, s.now(), "user", id, id, "user.locale_changed", map[string]any{"old": old, "new": locale})
	})
}

func recordEventTx(ctx context.Context, tx pgx.Tx, at time.Time, subject string, subjectID, actorID int64, action string, data map[string]any) error {
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	_, err := tx.Exec(ctx, `
INSERT INTO events (subject_type, subject_id, actor_id, action, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, subject, subjectID, actor, action, data, at)
	if err != nil {
		return fmt.Errorf("record event %s: %w", action, err)
	}
	return nil
}
