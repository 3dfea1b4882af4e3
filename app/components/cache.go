package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// localStorage keys. Everything the page needs to render offline lives
// under the "tt/" prefix.
const (
	keyNick    = "tt/nick"
	keyTicker  = "tt/ticker"
	keyOutbox  = "tt/outbox"
	keyRoomFmt = "tt/room/"
	// Shared by the tabs of the browser: the rooms the stream carries (most
	// recently opened first), their unread messages, and the id the stream
	// resumes after.
	keyJoined     = "tt/joined"
	keyUnread     = "tt/unread"
	keyStreamLast = "tt/stream-last"

	// A room's cache before it was one value: read when keyRoomFmt is
	// missing, so that an update keeps the offline cache, and removed once
	// the room has been written again.
	legacyMessagesFmt = "tt/messages/"
	legacyLastIDFmt   = "tt/last-id/"
)

// roomCache is what is kept of a room for an offline reload: its last
// messages, the id of the last event received, to resume the stream, and
// whether the room has messages older than those (to offer loading them).
// It is written as one value, so that the id and the messages always come
// from the same moment: a failed or concurrent write (a full quota,
// another tab) can never leave an id ahead of the messages, which would
// hide the ones in between for good.
type roomCache struct {
	LastEventID string           `json:"lastEventId"`
	Messages    []tt.ChatMessage `json:"messages"`
	Older       bool             `json:"older"`
}

// store reads and writes the page's offline cache. Storage errors (quota,
// private mode, corrupt JSON) are logged and otherwise ignored: the cache is
// an optimisation, never a source of truth.
//
// What changes with every event (the ticker, a room's cache) is written
// through a [coalescer]: call flush before the page may go away. The
// nickname and the outbox, which other tabs read and merge, are written at
// once.
type store struct {
	s     app.BrowserStorage
	later *coalescer
}

func newStore(s app.BrowserStorage) store {
	st := store{s: s}
	st.later = newCoalescer(cacheWriteDelay, st.set)
	return st
}

// flush writes the pending cache writes now. It is safe from a JavaScript
// callback.
func (st store) flush() { st.later.flush() }

// get reads key, after writing everything pending (a read forces the
// writes), so that a read sees every write made through the store.
func (st store) get(key string, v any) {
	st.flush()
	if err := st.s.Get(key, v); err != nil {
		app.Logf("reading %s from localStorage: %v", key, err)
	}
}

// getNow reads key without writing what is pending: for the keys written
// at once, read on every batch of events.
func (st store) getNow(key string, v any) {
	if err := st.s.Get(key, v); err != nil {
		app.Logf("reading %s from localStorage: %v", key, err)
	}
}

func (st store) set(key string, v any) {
	if err := st.s.Set(key, v); err != nil {
		app.Logf("writing %s to localStorage: %v", key, err)
	}
}

func (st store) nick() (n string)         { st.get(keyNick, &n); return n }
func (st store) setNick(n string)         { st.set(keyNick, n) }
func (st store) outbox() (o []pendingMsg) { st.get(keyOutbox, &o); return o }
func (st store) setOutbox(o []pendingMsg) { st.set(keyOutbox, o) }

func (st store) joined() (j []string)    { st.getNow(keyJoined, &j); return j }
func (st store) setJoined(j []string)    { st.set(keyJoined, j) }
func (st store) unread() (u unreadState) { st.getNow(keyUnread, &u); return u }
func (st store) setUnread(u unreadState) { st.set(keyUnread, u) }
func (st store) setStreamLast(id string) { st.later.set(keyStreamLast, id) }
func (st store) streamLast() (id string) { st.get(keyStreamLast, &id); return id }

func (st store) ticker() (u tt.TickerUpdate) { st.get(keyTicker, &u); return u }
func (st store) setTicker(u tt.TickerUpdate) { st.later.set(keyTicker, u) }

func (st store) room(room string) (c roomCache) {
	st.flush()
	if st.s.Contains(keyRoomFmt + room) {
		st.get(keyRoomFmt+room, &c)
		st.s.Del(legacyMessagesFmt + room)
		st.s.Del(legacyLastIDFmt + room)
		return c
	}
	st.get(legacyMessagesFmt+room, &c.Messages)
	st.get(legacyLastIDFmt+room, &c.LastEventID)
	c.Older = len(c.Messages) > 0 // not known: maybe
	return c
}

// setRoom keeps c, with its newest messages only; c.Older is set when
// some were left out.
func (st store) setRoom(room string, c roomCache) {
	if len(c.Messages) > maxCachedMessages {
		c.Messages = newest(c.Messages, maxCachedMessages)
		c.Older = true
	}
	st.later.set(keyRoomFmt+room, c)
}
