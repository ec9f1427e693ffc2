-- +goose Up
-- Threading by headers: a customer's reply names the desk's mail in
-- In-Reply-To or References. The outbox keeps each mail's Message-ID (its
-- left part, fixed at the first send attempt, kept when the content is
-- purged); this index lets the mail filer find the ticket a reply answers.
CREATE INDEX outbox_message_id_idx ON outbox (message_id) WHERE message_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_message_id_idx;
