// Package mailbox reads customer mail from IMAP mailboxes that admins add
// (Gmail, Microsoft 365, a hosting provider) and files it through mailin,
// one reader per mailbox across all instances, with its health for the admin page.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/secretbox"
)

// Security is how the connection to the IMAP server is protected. There is
// no plain-text choice: the password would cross the network readable.
type Security string

// The securities.
const (
	SecurityTLS      Security = "tls"      // TLS from the start, usually port 993
	SecurityStartTLS Security = "starttls" // STARTTLS upgrade, usually port 143
)

// ErrorKind names, in plain words, why a mailbox's last fetch failed; the
// admin page translates it (mailbox_health_<kind>).
type ErrorKind string

// The error kinds.
const (
	ErrWrongPassword ErrorKind = "auth"    // the server refused the user or password
	ErrTLS           ErrorKind = "tls"     // certificate or TLS handshake failed
	ErrConnect       ErrorKind = "connect" // no such host, refused, timed out
	ErrQuota         ErrorKind = "quota"   // the mailbox is over its quota
	ErrFolder        ErrorKind = "folder"  // the folder does not exist
	ErrFiling        ErrorKind = "filing"  // the desk could not file a mail (database)
	ErrPassword      ErrorKind = "sealed"  // the stored password does not open (secret key changed)
	ErrOther         ErrorKind = "other"
)

// PasswordPurpose is the secretbox purpose of mailbox passwords.
const PasswordPurpose = "mailbox passwords"

// Mailbox is one IMAP mailbox with its health.
type Mailbox struct {
	ID          int64
	Host        string
	Port        int
	Security    Security
	Username    string
	Folder      string
	TeamID      int64
	TeamName    string
	FromAddress string // the From of replies to mail from this mailbox; "" for the desk's
	Version     int

	LastSuccessAt *time.Time
	LastErrorAt   *time.Time
	LastErrorKind ErrorKind
	LastError     string // the server's or the system's words, for the admin
	Failures      int    // failed attempts in a row
	FiledToday    int    // filled in by List
	Paused        bool   // an admin paused it: it is not read
}

// Failing reports whether the mailbox's last attempt failed.
func (m Mailbox) Failing() bool { return m.Failures > 0 }

// NewMailbox is the admin's form.
type NewMailbox struct {
	Host        string
	Port        string
	Security    string
	Username    string
	Password    string
	Folder      string
	TeamID      int64
	FromAddress string
}

// Store runs the mailbox SQL and seals passwords.
type Store struct {
	db  *pgxpool.Pool
	box *secretbox.Box
	now func() time.Time
}

// NewStore returns a store on db sealing passwords with a key derived from
// secret (LOOPDESK_SECRET).
func NewStore(db *pgxpool.Pool, secret string, now func() time.Time) (*Store, error) {
	box, err := secretbox.New(secret, PasswordPurpose)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, box: box, now: now}, nil
}

// passwordContext binds a sealed password to its row.
func passwordContext(id int64) []byte { return []byte("mailbox:" + strconv.FormatInt(id, 10)) }

// validate checks n and returns its port, field -> message id otherwise.
func (n *NewMailbox) validate() (int, error) {
	n.Host = strings.TrimSpace(n.Host)
	n.Username = strings.TrimSpace(n.Username)
	n.Folder = strings.TrimSpace(n.Folder)
	n.FromAddress = strings.TrimSpace(n.FromAddress)
	if n.Folder == "" {
		n.Folder = "INBOX"
	}
	var f apperr.Fields
	if n.Host == "" || len(n.Host) > 253 || strings.ContainsAny(n.Host, " /:@\t\r\n") || !utf8.ValidString(n.Host) {
		f.Add("host", "mailbox_error_host")
	}
	port, err := strconv.Atoi(strings.TrimSpace(n.Port))
	if err != nil || port < 1 || port > 65535 {
		f.Add("port", "mailbox_error_port")
	}
	if Security(n.Security) != SecurityTLS && Security(n.Security) != SecurityStartTLS {
		f.Add("security", "mailbox_error_security")
	}
	if n.Username == "" || len(n.Username) > 320 || !printable(n.Username) {
		f.Add("username", "mailbox_error_username")
	}
	if n.Password == "" || len(n.Password) > 1000 || !printable(n.Password) {
		f.Add("password", "mailbox_error_password")
	}
	if len(n.Folder) > 200 || !printable(n.Folder) {
		f.Add("folder", "mailbox_error_folder")
	}
	if n.TeamID <= 0 {
		f.Add("team_id", "mailbox_error_team")
	}
	if n.FromAddress != "" {
		if a, err := mail.ParseAddress(n.FromAddress); err != nil || len(n.FromAddress) > 320 || a.Address == "" {
			f.Add("from_address", "mailbox_error_from")
		}
	}
	return port, f.Err()
}

