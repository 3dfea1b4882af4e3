package server

import (
	"crypto/rand"
	"errors"
	"net/http"
	"time"

	tt "tickertalk/app"
	"tickertalk/store"
)

// sessionMaxAge is how long the browser keeps the session cookie: as long
// as the store keeps an unused session.
const sessionMaxAge = store.DefaultSessionTTL

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
	_, nick, err := s.requireSession(r)
	if err != nil && !errors.Is(err, errNoSession) {
		s.log.Warn("session lookup for a stream", "err", err)
	}
	return nick
}

// requireSession returns the token and nick of r's session, or 401.
func (s *Server) requireSession(r *http.Request) (token, nick string, err error) {
	tok := sessionToken(r)
	if tok == "" {
		return "", "", errNoSession
	}
	nick, err = s.opts.Sessions.Session(r.Context(), tok)
	if errors.Is(err, store.ErrNoSession) {
		return "", "", errNoSession
	}
	if err != nil {
		return "", "", err
	}
	return tok, nick, nil
}

// handleSession serves /api/session: GET the current nick, POST to choose
// one, DELETE to sign out.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		_, nick, err := s.requireSession(r)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, tt.Session{Nick: nick})
		return nil
	case http.MethodPost:
		return s.createSession(w, r)
	case http.MethodDelete:
		if err := checkOrigin(r); err != nil {
			return err
		}
		if tok := sessionToken(r); tok != "" {
			if err := s.opts.Sessions.DeleteSession(r.Context(), tok); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessionCookie(r, "", -1))
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return errMethod
	}
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrigin(r); err != nil {
		return err
	}
	var req tt.Session
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := tt.ValidateNick(req.Nick); err != nil {
		return invalidField(err, http.StatusUnprocessableEntity)
	}
	// Only a session the store knows is renamed: a token the client made
	// up (or one planted in its cookie jar) gets a fresh one instead.
	tok, _, err := s.requireSession(r)
	status := http.StatusOK
	if errors.Is(err, errNoSession) {
		tok, status = newToken(), http.StatusCreated
	} else if err != nil {
		return err
	}
	err = s.opts.Sessions.CreateSession(r.Context(), tok, req.Nick)
	if errors.Is(err, store.ErrNickTaken) {
		return errNickTaken
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, sessionCookie(r, tok, int(sessionMaxAge/time.Second)))
	writeJSON(w, status, tt.Session{Nick: req.Nick})
	return nil
}

func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     tt.SessionCookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}
