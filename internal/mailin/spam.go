package mailin

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Spam keeps unwanted mail out of the queues. Before a mail is filed the
// desk asks it: a sender on the admins' block list (an address or a whole
// domain), a failed DMARC check (as our MX recorded it) of a domain whose
// policy is reject or quarantine (under p=none the mail is filed and
// shows its failed result), or a sender who
// opened more than the allowed new tickets in the last hour, and the mail
// is held in the Spam view instead (table mail_spam, whole, with its
// route), where a rep releases it (it is filed as normal) or deletes it.
// Held mail creates no ticket and sends no acknowledgement.
type Spam struct {
	db   *pgxpool.Pool
	now  func() time.Time
	opts SpamOptions
}

// SpamOptions configure the checks.
type SpamOptions struct {
	// AuthServID is our MX's authserv-id: only an Authentication-Results
	// header with it, and only the topmost one, is believed. "" believes
	// none (no sender-authentication result is shown or acted on).
	AuthServID string
	// NewTicketsPerHour is how many new tickets one sender may open by
	// mail in an hour; mail over it that would open another is held. 0:
	// no limit.
	NewTicketsPerHour int
	// KeepDays is how long held mail is kept before Purge removes it; 0:
	// DefaultKeepDays.
	KeepDays int
}

// DefaultKeepDays is how long held mail is kept unless configured.
const DefaultKeepDays = 30

// MaxHeldPerSender is how many held mails of one sender are kept: holding
// another removes that sender's oldest.
const MaxHeldPerSender = 50

// The reasons mail is held.
const (
	ReasonBlocked = "blocked" // the sender or its domain is on the block list
	ReasonRate    = "rate"    // over the sender's new tickets per hour
	ReasonDMARC   = "dmarc"   // DMARC failed at our MX
)

// NewSpam returns the spam checks and store on db.
func NewSpam(db *pgxpool.Pool, now func() time.Time, opts SpamOptions) *Spam {
	opts.AuthServID = strings.ToLower(strings.TrimSpace(opts.AuthServID))
	return &Spam{db: db, now: now, opts: opts}
}

// HeldMail is one line of the Spam view.
type HeldMail struct {
	ID         int64
	Reason     string
	FromName   string
	FromEmail  string
	Subject    string
	Preview    string
	Auth       tickets.MailAuth
	ReceivedAt time.Time
}

// maxPreview bounds the text kept beside a held mail for the list.
const maxPreview = 300

// sqlHold keeps a mail for the Spam view; a redelivery of one held
// already changes nothing.
const sqlHold = `
INSERT INTO mail_spam (message_id, reason, from_name, from_email, subject, preview, spf, dkim, dmarc, team_id, own, raw, received_at, mailbox_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (message_id) DO NOTHING
RETURNING id`

// hold keeps raw (parsed as m, come in on route) in the Spam view.
func (s *Spam) hold(ctx context.Context, m Message, raw []byte, route Route, reason string) error {
	clean := func(v string, n int) string {
		v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
		if utf8.RuneCountInString(v) > n {
			v = string([]rune(v)[:n])
		}
		return v
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		var id int64
		err := tx.QueryRow(ctx, sqlHold, clean(m.MessageID, 1000), reason, clean(m.FromName, 200), clean(m.FromEmail, 320),
			clean(m.Subject, 300), clean(strings.Join(strings.Fields(m.Body), " "), maxPreview),
			clean(m.Auth.SPF, 30), clean(m.Auth.DKIM, 30), clean(m.Auth.DMARC, 30),
			postgres.NullID(route.TeamID), append([]string{}, route.Own...), raw, now, postgres.NullID(route.MailboxID)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // held before
		}
		if err != nil {
			return fmt.Errorf("hold mail: %w", err)
		}
		// One sender fills at most MaxHeldPerSender rows (mail_spam_from_idx).
		if _, err := tx.Exec(ctx, `
DELETE FROM mail_spam WHERE id IN (
  SELECT id FROM mail_spam WHERE lower(from_email) = lower($1)
  ORDER BY received_at DESC, id DESC OFFSET $2)`, clean(m.FromEmail, 320), MaxHeldPerSender); err != nil {
			return fmt.Errorf("cap held mail of sender: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "mail_spam", id, 0, "mail.held",
			map[string]any{"reason": reason, "from": clean(m.FromEmail, 320)})
	})
}

