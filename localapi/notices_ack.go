package localapi

import (
	"context"
	"errors"
	"net/http"
)

// ErrNoticeAckUnsupported means the daemon does not answer GET /v1/notices/ack (it is
// older than the client); the caller must keep its own record of what it has seen.
var ErrNoticeAckUnsupported = errors.New("the daemon does not report acknowledged notices (GET /v1/notices/ack)")

// NoticeAck asks up to which sequence number the calling user has acknowledged notices
// (0 when never). It returns ErrNoticeAckUnsupported when the daemon lacks the endpoint.
func (c *Client) NoticeAck(ctx context.Context) (uint64, error) {
	var r AckRequest
	err := c.Do(ctx, http.MethodGet, "/v1/notices/ack", nil, &r)
	var e *Error
	if errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		return 0, ErrNoticeAckUnsupported
	}
	return r.Seq, err
}
