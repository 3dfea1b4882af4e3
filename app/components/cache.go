package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// localStorage keys. Everything the page needs to render offline lives
// under the "tt/" prefix.
const (
	keyNick      = "tt/nick"
	keyTicker    = "tt/ticker"
	keyOutbox    = "tt/outbox"
	keyLastIDFmt = "tt/last-id/"
	keyRoomFmt   = "tt/messages/"
	keyOlderFmt  = "tt/older/"
)

// roomCache is what is kept of a room for an offline reload: its last
// messages, the id of the last event received, to resume the stream, and
// whether the room has messages older than those (to offer loading them).
type roomCache struct {
	LastEventID string
	Messages    []tt.ChatMessage
	Older       bool
}

// store reads and writes the page's offline cache. Storage errors (quota,
// private mode, corrupt JSON) are logged and otherwise ignored: the cache is
// an optimisation, never a source of truth.
//
// What changes with every event (the ticker, a room's messages and last
// event id) is written through a [coalescer]: call flush before the page may
// go away. The nickname and the outbox, which other tabs read and merge, are
// written at once.
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

// get reads key, after writing what is pending, so that a read sees every
// write made through the store.
func (st store) get(key string, v any) {
	st.flush()
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

func (st store) ticker() (u tt.TickerUpdate) { st.get(keyTicker, &u); return u }
func (st store) setTicker(u tt.TickerUpdate) { st.later.set(keyTicker, u) }

func (st store) room(room string) (c roomCache) {
	st.get(keyRoomFmt+room, &c.Messages)
	st.get(keyLastIDFmt+room, &c.LastEventID)
	// A cache written before the flag existed says nothing: maybe.
	c.Older = len(c.Messages) > 0
	st.get(keyOlderFmt+room, &c.Older)
	return c
}

// setMessages keeps the newest of msgs; older says whether the room has
// messages before msgs[0].
func (st store) setMessages(room string, msgs []tt.ChatMessage, older bool) {
	st.later.set(keyRoomFmt+room, newest(msgs, maxCachedMessages))
	st.later.set(keyOlderFmt+room, older || len(msgs) > maxCachedMessages)
}

func (st store) setLastEventID(room, id string) { st.later.set(keyLastIDFmt+room, id) }