// SpamCursor is where a page of the Spam view starts (keyset).
type SpamCursor struct {
	ReceivedAt time.Time
	ID         int64
}

// sqlHeldTeam is the team a held mail belongs to: its route's, or the
// intake team (the lowest id, as tickets.createPublicTx files it).
const sqlHeldTeam = `coalesce(team_id, (SELECT min(id) FROM teams))`

// sqlHeldVisible is tickets.Actor.SeesTeam of a held mail's team: $all
// (SeeAll) or the team among $teams.
func sqlHeldVisible(all, teams string) string {
	return "(" + all + "::bool OR " + sqlHeldTeam + " = ANY(" + teams + "::bigint[]))"
}

var sqlHeld = `
SELECT id, reason, from_name, from_email, subject, preview, spf, dkim, dmarc, received_at
FROM mail_spam
WHERE ($1::timestamptz IS NULL OR (received_at, id) < ($1, $2)) AND ` + sqlHeldVisible("$4", "$5") + `
ORDER BY received_at DESC, id DESC
LIMIT $3`

// Held lists the held mail a may see (that of the teams whose tickets a
// sees: tickets.Actor.SeesTeam), newest first, limit at a time after the
// cursor (nil for the first page); next is the cursor of the page after,
// nil at the end.
func (s *Spam) Held(ctx context.Context, a tickets.Actor, after *SpamCursor, limit int) (list []HeldMail, next *SpamCursor, err error) {
	var at *time.Time
	var id int64
	if after != nil {
		at, id = &after.ReceivedAt, after.ID
	}
	rows, err := s.db.Query(ctx, sqlHeld, at, id, limit+1, a.SeeAll, teamIDs(a))
	if err != nil {
		return nil, nil, fmt.Errorf("held mail: %w", err)
	}
	list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (HeldMail, error) {
		var h HeldMail
		return h, r.Scan(&h.ID, &h.Reason, &h.FromName, &h.FromEmail, &h.Subject, &h.Preview,
			&h.Auth.SPF, &h.Auth.DKIM, &h.Auth.DMARC, &h.ReceivedAt)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("held mail: %w", err)
	}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = &SpamCursor{ReceivedAt: last.ReceivedAt, ID: last.ID}
	}
	return list, next, nil
}

// teamIDs is a's teams, never nil (a NULL array would match nothing
// either, but say so plainly).
func teamIDs(a tickets.Actor) []int64 {
	return append([]int64{}, a.TeamIDs...)
}

// HeldCount is how many held mails a may see.
func (s *Spam) HeldCount(ctx context.Context, a tickets.Actor) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM mail_spam WHERE `+sqlHeldVisible("$1", "$2"), a.SeeAll, teamIDs(a)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count held mail: %w", err)
	}
	return n, nil
}

// heldRaw returns held mail id, its route and its raw bytes; NotFound
// when a may not see it.
func (s *Spam) heldRaw(ctx context.Context, a tickets.Actor, id int64) ([]byte, Route, error) {
	var raw []byte
	var team, box *int64
	var route Route
	var owner int64
	err := s.db.QueryRow(ctx, `SELECT raw, team_id, mailbox_id, own, coalesce(`+sqlHeldTeam+`, 0) FROM mail_spam WHERE id = $1`, id).
		Scan(&raw, &team, &box, &route.Own, &owner)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !a.SeesTeam(owner)) {
		return nil, route, apperr.New(apperr.NotFound, "spam_error_not_found")
	}
	if err != nil {
		return nil, route, fmt.Errorf("held mail %d: %w", id, err)
	}
	if team != nil {
		route.TeamID = *team
	}
	if box != nil {
		route.MailboxID = *box
	}
	return raw, route, nil
}

// remove deletes held mail id, when a may see it, with its event (action
// mail.released or mail.deleted, ticket the ticket a release filed it on).
func (s *Spam) remove(ctx context.Context, a tickets.Actor, id int64, action string, ticket int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var from, reason string
		err := tx.QueryRow(ctx, `DELETE FROM mail_spam WHERE id = $1 AND `+sqlHeldVisible("$2", "$3")+` RETURNING from_email, reason`,
			id, a.SeeAll, teamIDs(a)).Scan(&from, &reason)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "spam_error_not_found")
		}
		if err != nil {
			return fmt.Errorf("remove held mail %d: %w", id, err)
		}
		data := map[string]any{"from": from, "reason": reason}
		if ticket != 0 {
			data["ticket_id"] = ticket
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "mail_spam", id, a.UserID, action, data)
	})
}

// Delete removes held mail id for good, with its audit event; NotFound
// when a may not see it.
func (s *Spam) Delete(ctx context.Context, a tickets.Actor, id int64) error {
	return s.remove(ctx, a, id, "mail.deleted", 0)
}

// Block is one entry of the block list: a lower-case address
// ("someone@example.com") or a domain ("example.com", which covers its
// subdomains too).
type Block struct {
	ID        int64
	Pattern   string
	ByName    string
	CreatedAt time.Time
}

// Blocks lists the block list, by pattern.
func (s *Spam) Blocks(ctx context.Context) ([]Block, error) {
	rows, err := s.db.Query(ctx, `
