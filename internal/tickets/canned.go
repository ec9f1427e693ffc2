package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Canned reply limits, mirrored by the schema's CHECK constraints.
const (
	MaxCannedTitle = 100
	MaxCannedBody  = 5000
	// maxCannedList bounds one list: a desk has dozens, not thousands.
	maxCannedList = 500
)

// CannedLocales are the languages a canned reply may be written in, in the
// order the lists show them (after the customer's own).
var CannedLocales = []string{"en", "fi", "vi", "hi"}

// The placeholders a canned reply's body may hold, filled when a rep inserts
// it (plain text substitution: no template engine ever runs on these bodies).
const (
	PlaceholderCustomerName = "{{customer_name}}"
	PlaceholderTicketNumber = "{{ticket_number}}"
	PlaceholderAgentName    = "{{agent_name}}"
)

// CannedPlaceholders lists the placeholders, for forms that explain them.
var CannedPlaceholders = []string{PlaceholderCustomerName, PlaceholderTicketNumber, PlaceholderAgentName}

// CannedReply is a saved answer reps insert into their replies.
type CannedReply struct {
	ID            int64
	TeamID        int64 // 0: everyone
	TeamName      string
	Locale        string
	Title         string
	Body          string
	Version       int
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ArchivedAt    *time.Time
}

// CannedDraft is the create/edit form of a canned reply. Version is the
// version the editor saw (edits only).
type CannedDraft struct {
	TeamID  int64 // 0: everyone
	Locale  string
	Title   string
	Body    string
	Version int
}

// Validate trims d and returns field -> message id failures.
func (d *CannedDraft) Validate() error {
	d.Title, d.Body = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	var f apperr.Fields
	checkText(&f, "title", d.Title, true, MaxCannedTitle)
	checkText(&f, "body", d.Body, true, MaxCannedBody)
	// Say the limit: a long answer is usually pasted and needs cutting.
	for field, msg := range map[string]string{"title": "canned_error_title_long", "body": "canned_error_body_long"} {
		if f[field] == "error_too_long" {
			f[field] = msg
		}
	}
	if !slices.Contains(CannedLocales, d.Locale) {
		f.Add("locale", "error_locale_invalid")
	}
	if d.TeamID < 0 {
		f.Add("team_id", "error_invalid_choice")
	}
	return f.Err()
}

// CannedFilter narrows a list of canned replies.
type CannedFilter struct {
	TeamID       int64  // non-zero: the replies of this team and of everyone
	Locale       string // non-empty: only this language
	PreferLocale string // this language first (the customer's)
	Archived     bool   // the archived replies instead of the active ones
}

// canManageCanned: supervisors and admins (the actors who see every ticket)
// write, edit and archive canned replies; reps only use them.
func (a Actor) canManageCanned() bool { return a.SeeAll && a.UserID != 0 }

// Canned reply events (subject_type canned_reply).
const (
	cannedSubject       = "canned_reply"
	eventCannedCreated  = "canned_reply.created"
	eventCannedEdited   = "canned_reply.edited"
	eventCannedArchived = "canned_reply.archived"
)

// sqlInsertCanned saves a new canned reply.
const sqlInsertCanned = `
INSERT INTO canned_replies (team_id, locale, title, body, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
RETURNING id`

// sqlUpdateCanned edits a canned reply and bumps its version.
const sqlUpdateCanned = `
UPDATE canned_replies
SET team_id = $2, locale = $3, title = $4, body = $5, updated_at = $6, version = version + 1
WHERE id = $1`

// sqlArchiveCanned takes a canned reply out of use.
const sqlArchiveCanned = `
UPDATE canned_replies SET archived_at = $2, updated_at = $2, version = version + 1 WHERE id = $1`

const sqlSelectCanned = `
SELECT c.id, coalesce(c.team_id, 0), coalesce(tm.name, ''), c.locale, c.title, c.body, c.version,
       c.created_by, u.name, c.created_at, c.updated_at, c.archived_at
FROM canned_replies c
JOIN users u ON u.id = c.created_by
LEFT JOIN teams tm ON tm.id = c.team_id`

// sqlListCanned lists canned replies: those of all teams when $1, else
// everyone's and those of teams $2; for team $3 (0: any); in language $4
// (empty: any); archived or not ($5); at most $7. Language $6 comes first,
// then the CannedLocales order, a team's own before everyone's, by title.
// The parameters are read from p, which the planner cannot look into: a
// plan made for the values at hand (the ticket page's "all teams", "any
// language") came out cheaper than the one Postgres could keep, so every
// ticket page planned the statement again, which cost more than running it.
const sqlListCanned = `
WITH p AS MATERIALIZED (
    SELECT $1::boolean AS all_teams, $2::bigint[] AS teams, $3::bigint AS team, $4::text AS locale,
           $5::boolean AS archived, $6::text AS prefer
)` + sqlSelectCanned + `
CROSS JOIN p
WHERE (p.all_teams OR c.team_id IS NULL OR c.team_id = ANY(p.teams))
  AND (p.team = 0 OR c.team_id IS NULL OR c.team_id = p.team)
  AND (p.locale = '' OR c.locale = p.locale)
  AND (c.archived_at IS NOT NULL) = p.archived
ORDER BY c.locale = p.prefer DESC, array_position(ARRAY['en', 'fi', 'vi', 'hi'], c.locale),
         c.team_id IS NULL, lower(c.title), c.id
LIMIT (SELECT $7::int)`

