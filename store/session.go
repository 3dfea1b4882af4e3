package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
)

// Session errors.
var (
	// ErrNickTaken reports that another live session holds the nick
	// (compared case-insensitively, see [tt.NickKey]).
	ErrNickTaken = errors.New("store: nick taken")
	// ErrNoSession reports an unknown, ended or expired session token.
	ErrNoSession = errors.New("store: no session")
)

// claimAttempts bounds the retries of a nick claim that races with a
// release; each retry means another client changed the nick meanwhile.
const claimAttempts = 5

// cleanupTimeout bounds what CreateSession does after its ctx may have
// ended: checking whether a token write landed, giving back a nick.
const cleanupTimeout = 5 * time.Second

// The sessions bucket holds two records per session, both expiring after
// SessionTTL without a write:
//
//	tok.<sha256 hex of token>   -> nick as chosen
//	nick.<hex of tt.NickKey>    -> sha256 hex of the holding token
//
// The nick record is the lock: it is only ever created with KV Create and
// changed or removed with the holder's revision, so two tokens can never
// both hold a nick. Tokens are never stored in clear.
func tokenKey(th string) string { return "tok." + th }
func nickKey(nick string) string {
	return "nick." + hex.EncodeToString([]byte(tt.NickKey(nick)))
}
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// touchAfter is how old a session's records may get before Session rewrites
// them, so that a session in use never expires.
func (s *Store) touchAfter() time.Duration { return s.cfg.SessionTTL / 30 }

// CreateSession binds token to nick, which must pass [tt.ValidateNick]. The
// same token claiming its own nick again succeeds (and may change its
// case); a token that changes nick releases its old one. When another
// session holds the nick, it returns [ErrNickTaken]. Concurrent claims of
// one nick by different tokens are race-free: exactly one wins.
func (s *Store) CreateSession(ctx context.Context, token, nick string) error {
	if token == "" {
		return fmt.Errorf("store: create session: %w", ErrNoSession)
	}
	if err := tt.ValidateNick(nick); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	th, nk := hashToken(token), nickKey(nick)
	created, err := s.claimNick(ctx, nk, th)
	if err != nil {
		return err
	}
	oldNick, err := s.bindToken(ctx, th, nick)
	if err != nil {
		return s.unclaim(ctx, nk, created, err)
	}
	if oldNick != "" && nickKey(oldNick) != nk {
		if err := s.releaseNick(ctx, nickKey(oldNick), th); err != nil {
			return err
		}
	}
	return nil
}

// bindToken points the token record th at nick and returns the nick it
// named before ("" for a new session). A write whose answer was lost (ctx
// ended while JetStream acknowledged it) may still have landed: it counts
// as done when the record reads nick afterwards.
func (s *Store) bindToken(ctx context.Context, th, nick string) (oldNick string, err error) {
	if e, err := s.sessions.Get(ctx, tokenKey(th)); err == nil {
		oldNick = string(e.Value())
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", fmt.Errorf("store: create session: %w", err)
	}
	if _, err := s.sessions.Put(ctx, tokenKey(th), []byte(nick)); err != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if e, gerr := s.sessions.Get(ctx, tokenKey(th)); gerr != nil || string(e.Value()) != nick {
			return "", fmt.Errorf("store: create session: %w", err)
		}
	}
	return oldNick, nil
}

// claimNick makes th the holder of the nick record nk, or refreshes it when
// th already holds it. created is the revision of the record when this call
// created it (th did not hold the nick before), else 0.
func (s *Store) claimNick(ctx context.Context, nk, th string) (created uint64, err error) {
	for range claimAttempts {
		rev, err := s.sessions.Create(ctx, nk, []byte(th))
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("store: claim nick: %w", err)
		}
		e, err := s.sessions.Get(ctx, nk)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return 0, fmt.Errorf("store: claim nick: %w", err)
		}
		if string(e.Value()) != th {
			return 0, ErrNickTaken
		}
		_, err = s.sessions.Update(ctx, nk, []byte(th), e.Revision())
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

// releaseNick removes the nick record nk if th holds it.
func (s *Store) releaseNick(ctx context.Context, nk, th string) error {
	e, err := s.sessions.Get(ctx, nk)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: release nick: %w", err)
	}
	if string(e.Value()) != th {
		return nil
	}
	err = s.sessions.Delete(ctx, nk, jetstream.LastRevision(e.Revision()))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("store: release nick: %w", err)
	}
	return nil
}

// Session returns the nick bound to token, or [ErrNoSession]. A session
// in use is kept alive: when its records are older than a thirtieth of
// SessionTTL, Session rewrites them.
func (s *Store) Session(ctx context.Context, token string) (nick string, err error) {
	if token == "" {
		return "", ErrNoSession
	}
	th := hashToken(token)
	e, err := s.sessions.Get(ctx, tokenKey(th))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("store: session: %w", err)
	}
	nick = string(e.Value())
	if time.Since(e.Created()) < s.touchAfter() {
		return nick, nil
	}
	switch _, err := s.claimNick(ctx, nickKey(nick), th); {
	case errors.Is(err, ErrNickTaken):
		// The nick record expired and someone else took it.
		_ = s.sessions.Delete(ctx, tokenKey(th), jetstream.LastRevision(e.Revision()))
		return "", ErrNoSession
	case err != nil:
		s.log.Warn("session refresh failed", "err", err)
		return nick, nil
	}
	if _, err := s.sessions.Update(ctx, tokenKey(th), e.Value(), e.Revision()); err != nil {
		s.log.Debug("session refresh raced", "err", err)
	}
	return nick, nil
}

// DeleteSession ends the session of token and releases its nick. An
// unknown token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	th := hashToken(token)
	e, err := s.sessions.Get(ctx, tokenKey(th))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	// Nick first: if deleting the token then fails, a retry still works.
	if err := s.releaseNick(ctx, nickKey(string(e.Value())), th); err != nil {
		return err
	}
	if err := s.sessions.Delete(ctx, tokenKey(th)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
