package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
	"tickertalk/nickname"
)

// Session errors.
var (
	// ErrNickTaken reports that another live session holds the nick or a
	// look-alike of it (see [nickname.Key]).
	ErrNickTaken = errors.New("store: nick taken")
	// ErrNoSession reports an unknown, ended or expired session token.
	ErrNoSession = errors.New("store: no session")
)

// claimAttempts bounds the retries of a nick claim that races with a
// release; each retry means another client changed the nick meanwhile.
const claimAttempts = 5

// sessionWriteTimeout bounds the writes of a session choice: a cluster
// without a quorum never acknowledges them, and the person must hear "try
// again" within a few seconds, not wait.
const sessionWriteTimeout = 4 * time.Second

// cleanupTimeout bounds what CreateSession does after its ctx may have
// ended: checking whether a token write landed, giving back a nick.
const cleanupTimeout = 5 * time.Second

// The sessions bucket holds two records per session, both expiring after
// SessionTTL without a write:
//
//	tok.<sha256 hex of token>      -> {"nick": nick as chosen, "id": session id}
//	nick.<hex of nickname.Key>     -> id of the holding session
//
// The nick record is the lock: it is only ever created with KV Create and
// changed or removed with the holder's revision, so two sessions can never
// both hold a nick, nor two look-alike nicks (nickname.Key folds case,
// width and confusable characters). Tokens are never stored in clear. The
// session id is random and outlives the tokens of its session (a token is
// replaced on every nick change), so it keys what must survive a rename:
// the holder of a nick, the idempotency of sends. A token record written
// before ids existed holds the bare nick; its id is the token's hash, which
// is what its nick record holds.
func tokenKey(th string) string { return "tok." + th }
func nickKey(nick string) string {
	return "nick." + hex.EncodeToString([]byte(nickname.Key(nick)))
}
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionInfo is what a session token stands for.
type SessionInfo struct {
	// Nick is the nickname the session holds, as chosen.
	Nick string `json:"nick"`
	// ID names the session for as long as it lives, across nick changes
	// and token rotations: 32 hex digits (64 for a session made before
	// ids existed). It is never sent to a client.
	ID string `json:"id"`
}

// decodeSession reads a token record; th is the token's hash, the id of a
// record written before ids existed.
func decodeSession(th string, value []byte) (SessionInfo, error) {
	if len(value) == 0 || value[0] != '{' {
		return SessionInfo{Nick: string(value), ID: th}, nil
	}
	var si SessionInfo
	if err := json.Unmarshal(value, &si); err != nil || si.ID == "" {
		return SessionInfo{}, fmt.Errorf("store: session record: malformed %q", value)
	}
	return si, nil
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24).
	return hex.EncodeToString(b[:])
}

// touchAfter is how old a session's records may get before Session rewrites
// them, so that a session in use never expires.
func (s *Store) touchAfter() time.Duration { return s.cfg.SessionTTL / 30 }

