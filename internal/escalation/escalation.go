package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Reasons a rep may give for escalating (a list plus free text).
var Reasons = []string{"needs_expertise", "billing_adjustment", "technical_fault", "delivery_problem",
	"policy_exception", "complaint", "vip_customer", "other"}

// ReasonSLABreach is the reason of escalations the SLA clock makes itself.
const ReasonSLABreach = "sla_breach"

// Urgencies of an escalation.
var Urgencies = []string{"normal", "high", "critical"}

// Status of an escalation.
type Status string

// The escalation statuses: requested (waiting for a senior to accept),
// accepted (a senior works it), then returned to the loop owner, escalated
// further, or de-escalated by a supervisor.
const (
	StatusRequested   Status = "requested"
	StatusAccepted    Status = "accepted"
	StatusReturned    Status = "returned"
	StatusEscalated   Status = "escalated"
	StatusDeescalated Status = "deescalated"
)

// Escalation is one hand-over of a ticket to senior staff (or a department).
type Escalation struct {
	ID            int64
	TicketID      int64
	TicketSubject string
	Kind          string // escalation or transfer
	Level         int    // 2 seniors/specialists, 3 supervisors
	FromUserID    int64  // 0: the SLA clock
	FromName      string
	ToTeamID      int64
	ToTeamName    string
	ToUserID      int64
	ToUserName    string
	Reason        string
	Note          string
	Urgency       string
	Status        Status
	HolderID      int64
	HolderName    string
	Outcome       string
	RequestedAt   time.Time
	AcceptedAt    *time.Time
	ReturnedAt    *time.Time
	OwnerID       int64 // the ticket's loop owner
	OwnerName     string
	NextDue       *time.Time
}

// Open reports whether the escalation still waits for or is being worked by senior staff.
func (e Escalation) Open() bool { return e.Status == StatusRequested || e.Status == StatusAccepted }

// JobInserter is the part of River's client this package uses: insert a job
// inside the caller's transaction.
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Service runs escalations, follow-ups, SLA clocks and notifications.
type Service struct {
	db            *pgxpool.Pool
	tickets       *tickets.Store
	now           func() time.Time
	log           *slog.Logger
	jobs          JobInserter
	followUpHours time.Duration
	slaCfg        atomic.Pointer[slaConfig] // new tickets' clocks (newClock) and the badges (slaConfigAt)
}

// Config holds the Service's settings.
type Config struct {
	// FollowUpHours is how many business hours the loop owner has to
	// contact the customer after an escalation returns.
	FollowUpHours int
}

// newService returns the service on ts. Only Wire calls it, so that no
// service works on a tickets store without the service's hooks.
func newService(db *pgxpool.Pool, ts *tickets.Store, jobs JobInserter, now func() time.Time, log *slog.Logger, cfg Config) *Service {
	if cfg.FollowUpHours <= 0 {
		cfg.FollowUpHours = 4
	}
	return &Service{db: db, tickets: ts, now: now, log: log, jobs: jobs, followUpHours: time.Duration(cfg.FollowUpHours) * time.Hour}
}

// ticketHooks are the parts of ticket changes this package keeps: the SLA
// clock after every change, and the open follow-up that moves with the loop
// owner. (The close guard is tickets' own rule and needs no hook.)
func (s *Service) ticketHooks() tickets.Hooks {
	return tickets.Hooks{AfterChange: s.recomputeTx, OwnerChanged: s.followUpOwnerTx, NewClock: s.newClock}
}

// Wire returns a tickets store and the escalation service on it, with the
// service's hooks (SLA upkeep, follow-ups that move with the owner)
// installed in the store. It is the only way to build a Service: every entry
// point (server, mail pipe, demo, bench, tests) gets the desk wired the same
// way. jobs may be nil: SLA timers are then not scheduled (tests, tools).
func Wire(db *pgxpool.Pool, now func() time.Time, baseURL string, jobs JobInserter, log *slog.Logger, cfg Config) (*tickets.Store, *Service) {
	ts := tickets.NewStore(db, now, baseURL)
	s := newService(db, ts, jobs, now, log, cfg)
	ts.SetHooks(s.ticketHooks())
	return ts, s
}