SELECT b.id, b.pattern, coalesce(u.name, ''), b.created_at
FROM mail_blocks b LEFT JOIN users u ON u.id = b.created_by
ORDER BY b.pattern`)
	if err != nil {
		return nil, fmt.Errorf("block list: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Block, error) {
		var b Block
		return b, r.Scan(&b.ID, &b.Pattern, &b.ByName, &b.CreatedAt)
	})
}

// domainPattern is a domain name as the block list takes it.
var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// normalizeBlock checks a typed address or domain ("@example.com" and
// "*.example.com" are read as the domain); field "pattern" otherwise.
func normalizeBlock(p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	p = strings.TrimPrefix(strings.TrimPrefix(p, "*."), "@")
	bad := apperr.InvalidFields(map[string]string{"pattern": "spam_error_pattern"})
	if len(p) < 3 || len(p) > 320 {
		return "", bad
	}
	if local, domain, ok := strings.Cut(p, "@"); ok {
		a, err := mail.ParseAddress(p)
		if err != nil || a.Address != p || local == "" || !domainPattern.MatchString(domain) {
			return "", bad
		}
		return p, nil
	}
	if !domainPattern.MatchString(p) {
		return "", bad
	}
	return p, nil
}

// AddBlock puts an address or a domain on the block list, with its audit
// event; an invalid one or one listed already is Invalid on "pattern".
func (s *Spam) AddBlock(ctx context.Context, actorID int64, pattern string) (int64, error) {
	p, err := normalizeBlock(pattern)
	if err != nil {
		return 0, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		err := tx.QueryRow(ctx, `INSERT INTO mail_blocks (pattern, created_by, created_at) VALUES ($1, $2, $3) RETURNING id`,
			p, postgres.NullID(actorID), now).Scan(&id)
		if _, ok := postgres.IsUniqueViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"pattern": "spam_error_listed"})
		}
		if err != nil {
			return fmt.Errorf("add block: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, now, "mail_block", id, actorID, "mail_block.added", map[string]any{"pattern": p})
	})
	return id, err
}

// RemoveBlock takes entry id off the block list, with its audit event.
func (s *Spam) RemoveBlock(ctx context.Context, actorID, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var p string
		err := tx.QueryRow(ctx, `DELETE FROM mail_blocks WHERE id = $1 RETURNING pattern`, id).Scan(&p)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "spam_error_not_found")
		}
		if err != nil {
			return fmt.Errorf("remove block: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "mail_block", id, actorID, "mail_block.removed", map[string]any{"pattern": p})
	})
}

// sqlBlocked says whether an address or its domain (or a parent domain)
// is on the block list: $1 is the address, $2 its domain and the parents.
const sqlBlocked = `SELECT EXISTS (SELECT 1 FROM mail_blocks WHERE pattern = $1 OR pattern = ANY($2))`

// blocked reports whether mail from addr is blocked.
func (s *Spam) blocked(ctx context.Context, addr string) (bool, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	_, domain, _ := strings.Cut(addr, "@")
	var domains []string
	for d := domain; strings.Contains(d, "."); {
		domains = append(domains, d)
		_, d, _ = strings.Cut(d, ".")
	}
	var b bool
	if err := s.db.QueryRow(ctx, sqlBlocked, addr, domains).Scan(&b); err != nil {
		return false, fmt.Errorf("block list: %w", err)
	}
	return b, nil
}

// sqlNewTicketsSince counts the tickets a sender opened by mail since $2
// (customers.email is unique; tickets_customer_idx).
const sqlNewTicketsSince = `
SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id
WHERE c.email = $1 AND t.channel = 'email' AND t.created_at >= $2`

// sqlPassedOnly narrows sqlNewTicketsSince to tickets opened by a mail
// that passed DMARC at our MX.
const sqlPassedOnly = `
  AND (SELECT e.dmarc FROM messages m LEFT JOIN message_email e ON e.message_id = m.id
       WHERE m.ticket_id = t.id ORDER BY m.id LIMIT 1) = 'pass'`

// overRate reports whether addr has opened NewTicketsPerHour tickets by
// mail in the last hour. For mail that passed DMARC (passed) only tickets
// opened by mail that passed count: mail forged in a customer's name
// cannot use up their limit and get their real mail held.
func (s *Spam) overRate(ctx context.Context, addr string, passed bool) (bool, error) {
	if s.opts.NewTicketsPerHour <= 0 {
		return false, nil
	}
	q := sqlNewTicketsSince
	if passed {
		q += sqlPassedOnly
	}
	var n int
	if err := s.db.QueryRow(ctx, q, addr, s.now().Add(-time.Hour)).Scan(&n); err != nil {
		return false, fmt.Errorf("new tickets of sender: %w", err)
	}
	return n >= s.opts.NewTicketsPerHour, nil
}

// ownMessage reports whether messageID is one the desk sent (the outbox
// keeps the left part of each): a mail carrying it is our own mail come
// back, a loop.
func (s *Spam) ownMessage(ctx context.Context, messageID string) (bool, error) {
	left, _, ok := strings.Cut(messageID, "@")
	if !ok || left == "" {
		return false, nil
	}
	var own bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE message_id = $1)`, left).Scan(&own); err != nil {
		return false, fmt.Errorf("own message id: %w", err)
	}
	return own, nil
}

