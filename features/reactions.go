package features

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/history"
	"tickertalk/server"
)

// A node keeps the reactions of the messages of a room that the log still
// retains. Messages leave the log oldest first, so when a room's tally has
// grown to twice its size after the last pruning (and at least
// pruneFloor messages), a reaction request drops its oldest messages up to
// the first one still retained. maxTalliedMessages, the largest --history,
// bounds a room's tally between prunings.
const (
	pruneFloor         = 1024
	maxTalliedMessages = config.MaxHistory
)

// Reactions installs the server side of reactions on srv: POST
// /api/events with kind "reaction" stores a person's emoji on a chat
// message of the same room, at most once per person, emoji and message.
//
// The answers, on top of the framework's checks (session, JSON, emoji in
// [tt.Emojis], rate limit): 422 [tt.CodeInvalidReaction] when the message
// is not a retained message of the room; 201 {"id"} when the reaction
// changed the tally and was stored; 202 {} with nothing stored when it
// would change nothing (on for an emoji already on, off for one not on),
// so that a double click or a retry is harmless. The server sets Nick
// from the session.
//
// Whether a reaction changes something is judged against the reactions
// this node has seen: every one in the log (rebuilt as the node loads the
// log at start) and its own as soon as they are stored. Two nodes judging
// the same person's reactions in the same moment may both store one; the
// tally ([tt.Tally]), which only ever applies a person's latest, is right
// either way.
func Reactions(srv *server.Server) {
	rx := newReactions(srv, pruneFloor)
	server.Observe(srv, tt.KindReaction, rx.apply)
	server.On(srv, tt.KindReaction, rx.handle)
}

// newReactions returns an empty tally that prunes rooms of floor messages
// or more.
func newReactions(srv *server.Server, floor int) *reactions {
	return &reactions{srv: srv, floor: floor, rooms: make(map[string]map[string]marks),
		pruneAt: make(map[string]int), busy: make(map[reactionKey]chan struct{})}
}

// reactions is who reacts with what on this node, by room and message id.
type reactions struct {
	srv   *server.Server
	floor int // the smallest tally pruned: pruneFloor

	mu      sync.Mutex
	rooms   map[string]map[string]marks   // by room, then message id
	pruneAt map[string]int                // a room's tally size that triggers pruning
	busy    map[reactionKey]chan struct{} // reactions being judged and stored
}

// marks holds, for one message, each person's latest reaction with each
// emoji, by emoji then nick.
type marks map[string]map[string]mark

// mark is a person's latest reaction with one emoji to one message: on or
// off, and the id of the event that said so. A later id wins, so that a
// reaction applied as soon as it is stored and again when the log
// delivers it is applied once, in log order.
type mark struct {
	id uint64
	on bool
}

type reactionKey struct {
	room, messageID, emoji, nick string
}

func (rx *reactions) handle(ctx context.Context, c server.Command, r tt.Reaction) error {
	r.Nick = c.Nick
	if ok, err := rx.isMessage(r.Room, r.MessageID); err != nil {
		return fmt.Errorf("look up message %s: %w", r.MessageID, err)
	} else if !ok {
		return &server.Error{Status: http.StatusUnprocessableEntity, Code: tt.CodeInvalidReaction,
			Msg: fmt.Sprintf("room %s has no message %s to react to", r.Room, r.MessageID)}
	}
	key := reactionKey{r.Room, r.MessageID, r.Emoji, r.Nick}
	if err := rx.acquire(ctx, key); err != nil {
		return err
	}
	defer rx.release(key)
	if rx.isOn(key) == r.On {
		return nil // nothing to change: answered 202, nothing stored
	}
	id, err := server.Publish(ctx, rx.srv, tt.KindReaction, r, c.From())
	if err != nil {
		return err
	}
	rx.apply(id, r)
	rx.prune(r.Room)
	return nil
}

// prune forgets the oldest messages of room that the log no longer
// retains, once the room's tally has doubled since it last did.
func (rx *reactions) prune(room string) {
	rx.mu.Lock()
	tally := rx.rooms[room]
	if len(tally) < max(rx.pruneAt[room], rx.floor) {
		rx.mu.Unlock()
		return
	}
	ids := make([]string, 0, len(tally))
	for id := range tally {
		ids = append(ids, id)
	}
	rx.mu.Unlock()
	slices.SortFunc(ids, tt.CompareMessageIDs)
	var gone []string
	for _, id := range ids {
		if retained, err := rx.isMessage(room, id); retained || err != nil {
			break
		}
		gone = append(gone, id)
	}
	rx.mu.Lock()
	defer rx.mu.Unlock()
	for _, id := range gone {
		delete(tally, id)
	}
	rx.pruneAt[room] = 2 * len(tally)
}

// isMessage reports whether id is a chat message that room's log retains.
func (rx *reactions) isMessage(room, id string) (bool, error) {
	e, ok, err := rx.srv.Stored(room, id)
	// Stored finds a sequence whatever log an id names: the id must be
	// the one the message has, of this log.
	return ok && e.Kind == tt.EventMessage && e.ID == id, err
}

// acquire waits until no other request of this node is judging key, then
// takes it: one person's clicks on one emoji are judged one at a time.
func (rx *reactions) acquire(ctx context.Context, key reactionKey) error {
	for {
		rx.mu.Lock()
		wait, taken := rx.busy[key]
		if !taken {
			rx.busy[key] = make(chan struct{})
			rx.mu.Unlock()
			return nil
		}
		rx.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("wait for an earlier reaction: %w", ctx.Err())
		}
	}
}

func (rx *reactions) release(key reactionKey) {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	close(rx.busy[key])
	delete(rx.busy, key)
}

// isOn reports whether key's person reacts with its emoji now.
func (rx *reactions) isOn(key reactionKey) bool {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return rx.rooms[key.room][key.messageID][key.emoji][key.nick].on
}

// apply records the reaction stored as id, unless a later one of the same
// person, emoji and message is recorded already.
func (rx *reactions) apply(id string, r tt.Reaction) {
	seq, ok := history.ParseID(id)
	if !ok {
		return
	}
	rx.mu.Lock()
	defer rx.mu.Unlock()
	room := rx.rooms[r.Room]
	if room == nil {
		room = make(map[string]marks)
		rx.rooms[r.Room] = room
	}
	m := room[r.MessageID]
	if m == nil {
		if len(room) >= maxTalliedMessages {
			forgetOldest(room)
		}
		m = make(marks)
		room[r.MessageID] = m
	}
	byNick := m[r.Emoji]
	if byNick == nil {
		byNick = make(map[string]mark)
		m[r.Emoji] = byNick
	}
	if old, ok := byNick[r.Nick]; ok && old.id >= seq {
		return
	}
	byNick[r.Nick] = mark{id: seq, on: r.On}
}

// forgetOldest drops the message with the lowest id: the first the log
// discards.
func forgetOldest(room map[string]marks) {
	first := true
	var oldest string
	for id := range room {
		if first || tt.CompareMessageIDs(id, oldest) < 0 {
			oldest, first = id, false
		}
	}
	delete(room, oldest)
}
