-- +goose Up
-- The staff and team lists (owner selects, filter bars) are kept in each
-- instance's memory by internal/staff. staff_version moves on with every
-- write to users, team_members or teams, in the writing transaction, so a
-- reader that sees the new rows sees the new version too, whoever wrote them
-- (any instance, a migration, a test's INSERT). Pages send the version
-- their instance holds and get the lists back only when it has moved.
-- Statement triggers: a bulk write bumps it once; staff writes are rare, so
-- serialising them on this one row costs nothing.
CREATE TABLE staff_version (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    version  bigint NOT NULL
);
INSERT INTO staff_version (id, version) VALUES (true, 1);

-- +goose StatementBegin
CREATE FUNCTION ld_bump_staff_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE staff_version SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER users_staff_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_staff_version();
CREATE TRIGGER team_members_staff_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_staff_version();
CREATE TRIGGER teams_staff_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION ld_bump_staff_version();

-- +goose Down
DROP TRIGGER teams_staff_version ON teams;
DROP TRIGGER team_members_staff_version ON team_members;
DROP TRIGGER users_staff_version ON users;
DROP FUNCTION ld_bump_staff_version();
DROP TABLE staff_version;