// check says why m must not reach the queues: its sender is blocked, it
// failed DMARC, or its sender is over the new-ticket rate (ReasonRate:
// only a new ticket is refused); "" when it may.
func (s *Spam) check(ctx context.Context, m Message) (string, error) {
	blocked, err := s.blocked(ctx, m.FromEmail)
	if err != nil {
		return "", err
	}
	switch {
	case blocked:
		return ReasonBlocked, nil
	case m.Auth.DMARC == "fail" && DMARCEnforced(m.AuthHeaders, s.opts.AuthServID):
		return ReasonDMARC, nil
	}
	over, err := s.overRate(ctx, m.FromEmail, m.Auth.DMARC == "pass")
	if err != nil || !over {
		return "", err
	}
	return ReasonRate, nil
}

// Purge removes held mail older than KeepDays (nobody released it: it
// was spam) and returns how many; run by PurgeArgs.
func (s *Spam) Purge(ctx context.Context) (int64, error) {
	days := s.opts.KeepDays
	if days <= 0 {
		days = DefaultKeepDays
	}
	tag, err := s.db.Exec(ctx, `DELETE FROM mail_spam WHERE received_at < $1`, s.now().AddDate(0, 0, -days))
	if err != nil {
		return 0, fmt.Errorf("purge held mail: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PurgeInterval is how often held mail past KeepDays is purged.
const PurgeInterval = 6 * time.Hour

// PurgeArgs is the periodic job that purges old held mail.
type PurgeArgs struct{}

// Kind is the job's River kind.
func (PurgeArgs) Kind() string { return "mail_spam_purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	s *Spam
}

// NewPurgeWorker returns the worker purging s.
func NewPurgeWorker(s *Spam) *PurgeWorker { return &PurgeWorker{s: s} }

// Work purges old held mail.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.s.Purge(ctx)
	return err
}

// PeriodicJobs returns the purge of held mail, every PurgeInterval and at
// start.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(PurgeInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}
