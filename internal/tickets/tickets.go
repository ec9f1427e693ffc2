// Package tickets is the desk itself: customers, tickets, their threads, the
// status machine, the loop owner, queues, search and the audit trail.
package tickets

import (
	"slices"
	"time"
)

// Status is where a ticket is in its life.
type Status string

// The statuses, in their usual order.
const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending" // waiting on the customer: the SLA clock pauses
	StatusOnHold  Status = "on_hold" // waiting on a third party: the SLA clock pauses
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed" // read-only; a new contact makes a follow-up ticket
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusSolved, StatusClosed}

// OpenStatuses are the statuses of work still to do.
var OpenStatuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold}

// transitions is the status machine: from -> allowed targets.
var transitions = map[Status][]Status{
	StatusNew:     {StatusOpen, StatusPending, StatusOnHold, StatusSolved},
	StatusOpen:    {StatusPending, StatusOnHold, StatusSolved},
	StatusPending: {StatusOpen, StatusOnHold, StatusSolved},
	StatusOnHold:  {StatusOpen, StatusPending, StatusSolved},
	StatusSolved:  {StatusOpen, StatusClosed},
	StatusClosed:  {},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// IsOpen reports whether s is still work to do.
func (s Status) IsOpen() bool { return slices.Contains(OpenStatuses, s) }

// CanBecome reports whether the status machine allows s -> to.
func (s Status) CanBecome(to Status) bool { return s == to || slices.Contains(transitions[s], to) }

// Priority orders urgency; higher is more urgent.
type Priority int16

// The priorities.
const (
	PriorityLow    Priority = 1
	PriorityNormal Priority = 2
	PriorityHigh   Priority = 3
	PriorityUrgent Priority = 4
)

// Priorities lists every priority, least urgent first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// String is the priority's key ("low", "normal", "high", "urgent").
func (p Priority) String() string {
	switch p {
	case PriorityLow:
		return "low"
	case PriorityNormal:
		return "normal"
	case PriorityHigh:
		return "high"
	case PriorityUrgent:
		return "urgent"
	}
	return "unknown"
}

// ParsePriority parses a priority key; ok is false for anything else.
func ParsePriority(s string) (Priority, bool) {
	for _, p := range Priorities {
		if p.String() == s {
			return p, true
		}
	}
	return 0, false
}

// Channel is how the customer reached us.
type Channel string

// Channels lists every channel.
var Channels = []Channel{"phone", "walk_in", "chat", "web", "email", "api"}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Categories are the kinds of issue the desk handles (from the seeds' world).
var Categories = []string{"order", "delivery", "billing", "product", "technical", "complaint", "other"}

// MessageKind tells a public reply from an internal note or a system line.
type MessageKind string

// The message kinds.
const (
	MessagePublic   MessageKind = "public"
	MessageInternal MessageKind = "internal"
	MessageSystem   MessageKind = "system"
)

// Customer is someone the desk serves.
type Customer struct {
	ID        int64
	Name      string
	Email     string
	Phone     string
	Locale    string
	Notes     string
	CreatedAt time.Time
	// BouncedAt is when a delivery report said mail to Email failed (nil:
	// it did not, or the customer wrote from it since), with the report's
	// status and diagnostic.
	BouncedAt        *time.Time
	BounceStatus     string
	BounceDiagnostic string
}

// Ticket is one customer issue.
type Ticket struct {
	ID              int64
	Subject         string
	Status          Status
	Priority        Priority
	Category        string
	Channel         Channel
	Customer        Customer
	TeamID          int64
	TeamName        string
	OwnerID         int64
	OwnerName       string
	CreatedBy       int64
	OrderRef        string
	Tags            []string
	MergedInto      int64
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FirstResponseAt *time.Time
	SolvedAt        *time.Time
	ClosedAt        *time.Time

	// The SLA clock, kept by the escalation package.
	FirstResponseDue *time.Time
	NextResponseDue  *time.Time
	ResolutionDue    *time.Time
	NextDue          *time.Time
	PausedSince      *time.Time
	HasSLA           bool
	// SLAPolicyID is the policy the clock runs under (0: none), and
	// AwaitingReplySince the customer message a next response is due for:
	// with the fields above, what a badge is worked out from.
	SLAPolicyID        int64
	AwaitingReplySince *time.Time

	// Who holds the ticket while it is escalated (they may see and work it).
	HolderTeamID int64
	HolderUserID int64
}

// Message is one entry of a ticket's thread.
type Message struct {
	ID           int64
	TicketID     int64
	Kind         MessageKind
	AuthorID     int64 // staff author; 0 when the customer or the system wrote it
	AuthorName   string
	FromCustomer bool
	Body         string
	CreatedAt    time.Time
	// Of a customer's mail: HasHTML when its HTML part is kept (shown in
	// a sandboxed frame), RemoteImages when that shows remote images, and
	// Auth, the sender authentication our MX found.
	HasHTML      bool
	RemoteImages bool
	Auth         MailAuth
}

// Event is one line of a ticket's history: who did what, when, old -> new.
type Event struct {
	ID        int64
	ActorID   int64
	ActorName string
	Action    string
	Data      map[string]any
	CreatedAt time.Time
}

// Actor is who is acting, as far as ticket visibility and rules care.
// The web layer builds it from the signed-in staff member.
type Actor struct {
	UserID  int64
	TeamIDs []int64
	SeeAll  bool // supervisors and admins see every ticket
}

// CanSee reports whether a sees t: all for supervisors and admins; otherwise
// tickets of their teams, those they own, and those escalated to them or
// their teams.
func (a Actor) CanSee(t Ticket) bool {
	// UserID 0 is nobody (no one signed in): it must not match unowned tickets.
	return a.SeeAll || (a.UserID != 0 && (t.OwnerID == a.UserID || t.HolderUserID == a.UserID)) ||
		(t.TeamID != 0 && slices.Contains(a.TeamIDs, t.TeamID)) ||
		(t.HolderTeamID != 0 && slices.Contains(a.TeamIDs, t.HolderTeamID))
}

// SeesTeam reports whether a sees what belongs to team as a whole (mail
// held for it, not yet a ticket): supervisors and admins all, others
// their own teams'. It is CanSee for a ticket of team that no one owns
// or holds.
func (a Actor) SeesTeam(team int64) bool {
	return a.SeeAll || (team != 0 && slices.Contains(a.TeamIDs, team))
}

// visibleSQL is the SQL form of CanSee for alias t; $all, $teams and $user
// are the parameter placeholders of SeeAll, TeamIDs and UserID.
func visibleSQL(all, teams, user string) string {
	return "(" + all + " OR t.team_id = ANY(" + teams + ") OR t.owner_id = " + user +
		" OR t.holder_team_id = ANY(" + teams + ") OR t.holder_user_id = " + user + ")"
}