// CreateSession binds token to nick, which must pass [tt.ValidateNick]. The
// same token claiming its own nick again succeeds (and may change its
// case); a token that changes nick releases its old one. When another
// session holds the nick or a look-alike of it ([nickname.Key]), it
// returns [ErrNickTaken]. Concurrent claims of one nick by different
// tokens are race-free: exactly one wins. The token is kept: servers use
// [Store.ReplaceSession], which gives the session a new one.
func (s *Store) CreateSession(ctx context.Context, token, nick string) error {
	if token == "" {
		return fmt.Errorf("store: create session: %w", ErrNoSession)
	}
	if err := tt.ValidateNick(nick); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, sessionWriteTimeout)
	defer cancel()
	// Refused at once while the chat log cannot write, as sends are: the
	// sessions bucket may still acknowledge writes that its files cannot
	// keep (JetStream buffers them), and a session the node would lose is
	// worse than a "try again later".
	if err := s.health.check(); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	th, nk := hashToken(token), nickKey(nick)
	old, _, err := s.lookup(ctx, th)
	if errors.Is(err, ErrNoSession) {
		old = SessionInfo{ID: newSessionID()}
	} else if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	created, err := s.claimNick(ctx, nk, old.ID)
	if err != nil {
		return err
	}
	if err := s.bindToken(ctx, th, SessionInfo{Nick: nick, ID: old.ID}); err != nil {
		return s.unclaim(ctx, nk, created, err)
	}
	if old.Nick != "" && nickKey(old.Nick) != nk {
		if err := s.releaseNick(ctx, nickKey(old.Nick), old.ID); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceSession binds the new token to nick in place of the token prev:
// when prev names a live session, token takes it over (same session id),
// prev stops working at once, and prev's nick is released if it differs.
// When prev is "" or names no live session, a new session is made for
// token. A token planted in a person's browser before they choose a nick
// therefore never becomes theirs. nick must pass [tt.ValidateNick]; a nick
// held by another session, or a look-alike of it, fails with
// [ErrNickTaken]. Of concurrent replacements of one prev, exactly one
// takes the session over; the others fail with [ErrNoSession].
func (s *Store) ReplaceSession(ctx context.Context, prev, token, nick string) error {
	if token == "" || token == prev {
		return fmt.Errorf("store: replace session: a new token is needed: %w", ErrNoSession)
	}
	if err := tt.ValidateNick(nick); err != nil {
		return fmt.Errorf("store: replace session: %w", err)
	}
	if prev == "" {
		return s.CreateSession(ctx, token, nick)
	}
	ctx, cancel := context.WithTimeout(ctx, sessionWriteTimeout)
	defer cancel()
	if err := s.health.check(); err != nil { // see CreateSession
		return fmt.Errorf("store: replace session: %w", err)
	}
	pth, th, nk := hashToken(prev), hashToken(token), nickKey(nick)
	old, rev, err := s.lookup(ctx, pth)
	if errors.Is(err, ErrNoSession) {
		return s.CreateSession(ctx, token, nick)
	}
	if err != nil {
		return fmt.Errorf("store: replace session: %w", err)
	}
	created, err := s.claimNick(ctx, nk, old.ID)
	if err != nil {
		return err
	}
	// The old token goes first, conditionally: of two replacements racing
	// (or a replacement racing a refresh, which rewrites the record), one
	// deletes and the other sees a new revision and gives up.
	if err := s.sessions.Delete(ctx, tokenKey(pth), jetstream.LastRevision(rev)); err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			err = ErrNoSession
		}
		return s.unclaim(ctx, nk, created, fmt.Errorf("store: replace session: end the old token: %w", err))
	}
	if err := s.bindToken(ctx, th, SessionInfo{Nick: nick, ID: old.ID}); err != nil {
		return s.unclaim(ctx, nk, created, err)
	}
	if old.Nick != "" && nickKey(old.Nick) != nk {
		if err := s.releaseNick(ctx, nickKey(old.Nick), old.ID); err != nil {
			return err
		}
	}
	return nil
}

// lookup reads the token record th: the session and the record's revision,
// or [ErrNoSession].
func (s *Store) lookup(ctx context.Context, th string) (SessionInfo, uint64, error) {
	e, err := s.sessions.Get(ctx, tokenKey(th))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return SessionInfo{}, 0, ErrNoSession
	}
	if err != nil {
		return SessionInfo{}, 0, err
	}
	si, err := decodeSession(th, e.Value())
	return si, e.Revision(), err
}

// SessionCount returns about how many sessions the store keeps: its
// records halved, since a live session has two (its token and its nick).
// It can count high: an ended session, a replaced token and a released
// nick each leave a deletion marker that counts until it expires
// (SessionTTL). It costs one request to the bus, bounded to 2 s.
func (s *Store) SessionCount(ctx context.Context) (int, error) {
	// The bucket's leader answers; without one (no quorum) the caller
	// hears so in 2 s rather than JetStream's default 5.
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	st, err := s.sessions.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: session count: %w", err)
	}
	return int(st.Values() / 2), nil
}

// bindToken points the token record th at si. A write whose answer was
// lost (ctx ended while JetStream acknowledged it) may still have landed:
// it counts as done when the record reads si afterwards.
func (s *Store) bindToken(ctx context.Context, th string, si SessionInfo) error {
	value, err := json.Marshal(si)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	if _, err := s.sessions.Put(ctx, tokenKey(th), value); err != nil {
		s.noteWrite(err)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if e, gerr := s.sessions.Get(ctx, tokenKey(th)); gerr != nil || string(e.Value()) != string(value) {
			return fmt.Errorf("store: create session: %w", err)
		}
	}
	return nil
}

