package components

import (
	"encoding/json"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// maxDurablePerRoom bounds the durable events (other than messages) kept
// per room in memory and in the offline cache: the newest are kept.
const maxDurablePerRoom = 1000

// keyEventsFmt prefixes a room's durable events in localStorage.
const keyEventsFmt = "tt/events/"

// durableLog is a room's stored events of the durable kinds other than
// messages (which the chat keeps with its outbox), as the stream, the
// scrollback API and the offline cache bring them: sorted by id, each id
// once. Its methods return a new log and modify neither input.
type durableLog []tt.StoredEvent

// merge returns the union of l and in, sorted by id, without duplicate ids
// or events without one, and no longer than maxDurablePerRoom (the newest).
// An event of in replaces none of l: the same id is the same event.
func (l durableLog) merge(in ...tt.StoredEvent) durableLog {
	out := make(durableLog, 0, len(l)+len(in))
	// Each is put in place by a binary search rather than sorted with
	// slices.SortStableFunc, whose copy for this type would cost app.wasm
	// some 10 kB; events come nearly in order, and a room holds few.
	for _, e := range slices.Concat(l, in) {
		if e.ID == "" {
			continue
		}
		i, found := slices.BinarySearchFunc(out, e.ID, func(x tt.StoredEvent, id string) int { return idCompare(x.ID, id) })
		if !found {
			out = slices.Insert(out, i, e)
		}
	}
	if len(out) > maxDurablePerRoom {
		out = slices.Clone(out[len(out)-maxDurablePerRoom:])
	}
	return out
}

// durableStore keeps the durable events of each room the page has seen,
// for every durable kind but messages: the framework's offline cache for
// them, written with the page's other cache writes. It is used on the UI
// goroutine only.
type durableStore struct {
	rooms   map[string]durableLog
	version map[string]int  // counts the changes of each room, for memos
	loaded  map[string]bool // rooms read from the cache
	dirty   map[string]bool // rooms changed since the last save
}

func newDurableStore() *durableStore {
	return &durableStore{
		rooms:   map[string]durableLog{},
		version: map[string]int{},
		loaded:  map[string]bool{},
		dirty:   map[string]bool{},
	}
}

// add keeps one event of kind from the stream.
func (d *durableStore) add(kind, room, id, data string) {
	if room == "" || id == "" {
		return
	}
	d.merge(room, tt.StoredEvent{Kind: kind, ID: id, Data: json.RawMessage(data)})
}

// merge keeps events of room, from the stream or a scrollback page.
func (d *durableStore) merge(room string, events ...tt.StoredEvent) {
	if len(events) == 0 {
		return
	}
	d.rooms[room] = d.rooms[room].merge(events...)
	d.version[room]++
	d.dirty[room] = true
}

// load reads room's cached events into the store, once per room: an offline
// reload shows them before the network answers.
func (d *durableStore) load(st store, room string) {
	if d.loaded[room] || st.s == nil {
		return
	}
	d.loaded[room] = true
	var cached []tt.StoredEvent
	st.get(keyEventsFmt+room, &cached)
	d.rooms[room] = d.rooms[room].merge(cached...)
	d.version[room]++
}

// save puts the changed rooms in the offline cache (through the coalescer).
func (d *durableStore) save(st store) {
	if st.s == nil {
		return
	}
	for room := range d.dirty {
		d.load(st, room) // what the cache holds stays
		st.later.set(keyEventsFmt+room, slices.Clone(d.rooms[room]))
	}
	clear(d.dirty)
}

// Durable returns the stored events of kind k in room, decoded, in log
// order, with their ids: what the stream, scrollback and the offline cache
// brought, each once. Events that fail to decode are skipped.
func Durable[T any](b *eventBus, k tt.Kind[T], room string) []Stored[T] {
	if b == nil {
		return nil
	}
	b.durable.load(b.st, room)
	var out []Stored[T]
	for _, e := range b.durable.rooms[room] {
		if e.Kind != k.Name() {
			continue
		}
		v, err := k.Decode(e.Data)
		if err != nil {
			app.Logf("%v", err)
			continue
		}
		out = append(out, Stored[T]{ID: e.ID, V: v})
	}
	return out
}

// Stored is a durable event with its log position.
type Stored[T any] struct {
	ID string
	V  T
}