// SetJobs sets the River client once it exists (it needs the workers first).
func (s *Service) SetJobs(j JobInserter) { s.jobs = j }

// Request is the Escalate form.
type Request struct {
	Kind    string // escalation (default) or transfer
	Target  string // "team:<id>", "user:<id>" or "supervisors"
	Reason  string
	Note    string
	Urgency string
}

type target struct {
	teamID, userID int64
	supervisors    bool
}

func parseTarget(s string) (target, bool) {
	if s == "supervisors" {
		return target{supervisors: true}, true
	}
	kind, idStr, ok := strings.Cut(s, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 {
		return target{}, false
	}
	switch kind {
	case "team":
		return target{teamID: id}, true
	case "user":
		return target{userID: id}, true
	}
	return target{}, false
}

func (r *Request) validate() (target, error) {
	var f apperr.Fields
	if r.Kind == "" {
		r.Kind = "escalation"
	}
	if r.Kind != "escalation" && r.Kind != "transfer" {
		f.Add("kind", "error_invalid_choice")
	}
	tg, ok := parseTarget(r.Target)
	if !ok {
		f.Add("target", "error_escalation_target")
	}
	if tg.supervisors && r.Kind == "transfer" {
		f.Add("target", "error_transfer_target")
	}
	if !slices.Contains(Reasons, r.Reason) {
		f.Add("reason", "error_escalation_reason")
	}
	r.Note = strings.TrimSpace(r.Note)
	checkNote(&f, "note", r.Note, true)
	if r.Urgency == "" {
		r.Urgency = "normal"
	}
	if !slices.Contains(Urgencies, r.Urgency) {
		f.Add("urgency", "error_invalid_choice")
	}
	return tg, f.Err()
}

// ActorOf is how the tickets domain sees a staff member.
func ActorOf(u staff.User) tickets.Actor {
	return tickets.Actor{UserID: u.ID, TeamIDs: u.TeamIDs, SeeAll: u.Role.AtLeast(staff.RoleSupervisor)}
}

// Escalate hands ticketID to senior staff, a department or supervisors. The
// ticket keeps its loop owner; the target now holds it.
func (s *Service) Escalate(ctx context.Context, u staff.User, ticketID int64, r Request) (int64, error) {
	tg, err := r.validate()
	if err != nil {
		return 0, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := tickets.GetTx(ctx, tx, ticketID, true)
		if err != nil {
			return err
		}
		if !ActorOf(u).CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		if t.Status == tickets.StatusClosed {
			return apperr.New(apperr.Conflict, "error_ticket_closed")
		}
		if err := s.checkTargetTx(ctx, tx, r.Kind, tg); err != nil {
			return err
		}
		// Whoever escalates or transfers an unowned ticket owns its loop:
		// the case must come back to someone.
		if t.OwnerID, err = s.tickets.ClaimTx(ctx, tx, ActorOf(u), t.ID); err != nil {
			return err
		}
		// Escalating a solved ticket says it is not solved after all: it
		// reopens, so that no solved ticket carries open work.
		if t.Status == tickets.StatusSolved {
			if err := s.tickets.SetStatusTx(ctx, tx, ActorOf(u), t.ID, tickets.StatusOpen); err != nil {
				return err
			}
		}
		id, err = s.insertTx(ctx, tx, t, u.ID, r, tg)
		return err
	})
	return id, err
}

