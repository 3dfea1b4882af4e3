package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	tt "tickertalk/app"
	"tickertalk/store"
)

// apiError is an error the HTTP edge answers with a status and a JSON body.
// Handlers return it; writeError is the one place that maps errors to
// answers, so a user never sees an internal error text.
type apiError struct {
	status     int
	code       string
	msg        string
	retryAfter int // seconds, for 429 and 503
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, msg string) *apiError {
	return &apiError{status: status, code: code, msg: msg}
}

var (
	errMethod       = errorf(http.StatusMethodNotAllowed, tt.CodeMethodNotAllowed, "method not allowed")
	errCrossOrigin  = errorf(http.StatusForbidden, tt.CodeCrossOrigin, "cross-origin requests are not allowed")
	errNoSession    = errorf(http.StatusUnauthorized, tt.CodeNoSession, "choose a nickname first (POST /api/session)")
	errNotJSON      = errorf(http.StatusUnsupportedMediaType, tt.CodeUnsupportedType, "Content-Type must be application/json")
	errTooLarge     = errorf(http.StatusRequestEntityTooLarge, tt.CodeTooLarge, "body must be at most 16 KiB")
	errBadUTF8      = errorf(http.StatusUnprocessableEntity, tt.CodeInvalidText, "body must be valid UTF-8")
	errNickTaken    = errorf(http.StatusConflict, tt.CodeNickTaken, "that nickname is taken")
	errNotFound     = errorf(http.StatusNotFound, tt.CodeNotFound, "not found")
	errShuttingDown = errorf(http.StatusServiceUnavailable, tt.CodeUnavailable, "the server is shutting down, reconnect")
	errPipelined    = errorf(http.StatusBadRequest, tt.CodeBadRequest, "a stream's connection takes no other request: send it on another connection")
	errBodyTimeout  = errorf(http.StatusRequestTimeout, tt.CodeBodyTimeout, "the request body did not arrive in time")
	errUnavailable  = &apiError{status: http.StatusServiceUnavailable, code: tt.CodeUnavailable,
		msg: "the message store is unavailable, try again", retryAfter: retryUnavailable}
	errNoQuorum = &apiError{status: http.StatusServiceUnavailable, code: tt.CodeUnavailable,
		msg: "too few of the cluster's servers are running to store messages, try again shortly", retryAfter: retryUnavailable}
	errUnwritable = &apiError{status: http.StatusServiceUnavailable, code: tt.CodeUnavailable,
		msg: "the message store cannot write right now, try again later", retryAfter: retryUnavailable}
)

// errAnswered is returned by a step that has already written its answer
// (on a connection taken over from net/http): there is nothing left to
// write.
var errAnswered = errors.New("answered")

// retryUnavailable is the Retry-After of a 503 for a store that cannot
// serve: it probes itself every second and recovers by itself.
const retryUnavailable = 5

// notReady is the answer of /readyz for a node that cannot serve: 503 with
// the reason, which is for operators (the store's own words).
func notReady(err error) *apiError {
	msg := "not ready: " + err.Error()
	if errors.Is(err, store.ErrDisconnected) {
		msg = "not ready: the message bus is not connected"
	}
	return &apiError{status: http.StatusServiceUnavailable, code: tt.CodeUnavailable, msg: msg, retryAfter: retryUnavailable}
}

// retrySeconds is the Retry-After of a handler's error, in whole seconds:
// its RetryAfter rounded up, at least 1 for a 429, else 0 (none).
func retrySeconds(ce *Error) int {
	secs := int((ce.RetryAfter + time.Second - 1) / time.Second)
	if secs < 1 && ce.Status == http.StatusTooManyRequests {
		secs = 1
	}
	return max(secs, 0)
}

func badJSON(err error) *apiError {
	return errorf(http.StatusBadRequest, tt.CodeBadJSON, "malformed JSON: "+err.Error())
}

// invalidField maps a validation error of package app to 422 (or 400 for
// a room in a URL, where the contract says 400).
func invalidField(err error, status int) *apiError {
	var ie *tt.InvalidError
	if errors.As(err, &ie) {
		return errorf(status, ie.Code, ie.Msg)
	}
	return errorf(status, tt.CodeBadRequest, err.Error())
}

// writeError answers err as JSON. Errors that are not *apiError are
// internal: they are logged and answered as 503 without their text.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var ce *Error
	var ie *tt.InvalidError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ce) && ce.Status >= 400 && ce.Status < 500:
		ae = errorf(ce.Status, ce.Code, ce.Msg)
		ae.retryAfter = retrySeconds(ce)
	case errors.As(err, &ie):
		ae = errorf(http.StatusUnprocessableEntity, ie.Code, ie.Msg)
	case errors.Is(err, store.ErrNoQuorum):
		s.log.Debug("request refused: the chat log has no quorum", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errNoQuorum
	case errors.Is(err, store.ErrUnwritable):
		// The store logs the failure once; every refused write would
		// flood the log.
		s.log.Debug("request refused: the store cannot write", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errUnwritable
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errUnavailable
	}
	s.metrics.requestErrors.WithLabelValues(ae.code).Inc()
	if ae.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", allowFor(r.URL.Path))
	}
	if ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	writeJSON(w, ae.status, tt.APIError{Error: ae.msg, Code: ae.code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// allowFor is the Allow header of a 405 on path: the methods its handler
// takes (a test pins each against the handler). Every path that is not an
// API write (health, metrics, the pages and static files) takes GET and
// HEAD only.
func allowFor(path string) string {
	switch path {
	case tt.PathSend, tt.PathEvents:
		return "POST"
	case tt.PathSession:
		return "GET, HEAD, POST, DELETE"
	case tt.PathEventStream:
		return "GET"
	default:
		return "GET, HEAD"
	}
}

// methodAllowed reports whether method is listed in allow, an Allow header
// value such as "GET, HEAD".
func methodAllowed(method, allow string) bool {
	for m := range strings.SplitSeq(allow, ", ") {
		if m == method {
			return true
		}
	}
	return false
}
