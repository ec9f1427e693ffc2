package tickets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Automatic assignment gives a new ticket of a team to one of its members,
// by the team's choice of mode, in the transaction that makes the ticket.
// The member picked becomes the loop owner through setOwnerTx, as with Take
// it, and the history says "assigned" (a ticket.assigned event by nobody).

// AssignMode is how a team's new tickets find an owner.
type AssignMode string

// The assignment modes.
const (
	AssignManual      AssignMode = "manual"       // nobody is picked: reps take tickets from the team queue
	AssignRoundRobin  AssignMode = "round_robin"  // members in turn
	AssignLeastLoaded AssignMode = "least_loaded" // the member with the fewest open tickets
)

// AssignModes lists the modes in the order a form shows them.
var AssignModes = []AssignMode{AssignManual, AssignRoundRobin, AssignLeastLoaded}

// Valid reports whether m is a known mode.
func (m AssignMode) Valid() bool { return slices.Contains(AssignModes, m) }

// Candidate is a team member who may get a new ticket: their skills and
// how many open tickets they own now.
type Candidate struct {
	UserID     int64
	Languages  []string // languages they serve customers in
	Categories []string // categories they handle; empty: any
	Open       int      // open tickets they own
}

// AssignRule is a team's assignment setting and the ticket to place.
type AssignRule struct {
	Mode     AssignMode
	Capacity int   // most open tickets a member may own before getting no more; 0: no cap
	Cursor   int64 // the member picked last (round robin goes on after them)
	Locale   string
	Category string
}