// checkTargetTx validates the target: an escalation goes to a tier-2 team or
// a senior (or above); a transfer to any other team.
func (s *Service) checkTargetTx(ctx context.Context, tx pgx.Tx, kind string, tg target) error {
	switch {
	case tg.teamID != 0:
		var tier int
		err := tx.QueryRow(ctx, `SELECT tier FROM teams WHERE id = $1`, tg.teamID).Scan(&tier)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && kind == "escalation" && tier != 2) {
			return apperr.InvalidFields(map[string]string{"target": "error_escalation_target"})
		}
		return err
	case tg.userID != 0:
		var role string
		var active bool
		err := tx.QueryRow(ctx, `SELECT role, active FROM users WHERE id = $1`, tg.userID).Scan(&role, &active)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (!active || !staff.Role(role).AtLeast(staff.RoleSenior))) {
			return apperr.InvalidFields(map[string]string{"target": "error_escalation_target"})
		}
		return err
	}
	return nil
}

const sqlInsertEscalation = `
INSERT INTO escalations (ticket_id, kind, level, from_user_id, to_team_id, to_user_id, reason, note, urgency, requested_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id`

// insertTx records a new open escalation, sets the ticket's holder, writes
// the event and notifies the target.
func (s *Service) insertTx(ctx context.Context, tx pgx.Tx, t tickets.Ticket, fromID int64, r Request, tg target) (int64, error) {
	level := 2
	if tg.supervisors {
		level = 3
	}
	now := s.now()
	var id int64
	err := tx.QueryRow(ctx, sqlInsertEscalation, t.ID, r.Kind, level, postgres.NullID(fromID), postgres.NullID(tg.teamID), postgres.NullID(tg.userID),
		r.Reason, r.Note, r.Urgency, now).Scan(&id)
	if _, dup := postgres.IsUniqueViolation(err); dup {
		return 0, apperr.New(apperr.Conflict, "error_escalation_open")
	}
	if err != nil {
		return 0, fmt.Errorf("insert escalation: %w", err)
	}
	if err := s.tickets.SetHolderTx(ctx, tx, t.ID, tg.teamID, tg.userID); err != nil {
		return 0, err
	}
	data := map[string]any{"escalation_id": id, "reason": r.Reason, "level": level, "kind": r.Kind,
		"to_team_id": tg.teamID, "to_user_id": tg.userID, "urgency": r.Urgency}
	if err := tickets.RecordEventTx(ctx, tx, now, t.ID, fromID, "ticket.escalated", data); err != nil {
		return 0, err
	}
	recipients, err := s.targetUsersTx(ctx, tx, level, tg)
	if err != nil {
		return 0, err
	}
	if err := s.notifyTx(ctx, tx, recipients, t.ID, "escalation_requested", data); err != nil {
		return 0, err
	}
	return id, nil
}

