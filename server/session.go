package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	tt "tickertalk/app"
	"tickertalk/nickname"
	"tickertalk/store"
)

// newToken returns 256 random bits as base32 (A-Z, 2-7), 52 characters.
func newToken() string { return rand.Text() + rand.Text() }

// sessionToken returns the well-formed session token of r, or "".
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(tt.SessionCookieName)
	if err != nil || len(c.Value) < 26 || len(c.Value) > 128 {
		return ""
	}
	for i := 0; i < len(c.Value); i++ {
		ch := c.Value[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= '2' && ch <= '7') {
			return ""
		}
	}
	return c.Value
}

// sessionNick returns the nick of r's session, or "" when there is none.
// A stream needs no session, so a store failure only makes the person
// anonymous in presence; it is logged, not returned.
func (s *Server) sessionNick(r *http.Request) string {
	_, si, err := s.requireSession(r)
	if err != nil && !errors.Is(err, errNoSession) {
		s.log.Warn("session lookup for a stream", "err", err)
	}
	return si.Nick
}

// requireSession returns the token and session of r, or 401.
func (s *Server) requireSession(r *http.Request) (token string, si store.SessionInfo, err error) {
	tok := sessionToken(r)
	if tok == "" {
		return "", si, errNoSession
	}
	si, err = s.opts.Sessions.Session(r.Context(), tok)
	if errors.Is(err, store.ErrNoSession) {
		return "", si, errNoSession
	}
	if err != nil {
		return "", si, err
	}
	return tok, si, nil
}

// handleSession serves /api/session: GET the current nick, POST to choose
// one, DELETE to sign out.
//
// GET answers 200 with an empty nick when the request has no live
// session: a page asking who it is on its first visit is not an error (a
// 401 there is a console error in every browser). Only actions that need a
// session (POST /send) answer 401.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		_, si, err := s.requireSession(r)
		if err != nil && !errors.Is(err, errNoSession) {
			return err
		}
		writeJSON(w, http.StatusOK, tt.Session{Nick: si.Nick})
		return nil
	case http.MethodPost:
		return s.createSession(w, r)
	case http.MethodDelete:
		if err := s.checkOrigin(r); err != nil {
			return err
		}
		if tok := sessionToken(r); tok != "" {
			if err := s.opts.Sessions.DeleteSession(r.Context(), tok); err != nil {
				return err
			}
		}
		http.SetCookie(w, s.sessionCookie(r, "", -1))
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return errMethod
	}
}

// createSession chooses a nick: for a new session, or for the session of
// the request's cookie, which then gets a new token (the old one stops
// working at once, so a cookie planted in someone's browser never becomes
// theirs). Every choice costs one token of the client address's bucket;
// a new session is refused while the store holds MaxSessions.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	var req tt.Session
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	nick, err := nickname.Enforce(req.Nick)
	if err != nil {
		return invalidField(err, http.StatusUnprocessableEntity)
	}
	if ok, retry := s.sessionLimits.allow(limitKey(s.proxies.clientAddr(r)), time.Now()); !ok {
		e := *errorf(http.StatusTooManyRequests, tt.CodeRateLimited,
			fmt.Sprintf("too many nickname choices from this address: retry in %d s", retry))
		e.retryAfter = retry
		return &e
	}
	// Only a session the store knows is renamed: a token the client made
	// up gets a new session instead.
	prev, _, err := s.requireSession(r)
	status := http.StatusOK
	if errors.Is(err, errNoSession) {
		prev, status = "", http.StatusCreated
		if err := s.checkSessionCap(r); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	tok := newToken()
	err = s.opts.Sessions.ReplaceSession(r.Context(), prev, tok, nick)
	if errors.Is(err, store.ErrNickTaken) {
		return errNickTaken
	}
	if errors.Is(err, store.ErrNoSession) {
		return errNoSession // replaced meanwhile by a concurrent choice
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, tok, int(s.opts.SessionTTL/time.Second)))
	writeJSON(w, status, tt.Session{Nick: nick})
	return nil
}

// SessionCounter is what Sessions implement for Options.MaxSessions.
type SessionCounter interface {
	// SessionCount returns about how many sessions exist (it may count
	// high, never low).
	SessionCount(ctx context.Context) (int, error)
}

// checkSessionCap refuses a new session while MaxSessions exist.
func (s *Server) checkSessionCap(r *http.Request) error {
	if s.opts.MaxSessions <= 0 {
		return nil
	}
	counter, ok := s.opts.Sessions.(SessionCounter)
	if !ok {
		return errors.New("session cap set, but the session store cannot count")
	}
	n, err := counter.SessionCount(r.Context())
	if err != nil {
		return err
	}
	if n >= s.opts.MaxSessions {
		e := *errorf(http.StatusServiceUnavailable, tt.CodeTooManySessions,
			fmt.Sprintf("the server holds its maximum of %d sessions: try again later", s.opts.MaxSessions))
		e.retryAfter = sessionCapRetry
		return &e
	}
	return nil
}

// sessionCapRetry is the Retry-After of a refusal for the session cap, in
// seconds: sessions end by themselves only as they expire, so sooner
// would rarely help.
const sessionCapRetry = 60

// sessionCookie is the session cookie for r. It is Secure when the client
// reached us over TLS: served by this process, said by a trusted proxy
// (X-Forwarded-Proto), or declared by the operator (Options.CookieSecure).
func (s *Server) sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     tt.SessionCookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || s.opts.CookieSecure || s.proxies.forwardedTLS(r),
		SameSite: http.SameSiteLaxMode,
	}
}
