package views

import (
	"context"
	"strconv"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// ticketSummary is the ticket page's error summary: what stopped the form the
// page was shown again for. Each entry links to its field, or, for the close
// guard, to what is still open (the escalation or the follow-up).
func ticketSummary(ctx context.Context, p Page, v *TicketView) (titleID, intro string, items []ErrorItem) {
	titleID = "ui_summary_title"
	if v.Owner.Confirm {
		titleID = "ui_summary_confirm"
		items = append(items, ErrorItem{Target: "take-confirm", Text: T(ctx, "loop_take_confirm", "Owner", v.Ticket.OwnerName)})
	}
	for _, b := range v.Blockers {
		titleID = "ui_summary_blocked"
		items = append(items, blockerItem(ctx, p, v, b))
	}
	blocked := len(v.Blockers) > 0
	// The close guard's refusal is listed above by what is open; its copy
	// beside the status field or the reply buttons is not repeated.
	without := func(errs map[string]string, key string) map[string]string {
		if !blocked {
			return errs
		}
		out := map[string]string{}
		for k, m := range errs {
			if k != key {
				out[k] = m
			}
		}
		return out
	}
	if len(v.Reply.Errors) > 0 {
		intro = T(ctx, "ui_summary_reply_kept")
	}
	items = append(items, FieldErrorItems(ctx, without(v.Reply.Errors, "status"), "reply-h",
		FieldRef{"kind", "kind-public"}, FieldRef{"canned", "f-canned"}, FieldRef{"body", "f-body"},
		FieldRef{"attachment", "f-attachment"}, FieldRef{"status", "reply-status-error"})...)
	if v.Props.Conflict {
		items = append(items, ErrorItem{Target: "props", Text: T(ctx, "error_ticket_conflict")})
	}
	ownerID := "f-owner_id"
	if !v.Owner.CanAssign {
		ownerID = "owner-row"
	}
	items = append(items, FieldErrorItems(ctx, without(v.Props.Errors, "status"), "props",
		FieldRef{"status", "f-status"}, FieldRef{"owner_id", ownerID}, FieldRef{"priority", "f-priority"},
		FieldRef{"team_id", "f-team_id"}, FieldRef{"category", "f-category"}, FieldRef{"tags", "f-tags"})...)
	items = append(items, FieldErrorItems(ctx, v.Esc.FollowForm.Errors, "follow-up",
		FieldRef{"method", "f-fu-method"}, FieldRef{"confirmed", "confirmed-yes"}, FieldRef{"followup_note", "f-followup_note"})...)
	if v.Esc.CanEscalate {
		items = append(items, FieldErrorItems(ctx, v.Esc.Form.Errors, "escalate",
			FieldRef{"kind", "f-esc-kind"}, FieldRef{"target", "f-esc-target"}, FieldRef{"reason", "f-esc-reason"},
			FieldRef{"note", "f-esc-note"}, FieldRef{"urgency", "f-esc-urgency"})...)
	} else {
		// Refused because an escalation is open (the form is gone): link to it.
		items = append(items, FieldErrorItems(ctx, v.Esc.Form.Errors, "escalation")...)
	}
	if open := v.Esc.OpenID(); open != 0 {
		id := idStr(open)
		items = append(items, FieldErrorItems(ctx, v.Esc.ActionErrors, "esc-"+id,
			FieldRef{"guidance", "f-ret-" + id + "-guidance"}, FieldRef{"note", "f-fur-" + id + "-note"})...)
	}
	items = append(items, FieldErrorItems(ctx, v.Link.Errors, "links-h",
		FieldRef{"kind", "f-link-kind"}, FieldRef{"other", "f-link-other"})...)
	items = append(items, FieldErrorItems(ctx, v.Merge.Errors, "links-h", FieldRef{"target", "f-merge-target"})...)
	items = append(items, FieldErrorItems(ctx, v.CCForm.Errors, "cc-h", FieldRef{"cc_email", "f-cc_email"})...)
	return titleID, intro, items
}

// blockerItem names one piece of open work that keeps the ticket from being
// solved or closed, and links to it on the page.
func blockerItem(ctx context.Context, p Page, v *TicketView, b tickets.Blocker) ErrorItem {
	switch b.Kind {
	case "follow_up":
		if f := v.Esc.FollowUp; f != nil {
			return ErrorItem{Target: "follow-up", Text: T(ctx, "ui_blocker_follow_up",
				"Owner", f.OwnerName, "Due", userTime(ctx, p, f.DueAt))}
		}
		return ErrorItem{Target: "follow-up", Text: T(ctx, b.MsgID())}
	case "escalation", "transfer":
		for _, row := range v.Esc.List {
			if row.E.ID == b.ID {
				return ErrorItem{Target: "esc-" + strconv.FormatInt(b.ID, 10), Text: T(ctx, "ui_blocker_"+b.Kind, "Target", escTarget(ctx, row.E))}
			}
		}
		return ErrorItem{Target: "escalation", Text: T(ctx, b.MsgID())}
	}
	return ErrorItem{Target: "props", Text: T(ctx, b.MsgID())}
}

// newTicketErrors is the intake form's error summary, in the order of its fields.
func newTicketErrors(ctx context.Context, f NewTicketForm) []ErrorItem {
	return FieldErrorItems(ctx, f.Errors, "new-ticket",
		FieldRef{"customer_name", "f-customer_name"}, FieldRef{"customer_email", "f-customer_email"},
		FieldRef{"customer_phone", "f-customer_phone"}, FieldRef{"subject", "f-subject"}, FieldRef{"body", "f-body"},
		FieldRef{"channel", "f-channel"}, FieldRef{"priority", "f-priority"}, FieldRef{"category", "f-category"},
		FieldRef{"order_ref", "f-order_ref"})
}

// takenBy reports whether message i of v's thread is a rep's note of a call
// or visit that opened the ticket: the first message of a ticket a member of
// staff created, stored as the customer's.
func takenBy(v TicketView, i int, m tickets.Message) bool {
	return i == 0 && v.Ticket.CreatedBy != 0 && v.CreatorName != "" && m.FromCustomer && m.Kind == tickets.MessagePublic
}

// takenLabel says who took the ticket, and how.
func takenLabel(ctx context.Context, v TicketView) string {
	switch v.Ticket.Channel {
	case "phone":
		return T(ctx, "ui_taken_by_phone", "Name", v.CreatorName)
	case "walk_in":
		return T(ctx, "ui_taken_walk_in", "Name", v.CreatorName)
	}
	return T(ctx, "ui_taken_by", "Name", v.CreatorName)
}

// takeCancelURL is where "Keep the owner" goes: back to the queue the rep
// came from, or the ticket.
func takeCancelURL(v *TicketView) string {
	if v.Owner.Return != "" {
		return v.Owner.Return
	}
	return ticketURL(v.Ticket.ID)
}

// hasAny reports whether errs has an error for any of fields.
func hasAny(errs map[string]string, fields ...string) bool {
	for _, f := range fields {
		if _, ok := errs[f]; ok {
			return true
		}
	}
	return false
}
