package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// thread is what a mail takes from its ticket when it is sent, read with
// its claim: the From address and the threading headers.
type thread struct {
	// From is the From of the mailbox the ticket came in on; "" for the
	// desk's (LOOPDESK_SMTP_FROM).
	From string
	// Signature is the ticket's team's signature, "" for none.
	Signature string
	// InReplyTo is the customer's newest mail on the ticket, else the desk's
	// newest; References is the conversation, oldest first. The desk's own
	// ids are left parts ending in "@" (see Message).
	InReplyTo  string
	References []string
}

// maxReferences bounds the References header: the first mail and the
// newest ones, as RFC 5322 suggests for long threads.
const maxReferences = 20

// sqlMailFrom is the From of the mailbox ticket $1 came in on, and its
// team's signature.
const sqlMailFrom = `
SELECT coalesce(mb.from_address, ''), coalesce(tm.signature, '')
FROM tickets t
LEFT JOIN mailboxes mb ON mb.id = t.mailbox_id
LEFT JOIN teams tm ON tm.id = t.team_id
WHERE t.id = $1`

// sqlThreadIDs lists the Message-IDs of ticket $1's conversation, newest
// first: the customer's mail filed on it (whole ids; mail_in_ticket_idx;
// an erased one has no "@" and is left out) and the desk's mail sent
// before outbox row $2 (left parts; outbox_ticket_idx).
const sqlThreadIDs = `
SELECT message_id, ours FROM (
    SELECT message_id, false AS ours, received_at AS at FROM mail_in
    WHERE ticket_id = $1 AND position('@' in message_id) > 0
    UNION ALL
    SELECT message_id, true, coalesce(sent_at, created_at) FROM outbox
    WHERE ticket_id = $1 AND message_id IS NOT NULL AND id < $2 AND status = 'sent'
) x
ORDER BY at DESC, ours
LIMIT 200`

// threadTx reads m's thread in tx.
func threadTx(ctx context.Context, tx pgx.Tx, m Mail) (thread, error) {
	var th thread
	if m.TicketID == 0 {
		return th, nil
	}
	if err := tx.QueryRow(ctx, sqlMailFrom, m.TicketID).Scan(&th.From, &th.Signature); err != nil && err != pgx.ErrNoRows {
		return th, fmt.Errorf("mail from address: %w", err)
	}
	rows, err := tx.Query(ctx, sqlThreadIDs, m.TicketID, m.ID)
	if err != nil {
		return th, fmt.Errorf("mail thread: %w", err)
	}
	var ids []string // newest first
	var ourNewest string
	for rows.Next() {
		var id string
		var ours bool
		if err := rows.Scan(&id, &ours); err != nil {
			rows.Close()
			return th, fmt.Errorf("mail thread: %w", err)
		}
		if ours {
			id += "@"
			if ourNewest == "" {
				ourNewest = id
			}
		} else if th.InReplyTo == "" {
			th.InReplyTo = id
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return th, fmt.Errorf("mail thread: %w", err)
	}
	if th.InReplyTo == "" {
		th.InReplyTo = ourNewest
	}
	if len(ids) > maxReferences {
		ids = append(ids[:maxReferences-1], ids[len(ids)-1])
	}
	for i := len(ids) - 1; i >= 0; i-- {
		th.References = append(th.References, ids[i])
	}
	return th, nil
}
