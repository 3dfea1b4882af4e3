package testclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
)

// RequestTimeout bounds each request of a [Client] made by [NewClient].
const RequestTimeout = 15 * time.Second

// maxBody is the most of an answer's body a Client reads.
const maxBody = 4 << 20

// StatusError is an HTTP answer other than the one a helper expected.
type StatusError struct {
	Code   int
	Header http.Header
	Body   []byte
}

// Error describes the status and the start of the body.
func (e *StatusError) Error() string {
	body := e.Body
	if len(body) > 300 {
		body = body[:300]
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, body)
}

// APIError decodes the body as the contract's JSON error, or returns the
// zero value when it is not one.
func (e *StatusError) APIError() tt.APIError {
	var ae tt.APIError
	_ = json.Unmarshal(e.Body, &ae)
	return ae
}

// Client is an HTTP client bound to one server: one person, with the
// session cookie its jar keeps. It is safe for concurrent use. The fields
// may be set before the first request: a Client without a Jar keeps no
// cookie (each request sends only the headers it is given).
type Client struct {
	*http.Client
	// BaseURL is the server's URL, without a trailing slash; paths are
	// relative to it.
	BaseURL string
	// Origin, when not empty, is sent as the Origin header of every request
	// but streams. [NewClient] sets it to BaseURL, as a browser does for a
	// POST; empty sends none, as curl does.
	Origin string
	// Nick is the session's nickname, empty before [Client.StartSession].
	Nick string
}

// Option changes a [Client] that [NewClient] or [NewSession] makes, before
// its first request.
type Option func(*Client)

// WithTimeout bounds each request at d instead of [RequestTimeout].
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.Timeout = d } }

// WithoutOrigin sends no Origin header, as curl does, instead of BaseURL.
func WithoutOrigin() Option { return func(c *Client) { c.Origin = "" } }

// NewClient returns a [Client] for baseURL with an empty cookie jar, a
// timeout of [RequestTimeout] per request, and Origin set to baseURL, then
// applies opts.
func NewClient(tb testing.TB, baseURL string, opts ...Option) *Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatalf("cookie jar: %v", err)
	}
	c := &Client{Client: &http.Client{Jar: jar, Timeout: RequestTimeout}, BaseURL: baseURL, Origin: baseURL}
	for _, o := range opts {
		o(c)
	}
	return c
}

// NewSession returns a [NewClient] that holds a session for nick (see
// [Client.StartSession]).
func NewSession(tb testing.TB, baseURL, nick string, opts ...Option) *Client {
	tb.Helper()
	c := NewClient(tb, baseURL, opts...)
	c.StartSession(tb, nick)
	return c
}

// StartSession posts {"nick": nick} to /api/session and fails tb unless the
// answer is 201 Created (a new session: c's jar held none) and c's jar then
// holds the session cookie.
func (c *Client) StartSession(tb testing.TB, nick string) {
	tb.Helper()
	status, err := c.PostJSON(context.Background(), tt.PathSession, tt.Session{Nick: nick}, nil)
	if err != nil {
		tb.Fatalf("POST %s as %q: %v", tt.PathSession, nick, err)
	}
	if status != http.StatusCreated {
		tb.Fatalf("POST %s as %q: %d, want 201", tt.PathSession, nick, status)
	}
	if c.SessionCookie() == nil {
		tb.Fatalf("POST %s as %q: no %s cookie kept", tt.PathSession, nick, tt.SessionCookieName)
	}
	c.Nick = nick
}

// SessionCookie returns the session cookie c's jar would send to BaseURL,
// or nil.
func (c *Client) SessionCookie() *http.Cookie {
	u, err := url.Parse(c.BaseURL)
	if err != nil || c.Jar == nil {
		return nil
	}
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == tt.SessionCookieName {
			return k
		}
	}
	return nil
}

// Send posts a chat message to /send and returns the stored message. It
// fails tb unless the answer is 201 Created (a new message) with a
// ChatMessage; a retry, which is answered 200, goes through
// [Client.PostJSON]. An empty clientID gets a fresh random one.
func (c *Client) Send(tb testing.TB, room, text, clientID string) tt.ChatMessage {
	tb.Helper()
	if clientID == "" {
		clientID = NewClientID()
	}
	var msg tt.ChatMessage
	status, err := c.PostJSON(context.Background(), tt.PathSend, tt.SendRequest{Room: room, Text: text, ClientID: clientID}, &msg)
	if err != nil {
		tb.Fatalf("POST %s %q to %s: %v", tt.PathSend, text, room, err)
	}
	if status != http.StatusCreated {
		tb.Fatalf("POST %s %q to %s: %d, want 201", tt.PathSend, text, room, status)
	}
	return msg
}

// Rooms returns GET /api/rooms as room name -> people online. It fails tb
// unless the answer is a 2xx room list.
func (c *Client) Rooms(tb testing.TB) map[string]int {
	tb.Helper()
	var list tt.RoomList
	if _, err := c.Request(context.Background(), http.MethodGet, tt.PathRooms, "", nil, &list); err != nil {
		tb.Fatalf("GET %s: %v", tt.PathRooms, err)
	}
	out := make(map[string]int, len(list.Rooms))
	for _, r := range list.Rooms {
		out[r.Name] = r.Online
	}
	return out
}

// PostJSON posts body as JSON to path, and decodes a 2xx answer into out
// when out is not nil. It returns the status code, and a *[StatusError]
// for a non-2xx answer.
func (c *Client) PostJSON(ctx context.Context, path string, body, out any) (int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encode %T: %w", body, err)
	}
	return c.Request(ctx, http.MethodPost, path, "application/json", data, out)
}

// Request sends one request to path (with Content-Type when given), and
// decodes a 2xx JSON answer into out when out is not nil. It returns the
// status code, and a *[StatusError] for a non-2xx answer.
func (c *Client) Request(ctx context.Context, method, path, contentType string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, data, err := c.roundTrip(req)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, &StatusError{Code: resp.StatusCode, Header: resp.Header, Body: data}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode %q: %w", method, path, data, err)
		}
	}
	return resp.StatusCode, nil
}

// Do sends one request to path exactly as given: the body, Content-Type
// when not empty, then each header of hdr (which may replace Origin or add
// a Cookie). It returns whatever the answer is, with its body already read
// (at most 4 MiB) and closed: resp.Body reads those bytes. It fails tb only
// when no answer came. Not for a stream: see [Client.OpenStream].
func (c *Client) Do(tb testing.TB, method, path, contentType, body string, hdr map[string]string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(method, c.BaseURL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, data, err := c.roundTrip(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// roundTrip sets Origin unless req has one, sends req and reads the body.
func (c *Client) roundTrip(req *http.Request) (*http.Response, []byte, error) {
	if c.Origin != "" && req.Header.Get("Origin") == "" {
		req.Header.Set("Origin", c.Origin)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	return resp, data, nil
}

// OpenStream is [OpenStream] for path on c's server with c's cookies (and
// no timeout: it ends at tb's cleanup).
func (c *Client) OpenStream(tb testing.TB, path, lastEventID string) *Stream {
	tb.Helper()
	return openStream(tb, &http.Client{Jar: c.Jar}, c.BaseURL+path, lastEventID)
}

// NewClientID returns a random version-4 UUID, as the browser makes for
// the clientId of each message ([client.NewClientID]).
func NewClientID() string { return client.NewClientID() }