func scanCanned(r pgx.Row) (CannedReply, error) {
	var c CannedReply
	err := r.Scan(&c.ID, &c.TeamID, &c.TeamName, &c.Locale, &c.Title, &c.Body, &c.Version,
		&c.CreatedBy, &c.CreatedByName, &c.CreatedAt, &c.UpdatedAt, &c.ArchivedAt)
	return c, err
}

// getCanned reads canned reply id through q (locked when forUpdate).
func getCanned(ctx context.Context, q postgres.Querier, id int64, forUpdate bool) (CannedReply, error) {
	sql := sqlSelectCanned + ` WHERE c.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF c`
	}
	c, err := scanCanned(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return CannedReply{}, apperr.New(apperr.NotFound, "canned_error_not_found")
	}
	if err != nil {
		return CannedReply{}, fmt.Errorf("get canned reply %d: %w", id, err)
	}
	return c, nil
}

// cannedVisible reports whether a may see c: everyone's, their teams', or
// every one for those who manage them.
func (a Actor) cannedVisible(c CannedReply) bool {
	return a.canManageCanned() || c.TeamID == 0 || slices.Contains(a.TeamIDs, c.TeamID)
}

// teamFK turns a foreign key violation on team_id into a field error.
func teamFK(err error) error {
	if _, ok := postgres.IsForeignKeyViolation(err); ok {
		return apperr.InvalidFields(map[string]string{"team_id": "error_invalid_choice"})
	}
	return nil
}

// CreateCanned saves d as a new canned reply by a, a supervisor or admin,
// with its event.
func (s *Store) CreateCanned(ctx context.Context, a Actor, d CannedDraft) (CannedReply, error) {
	if !a.canManageCanned() {
		return CannedReply{}, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	if err := d.Validate(); err != nil {
		return CannedReply{}, err
	}
	var id int64
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, sqlInsertCanned, postgres.NullID(d.TeamID), d.Locale, d.Title, d.Body, a.UserID, now).Scan(&id)
		if fk := teamFK(err); fk != nil {
			return fk
		}
		if err != nil {
			return fmt.Errorf("insert canned reply: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, cannedSubject, id, a.UserID, eventCannedCreated,
			map[string]any{"team_id": d.TeamID, "locale": d.Locale, "title": d.Title})
	})
	if err != nil {
		return CannedReply{}, err
	}
	return getCanned(ctx, s.db, id, false)
}

// UpdateCanned edits canned reply id as a, a supervisor or admin. d.Version
// must be the stored version (else Conflict); the event lists each changed
// field old -> new (the body only as changed, not its text).
func (s *Store) UpdateCanned(ctx context.Context, a Actor, id int64, d CannedDraft) (CannedReply, error) {
	if !a.canManageCanned() {
		return CannedReply{}, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	if err := d.Validate(); err != nil {
		return CannedReply{}, err
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		c, err := getCanned(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c.ArchivedAt != nil {
			return apperr.New(apperr.Conflict, "canned_error_archived")
		}
		if c.Version != d.Version {
			return apperr.New(apperr.Conflict, "canned_error_conflict")
		}
		changes := map[string]any{}
		if c.TeamID != d.TeamID {
			changes["team_id"] = map[string]any{"old": c.TeamID, "new": d.TeamID}
		}
		if c.Locale != d.Locale {
			changes["locale"] = map[string]any{"old": c.Locale, "new": d.Locale}
		}
		if c.Title != d.Title {
			changes["title"] = map[string]any{"old": c.Title, "new": d.Title}
		}
		if c.Body != d.Body {
			changes["body"] = true
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.now()
		if _, err := tx.Exec(ctx, sqlUpdateCanned, id, postgres.NullID(d.TeamID), d.Locale, d.Title, d.Body, now); err != nil {
			if fk := teamFK(err); fk != nil {
				return fk
			}
			return fmt.Errorf("update canned reply %d: %w", id, err)
		}
		return postgres.RecordEvent(ctx, tx, now, cannedSubject, id, a.UserID, eventCannedEdited, changes)
	})
	if err != nil {
		return CannedReply{}, err
	}
	return getCanned(ctx, s.db, id, false)
}

// ArchiveCanned takes canned reply id out of use, as a, a supervisor or
// admin. Archiving an archived reply changes nothing.
func (s *Store) ArchiveCanned(ctx context.Context, a Actor, id int64) (CannedReply, error) {
	if !a.canManageCanned() {
		return CannedReply{}, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		c, err := getCanned(ctx, tx, id, true)
		if err != nil || c.ArchivedAt != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, sqlArchiveCanned, id, now); err != nil {
			return fmt.Errorf("archive canned reply %d: %w", id, err)
		}
		return postgres.RecordEvent(ctx, tx, now, cannedSubject, id, a.UserID, eventCannedArchived,
			map[string]any{"title": c.Title})
	})
	if err != nil {
		return CannedReply{}, err
	}
	return getCanned(ctx, s.db, id, false)
}

