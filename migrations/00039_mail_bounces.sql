-- +goose Up
-- A customer address that bounced: a delivery report (DSN) for one of the
-- desk's mails marks it (internal/tickets, from internal/mailin), with the
-- report's status and diagnostic, shown on the ticket's customer card; a
-- later mail from the address clears it.
ALTER TABLE customers
    ADD COLUMN bounced_at        timestamptz,
    ADD COLUMN bounce_status     text NOT NULL DEFAULT '' CHECK (length(bounce_status) <= 20),
    ADD COLUMN bounce_diagnostic text NOT NULL DEFAULT '' CHECK (length(bounce_diagnostic) <= 1000);

-- +goose Down
ALTER TABLE customers DROP COLUMN bounced_at, DROP COLUMN bounce_status, DROP COLUMN bounce_diagnostic;
