package views

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// StatusLabel is the translated name of a status.
func StatusLabel(ctx context.Context, s tickets.Status) string { return T(ctx, "status_"+string(s)) }

// PriorityLabel is the translated name of a priority.
func PriorityLabel(ctx context.Context, p tickets.Priority) string {
	return T(ctx, "priority_"+p.String())
}

// ChannelLabel is the translated name of a channel.
func ChannelLabel(ctx context.Context, c tickets.Channel) string { return T(ctx, "channel_"+string(c)) }

// CategoryLabel is the translated name of a category ("" is none).
func CategoryLabel(ctx context.Context, c string) string {
	if c == "" {
		return T(ctx, "category_none")
	}
	return T(ctx, "category_"+c)
}

// StatusOptions lists statuses for a select; first, when non-empty, is a
// leading "any" style option.
func StatusOptions(ctx context.Context, list []tickets.Status) []Option {
	out := make([]Option, 0, len(list))
	for _, s := range list {
		out = append(out, Option{Value: string(s), Label: StatusLabel(ctx, s)})
	}
	return out
}

// PriorityOptions lists every priority.
func PriorityOptions(ctx context.Context) []Option {
	var out []Option
	for _, p := range tickets.Priorities {
		out = append(out, Option{Value: p.String(), Label: PriorityLabel(ctx, p)})
	}
	return out
}

// ChannelOptions lists every channel.
func ChannelOptions(ctx context.Context) []Option {
	var out []Option
	for _, c := range tickets.Channels {
		out = append(out, Option{Value: string(c), Label: ChannelLabel(ctx, c)})
	}
	return out
}

// CategoryOptions lists the categories, "none" first.
func CategoryOptions(ctx context.Context) []Option {
	out := []Option{{Value: "", Label: CategoryLabel(ctx, "")}}
	for _, c := range tickets.Categories {
		out = append(out, Option{Value: c, Label: CategoryLabel(ctx, c)})
	}
	return out
}

// TeamOptions lists teams, with a leading empty choice labelled by noneID.
func TeamOptions(ctx context.Context, teams []staff.Team, noneID string) []Option {
	out := []Option{{Value: "", Label: T(ctx, noneID)}}
	for _, t := range teams {
		out = append(out, Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	return out
}

// UserOptions lists staff, with a leading empty choice labelled by noneID.
func UserOptions(ctx context.Context, users []staff.User, noneID string) []Option {
	out := []Option{{Value: "", Label: T(ctx, noneID)}}
	for _, u := range users {
		if u.Active {
			out = append(out, Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
	return out
}

// withAny prepends an "any" choice to options (for filters).
func withAny(ctx context.Context, opts []Option) []Option {
	return append([]Option{{Value: "", Label: T(ctx, "filter_any")}}, opts...)
}

func idStr(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func ticketURL(id int64) string { return "/tickets/" + strconv.FormatInt(id, 10) }

func number(id int64) string { return "#" + strconv.FormatInt(id, 10) }

// userTime formats t for the signed-in user.
func userTime(ctx context.Context, p Page, t time.Time) string {
	var loc *time.Location
	if p.User != nil {
		loc = p.User.Location()
	}
	return FormatTime(ctx, t, loc)
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// eventText describes a history event in the user's language.
func eventText(ctx context.Context, e tickets.Event) string {
	old, _ := e.Data["old"]
	nw, _ := e.Data["new"]
	if n, ok := e.Data["new_name"].(string); ok { // owner changes name the people
		old, nw = e.Data["old_name"], n
	}
	return T(ctx, "event_"+strings.ReplaceAll(e.Action, ".", "_"), "Old", eventValue(ctx, e.Action, old), "New", eventValue(ctx, e.Action, nw))
}

func eventValue(ctx context.Context, action string, v any) string {
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return "—"
		}
		if f, ok := v.(float64); ok {
			return strconv.FormatInt(int64(f), 10)
		}
		return ""
	}
	switch action {
	case "ticket.status_changed", "ticket.reopened":
		return StatusLabel(ctx, tickets.Status(s))
	case "ticket.priority_changed":
		return T(ctx, "priority_"+s)
	case "ticket.category_changed":
		return CategoryLabel(ctx, s)
	}
	return s
}

func messageClass(m tickets.Message) string { return "message message-" + string(m.Kind) }

// authResultLabel is a translated SPF/DKIM/DMARC result (mailin2).
func authResultLabel(ctx context.Context, result string) string {
	switch result {
	case "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy":
		return T(ctx, "mailauth_"+result)
	}
	return result
}
