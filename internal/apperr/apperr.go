// Package apperr holds the handful of error kinds that domain packages return and
// the web layer maps, once, to HTTP statuses and translated messages.
package apperr

import (
	"errors"
	"fmt"
	"maps"
)

// Kind classifies an error for the boundary (HTTP status, JSON code).
type Kind int

// The kinds. Internal is the zero value: anything unclassified is a server fault.
const (
	Internal Kind = iota
	NotFound
	Invalid
	Conflict
	Forbidden
	Unauthorized
	TooMany
	Unavailable // a service the request needs (the database) cannot be reached now, or the server is too busy for it
)

func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not_found"
	case Invalid:
		return "invalid"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthorized:
		return "unauthorized"
	case TooMany:
		return "too_many_requests"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// Error is a classified error. MsgID names a catalog message for the user;
// Fields maps form/JSON field names to catalog message ids.
type Error struct {
	Kind   Kind
	MsgID  string
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.MsgID != "" {
		s += ": " + e.MsgID
	}
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a catalog message id.
func New(k Kind, msgID string) error { return &Error{Kind: k, MsgID: msgID} }

// Wrap classifies err as kind k with a catalog message id.
func Wrap(k Kind, msgID string, err error) error { return &Error{Kind: k, MsgID: msgID, Err: err} }

// InvalidFields reports field -> message id validation failures.
func InvalidFields(fields map[string]string) error {
	return &Error{Kind: Invalid, MsgID: "error_invalid_form", Fields: maps.Clone(fields)}
}

// KindOf returns the kind of err, Internal when it is not classified.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is classified as kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// MsgIDOf returns the catalog message id of err, or "" when it has none.
func MsgIDOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.MsgID
	}
	return ""
}

// FieldsOf returns the field -> message id map of an Invalid error (nil otherwise).
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects validation failures; the zero value is ready to use.
type Fields map[string]string

// Add records msgID for field unless the field already has a message.
func (f *Fields) Add(field, msgID string) {
	if *f == nil {
		*f = Fields{}
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = msgID
	}
}

// Err returns an Invalid error when any field failed, else nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return InvalidFields(f)
}
