package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Erased replaces personal text that must keep a value (NOT NULL, length
// checks); ErasedName is an erased customer's name.
const (
	Erased     = "[erased]"
	ErasedName = "Erased customer"
)

// Erasure says what an erasure removed.
type Erasure struct {
	CustomerID  int64 `json:"customer_id"`
	Tickets     int   `json:"tickets"`
	Messages    int   `json:"messages"`
	Attachments int   `json:"attachments"`
	Mails       int   `json:"mails"`
}

// Erase removes or anonymises customer id's personal data in one
// transaction, after checking the typed confirmation:
//
//   - the customer: name, email, phone and notes;
//   - their tickets: subject, order reference and custom fields; every
//     message body (staff replies quote and greet the customer); files;
//     escalation and follow-up notes; CSAT comments; status links;
//   - the search index: each ticket's vector is rebuilt from what is left,
//     and words only they used leave the word list;
//   - mail to them (address and contents; unsent mail is not sent), webhook
//     deliveries about their tickets, file names in audit events, the
//     Message-IDs of their mail;
//   - their address where they are copied on other tickets (persistent CC,
//     its events, the Cc of mail) and the CC of their own tickets;
//   - any other text that still holds their name, email or phone in the
//     audit events and notifications.
//
// Ticket numbers, statuses, priorities, teams, owners, times, SLA results,
// ratings and every event stay, so reports do not change. The erasure is
// recorded as an event without personal data.
func (s *Service) Erase(ctx context.Context, actorID, id int64, confirm string) (Erasure, error) {
	res := Erasure{CustomerID: id}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		c, err := getTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkConfirm(c, confirm); err != nil {
			return err
		}
		now := s.now()
		// Tickets before anything that hangs off them, ids ascending (the
		// desk's lock order).
		rows, err := tx.Query(ctx, `SELECT id FROM tickets WHERE customer_id = $1 ORDER BY id FOR UPDATE`, id)
		if err != nil {
			return fmt.Errorf("lock tickets: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("lock tickets: %w", err)
		}
		res.Tickets, res.Messages, res.Attachments = len(ids), c.Messages, c.Attachments

		// The words of the texts about to go, for the word list below.
		rows, err = tx.Query(ctx, `
SELECT DISTINCT w FROM (
    SELECT ld_search_words(subject) AS w FROM tickets WHERE id = ANY($1)
    UNION ALL SELECT ld_search_words(body) FROM messages WHERE ticket_id = ANY($1) OR author_customer_id = $2
    UNION ALL SELECT ld_search_words($3)
) x`, ids, id, c.Name)
		if err != nil {
			return fmt.Errorf("erase: words: %w", err)
		}
		words, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("erase: words: %w", err)
		}

		steps := []struct {
			what string
			sql  string
			args []any
		}{
			{"messages", `UPDATE messages SET body = $3 WHERE (ticket_id = ANY($1) OR author_customer_id = $2) AND body <> $3`, []any{ids, id, Erased}},
			{"mail html", `
UPDATE message_email SET html = '', cids = '{}', remote_images = false
WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = ANY($1) OR author_customer_id = $2) AND html <> ''`, []any{ids, id}},
			{"held mail", `DELETE FROM mail_spam WHERE $1 <> '' AND lower(from_email) = lower($1)`, []any{c.Email}},
			{"attachments", `DELETE FROM attachments WHERE ticket_id = ANY($1)`, []any{ids}},
			{"tickets", `
UPDATE tickets SET subject = $2, order_ref = '', custom_fields = '{}', version = version + 1
WHERE id = ANY($1)`, []any{ids, Erased}},
			{"search index", `
UPDATE tickets t SET search = ld_subject_vector(t.subject, c.locale) ||
       coalesce((SELECT ld_search_agg(ld_body_vector(m.body, c.locale) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id), '')
FROM customers c
WHERE t.id = ANY($1) AND c.id = t.customer_id`, []any{ids}},
			{"escalations", `
UPDATE escalations SET note = $2, outcome = CASE WHEN outcome = '' THEN '' ELSE $2 END WHERE ticket_id = ANY($1)`, []any{ids, Erased}},
			{"follow-ups", `UPDATE follow_ups SET note = '' WHERE ticket_id = ANY($1) AND note <> ''`, []any{ids}},
			{"csat", `UPDATE csat_responses SET comment = '' WHERE ticket_id = ANY($1) AND comment <> ''`, []any{ids}},
			{"status links", `DELETE FROM ticket_tokens WHERE ticket_id = ANY($1)`, []any{ids}},
			{"cc", `DELETE FROM ticket_cc WHERE ticket_id = ANY($1) OR ($2 <> '' AND email = $2)`, []any{ids, c.Email}},
			{"cc events", `
UPDATE events SET data = data || jsonb_build_object(k, $2::text)
FROM (VALUES ('new'), ('old')) AS keys(k)
WHERE $1 <> '' AND subject_type = 'ticket' AND action IN ('ticket.cc_added', 'ticket.cc_removed', 'ticket.email_cc')
  AND lower(data->>k) = lower($1)`, []any{c.Email, Erased}},
			{"mail cc", `
UPDATE outbox SET cc = array(SELECT x FROM unnest(cc) x WHERE lower(x) <> lower($1))
WHERE $1 <> '' AND lower($1) = ANY(SELECT lower(x) FROM unnest(cc) x)`, []any{c.Email}},
			{"mail in", `
UPDATE mail_in SET message_id = 'erased:' || encode(sha256(convert_to(message_id, 'UTF8')), 'hex')
WHERE ticket_id = ANY($1) AND message_id NOT LIKE 'erased:%'`, []any{ids}},
			{"webhook deliveries", `
UPDATE webhook_deliveries SET body = '{"erased":true}' WHERE ticket_id = ANY($1)`, []any{ids}},
			{"events", `
UPDATE events SET data = jsonb_set(data, '{new}', to_jsonb($2::text))
WHERE subject_type = 'ticket' AND subject_id = ANY($1)
  AND action IN ('ticket.attachment_added', 'ticket.email_attachment_skipped') AND data ? 'new'`, []any{ids, Erased}},
			{"bounce events", `
UPDATE events SET data = jsonb_build_object('new', $2::text, 'old', $2::text)
WHERE subject_type = 'ticket' AND subject_id = ANY($1) AND action = 'ticket.mail_bounced'`, []any{ids, Erased}},
			{"customer", `
UPDATE customers SET name = $2, email = NULL, phone = NULL, notes = '', erased_at = $3, updated_at = $3,
       bounced_at = NULL, bounce_status = '', bounce_diagnostic = ''
WHERE id = $1`, []any{id, ErasedName, now}},
		}
		for _, st := range steps {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("erase %s: %w", st.what, err)
			}
		}
		// Mail: no address, no contents; what was not sent yet never will be
		// (a job whose id is no longer the row's does nothing).
		tag, err := tx.Exec(ctx, `
UPDATE outbox SET to_address = $3, cc = '{}', data = '{}', last_error = '',
       status = CASE WHEN status IN ('queued', 'held', 'sending') THEN 'failed' ELSE status END,
       job_id = CASE WHEN status IN ('queued', 'held', 'sending') THEN NULL ELSE job_id END
WHERE ticket_id = ANY($1) OR ($2 <> '' AND lower(to_address) = lower($2))`, ids, c.Email, Erased)
		if err != nil {
			return fmt.Errorf("erase mail: %w", err)
		}
		res.Mails = int(tag.RowsAffected())
		// Their words leave the word list unless another ticket has them.
		if _, err := tx.Exec(ctx, `
DELETE FROM search_words w
WHERE w.word = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.search @@ plainto_tsquery('simple', w.word))`, words); err != nil {
			return fmt.Errorf("erase search words: %w", err)
		}
		// Whatever else still quotes them in free-form JSON about their
		// tickets: audit events and notifications.
		for _, r := range jsonReplacements(c) {
			if _, err := tx.Exec(ctx, `
UPDATE events SET data = replace(data::text, $1, $2)::jsonb
WHERE ((subject_type = 'ticket' AND subject_id = ANY($3)) OR (subject_type = 'customer' AND subject_id = $4))
  AND strpos(data::text, $1) > 0`, r[0], r[1], ids, id); err != nil {
				return fmt.Errorf("erase quoted personal data in events: %w", err)
			}
			if _, err := tx.Exec(ctx, `
UPDATE notifications SET data = replace(data::text, $1, $2)::jsonb
WHERE ticket_id = ANY($3) AND strpos(data::text, $1) > 0`, r[0], r[1], ids); err != nil {
				return fmt.Errorf("erase quoted personal data in notifications: %w", err)
			}
		}
		return postgres.RecordEvent(ctx, tx, now, "customer", id, actorID, "customer.erased", map[string]any{
			"tickets": res.Tickets, "messages": res.Messages, "attachments": res.Attachments, "mails": res.Mails,
		})
	})
	if err != nil {
		return Erasure{}, err
	}
	s.log.InfoContext(ctx, "customer erased", "customer_id", id, "user_id", actorID, "tickets", res.Tickets)
	return res, nil
}

// jsonReplacements are the old -> new texts that take c's name, email and
// phone out of jsonb text without breaking it: inside strings for the name
// and email; a phone without "+" only as a whole string, so that no digits
// of a number are touched.
func jsonReplacements(c Customer) [][2]string {
	var out [][2]string
	for _, v := range []string{c.Name, c.Email} {
		if len([]rune(v)) >= 3 {
			out = append(out, [2]string{jsonText(v), Erased})
		}
	}
	switch {
	case strings.HasPrefix(c.Phone, "+"):
		out = append(out, [2]string{c.Phone, Erased})
	case c.Phone != "":
		out = append(out, [2]string{`"` + c.Phone + `"`, `"` + Erased + `"`})
	}
	return out
}

// jsonText is v as it appears inside a JSON string in jsonb's text output.
func jsonText(v string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	s := strings.TrimSpace(b.String())
	return s[1 : len(s)-1]
}
