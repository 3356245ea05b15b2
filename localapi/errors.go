package localapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an API error with its HTTP status. Backends return it to choose the status;
// any other error is a 500.
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

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}