// targetUsersTx lists who should hear about an escalation to tg.
func (s *Service) targetUsersTx(ctx context.Context, tx pgx.Tx, level int, tg target) ([]int64, error) {
	var rows pgx.Rows
	var err error
	switch {
	case level == 3 || tg.supervisors:
		rows, err = tx.Query(ctx, `SELECT id FROM users WHERE role = 'supervisor' AND active`)
	case tg.userID != 0:
		return []int64{tg.userID}, nil
	default:
		rows, err = tx.Query(ctx, `
SELECT u.id FROM users u JOIN team_members m ON m.user_id = u.id
WHERE m.team_id = $1 AND u.active`, tg.teamID)
	}
	if err != nil {
		return nil, fmt.Errorf("escalation recipients: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

const sqlSelectEscalation = `
SELECT e.id, e.ticket_id, t.subject, e.kind, e.level, coalesce(e.from_user_id, 0), coalesce(fu.name, ''),
       coalesce(e.to_team_id, 0), coalesce(tm.name, ''), coalesce(e.to_user_id, 0), coalesce(tu.name, ''),
       e.reason, e.note, e.urgency, e.status, coalesce(e.holder_id, 0), coalesce(hu.name, ''), e.outcome,
       e.requested_at, e.accepted_at, e.returned_at, coalesce(t.owner_id, 0), coalesce(ou.name, ''), t.next_due
FROM escalations e
JOIN tickets t ON t.id = e.ticket_id
LEFT JOIN users ou ON ou.id = t.owner_id
LEFT JOIN users fu ON fu.id = e.from_user_id
LEFT JOIN teams tm ON tm.id = e.to_team_id
LEFT JOIN users tu ON tu.id = e.to_user_id
LEFT JOIN users hu ON hu.id = e.holder_id`

func scanEscalation(r pgx.Row) (Escalation, error) {
	var e Escalation
	err := r.Scan(&e.ID, &e.TicketID, &e.TicketSubject, &e.Kind, &e.Level, &e.FromUserID, &e.FromName,
		&e.ToTeamID, &e.ToTeamName, &e.ToUserID, &e.ToUserName, &e.Reason, &e.Note, &e.Urgency, &e.Status,
		&e.HolderID, &e.HolderName, &e.Outcome, &e.RequestedAt, &e.AcceptedAt, &e.ReturnedAt, &e.OwnerID, &e.OwnerName, &e.NextDue)
	return e, err
}

// lockTx locks escalation id for a change, after its ticket: every path
// locks the ticket first, then the escalation (FireSLA does the same), so a
// breach job racing a senior cannot deadlock.
func (s *Service) lockTx(ctx context.Context, tx pgx.Tx, id int64) (Escalation, error) {
	var ticketID int64
	err := tx.QueryRow(ctx, `SELECT ticket_id FROM escalations WHERE id = $1`, id).Scan(&ticketID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Escalation{}, apperr.New(apperr.NotFound, "error_escalation_not_found")
	}
	if err != nil {
		return Escalation{}, fmt.Errorf("find escalation %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE`, ticketID); err != nil {
		return Escalation{}, fmt.Errorf("lock ticket %d: %w", ticketID, err)
	}
	return s.getTx(ctx, tx, id, true)
}

func (s *Service) getTx(ctx context.Context, q postgres.Querier, id int64, forUpdate bool) (Escalation, error) {
	sql := sqlSelectEscalation + ` WHERE e.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF e`
	}
	e, err := scanEscalation(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Escalation{}, apperr.New(apperr.NotFound, "error_escalation_not_found")
	}
	if err != nil {
		return Escalation{}, fmt.Errorf("get escalation %d: %w", id, err)
	}
	return e, nil
}

// Get returns escalation id.
func (s *Service) Get(ctx context.Context, id int64) (Escalation, error) {
	return s.getTx(ctx, s.db, id, false)
}

// canWork reports whether u may accept or work escalation e: its named
// senior, a member of its target team (seniors and up), or any supervisor.
func canWork(u staff.User, e Escalation) bool {
	if u.Role.AtLeast(staff.RoleSupervisor) {
		return true
	}
	if e.Level == 3 {
		return false
	}
	if !u.Role.AtLeast(staff.RoleSenior) {
		// A rep works a transfer handed to their own department (that is
		// one-stop service between departments), never an escalation.
		return e.Kind == "transfer" && e.ToTeamID != 0 && u.InTeam(e.ToTeamID)
	}
	return e.ToUserID == u.ID || (e.ToTeamID != 0 && u.InTeam(e.ToTeamID))
}

// CanWork reports whether u may accept or work e (for showing the buttons).
func CanWork(u staff.User, e Escalation) bool { return canWork(u, e) }

// Accept claims an open escalation for u.
func (s *Service) Accept(ctx context.Context, u staff.User, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := s.lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canWork(u, e) {
			return apperr.New(apperr.Forbidden, "error_escalation_not_yours")
		}
		if e.Status != StatusRequested {
			return apperr.New(apperr.Conflict, "error_escalation_not_open")
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE escalations SET status = 'accepted', holder_id = $2, accepted_at = $3 WHERE id = $1`, id, u.ID, now); err != nil {
			return fmt.Errorf("accept escalation: %w", err)
		}
		if err := s.tickets.SetHolderTx(ctx, tx, e.TicketID, e.ToTeamID, u.ID); err != nil {
			return err
		}
		return tickets.RecordEventTx(ctx, tx, now, e.TicketID, u.ID, "ticket.escalation_accepted", map[string]any{"escalation_id": id})
	})
}

// Return hands an escalation back to the loop owner with guidance. The owner
// gets a follow-up task: contact the customer and confirm it is solved.
// Supervisors may return any open escalation (coaching guidance).
func (s *Service) Return(ctx context.Context, u staff.User, id int64, guidance string) error {
	guidance = strings.TrimSpace(guidance)
	if err := noteError("guidance", guidance); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := s.lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !e.Open() {
			return apperr.New(apperr.Conflict, "error_escalation_not_open")
		}
		if !(e.HolderID == u.ID || u.Role.AtLeast(staff.RoleSupervisor)) {
			return apperr.New(apperr.Forbidden, "error_escalation_not_yours")
		}
		// Whoever returns it without having accepted it becomes its holder.
		// The guidance note makes the returner the loop owner of a ticket
		// nobody owned (one the SLA clock escalated): the loop always has
		// someone to close it.
		now, err := s.handBackTx(ctx, tx, e, u.ID, "returned", guidance, u.ID)
		if err != nil {
			return err
		}
		owner, err := s.createFollowUpTx(ctx, tx, e.TicketID, 0, id, "escalation_returned", now)
		if err != nil || owner == 0 {
			return err
		}
		return s.notifyTx(ctx, tx, []int64{owner}, e.TicketID, "escalation_returned", map[string]any{"escalation_id": id})
	})
}

// EscalateFurther sends an open escalation on to supervisors (tier 3).
func (s *Service) EscalateFurther(ctx context.Context, u staff.User, id int64, note string) error {
	note = strings.TrimSpace(note)
	if err := noteError("note", note); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := s.lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !e.Open() {
			return apperr.New(apperr.Conflict, "error_escalation_not_open")
		}
		if e.Level == 3 {
			return apperr.New(apperr.Conflict, "error_escalation_top_level")
		}
		if !canWork(u, e) {
			return apperr.New(apperr.Forbidden, "error_escalation_not_yours")
		}
		if err := s.closeAsEscalatedTx(ctx, tx, id); err != nil {
			return err
		}
		t, err := tickets.GetTx(ctx, tx, e.TicketID, true)
		if err != nil {
			return err
		}
		_, err = s.insertTx(ctx, tx, t, u.ID, Request{Kind: "escalation", Reason: e.Reason, Note: note, Urgency: e.Urgency}, target{supervisors: true})
		return err
	})
}

func (s *Service) closeAsEscalatedTx(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE escalations SET status = 'escalated', returned_at = $2 WHERE id = $1`, id, s.now()); err != nil {
		return fmt.Errorf("close escalation: %w", err)
	}
	return nil
}

// Reassign gives open escalations to another senior (supervisors only; many
// at once for bulk reassign). Each waits for the new senior to accept.
func (s *Service) Reassign(ctx context.Context, u staff.User, ids []int64, toUserID int64) error {
	if !u.Role.AtLeast(staff.RoleSupervisor) {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	if len(ids) == 0 {
		return apperr.InvalidFields(map[string]string{"ids": "error_select_escalations"})
	}
	if toUserID <= 0 {
		return apperr.InvalidFields(map[string]string{"to_user": "error_escalation_target"})
	}
	// Lock in id order, so that two bulk reassigns of overlapping sets
	// cannot deadlock.
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := s.checkTargetTx(ctx, tx, "escalation", target{userID: toUserID}); err != nil {
			return apperr.InvalidFields(map[string]string{"to_user": "error_escalation_target"})
		}
		for _, id := range ids {
			e, err := s.lockTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if !e.Open() {
				return apperr.New(apperr.Conflict, "error_escalation_not_open")
			}
			now := s.now()
			if _, err := tx.Exec(ctx, `
UPDATE escalations SET to_user_id = $2, to_team_id = NULL, level = 2, holder_id = NULL, status = 'requested', accepted_at = NULL
WHERE id = $1`, id, toUserID); err != nil {
				return fmt.Errorf("reassign escalation: %w", err)
			}
			if err := s.tickets.SetHolderTx(ctx, tx, e.TicketID, 0, toUserID); err != nil {
				return err
			}
			if err := tickets.RecordEventTx(ctx, tx, now, e.TicketID, u.ID, "ticket.escalation_reassigned",
				map[string]any{"escalation_id": id, "old": e.HolderID, "new": toUserID}); err != nil {
				return err
			}
			if err := s.notifyTx(ctx, tx, []int64{toUserID}, e.TicketID, "escalation_requested", map[string]any{"escalation_id": id}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Deescalate ends an escalation that was not needed (supervisors only); the
// ticket goes on with its loop owner, without a follow-up task.
func (s *Service) Deescalate(ctx context.Context, u staff.User, id int64, note string) error {
	if !u.Role.AtLeast(staff.RoleSupervisor) {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	note = strings.TrimSpace(note)
	if err := noteError("note", note); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := s.lockTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !e.Open() {
			return apperr.New(apperr.Conflict, "error_escalation_not_open")
		}
		if _, err := s.handBackTx(ctx, tx, e, u.ID, "deescalated", note, 0); err != nil {
			return err
		}
		if e.OwnerID == 0 {
			return nil
		}
		return s.notifyTx(ctx, tx, []int64{e.OwnerID}, e.TicketID, "escalation_deescalated", map[string]any{"escalation_id": id})
	})
}

// handBackTx ends open escalation e with status (returned or deescalated)
// and the actor's note: the escalation records the outcome (holder set to
// holderID when nobody held it and holderID is not 0), the ticket leaves the
// holder's hands, the note goes on the thread, and the event is written.
func (s *Service) handBackTx(ctx context.Context, tx pgx.Tx, e Escalation, actorID int64, status, note string, holderID int64) (time.Time, error) {
	now := s.now()
	if _, err := tx.Exec(ctx, `
UPDATE escalations SET status = $2, returned_at = $3, outcome = $4, holder_id = coalesce(holder_id, $5)
WHERE id = $1`, e.ID, status, now, note, postgres.NullID(holderID)); err != nil {
		return now, fmt.Errorf("%s escalation: %w", status, err)
	}
	if err := s.tickets.SetHolderTx(ctx, tx, e.TicketID, 0, 0); err != nil {
		return now, err
	}
	if err := s.tickets.AddNoteTx(ctx, tx, e.TicketID, actorID, note); err != nil {
		return now, err
	}
	err := tickets.RecordEventTx(ctx, tx, now, e.TicketID, actorID, "ticket.escalation_"+status, map[string]any{"escalation_id": e.ID})
	return now, err
}

// ForTicket lists a ticket's escalations, oldest first.
func (s *Service) ForTicket(ctx context.Context, ticketID int64) ([]Escalation, error) {
	rows, err := s.db.Query(ctx, sqlSelectEscalation+` WHERE e.ticket_id = $1 ORDER BY e.id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("escalations of %d: %w", ticketID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Escalation, error) { return scanEscalation(r) })
}

// Mine lists the open escalations u may work: to u, to u's teams (for reps
// only transfers), and for supervisors the tier-3 ones. Oldest first: nobody
// should wait longest.
func (s *Service) Mine(ctx context.Context, u staff.User) ([]Escalation, error) {
	rows, err := s.db.Query(ctx, sqlSelectEscalation+`
WHERE e.status IN ('requested', 'accepted')
  AND (e.to_user_id = $1 OR e.holder_id = $1 OR (e.level = 2 AND e.to_team_id = ANY($2) AND ($4 OR e.kind = 'transfer'))
       OR (e.level = 3 AND $3))
ORDER BY e.requested_at, e.id
LIMIT 200`, u.ID, u.TeamIDs, u.Role.AtLeast(staff.RoleSupervisor), u.Role.AtLeast(staff.RoleSenior))
	if err != nil {
		return nil, fmt.Errorf("my escalations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Escalation, error) { return scanEscalation(r) })
}

// ReviewFilter narrows the supervisor review queue.
type ReviewFilter struct {
	TeamID  int64
	Reason  string
	MinAge  time.Duration
	Overdue bool // only tickets whose SLA deadline has passed
}

// Review lists every open escalation for supervisors, oldest first.
func (s *Service) Review(ctx context.Context, f ReviewFilter) ([]Escalation, error) {
	if f.Reason != "" && f.Reason != ReasonSLABreach && !slices.Contains(Reasons, f.Reason) {
		return nil, apperr.InvalidFields(map[string]string{"reason": "error_escalation_reason"})
	}
	now := s.now()
	rows, err := s.db.Query(ctx, sqlSelectEscalation+`
WHERE e.status IN ('requested', 'accepted')
  AND ($1 = 0 OR e.to_team_id = $1 OR t.team_id = $1)
  AND ($2 = '' OR e.reason = $2)
  AND e.requested_at <= $3
  AND (NOT $4 OR t.next_due < $5)
ORDER BY e.requested_at, e.id
LIMIT 500`, f.TeamID, f.Reason, now.Add(-f.MinAge), f.Overdue, now)
	if err != nil {
		return nil, fmt.Errorf("review queue: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Escalation, error) { return scanEscalation(r) })
}

// RepWeek is one rep's escalations in one week, for coaching.
type RepWeek struct {
	UserID  int64
	Name    string
	Week    time.Time
	Raised  int
	Tickets int // tickets the rep created that week
}

// PerRep counts each rep's escalations per week since since. Weeks start on
// Monday at midnight in time zone tz (the viewer's IANA zone name); Week is
// that instant.
func (s *Service) PerRep(ctx context.Context, since time.Time, tz string) ([]RepWeek, error) {
	rows, err := s.db.Query(ctx, `
WITH esc AS (
    SELECT from_user_id AS user_id, date_trunc('week', requested_at AT TIME ZONE $2) AT TIME ZONE $2 AS week, count(*) AS n
    FROM escalations WHERE from_user_id IS NOT NULL AND requested_at >= $1
    GROUP BY 1, 2
), tk AS (
    SELECT created_by AS user_id, date_trunc('week', created_at AT TIME ZONE $2) AT TIME ZONE $2 AS week, count(*) AS n
    FROM tickets WHERE created_by IS NOT NULL AND created_at >= $1
    GROUP BY 1, 2
)
SELECT u.id, u.name, coalesce(esc.week, tk.week), coalesce(esc.n, 0), coalesce(tk.n, 0)
FROM esc FULL JOIN tk ON tk.user_id = esc.user_id AND tk.week = esc.week
JOIN users u ON u.id = coalesce(esc.user_id, tk.user_id)
ORDER BY u.name, 3 DESC`, since, tz)
	if err != nil {
		return nil, fmt.Errorf("escalations per rep: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RepWeek, error) {
		var w RepWeek
		return w, r.Scan(&w.UserID, &w.Name, &w.Week, &w.Raised, &w.Tickets)
	})
}

// TeamTier is a team with its tier, for choosing an escalation target.
type TeamTier struct {
	ID   int64
	Name string
	Tier int
}

// TeamTiers lists teams, tier-2 (seniors and specialists) first.
func (s *Service) TeamTiers(ctx context.Context) ([]TeamTier, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, tier FROM teams ORDER BY tier DESC, name`)
	if err != nil {
		return nil, fmt.Errorf("team tiers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamTier, error) {
		var t TeamTier
		return t, r.Scan(&t.ID, &t.Name, &t.Tier)
	})
}