// Pick chooses who gets a new ticket under rule among cands, or false when
// nobody may (manual mode, everyone at capacity, no members). Among those
// under capacity it prefers members who speak the customer's language, then
// those who handle the ticket's category; within that group round robin
// takes the next member after the cursor (by id, wrapping), least loaded the
// one with the fewest open tickets (ties in round-robin order).
func Pick(rule AssignRule, cands []Candidate) (Candidate, bool) {
	if rule.Mode != AssignRoundRobin && rule.Mode != AssignLeastLoaded {
		return Candidate{}, false
	}
	var best []Candidate
	bestScore := -1
	for _, c := range cands {
		if rule.Capacity > 0 && c.Open >= rule.Capacity {
			continue
		}
		score := 0
		if rule.Locale != "" && slices.Contains(c.Languages, rule.Locale) {
			score += 2
		}
		if rule.Category != "" && slices.Contains(c.Categories, rule.Category) {
			score++
		}
		switch {
		case score > bestScore:
			best, bestScore = []Candidate{c}, score
		case score == bestScore:
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return Candidate{}, false
	}
	// Round-robin order: the members after the cursor by id, then the rest.
	slices.SortFunc(best, func(a, b Candidate) int {
		ka, kb := a.UserID <= rule.Cursor, b.UserID <= rule.Cursor
		if ka != kb {
			if ka {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	if rule.Mode == AssignRoundRobin {
		return best[0], true
	}
	pick := best[0]
	for _, c := range best[1:] {
		if c.Open < pick.Open {
			pick = c
		}
	}
	return pick, true
}

// sqlLockTeamAssignment reads a team's assignment setting and locks it: the
// row is the team's assignment lock, held until the ticket commits, so
// concurrent picks of one team see each other's tickets.
const sqlLockTeamAssignment = `
SELECT mode, capacity, coalesce(last_user_id, 0) FROM team_assignment WHERE team_id = $1 FOR UPDATE`

// sqlAssignCandidates lists who of team $1 may get a new ticket: active reps
// and seniors who are not away, with their languages (their interface
// language when they named none), categories and open tickets now. The
// status list is inlined so that tickets_owner_open_idx serves the count.
const sqlAssignCandidates = `
SELECT u.id,
       CASE WHEN cardinality(u.languages) = 0 THEN ARRAY[u.locale] ELSE u.languages END,
       u.categories,
       (SELECT count(*) FROM tickets t
        WHERE t.owner_id = u.id AND t.status IN ('new', 'open', 'pending', 'on_hold'))
FROM team_members m
JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1 AND u.active AND NOT u.away AND u.role IN ('rep', 'senior')
ORDER BY u.id`

// sqlLockAssignReps takes the assignment locks of reps ($1: their keys,
// ascending) until the transaction ends: in the array's order, so two
// teams' picks never wait for each other in a circle. The two-key form
// keeps clear of the bigint advisory locks (migrations).
const sqlLockAssignReps = `
SELECT pg_advisory_xact_lock(hashtext('tickets.assign_rep'), k) FROM unnest($1::int4[]) AS k`

// repLockKey is a rep's assignment lock key: their id folded to 32 bits (a
// shared key only makes two reps wait for each other).
func repLockKey(userID int64) int32 { return int32(userID ^ userID>>32) }

// assignCandidatesTx lists who of team may get a new ticket, with their
// open tickets as of now.
func assignCandidatesTx(ctx context.Context, tx pgx.Tx, team int64) ([]Candidate, error) {
	rows, err := tx.Query(ctx, sqlAssignCandidates, team)
	if err != nil {
		return nil, fmt.Errorf("assignment candidates: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Candidate, error) {
		var c Candidate
		return c, r.Scan(&c.UserID, &c.Languages, &c.Categories, &c.Open)
	})
	if err != nil {
		return nil, fmt.Errorf("assignment candidates: %w", err)
	}
	return cands, nil
}

const sqlSetAssignCursor = `UPDATE team_assignment SET last_user_id = $2 WHERE team_id = $1`

// teamAssignModeTx locks team's assignment setting and returns its mode
// (manual for a team without one, or no team).
func teamAssignModeTx(ctx context.Context, tx pgx.Tx, team int64) (AssignRule, error) {
	rule := AssignRule{Mode: AssignManual}
	if team == 0 {
		return rule, nil
	}
	err := tx.QueryRow(ctx, sqlLockTeamAssignment, team).Scan(&rule.Mode, &rule.Capacity, &rule.Cursor)
	if errors.Is(err, pgx.ErrNoRows) {
		return AssignRule{Mode: AssignManual}, nil
	}
	if err != nil {
		return rule, fmt.Errorf("team %d assignment: %w", team, err)
	}
	return rule, nil
}

// autoAssignTx gives unowned ticket id to a member of its team by the
// team's mode, inside the transaction that made it. A manual team, or one
// where nobody may take more, leaves it in the team's queue.
func (s *Store) autoAssignTx(ctx context.Context, tx pgx.Tx, id int64, now time.Time) error {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return err
	}
	if t.OwnerID != 0 || t.TeamID == 0 || !t.Status.IsOpen() {
		return nil
	}
	rule, err := teamAssignModeTx(ctx, tx, t.TeamID)
	if err != nil || rule.Mode == AssignManual {
		return err
	}
	cands, err := assignCandidatesTx(ctx, tx, t.TeamID)
	if err != nil {
		return err
	}
	// The team's lock serialises this team's picks only: a rep in two
	// teams could get the last free place from both at once. Each
	// candidate's own lock, taken in one order by every team, makes picks
	// that share a rep wait for each other; their open tickets are counted
	// again once held.
	keys := make([]int32, 0, len(cands))
	for _, c := range cands {
		keys = append(keys, repLockKey(c.UserID))
	}
	slices.Sort(keys)
	if _, err := tx.Exec(ctx, sqlLockAssignReps, slices.Compact(keys)); err != nil {
		return fmt.Errorf("assignment rep locks: %w", err)
	}
	locked := cands
	if cands, err = assignCandidatesTx(ctx, tx, t.TeamID); err != nil {
		return err
	}
	// Someone who joined in between is not locked: not them this time.
	cands = slices.DeleteFunc(cands, func(c Candidate) bool {
		return !slices.ContainsFunc(locked, func(l Candidate) bool { return l.UserID == c.UserID })
	})
	rule.Locale, rule.Category = t.Customer.Locale, t.Category
	c, ok := Pick(rule, cands)
	if !ok {
		return nil
	}
	if _, err := tx.Exec(ctx, sqlSetAssignCursor, t.TeamID, c.UserID); err != nil {
		return fmt.Errorf("assignment cursor: %w", err)
	}
	return s.setOwnerTx(ctx, tx, 0, t, c.UserID, "ticket.assigned", now)
}
