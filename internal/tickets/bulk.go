package tickets

import (
	"context"
	"slices"
	"strings"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// Bulk actions apply one change to many tickets from a queue. Each ticket
// goes through the ordinary store method (Take, Update), in its own
// transaction and with its own rules: the close guard, the owner rule, the
// status machine. A ticket that refuses does not stop the others; the
// result says, per ticket, what happened.

// BulkKind is what a bulk action does.
type BulkKind string

// The bulk actions.
const (
	BulkTake     BulkKind = "take"     // the actor takes each unowned ticket (not someone else's)
	BulkAssign   BulkKind = "assign"   // a supervisor makes OwnerID the owner
	BulkStatus   BulkKind = "status"   // set Status
	BulkPriority BulkKind = "priority" // set Priority
	BulkTag      BulkKind = "tag"      // add Tag
)

// MaxBulk is how many tickets one bulk action may touch.
const MaxBulk = 100

// BulkOp is one bulk action and its value.
type BulkOp struct {
	Kind     BulkKind
	Status   Status
	Priority Priority
	Tag      string
	OwnerID  int64
}

// BulkResult is what happened to one ticket: Err nil when it was changed
// (or already as asked).
type BulkResult struct {
	TicketID int64
	Err      error
}

// Validate checks the action itself (not the tickets).
func (op *BulkOp) Validate(ids []int64) error {
	var f apperr.Fields
	if len(ids) == 0 {
		f.Add("ids", "live_error_bulk_none")
	} else if len(ids) > MaxBulk {
		f.Add("ids", "live_error_bulk_many")
	}
	switch op.Kind {
	case BulkTake:
	case BulkAssign:
		if op.OwnerID <= 0 {
			f.Add("owner_id", "error_owner_required")
		}
	case BulkStatus:
		if !op.Status.Valid() {
			f.Add("status", "error_status_invalid")
		}
	case BulkPriority:
		if !op.Priority.Valid() {
			f.Add("priority", "error_priority_invalid")
		}
	case BulkTag:
		tags, err := ParseTags(op.Tag)
		if err != nil || len(tags) != 1 {
			f.Add("tag", "live_error_bulk_tag")
		} else {
			op.Tag = tags[0]
		}
	default:
		f.Add("action", "error_invalid_choice")
	}
	return f.Err()
}

// Bulk applies op to the tickets ids as a, one ticket at a time in id
// order (the lock order), and returns one result per distinct id.
func (s *Store) Bulk(ctx context.Context, a Actor, op BulkOp, ids []int64) ([]BulkResult, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if err := op.Validate(ids); err != nil {
		return nil, err
	}
	if op.Kind == BulkAssign && !a.SeeAll {
		return nil, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	out := make([]BulkResult, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, BulkResult{TicketID: id, Err: s.bulkOne(ctx, a, op, id)})
	}
	return out, nil
}

func (s *Store) bulkOne(ctx context.Context, a Actor, op BulkOp, id int64) error {
	if op.Kind == BulkTake {
		_, err := s.Take(ctx, a, id, false)
		return err
	}
	t, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	c := Changes{Version: t.Version}
	switch op.Kind {
	case BulkAssign:
		c.OwnerID = &op.OwnerID
	case BulkStatus:
		c.Status = &op.Status
	case BulkPriority:
		c.Priority = &op.Priority
	case BulkTag:
		if slices.ContainsFunc(t.Tags, func(x string) bool { return strings.EqualFold(x, op.Tag) }) {
			return nil
		}
		tags := append(slices.Clone(t.Tags), op.Tag)
		c.Tags = &tags
	}
	_, err = s.Update(ctx, a, id, c)
	return err
}
