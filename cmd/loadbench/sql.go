package main

// The SQL the benchmarked pages run, copied here so the bench can time it
// alone (the "floor") and EXPLAIN it. Each constant names what it mirrors;
// when the original changes, change the copy.

// sqlSelectTicket mirrors sqlSelectTicket in internal/tickets/store.go.
const sqlSelectTicket = `
SELECT t.id, t.subject, t.status, t.priority, t.category, t.channel,
       c.id, c.name, coalesce(c.email::text, ''), coalesce(c.phone, ''), c.locale, c.notes, c.created_at,
       c.bounced_at, c.bounce_status, c.bounce_diagnostic,
       coalesce(t.team_id, 0), coalesce(tm.name, ''), coalesce(t.owner_id, 0), coalesce(u.name, ''),
       coalesce(t.created_by, 0), t.order_ref, t.tags, coalesce(t.merged_into, 0), t.version,
       t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.closed_at,
       t.first_response_due, t.next_response_due, t.resolution_due, t.next_due, t.paused_since,
       coalesce(t.sla_policy_id, 0), t.awaiting_reply_since, coalesce(t.holder_team_id, 0), coalesce(t.holder_user_id, 0)
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users u ON u.id = t.owner_id`

// sqlQueueTeamOpen mirrors what queueSQL (internal/tickets/queue.go) builds
// for GET /queue/all?team=$1&status=open by a rep (not SeeAll): scope "all"
// adds visibleSQL with $2 = the rep's teams and $3 = the rep; the status is
// inlined as a literal so the partial queue indexes match; sort "updated";
// the ids are read through (SELECT $n) and the LIMIT (the page size + 1) is
// written in, so Postgres keeps one plan.
const sqlQueueTeamOpen = sqlSelectTicket + `
WHERE t.status = 'open'
  AND t.team_id = (SELECT $1::bigint)
  AND (false OR t.team_id = ANY((SELECT $2::bigint[])::bigint[]) OR t.owner_id = (SELECT $3::bigint) OR t.holder_team_id = ANY((SELECT $2::bigint[])::bigint[]) OR t.holder_user_id = (SELECT $3::bigint))
ORDER BY t.updated_at DESC, t.id DESC
LIMIT 51`

// sqlUnreadCount mirrors UnreadCount in internal/escalation/notifications.go (the bell, every page).
const sqlUnreadCount = `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`

// sqlTeams mirrors Teams in internal/staff/staff.go.
const sqlTeams = `SELECT id, name FROM teams ORDER BY name`

// sqlViews mirrors Views in internal/tickets/views.go.
const sqlViews = `SELECT id, name, scope, query FROM saved_views WHERE user_id = $1 ORDER BY name`

// sqlSelectMessages mirrors sqlSelectMessages in internal/tickets/store.go.
const sqlSelectMessages = `
SELECT m.id, m.ticket_id, m.kind, coalesce(m.author_user_id, 0),
       coalesce(u.name, c.name, ''), m.author_customer_id IS NOT NULL, m.body, m.created_at
FROM messages m
LEFT JOIN users u ON u.id = m.author_user_id
LEFT JOIN customers c ON c.id = m.author_customer_id
WHERE m.ticket_id = $1 AND ($2 OR m.kind = 'public')
ORDER BY m.id`

// sqlSelectEvents mirrors sqlSelectEvents in internal/tickets/store.go.
const sqlSelectEvents = `
SELECT e.id, coalesce(e.actor_id, 0), coalesce(u.name, ''), e.action, e.data, e.created_at
FROM events e
LEFT JOIN users u ON u.id = e.actor_id
WHERE e.subject_type = 'ticket' AND e.subject_id = $1
ORDER BY e.id`

// sqlCustomerTickets mirrors CustomerTickets in internal/tickets/store_customers.go.
const sqlCustomerTickets = sqlSelectTicket + `
WHERE t.customer_id = $1 AND t.id <> $2
ORDER BY t.id DESC LIMIT $3`