// claimNick makes the session id the holder of the nick record nk, or
// refreshes it when id already holds it. created is the revision of the
// record when this call created it (id did not hold the nick before), else
// 0.
func (s *Store) claimNick(ctx context.Context, nk, id string) (created uint64, err error) {
	for range claimAttempts {
		rev, err := s.sessions.Create(ctx, nk, []byte(id))
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			s.noteWrite(err)
			return 0, fmt.Errorf("store: claim nick: %w", err)
		}
		e, err := s.sessions.Get(ctx, nk)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return 0, fmt.Errorf("store: claim nick: %w", err)
		}
		if string(e.Value()) != id {
			return 0, ErrNickTaken
		}
		_, err = s.sessions.Update(ctx, nk, []byte(id), e.Revision())
		if err == nil {
			return 0, nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, fmt.Errorf("store: refresh nick: %w", err)
		}
	}
	return 0, fmt.Errorf("store: claim nick: contended %d times: %w", claimAttempts, ErrNickTaken)
}

// unclaim gives back a nick that CreateSession created (at revision
// created; 0: it held the nick before, nothing to give back) but could not
// bind to its token, then returns cause. Without it the nick would stay
// held by a token that has no session until the record expires
// (SessionTTL), and nobody, its claimant included, could take it. The
// delete is conditional on that revision: if a concurrent request of the
// same token has refreshed the record since, the nick is its and stays. It
// runs even when ctx was cancelled, since that is a likely cause of the
// failure.
func (s *Store) unclaim(ctx context.Context, nk string, created uint64, cause error) error {
	if created == 0 {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := s.sessions.Delete(ctx, nk, jetstream.LastRevision(created))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
		return errors.Join(cause, fmt.Errorf("store: give back nick: %w", err))
	}
	return cause
}

// releaseNick removes the nick record nk if the session id holds it.
func (s *Store) releaseNick(ctx context.Context, nk, id string) error {
	e, err := s.sessions.Get(ctx, nk)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: release nick: %w", err)
	}
	if string(e.Value()) != id {
		return nil
	}
	err = s.sessions.Delete(ctx, nk, jetstream.LastRevision(e.Revision()))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("store: release nick: %w", err)
	}
	return nil
}

// Session returns the session of token, or [ErrNoSession]. A session in
// use is kept alive: when its records are older than a thirtieth of
// SessionTTL, Session rewrites them.
func (s *Store) Session(ctx context.Context, token string) (SessionInfo, error) {
	if token == "" {
		return SessionInfo{}, ErrNoSession
	}
	th := hashToken(token)
	e, err := s.sessions.Get(ctx, tokenKey(th))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return SessionInfo{}, ErrNoSession
	}
	if err != nil {
		return SessionInfo{}, fmt.Errorf("store: session: %w", err)
	}
	si, err := decodeSession(th, e.Value())
	if err != nil {
		return SessionInfo{}, err
	}
	if time.Since(e.Created()) < s.touchAfter() {
		return si, nil
	}
	switch _, err := s.claimNick(ctx, nickKey(si.Nick), si.ID); {
	case errors.Is(err, ErrNickTaken):
		// The nick record expired and someone else took it.
		_ = s.sessions.Delete(ctx, tokenKey(th), jetstream.LastRevision(e.Revision()))
		return SessionInfo{}, ErrNoSession
	case err != nil:
		s.log.Warn("session refresh failed", "err", err)
		return si, nil
	}
	if _, err := s.sessions.Update(ctx, tokenKey(th), e.Value(), e.Revision()); err != nil {
		s.log.Debug("session refresh raced", "err", err)
	}
	return si, nil
}

// DeleteSession ends the session of token and releases its nick. An
// unknown token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	th := hashToken(token)
	si, _, err := s.lookup(ctx, th)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	// Nick first: if deleting the token then fails, a retry still works.
	if err := s.releaseNick(ctx, nickKey(si.Nick), si.ID); err != nil {
		return err
	}
	if err := s.sessions.Delete(ctx, tokenKey(th)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
