package tickets

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Scope is which queue a list shows.
type Scope string

// The queues.
const (
	ScopeMine           Scope = "mine"            // tickets I own
	ScopeTeamUnassigned Scope = "team_unassigned" // my teams' tickets nobody owns yet
	ScopeAll            Scope = "all"             // everything I may see
)

// Sorts are the whitelisted orders of a queue.
var Sorts = []string{"updated", "created", "priority", "due"}

// Filter narrows a queue. Zero values do not filter. Status "" means the
// open statuses; "any" means every status.
type Filter struct {
	Scope       Scope
	Status      string
	Priority    Priority
	TeamID      int64
	OwnerID     int64
	CustomerID  int64
	Channel     Channel
	Tag         string
	Category    string
	CreatedFrom time.Time
	CreatedTo   time.Time // exclusive
	Sort        string
	After       string // cursor from the previous page
	Limit       int
}

// Page is one page of a queue; Next is the cursor of the next page ("" at the end).
type Page struct {
	Tickets []Ticket
	Next    string
}

// openList is the SQL literal of the open statuses. It is inlined (never a
// parameter) so the planner can match the partial queue indexes.
const openList = `('new', 'open', 'pending', 'on_hold')`

// Queue lists tickets for a with keyset pagination (never OFFSET).
func (s *Store) Queue(ctx context.Context, a Actor, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	sql, args, err := queueSQL(a, f)
	if err != nil {
		return Page{}, err
	}
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, fmt.Errorf("queue: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) })
	if err != nil {
		return Page{}, fmt.Errorf("queue: %w", err)
	}
	return pageOf(list, f), nil
}

// QueueBatch is Queue on a batch. A bad filter queues nothing: the returned
// function gives its error.
func (s *Store) QueueBatch(b *pgx.Batch, a Actor, f Filter) func() (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	sql, args, err := queueSQL(a, f)
	if err != nil {
		return func() (Page, error) { return Page{}, err }
	}
	rows := postgres.QueueRowsN(b, "queue", f.Limit+1, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) }, sql, args...)
	return func() (Page, error) {
		list, err := rows()
		if err != nil {
			return Page{}, err
		}
		return pageOf(list, f), nil
	}
}

// pageOf is a queue page of f.Limit tickets out of list (one more, when
// there is a next page).
func pageOf(list []Ticket, f Filter) Page {
	var p Page
	if len(list) > f.Limit {
		list = list[:f.Limit]
		p.Next = cursorOf(f.Sort, list[len(list)-1])
	}
	p.Tickets = list
	return p
}

