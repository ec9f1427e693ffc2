package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// The event types an endpoint can subscribe to. They are derived from the
// desk's own audit events (table events), which every state change writes
// in its transaction: typeOf maps an event's action to its type.
const (
	TicketCreated   = "ticket.created"
	TicketUpdated   = "ticket.updated"
	TicketSolved    = "ticket.solved"
	TicketClosed    = "ticket.closed"
	MessageAdded    = "message.added"
	TicketEscalated = "ticket.escalated"
	TicketReturned  = "ticket.returned"
	FollowUpDone    = "follow_up.done"
	CSATAnswered    = "csat.answered"
	// Ping is the test delivery an admin sends by hand; not subscribable.
	Ping = "ping"
)

// EventTypes lists every subscribable type, in the order the form shows them.
var EventTypes = []string{
	TicketCreated, TicketUpdated, TicketSolved, TicketClosed, MessageAdded,
	TicketEscalated, TicketReturned, FollowUpDone, CSATAnswered,
}

// typeOf maps a ticket event to its webhook type; ok is false for events
// that are not reported (SLA timers, internal bookkeeping).
func typeOf(action string, data map[string]any) (string, bool) {
	switch action {
	case "ticket.created":
		return TicketCreated, true
	case "ticket.status_changed", "ticket.reopened":
		switch data["new"] {
		case string(tickets.StatusSolved):
			return TicketSolved, true
		case string(tickets.StatusClosed):
			return TicketClosed, true
		}
		return TicketUpdated, true
	case "ticket.priority_changed", "ticket.category_changed", "ticket.tags_changed", "ticket.owner_changed",
		"ticket.team_changed", "ticket.taken", "ticket.merged_into", "ticket.merged_from", "ticket.linked":
		return TicketUpdated, true
	case "ticket.replied", "ticket.note_added", "ticket.customer_replied":
		return MessageAdded, true
	case "ticket.escalated":
		return TicketEscalated, true
	case "ticket.escalation_returned", "ticket.escalation_deescalated":
		return TicketReturned, true
	case "ticket.follow_up_recorded":
		return FollowUpDone, true
	case "ticket.csat_good", "ticket.csat_bad":
		return CSATAnswered, true
	}
	return "", false
}

// Payload is the JSON body of every delivery.
type Payload struct {
	// ID is the desk event's id: the same for every endpoint and every
	// redelivery, so a receiver can drop duplicates. 0 for a ping.
	ID        int64       `json:"id"`
	Type      string      `json:"type"`
	CreatedAt time.Time   `json:"created_at"`
	Data      PayloadData `json:"data"`
}

// PayloadData is what happened: the desk's action with its changes, and the
// ticket as it is when the delivery is made.
type PayloadData struct {
	Action  string         `json:"action"`
	ActorID *int64         `json:"actor_id"` // the staff member; null for the customer or the system
	Changes map[string]any `json:"changes"`
	Ticket  *TicketJSON    `json:"ticket,omitempty"`
	Message *MessageJSON   `json:"message,omitempty"`
	CSAT    *CSATJSON      `json:"csat,omitempty"`
}