// GetCanned reads canned reply id as a: reps see everyone's and their
// teams' replies; others are NotFound.
func (s *Store) GetCanned(ctx context.Context, a Actor, id int64) (CannedReply, error) {
	c, err := getCanned(ctx, s.db, id, false)
	if err != nil {
		return CannedReply{}, err
	}
	if !a.cannedVisible(c) {
		return CannedReply{}, apperr.New(apperr.NotFound, "canned_error_not_found")
	}
	return c, nil
}

// ListCanned lists the canned replies a may see (reps: everyone's and their
// teams'; supervisors and admins: all), narrowed by f.
func (s *Store) ListCanned(ctx context.Context, a Actor, f CannedFilter) ([]CannedReply, error) {
	return s.listCanned(ctx, a.canManageCanned(), a.TeamIDs, f)
}

// CannedForTicket lists the active canned replies offered on ticket t (which
// a sees): those of t's team and everyone's, the customer's language first.
func (s *Store) CannedForTicket(ctx context.Context, a Actor, t Ticket) ([]CannedReply, error) {
	if !a.CanSee(t) {
		return nil, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	// The ticket decides, not the rep's teams: a rep working another
	// team's ticket (a transfer) gets that team's answers.
	return s.listCanned(ctx, true, nil, cannedForTicket(t))
}

// cannedForTicket is the filter of the replies offered on ticket t.
func cannedForTicket(t Ticket) CannedFilter {
	return CannedFilter{TeamID: t.TeamID, PreferLocale: t.Customer.Locale}
}

func (s *Store) listCanned(ctx context.Context, all bool, teams []int64, f CannedFilter) ([]CannedReply, error) {
	if teams == nil {
		teams = []int64{}
	}
	rows, err := s.db.Query(ctx, sqlListCanned, all, teams, f.TeamID, f.Locale, f.Archived, f.PreferLocale, maxCannedList)
	if err != nil {
		return nil, fmt.Errorf("list canned replies: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CannedReply, error) { return scanCanned(r) })
}

// FillCanned returns canned reply cannedID's body for a reply on ticket t by
// a, its placeholders filled. A reply that is archived, or not for t's team
// or everyone, is NotFound.
func (s *Store) FillCanned(ctx context.Context, a Actor, t Ticket, cannedID int64) (string, error) {
	if !a.CanSee(t) {
		return "", apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	c, err := getCanned(ctx, s.db, cannedID, false)
	if err != nil {
		return "", err
	}
	if c.ArchivedAt != nil || (c.TeamID != 0 && c.TeamID != t.TeamID) {
		return "", apperr.New(apperr.NotFound, "canned_error_not_found")
	}
	var agent string
	if err := s.db.QueryRow(ctx, `SELECT name FROM users WHERE id = $1`, a.UserID).Scan(&agent); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("agent name: %w", err)
	}
	return FillPlaceholders(c.Body, Placeholders{CustomerName: t.Customer.Name, TicketNumber: t.ID, AgentName: agent}), nil
}

// Placeholders are the values a canned reply's placeholders stand for.
type Placeholders struct {
	CustomerName string
	TicketNumber int64
	AgentName    string
}

// FillPlaceholders replaces the placeholders in body by v's values in one
// pass: a value that itself reads like a placeholder is left as it is, and
// anything else in braces stays as written.
func FillPlaceholders(body string, v Placeholders) string {
	return strings.NewReplacer(
		PlaceholderCustomerName, v.CustomerName,
		PlaceholderTicketNumber, "#"+strconv.FormatInt(v.TicketNumber, 10),
		PlaceholderAgentName, v.AgentName,
	).Replace(body)
}

// AppendCanned puts text into a reply box holding current: the text alone
// when the box is empty, else after what is there and a blank line, so a
// rep never loses what they typed.
func AppendCanned(current, text string) string {
	if strings.TrimSpace(current) == "" {
		return text
	}
	return strings.TrimRight(current, " \t\r\n") + "\n\n" + text
}
