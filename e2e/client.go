package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	tt "tickertalk/app"
)

// RequestTimeout bounds each request of the HTTP helpers.
const RequestTimeout = 15 * time.Second

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

// Client is an HTTP client with its own cookie jar, bound to one server:
// one person with one session. It is safe for concurrent use.
type Client struct {
	*http.Client
	// BaseURL is the server's URL, also sent as the Origin of every POST.
	BaseURL string
	// Nick is the session's nickname, empty before a session is made.
	Nick string
}

// NewClient returns a [Client] for baseURL with an empty cookie jar.
func NewClient(tb testing.TB, baseURL string) *Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatalf("cookie jar: %v", err)
	}
	return &Client{Client: &http.Client{Jar: jar, Timeout: RequestTimeout}, BaseURL: baseURL}
}

// NewSession returns a [Client] holding a session for nick: it posts
// {"nick": nick} to /api/session and fails tb unless the answer is 2xx.
func NewSession(tb testing.TB, baseURL, nick string) *Client {
	tb.Helper()
	c := NewClient(tb, baseURL)
	if _, err := c.PostJSON(context.Background(), tt.PathSession, tt.Session{Nick: nick}, nil); err != nil {
		tb.Fatalf("POST %s as %q: %v", tt.PathSession, nick, err)
	}
	c.Nick = nick
	return c
}

// Send posts a chat message to /send and returns the stored message. It
// fails tb unless the answer is 201 (new) or 200 (an idempotent retry).
// An empty clientID gets a fresh random one.
func Send(tb testing.TB, c *Client, room, text, clientID string) tt.ChatMessage {
	tb.Helper()
	if clientID == "" {
		clientID = NewClientID()
	}
	var msg tt.ChatMessage
	if _, err := c.PostJSON(context.Background(), tt.PathSend, tt.SendRequest{Room: room, Text: text, ClientID: clientID}, &msg); err != nil {
		tb.Fatalf("POST %s %q to %s: %v", tt.PathSend, text, room, err)
	}
	return msg
}

// PostJSON posts body as JSON to path (relative to BaseURL) with Origin set
// to BaseURL, and decodes a 2xx answer into out when out is not nil. It
// returns the status code, and a *StatusError for a non-2xx answer.
func (c *Client) PostJSON(ctx context.Context, path string, body, out any) (int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encode %T: %w", body, err)
	}
	return c.Request(ctx, http.MethodPost, path, "application/json", data, out)
}

// Request sends one request with Origin set to BaseURL (and Content-Type when
// given), and decodes a 2xx JSON answer into out when out is not nil. It
// returns the status code, and a *StatusError for a non-2xx answer.
func (c *Client) Request(ctx context.Context, method, path, contentType string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Origin", c.BaseURL)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read body: %w", method, path, err)
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

// NewClientID returns a random version-4 UUID, as the browser makes for
// the clientId of each message.
func NewClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
