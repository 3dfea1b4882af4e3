package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	tt "tickertalk/app"
)

// ErrNotEventStream reports an answer to a stream request that is not an
// event stream and not the server's JSON error either: a 200 with another
// Content-Type (an HTML page: a wrong base URL) or an error status with a
// body that is not the contract's error (a 404 page, a proxy's 502).
var ErrNotEventStream = errors.New("not an event stream")

// ErrHeartbeatTimeout reports a stream that sent nothing, not even its
// heartbeat comment, within the heartbeat timeout: the connection is
// dropped and reconnected.
var ErrHeartbeatTimeout = errors.New("event stream silent past the heartbeat timeout")

// APIError is an error answer of the server in the contract's JSON form
// (`{"error","code"}`, docs/protocol.md).
type APIError struct {
	// StatusCode is the HTTP status (4xx or 503).
	StatusCode int
	// Code is the stable code for programs, one of app's Code constants
	// (e.g. [app.CodeInvalidRoom]).
	Code string
	// Message is the sentence for people.
	Message string
	// RetryAfter is the answer's Retry-After, 0 without one.
	RetryAfter time.Duration
}

// Error says the status, the code and the sentence.
func (e *APIError) Error() string {
	return fmt.Sprintf("tickertalk: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// Temporary reports whether the same request may succeed later: a rate
// limit, an overloaded or stopping node, a body that came too slowly.
func (e *APIError) Temporary() bool { return temporaryStatus(e.StatusCode) }

// temporaryStatus reports whether a status says "try again": the server's
// 408, 429 and 503, and what a proxy answers while a node restarts.
func temporaryStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// responseError makes the error of a non-2xx answer (or a 2xx that is not
// what was asked for) from its status, headers and the start of its body:
// an [*APIError] when the body is the contract's JSON error, else an error
// wrapping [ErrNotEventStream] for a stream or a plain description.
func responseError(what string, resp *http.Response, body []byte, stream bool) error {
	var ae tt.APIError
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(body, &ae) == nil && ae.Code != "" {
		return &APIError{StatusCode: resp.StatusCode, Code: ae.Code, Message: ae.Error, RetryAfter: retryAfter(resp.Header)}
	}
	if len(body) > 200 {
		body = body[:200]
	}
	desc := fmt.Sprintf("%s: %s, Content-Type %q: %q", what, resp.Status, resp.Header.Get("Content-Type"), body)
	if stream {
		return fmt.Errorf("%w: %s", ErrNotEventStream, desc)
	}
	return fmt.Errorf("tickertalk: unexpected answer to %s", desc)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func isEventStream(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/event-stream"
}

// retryAfter reads a Retry-After of seconds (the server's form), 0 when
// absent or malformed.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(min(s, 3600)) * time.Second
}
