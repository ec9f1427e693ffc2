package tickets_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// bundle is one test's database, store and cast: two teams, a rep in each, a second rep
// in team A and a supervisor who sees everything.
type bundle struct {
	ctx          context.Context
	db           *pgxpool.Pool
	store        *tickets.Store
	teamA, teamB int64
	repA, repA2  tickets.Actor
	repB, sup    tickets.Actor
}

func setup(t *testing.T) *bundle {
	t.Helper()
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	b := &bundle{ctx: ctx, db: db, store: ticketstest.NewStore(db)}
	b.teamA = ticketstest.Team(ctx, t, db, "Intake")
	b.teamB = ticketstest.Team(ctx, t, db, "Billing")
	b.repA = ticketstest.User(ctx, t, db, "rep", b.teamA)
	b.repA2 = ticketstest.User(ctx, t, db, "rep", b.teamA)
	b.repB = ticketstest.User(ctx, t, db, "rep", b.teamB)
	b.sup = ticketstest.User(ctx, t, db, "supervisor")
	return b
}

// create opens a ticket as actor with the factory's defaults for zero fields.
func (b *bundle) create(t *testing.T, actor tickets.Actor, n tickets.NewTicket) tickets.Ticket {
	t.Helper()
	return ticketstest.Create(b.ctx, t, b.store, actor, n)
}

// get reads ticket id as the supervisor.
func (b *bundle) get(t *testing.T, id int64) tickets.Ticket {
	t.Helper()
	tk, err := b.store.Get(b.ctx, b.sup, id)
	if err != nil {
		t.Fatalf("get ticket %d: %v", id, err)
	}
	return tk
}

// history returns the actions of ticket id's events, oldest first, and the events.
func (b *bundle) history(t *testing.T, id int64) ([]string, []tickets.Event) {
	t.Helper()
	events, err := b.store.History(b.ctx, id)
	if err != nil {
		t.Fatalf("history of %d: %v", id, err)
	}
	actions := make([]string, len(events))
	for i, e := range events {
		actions[i] = e.Action
	}
	return actions, events
}

// wantKind fails unless err is classified as kind with message id msgID.
func wantKind(t *testing.T, err error, kind apperr.Kind, msgID string) {
	t.Helper()
	if !apperr.Is(err, kind) || apperr.MsgIDOf(err) != msgID {
		t.Fatalf("err = %v, want %v %s", err, kind, msgID)
	}
}

// wantField fails unless err is Invalid with field -> msgID among its fields.
func wantField(t *testing.T, err error, field, msgID string) {
	t.Helper()
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v (kind %v), want invalid %s: %s", err, apperr.KindOf(err), field, msgID)
	}
	if got := apperr.FieldsOf(err)[field]; got != msgID {
		t.Fatalf("field %s = %q, want %q (all: %v)", field, got, msgID, apperr.FieldsOf(err))
	}
}

func ptr[T any](v T) *T { return &v }

func isInvalid(err error) bool { return apperr.Is(err, apperr.Invalid) }
