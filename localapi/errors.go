package localapi

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"addingov/storage"
)

// Error is an API error with its HTTP status. Backends return it to choose the status;
// StatusOf maps the few typed errors of other packages, and any other error is a 500.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func newError(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400: the request itself is wrong.
func BadRequest(format string, args ...any) error {
	return newError(http.StatusBadRequest, format, args...)
}

// NotFound is a 404: the named add-in, activation or grant does not exist.
func NotFound(format string, args ...any) error {
	return newError(http.StatusNotFound, format, args...)
}

// Forbidden is a 403: the caller may not do this; nothing was changed.
func Forbidden(format string, args ...any) error {
	return newError(http.StatusForbidden, format, args...)
}

// Conflict is a 409: the request is valid but the add-in's state does not allow it.
func Conflict(format string, args ...any) error {
	return newError(http.StatusConflict, format, args...)
}

// StatusOf returns the HTTP status for err. This is the one place where errors become
// statuses: an *Error carries its own; a body over MaxBodyBytes is 413; a body that did
// not arrive in time is 408; a log cursor no page handed out is 400; a record that does
// not exist is 404. Everything else is a real internal failure: 500.
func StatusOf(err error) int {
	var e *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e.Status
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout
	case errors.Is(err, storage.ErrBadCursor):
		return http.StatusBadRequest
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