// printable reports whether s is valid UTF-8 without control characters
// (they would break an IMAP command line).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

const sqlInsertMailbox = `
INSERT INTO mailboxes (host, port, security, username, password_sealed, folder, team_id, from_address, created_at)
VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8)
RETURNING id`

const sqlSealPassword = `UPDATE mailboxes SET password_sealed = $2 WHERE id = $1`

// Create adds a mailbox with its audit event; the password is sealed to
// the new row. The readers pick it up within RescanInterval.
func (s *Store) Create(ctx context.Context, actorID int64, n NewMailbox) (int64, error) {
	port, err := n.validate()
	if err != nil {
		return 0, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, sqlInsertMailbox, n.Host, port, n.Security, n.Username, n.Folder, n.TeamID, n.FromAddress, now).Scan(&id)
		if _, ok := postgres.IsForeignKeyViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"team_id": "mailbox_error_team"})
		}
		if _, ok := postgres.IsUniqueViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"username": "mailbox_error_exists"})
		}
		if err != nil {
			return fmt.Errorf("insert mailbox: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlSealPassword, id, s.box.Seal([]byte(n.Password), passwordContext(id))); err != nil {
			return fmt.Errorf("seal mailbox password: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "mailbox", id, actorID, "mailbox.created",
			map[string]any{"host": n.Host, "username": n.Username, "team_id": n.TeamID})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// Delete removes mailbox id with its audit event; its reader stops within
// RescanInterval. The mail already filed stays on its tickets.
func (s *Store) Delete(ctx context.Context, actorID, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var host, user string
		err := tx.QueryRow(ctx, `DELETE FROM mailboxes WHERE id = $1 RETURNING host, username`, id).Scan(&host, &user)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "mailbox_error_not_found")
		}
		if err != nil {
			return fmt.Errorf("delete mailbox %d: %w", id, err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "mailbox", id, actorID, "mailbox.deleted",
			map[string]any{"host": host, "username": user})
	})
}

const sqlSelectMailbox = `
SELECT m.id, m.host, m.port, m.security, m.username, m.folder, m.team_id, t.name, m.from_address, m.version,
       m.last_success_at, m.last_error_at, m.last_error_kind, m.last_error, m.failures, m.paused
FROM mailboxes m JOIN teams t ON t.id = m.team_id`

func scanMailbox(row pgx.Row) (Mailbox, error) {
	var m Mailbox
	err := row.Scan(&m.ID, &m.Host, &m.Port, &m.Security, &m.Username, &m.Folder, &m.TeamID, &m.TeamName, &m.FromAddress, &m.Version,
		&m.LastSuccessAt, &m.LastErrorAt, &m.LastErrorKind, &m.LastError, &m.Failures, &m.Paused)
	return m, err
}

// sqlFiledSince counts each mailbox's mail filed since $1 (mailbox_filed_idx).
const sqlFiledSince = `
SELECT mailbox_id, count(*) FROM mailbox_filed WHERE filed_at >= $1 GROUP BY mailbox_id`

// List returns every mailbox with its health and the mail filed since
// since (the start of the viewer's day), by host and user.
func (s *Store) List(ctx context.Context, since time.Time) ([]Mailbox, error) {
	rows, err := s.db.Query(ctx, sqlSelectMailbox+` ORDER BY lower(m.host), m.username, m.id`)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mailbox, error) { return scanMailbox(r) })
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	rows, err = s.db.Query(ctx, sqlFiledSince, since)
	if err != nil {
		return nil, fmt.Errorf("count filed mail: %w", err)
	}
	filed := map[int64]int{}
	var id int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { filed[id] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count filed mail: %w", err)
	}
	for i := range list {
		list[i].FiledToday = filed[list[i].ID]
	}
	return list, nil
}

