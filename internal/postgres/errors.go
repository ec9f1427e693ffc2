package postgres

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes of the integrity violations stores translate into domain errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
)

// IsUniqueViolation reports whether err is a unique violation, and on which constraint, so
// a store can turn e.g. users_email_key into "email already taken".
func IsUniqueViolation(err error) (constraint string, ok bool) {
	return violation(err, codeUniqueViolation)
}

// IsForeignKeyViolation reports whether err is a foreign key violation, and on which constraint.
func IsForeignKeyViolation(err error) (constraint string, ok bool) {
	return violation(err, codeForeignKeyViolation)
}

// IsCheckViolation reports whether err is a check constraint violation, and on which constraint.
func IsCheckViolation(err error) (constraint string, ok bool) {
	return violation(err, codeCheckViolation)
}

func violation(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// SQLSTATE codes of values Postgres refuses for what they are: input that
// should have been checked before it reached the database.
const (
	codeStringDataRightTruncation = "22001" // too long for a varchar(n)
	codeCharacterNotInRepertoire  = "22021" // invalid UTF-8, or a NUL byte in text
	codeUntranslatableCharacter   = "22P05" // \u0000 in jsonb
	codeProgramLimitExceeded      = "54000" // e.g. a value too large for its index
)

// IsBadInput reports whether err is Postgres refusing a value itself (a NUL
// byte, invalid UTF-8, a value too long for its column or index), rather
// than a fault of the server or the query.
func IsBadInput(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case codeStringDataRightTruncation, codeCharacterNotInRepertoire, codeUntranslatableCharacter, codeProgramLimitExceeded:
		return true
	}
	return false
}

// SQLSTATE codes of a server that cannot serve now: class 08 (connection
// exceptions) by prefix, and these.
const (
	codeAdminShutdown      = "57P01" // the server is stopping: connections are ended
	codeCrashShutdown      = "57P02"
	codeCannotConnectNow   = "57P03" // starting up, shutting down, in recovery
	codeTooManyConnections = "53300"
)

// IsUnavailable reports whether err means the database cannot be reached
// right now, so that the same request may well succeed a little later: no
// connection could be made (refused, timed out, unknown host, or the pool
// found none), a connection broke in the middle of a request, or the server
// is stopping, starting or full.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow, codeTooManyConnections:
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed)
}