// TicketJSON is a ticket in a payload.
type TicketJSON struct {
	ID              int64        `json:"id"`
	URL             string       `json:"url"`
	Subject         string       `json:"subject"`
	Status          string       `json:"status"`
	Priority        string       `json:"priority"`
	Category        string       `json:"category"`
	Channel         string       `json:"channel"`
	Tags            []string     `json:"tags"`
	TeamID          *int64       `json:"team_id"`
	OwnerID         *int64       `json:"owner_id"`
	Customer        CustomerJSON `json:"customer"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	FirstResponseAt *time.Time   `json:"first_response_at"`
	SolvedAt        *time.Time   `json:"solved_at"`
	ClosedAt        *time.Time   `json:"closed_at"`
}

// CustomerJSON is the ticket's customer.
type CustomerJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Locale string `json:"locale"`
}

// MessageJSON is the message a message.added event is about.
type MessageJSON struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"` // public or internal
	AuthorID     *int64    `json:"author_id"`
	FromCustomer bool      `json:"from_customer"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// CSATJSON is the customer's satisfaction answer.
type CSATJSON struct {
	Rating  string `json:"rating"`
	Reason  string `json:"reason"`
	Comment string `json:"comment"`
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// event is a row of the events table taken from the queue.
type event struct {
	ID        int64
	TicketID  int64
	ActorID   int64
	Action    string
	Data      map[string]any
	CreatedAt time.Time
}

// sqlEventMessage finds the message an event is about: messages and their
// event are written with the same clock reading in one transaction.
const sqlEventMessage = `
SELECT id, kind, coalesce(author_user_id, 0), author_customer_id IS NOT NULL, body, created_at
FROM messages
WHERE ticket_id = $1 AND created_at = $2
ORDER BY id DESC
LIMIT 1`

const sqlEventCSAT = `SELECT rating, reason, comment FROM csat_responses WHERE ticket_id = $1`

// buildPayload renders the body of event e of type typ. ok is false when its
// ticket is gone.
func (s *Service) buildPayload(ctx context.Context, q postgres.Querier, e event, typ string) (body []byte, ok bool, err error) {
	t, err := tickets.GetTx(ctx, q, e.TicketID, false)
	if apperr.Is(err, apperr.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p := Payload{ID: e.ID, Type: typ, CreatedAt: e.CreatedAt.UTC(), Data: PayloadData{
		Action: e.Action, ActorID: idOrNil(e.ActorID), Changes: e.Data, Ticket: s.ticketJSON(t),
	}}
	if p.Data.Changes == nil {
		p.Data.Changes = map[string]any{}
	}
	switch typ {
	case MessageAdded:
		var m MessageJSON
		var author int64
		err := q.QueryRow(ctx, sqlEventMessage, e.TicketID, e.CreatedAt).Scan(&m.ID, &m.Kind, &author, &m.FromCustomer, &m.Body, &m.CreatedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return nil, false, fmt.Errorf("webhook message: %w", err)
		default:
			m.AuthorID, m.CreatedAt = idOrNil(author), m.CreatedAt.UTC()
			p.Data.Message = &m
		}
	case CSATAnswered:
		var c CSATJSON
		err := q.QueryRow(ctx, sqlEventCSAT, e.TicketID).Scan(&c.Rating, &c.Reason, &c.Comment)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return nil, false, fmt.Errorf("webhook csat: %w", err)
		default:
			p.Data.CSAT = &c
		}
	}
	body, err = json.Marshal(p)
	if err != nil {
		return nil, false, fmt.Errorf("webhook payload: %w", err)
	}
	return body, true, nil
}

func (s *Service) ticketJSON(t tickets.Ticket) *TicketJSON {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return &TicketJSON{
		ID: t.ID, URL: s.baseURL + "/tickets/" + strconv.FormatInt(t.ID, 10), Subject: t.Subject,
		Status: string(t.Status), Priority: t.Priority.String(), Category: t.Category, Channel: string(t.Channel),
		Tags: tags, TeamID: idOrNil(t.TeamID), OwnerID: idOrNil(t.OwnerID),
		Customer:  CustomerJSON{ID: t.Customer.ID, Name: t.Customer.Name, Email: t.Customer.Email, Locale: t.Customer.Locale},
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), FirstResponseAt: utcOrNil(t.FirstResponseAt),
		SolvedAt: utcOrNil(t.SolvedAt), ClosedAt: utcOrNil(t.ClosedAt),
	}
}

// pingBody is the body of a test delivery.
func pingBody(endpointID int64, at time.Time) []byte {
	b, _ := json.Marshal(Payload{Type: Ping, CreatedAt: at.UTC(), Data: PayloadData{
		Action: Ping, Changes: map[string]any{"endpoint_id": endpointID},
	}})
	return b
}

// validTypes reports whether every type is subscribable.
func validTypes(types []string) bool {
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return false
		}
	}
	return len(types) > 0
}