// config is what a reader needs of a mailbox, its password opened.
type config struct {
	Mailbox
	Password string
}

// Addr is host:port.
func (m Mailbox) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// sqlVersions lists the mailboxes to read for the readers' rescan: a
// paused one is left out, so its reader stops and none starts.
const sqlVersions = `SELECT id, version FROM mailboxes WHERE NOT paused ORDER BY id`

// versions returns id -> version of every mailbox.
func (s *Store) versions(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.Query(ctx, sqlVersions)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	out := map[int64]int{}
	var id int64
	var v int
	if _, err := pgx.ForEachRow(rows, []any{&id, &v}, func() error { out[id] = v; return nil }); err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	return out, nil
}

// load returns mailbox id with its password opened.
func (s *Store) load(ctx context.Context, id int64) (config, error) {
	var sealed []byte
	row := s.db.QueryRow(ctx, `SELECT password_sealed FROM mailboxes WHERE id = $1`, id)
	if err := row.Scan(&sealed); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return config{}, apperr.New(apperr.NotFound, "mailbox_error_not_found")
		}
		return config{}, fmt.Errorf("load mailbox %d: %w", id, err)
	}
	m, err := scanMailbox(s.db.QueryRow(ctx, sqlSelectMailbox+` WHERE m.id = $1`, id))
	if err != nil {
		return config{}, fmt.Errorf("load mailbox %d: %w", id, err)
	}
	pw, err := s.box.Open(sealed, passwordContext(id))
	if err != nil {
		return config{Mailbox: m}, err
	}
	return config{Mailbox: m, Password: string(pw)}, nil
}

// recordFiled counts one mail filed from mailbox id.
func (s *Store) recordFiled(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO mailbox_filed (mailbox_id, filed_at) VALUES ($1, $2)`, id, s.now())
	if err != nil {
		return fmt.Errorf("count filed mail: %w", err)
	}
	return nil
}

// sqlRecordSuccess clears the error (and the admins' warning, so that new
// failures warn them again) and removes old filed counts.
const sqlRecordSuccess = `
WITH old AS (DELETE FROM mailbox_filed WHERE mailbox_id = $1 AND filed_at < $2::timestamptz - interval '40 days')
UPDATE mailboxes SET last_success_at = $2, failures = 0, failure_notified = false WHERE id = $1`

// recordSuccess notes a fetch that worked.
func (s *Store) recordSuccess(ctx context.Context, id int64) error {
	if _, err := s.db.Exec(ctx, sqlRecordSuccess, id, s.now()); err != nil {
		return fmt.Errorf("record mailbox health: %w", err)
	}
	return nil
}

const sqlRecordFailure = `
UPDATE mailboxes SET last_error_at = $2, last_error_kind = $3, last_error = $4, failures = failures + 1
WHERE id = $1
RETURNING failures`

// NotifyAfter is how many failures in a row put a mailbox in the admin
// page's warning and send the admins one notification (the bell); they
// are told again only after a success and as many new failures.
const NotifyAfter = 3

// sqlNotifyFailing tells every active admin, once, that mailbox $1 keeps
// failing, and marks that they were told.
const sqlNotifyFailing = `
WITH m AS (
    UPDATE mailboxes SET failure_notified = true
    WHERE id = $1 AND failures >= $3 AND NOT failure_notified
    RETURNING id)
INSERT INTO notifications (user_id, ticket_id, kind, data, created_at)
SELECT u.id, NULL, 'mailbox_failing', jsonb_build_object('mailbox_id', m.id), $2
FROM m, users u
WHERE u.role = 'admin' AND u.active`

// recordFailure notes a failed attempt and returns the failures in a row;
// at NotifyAfter the admins get their one notification.
func (s *Store) recordFailure(ctx context.Context, id int64, kind ErrorKind, msg string) (int, error) {
	var n int
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		if err := tx.QueryRow(ctx, sqlRecordFailure, id, now, string(kind), msg).Scan(&n); err != nil {
			return err
		}
		if n < NotifyAfter {
			return nil
		}
		if _, err := tx.Exec(ctx, sqlNotifyFailing, id, now, NotifyAfter); err != nil {
			return fmt.Errorf("notify admins: %w", err)
		}
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // deleted meanwhile
	}
	if err != nil {
		return 0, fmt.Errorf("record mailbox health: %w", err)
	}
	return n, nil
}

// Get returns mailbox id for the edit form (its password is never read).
func (s *Store) Get(ctx context.Context, id int64) (Mailbox, error) {
	m, err := scanMailbox(s.db.QueryRow(ctx, sqlSelectMailbox+` WHERE m.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Mailbox{}, apperr.New(apperr.NotFound, "mailbox_error_not_found")
	}
	if err != nil {
		return Mailbox{}, fmt.Errorf("mailbox %d: %w", id, err)
	}
	return m, nil
}