// queueSQL builds the queue query from whitelisted pieces and parameters.
func queueSQL(a Actor, f Filter) (string, []any, error) {
	if f.Sort == "" {
		f.Sort = "updated"
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// id is an id parameter the planner does not look at: (SELECT $n) is
	// the same unknown value to every plan, so Postgres keeps one plan for
	// a queue (its generic plan) instead of planning each page's query
	// again because its estimate for this member or team came out cheaper.
	// For ids a generic estimate is as good as a particular one; dates,
	// tags and the rest stay plain parameters, where a value can change
	// the best plan.
	id := func(v any, typ string) string { return "(SELECT " + arg(v) + "::" + typ + ")" }
	ids := func(v []int64) string { return "(SELECT " + arg(v) + "::bigint[])::bigint[]" }
	switch f.Scope {
	case ScopeMine:
		where = append(where, "t.owner_id = "+id(a.UserID, "bigint"))
	case ScopeTeamUnassigned:
		// The teams are matched below: each team's unassigned tickets are
		// read in order from its own part of tickets_team_unassigned_idx.
		where = append(where, "t.owner_id IS NULL")
	case ScopeAll, "":
		// Visibility is added below: in a clause of its own, or one
		// ordered read per kind of visibility.
	default:
		return "", nil, apperr.InvalidFields(map[string]string{"scope": "error_invalid_choice"})
	}
	switch st := Status(f.Status); {
	case f.Status == "":
		where = append(where, "t.status IN "+openList)
	case f.Status == "any":
	case st.Valid():
		where = append(where, "t.status = '"+string(st)+"'") // whitelisted: a literal lets partial indexes match
	default:
		return "", nil, apperr.InvalidFields(map[string]string{"status": "error_status_invalid"})
	}
	if f.Priority != 0 {
		if !f.Priority.Valid() {
			return "", nil, apperr.InvalidFields(map[string]string{"priority": "error_priority_invalid"})
		}
		where = append(where, "t.priority = "+arg(f.Priority))
	}
	if f.TeamID != 0 {
		where = append(where, "t.team_id = "+id(f.TeamID, "bigint"))
	}
	if f.OwnerID != 0 {
		where = append(where, "t.owner_id = "+id(f.OwnerID, "bigint"))
	}
	if f.CustomerID != 0 {
		where = append(where, "t.customer_id = "+id(f.CustomerID, "bigint"))
	}
	if f.Channel != "" {
		if !f.Channel.Valid() {
			return "", nil, apperr.InvalidFields(map[string]string{"channel": "error_channel_invalid"})
		}
		where = append(where, "t.channel = "+arg(f.Channel))
	}
	if f.Tag != "" {
		// Any text may be typed (or sent) here; one that no tag can be is
		// refused, rather than sent to Postgres, which fails on NUL or bad UTF-8.
		if utf8.RuneCountInString(f.Tag) > maxTag || !tagValid.MatchString(f.Tag) {
			return "", nil, apperr.InvalidFields(map[string]string{"tag": "error_tag_invalid"})
		}
		where = append(where, arg(strings.ToLower(f.Tag))+" = ANY(t.tags)")
	}
	if f.Category != "" {
		if !slices.Contains(Categories, f.Category) {
			return "", nil, apperr.InvalidFields(map[string]string{"category": "error_category_invalid"})
		}
		where = append(where, "t.category = "+arg(f.Category))
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "t.created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "t.created_at < "+arg(f.CreatedTo))
	}
	var order string
	c, err := parseCursor(f.After)
	if err != nil {
		return "", nil, err
	}
	switch f.Sort {
	case "updated":
		order = "t.updated_at DESC, t.id DESC"
		if c != nil {
			where = append(where, "(t.updated_at, t.id) < ("+arg(c.at)+", "+arg(c.id)+")")
		}
	case "created":
		order = "t.id DESC"
		if c != nil {
			where = append(where, "t.id < "+arg(c.id))
		}
	case "priority":
		order = "t.priority DESC, t.updated_at DESC, t.id DESC"
		if c != nil {
			where = append(where, "(t.priority, t.updated_at, t.id) < ("+arg(c.prio)+", "+arg(c.at)+", "+arg(c.id)+")")
		}
	case "due":
		// Due soonest first; tickets without a running clock last.
		order = "coalesce(t.next_due, '9999-12-31 00:00:00+00') ASC, t.id ASC"
		if c != nil {
			where = append(where, "(coalesce(t.next_due, '9999-12-31 00:00:00+00'), t.id) > ("+arg(c.due)+", "+arg(c.id)+")")
		}
	default:
		return "", nil, apperr.InvalidFields(map[string]string{"sort": "error_invalid_choice"})
	}
	// The limit is written into the SQL, not passed: a statement whose
	// limit the planner knows gets one plan that Postgres keeps (a generic
	// plan); with a parameter it planned every page's query again, which
	// cost more than running it.
	limit := "\nLIMIT " + strconv.Itoa(f.Limit+1)
	if f.Scope == ScopeTeamUnassigned {
		switch len(a.TeamIDs) {
		case 0:
			where = append(where, "false")
		case 1:
			where = append(where, "t.team_id = "+id(a.TeamIDs[0], "bigint"))
		default:
			// = ANY over several teams reads all their unassigned tickets
			// and sorts them; one ordered, limited read per team instead.
			inner := "SELECT t.id FROM tickets t\n    WHERE t.team_id = q.team_id AND " + strings.Join(where, " AND ") +
				"\n    ORDER BY " + order + limit
			return sqlSelectTicket + "\nWHERE t.id IN (\n  SELECT x.id FROM unnest(" + arg(a.TeamIDs) + "::bigint[]) AS q(team_id)\n" +
				"  CROSS JOIN LATERAL (\n    " + inner + ") x)\nORDER BY " + order + limit, args, nil
		}
	}
	if (f.Scope == ScopeAll || f.Scope == "") && !a.SeeAll {
		// A member's open tickets, newest activity first, narrowed by a
		// filter (a priority, a channel, one open status...): walking all
		// tickets in that order and skipping what they may not see or what
		// the filter leaves out reads hundreds of rows per row shown
		// (high priority, page 2, at a million tickets: 6 ms). Then each
		// way of seeing a ticket (a team of theirs, owning it, holding it
		// for an escalation) is read in order from its own open-ticket
		// index and limited, and the page is the newest of those (1.8 ms).
		// Without a filter the walk stops soon (open tickets are the
		// recently active ones) and is cheaper (0.2 ms against 0.5 ms).
		narrowed := f.Status != "" || f.Priority != 0 || f.CustomerID != 0 || f.Channel != "" || f.Tag != "" ||
			f.Category != "" || !f.CreatedFrom.IsZero() || !f.CreatedTo.IsZero()
		if !narrowed || f.Sort != "updated" || f.TeamID != 0 || f.OwnerID != 0 || !(f.Status == "" || Status(f.Status).IsOpen()) {
			where = append(where, visibleSQL("false", ids(a.TeamIDs), id(a.UserID, "bigint")))
		} else {
			rest := strings.Join(where, " AND ")
			part := func(match string) string {
				return "SELECT t.id, t.updated_at FROM tickets t\n    WHERE " + match + " AND " + rest + "\n    ORDER BY " + order + limit
			}
			teams, user := ids(a.TeamIDs), id(a.UserID, "bigint")
			return sqlSelectTicket + "\nWHERE t.id IN (\n  SELECT t.id FROM (\n" +
				"    SELECT x.* FROM unnest(" + teams + ") AS q(team_id) CROSS JOIN LATERAL (\n    " +
				part("t.team_id = q.team_id") + ") x\n" +
				"    UNION (" + part("t.owner_id = "+user) + ")\n" +
				"    UNION (" + part("t.holder_team_id = ANY("+teams+")") + ")\n" +
				"    UNION (" + part("t.holder_user_id = "+user) + ")) t\n" +
				"  ORDER BY " + order + limit + ")\n" +
				"ORDER BY " + order + limit, args, nil
		}
	}
	sql := sqlSelectTicket
	if len(where) > 0 {
		sql += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	sql += "\nORDER BY " + order + limit
	return sql, args, nil
}

type cursor struct {
	at   time.Time
	id   int64
	prio int16
	due  time.Time // infinity for tickets without a running clock
}

// infinity is the sort key of tickets without a running clock (matching the SQL).
var infinity = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func cursorOf(sort string, t Ticket) string {
	due := infinity
	if t.NextDue != nil {
		due = *t.NextDue
	}
	s := fmt.Sprintf("%d|%d|%d|%d", t.UpdatedAt.UnixMicro(), t.ID, t.Priority, due.UnixMicro())
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// cursorTimeOK reports whether us (microseconds since 1970) is a time a
// cursor can hold: from year 1 to the infinity of unclocked tickets.
// Postgres refuses times far outside (a crafted cursor would fail the query).
func cursorTimeOK(us int64) bool {
	return us >= time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() && us <= infinity.UnixMicro()
}

func parseCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.InvalidFields(map[string]string{"after": "error_cursor_invalid"})
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 4 {
		return nil, bad
	}
	us, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[1], 10, 64)
	prio, err3 := strconv.ParseInt(parts[2], 10, 16)
	due, err4 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil ||
		!cursorTimeOK(us) || !cursorTimeOK(due) || id <= 0 {
		return nil, bad
	}
	return &cursor{at: time.UnixMicro(us), id: id, prio: int16(prio), due: time.UnixMicro(due)}, nil
}

// Counts are the open-work numbers beside the queue links.
type Counts struct {
	Mine           int
	TeamUnassigned int
}

// sqlQueueCounts counts a member's open tickets and their teams' unassigned
// ones. Both are index-only counts over the partial queue indexes.
const sqlQueueCounts = `
SELECT (SELECT count(*) FROM tickets WHERE owner_id = $1 AND status IN ` + openList + `),
       (SELECT count(*) FROM tickets WHERE team_id = ANY($2) AND owner_id IS NULL AND status IN ` + openList + `)`

// QueueCounts counts a's open tickets and their teams' unassigned ones.
func (s *Store) QueueCounts(ctx context.Context, a Actor) (Counts, error) {
	var c Counts
	if err := s.db.QueryRow(ctx, sqlQueueCounts, a.UserID, a.TeamIDs).Scan(&c.Mine, &c.TeamUnassigned); err != nil {
		return Counts{}, fmt.Errorf("queue counts: %w", err)
	}
	return c, nil
}

// QueueCountsBatch queues QueueCounts on b, so a page sends it with its other
// queries in one round trip; the returned function gives the counts once b
// has been sent and closed.
func (s *Store) QueueCountsBatch(b *pgx.Batch, a Actor) func() (Counts, error) {
	var c Counts
	err := postgres.ErrNotSent
	b.Queue(sqlQueueCounts, a.UserID, a.TeamIDs).QueryRow(func(row pgx.Row) error {
		if err = row.Scan(&c.Mine, &c.TeamUnassigned); err != nil {
			err = fmt.Errorf("queue counts: %w", err)
		}
		return err
	})
	return func() (Counts, error) { return c, err }
}

// sqlQueueCountsSince is sqlQueueCounts beside the newest ticket event $1
// made (0: none; events_ticket_actor_idx), all in one snapshot; when that
// event is still $3 the counts are not counted (NULL: the caller's kept
// ones stand). The counts are initplans, which run only when the CASE asks
// for them. The parameters are read through (SELECT $n): the planner
// cannot look at their values, so every execution would get the same plan
// and Postgres keeps one (a generic plan) instead of planning each page's
// statement again, which cost more than running it.
const sqlQueueCountsSince = `
WITH e AS MATERIALIZED (
    SELECT coalesce((SELECT id FROM events
                     WHERE actor_id = (SELECT $1::bigint) AND subject_type = 'ticket' AND actor_id IS NOT NULL
                     ORDER BY id DESC LIMIT 1), 0) AS mark
)
SELECT e.mark,
       CASE WHEN e.mark <> $3 THEN (SELECT count(*) FROM tickets
                                    WHERE owner_id = (SELECT $1::bigint) AND status IN ` + openList + `) END,
       CASE WHEN e.mark <> $3 THEN (SELECT count(*) FROM tickets
                                    WHERE team_id = ANY((SELECT $2::bigint[])::bigint[]) AND owner_id IS NULL
                                      AND status IN ` + openList + `) END
FROM e`

// QueueStatements are statements every staff page runs, for tools that
// time and EXPLAIN them as the pages run them (cmd/loadbench): NavCounts
// is the nav badges' count ($1 member, $2 teams, $3 the member's newest
// ticket event when the counts were read last, -1 to count).
var QueueStatements = struct{ NavCounts string }{sqlQueueCountsSince}

// CountsSince is what QueueCountsSinceBatch answers: Mark is the newest
// ticket event of the actor; Counted says whether Counts were counted (else
// the actor has made no ticket event since the mark they were asked with).
type CountsSince struct {
	Counts
	Mark    int64
	Counted bool
}

// QueueCountsSinceBatch queues QueueCounts on b unless the newest ticket
// event a made is still held (held < 0: count anyway). It lets a caller
// keep counts between pages and still show a's own changes at once.
func (s *Store) QueueCountsSinceBatch(b *pgx.Batch, a Actor, held int64) func() (CountsSince, error) {
	var c CountsSince
	err := postgres.ErrNotSent
	b.Queue(sqlQueueCountsSince, a.UserID, a.TeamIDs, held).QueryRow(func(row pgx.Row) error {
		var mine, team *int
		if err = row.Scan(&c.Mark, &mine, &team); err != nil {
			err = fmt.Errorf("queue counts: %w", err)
			return err
		}
		if mine != nil && team != nil {
			c.Mine, c.TeamUnassigned, c.Counted = *mine, *team, true
		}
		return nil
	})
	return func() (CountsSince, error) { return c, err }
}
