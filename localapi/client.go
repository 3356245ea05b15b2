package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"addingov/storage"
)

// Client talks to a daemon over a Transport.
type Client struct {
	Addr string
	http *http.Client
}

// NewClient returns a client for the daemon at addr over t.
func NewClient(t Transport, addr string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return t.Dial(ctx, addr)
		},
		MaxIdleConns: 4,
	}
	return &Client{Addr: addr, http: &http.Client{Transport: tr}}
}

// Do sends a request with an optional JSON body and decodes a JSON answer into out.
// A non-2xx answer becomes an *Error carrying the daemon's status and reason.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read answer to %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://addingovd"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var u *UnreachableError
		if errors.As(err, &u) {
			return nil, u
		}
		var denied *AccessDeniedError
		if errors.As(err, &denied) {
			return nil, denied
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var eb ErrorBody
		b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
		if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
			eb.Error = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		}
		return nil, &Error{Status: resp.StatusCode, Msg: eb.Error}
	}
	return resp, nil
}

// Status asks for the daemon's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.Do(ctx, http.MethodGet, "/v1/status", nil, &s)
}

// Addins lists the add-ins the caller may see.
func (c *Client) Addins(ctx context.Context) ([]Addin, error) {
	var a []Addin
	return a, c.Do(ctx, http.MethodGet, "/v1/addins", nil, &a)
}

// Addin returns one add-in.
func (c *Client) Addin(ctx context.Context, id string) (Addin, error) {
	var a Addin
	return a, c.Do(ctx, http.MethodGet, "/v1/addins/"+url.PathEscape(id), nil, &a)
}

// SetEnabled enables or disables an add-in.
func (c *Client) SetEnabled(ctx context.Context, id string, enable bool, req StateRequest) (Addin, error) {
	action := "disable"
	if enable {
		action = "enable"
	}
	var a Addin
	return a, c.Do(ctx, http.MethodPost, "/v1/addins/"+url.PathEscape(id)+"/"+action, req, &a)
}

// StartActivation reports that a host is starting an add-in in process pid.
func (c *Client) StartActivation(ctx context.Context, req ActivationRequest) (ActivationResponse, error) {
	var r ActivationResponse
	return r, c.Do(ctx, http.MethodPost, "/v1/activations", req, &r)
}

// ActivationEvent reports ready, fail (with reason) or end for an activation.
func (c *Client) ActivationEvent(ctx context.Context, activationID, event, reason string) (ActivationResult, error) {
	var body any
	if event == "fail" {
		body = FailRequest{Reason: reason}
	}
	var r ActivationResult
	return r, c.Do(ctx, http.MethodPost, "/v1/activations/"+url.PathEscape(activationID)+"/"+event, body, &r)
}

// Log fetches one page of the disable log.
func (c *Client) Log(ctx context.Context, q url.Values) (LogPage, error) {
	var p LogPage
	return p, c.Do(ctx, http.MethodGet, "/v1/log?"+q.Encode(), nil, &p)
}

// Notices fetches notices after seq.
func (c *Client) Notices(ctx context.Context, after uint64, limit int) ([]storage.Notice, error) {
	var ns []storage.Notice
	return ns, c.Do(ctx, http.MethodGet, "/v1/notices?after="+strconv.FormatUint(after, 10)+"&limit="+strconv.Itoa(limit), nil, &ns)
}

// AckNotices records that the calling user has seen notices up to seq.
func (c *Client) AckNotices(ctx context.Context, seq uint64) error {
	return c.Do(ctx, http.MethodPost, "/v1/notices/ack", AckRequest{Seq: seq}, nil)
}

// FollowNotices streams notices after seq to fn until ctx ends or fn returns an error.
func (c *Client) FollowNotices(ctx context.Context, after uint64, fn func(storage.Notice) error) error {
	resp, err := c.send(ctx, http.MethodGet, "/v1/notices/stream?after="+strconv.FormatUint(after, 10), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), MaxBodyBytes)
	for sc.Scan() {
		var n storage.Notice
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			return fmt.Errorf("notice stream: %w", err)
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("notice stream: %w", err)
	}
	return fmt.Errorf("notice stream: the daemon closed the connection")
}

// Policy fetches the effective policy JSON.
func (c *Client) Policy(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.Do(ctx, http.MethodGet, "/v1/policy", nil, &raw)
}
