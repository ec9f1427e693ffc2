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
       m.last_success_at, m.last_error_at, m.last_error_kind, m.last_error, m.failures
FROM mailboxes m JOIN teams t ON t.id = m.team_id`

func scanMailbox(row pgx.Row) (Mailbox, error) {
	var m Mailbox
	err := row.Scan(&m.ID, &m.Host, &m.Port, &m.Security, &m.Username, &m.Folder, &m.TeamID, &m.TeamName, &m.FromAddress, &m.Version,
		&m.LastSuccessAt, &m.LastErrorAt, &m.LastErrorKind, &m.LastError, &m.Failures)
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

// sqlVersions lists the mailboxes for the readers' rescan.
const sqlVersions = `SELECT id, version FROM mailboxes ORDER BY id`

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

// sqlRecordSuccess clears the error and removes old filed counts.
const sqlRecordSuccess = `
WITH old AS (DELETE FROM mailbox_filed WHERE mailbox_id = $1 AND filed_at < $2::timestamptz - interval '40 days')
UPDATE mailboxes SET last_success_at = $2, failures = 0 WHERE id = $1`

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

// recordFailure notes a failed attempt and returns the failures in a row.
func (s *Store) recordFailure(ctx context.Context, id int64, kind ErrorKind, msg string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, sqlRecordFailure, id, s.now(), string(kind), msg).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // deleted meanwhile
	}
	if err != nil {
		return 0, fmt.Errorf("record mailbox health: %w", err)
	}
	return n, nil
}
