-- +goose Up
-- A new ticket's SLA clock needs the SLA policies and the teams' calendars;
-- internal/escalation keeps them in each instance's memory. sla_config_version
-- moves on with every write to sla_policies, calendars or teams, in the
-- writing transaction, so a create that reads the version in its first
-- round trip knows whether what its instance holds is still what the
-- database says, whoever changed it (any instance, a migration, a test's
-- INSERT). Statement triggers: these writes are rare.
CREATE TABLE sla_config_version (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    version  bigint NOT NULL
);
INSERT INTO sla_config_version (id, version) VALUES (true, 1);

-- +goose StatementBegin
CREATE FUNCTION ld_bump_sla_config_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sla_config_version SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sla_policies_sla_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_sla_config_version();
CREATE TRIGGER calendars_sla_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendars
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_sla_config_version();
CREATE TRIGGER teams_sla_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_sla_config_version();

-- +goose Down
DROP TRIGGER teams_sla_config_version ON teams;
DROP TRIGGER calendars_sla_config_version ON calendars;
DROP TRIGGER sla_policies_sla_config_version ON sla_policies;
DROP FUNCTION ld_bump_sla_config_version();
DROP TABLE sla_config_version;