// sqlUpdateMailbox saves an admin's edit; the version moves, so the
// mailbox's reader restarts with the new settings.
const sqlUpdateMailbox = `
UPDATE mailboxes SET host = $2, port = $3, security = $4, username = $5, folder = $6, team_id = $7, from_address = $8,
       version = version + 1, failures = 0, failure_notified = false
WHERE id = $1`

// Update saves an admin's changes to mailbox id, with its audit event; an
// empty password keeps the stored one, but only while the server and the
// account stay the same: a changed host, port, security or user name
// without the password typed again is Invalid on "password" (the stored
// password must never be sent to a server it was not typed for).
func (s *Store) Update(ctx context.Context, actorID, id int64, n NewMailbox) error {
	keep := n.Password == ""
	if keep {
		n.Password = "unchanged" // validated as present; not stored
	}
	port, err := n.validate()
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if keep {
			var host, security, username string
			var oldPort int
			err := tx.QueryRow(ctx, `SELECT host, port, security, username FROM mailboxes WHERE id = $1 FOR UPDATE`, id).
				Scan(&host, &oldPort, &security, &username)
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.New(apperr.NotFound, "mailbox_error_not_found")
			}
			if err != nil {
				return fmt.Errorf("mailbox %d: %w", id, err)
			}
			if !strings.EqualFold(host, n.Host) || oldPort != port || security != n.Security || username != n.Username {
				return apperr.InvalidFields(map[string]string{"password": "mailbox_error_password_again"})
			}
		}
		tag, err := tx.Exec(ctx, sqlUpdateMailbox, id, n.Host, port, n.Security, n.Username, n.Folder, n.TeamID, n.FromAddress)
		if _, ok := postgres.IsForeignKeyViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"team_id": "mailbox_error_team"})
		}
		if _, ok := postgres.IsUniqueViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"username": "mailbox_error_exists"})
		}
		if err != nil {
			return fmt.Errorf("update mailbox %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return apperr.New(apperr.NotFound, "mailbox_error_not_found")
		}
		if !keep {
			if _, err := tx.Exec(ctx, sqlSealPassword, id, s.box.Seal([]byte(n.Password), passwordContext(id))); err != nil {
				return fmt.Errorf("seal mailbox password: %w", err)
			}
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "mailbox", id, actorID, "mailbox.updated",
			map[string]any{"host": n.Host, "username": n.Username, "team_id": n.TeamID, "password_changed": !keep})
	})
}

// SetPaused pauses (not read) or resumes mailbox id, with its audit event.
func (s *Store) SetPaused(ctx context.Context, actorID, id int64, paused bool) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE mailboxes SET paused = $2, version = version + 1 WHERE id = $1 AND paused <> $2`, id, paused)
		if err != nil {
			return fmt.Errorf("pause mailbox %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mailboxes WHERE id = $1)`, id).Scan(&exists); err != nil {
				return fmt.Errorf("pause mailbox %d: %w", id, err)
			}
			if !exists {
				return apperr.New(apperr.NotFound, "mailbox_error_not_found")
			}
			return nil // already so
		}
		action := "mailbox.resumed"
		if paused {
			action = "mailbox.paused"
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "mailbox", id, actorID, action, map[string]any{})
	})
}
