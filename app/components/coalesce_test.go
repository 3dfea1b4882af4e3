package components

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// written records the writes of a coalescer, in order.
type written struct {
	mu     sync.Mutex
	keys   []string
	values []any
}

func (w *written) write(key string, v any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.keys = append(w.keys, key)
	w.values = append(w.values, v)
}

func (w *written) get() ([]string, []any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.keys), slices.Clone(w.values)
}

func TestCoalescerFlushWritesPendingAtOnce(t *testing.T) {
	var w written
	c := newCoalescer(time.Hour, w.write) // the timer cannot fire during the test
	const n = 1000
	for i := range n {
		c.set("tt/ticker", i)
	}
	c.set("tt/last-id/lobby", "42")
	if keys, _ := w.get(); len(keys) != 0 {
		t.Fatalf("%d sets wrote %d times before the delay", n+1, len(keys))
	}

	c.flush()
	keys, values := w.get()
	if want := []string{"tt/last-id/lobby", "tt/ticker"}; !slices.Equal(keys, want) {
		t.Fatalf("flush wrote keys %v, want %v: one write per key, in key order", keys, want)
	}
	if values[0] != "42" || values[1] != n-1 {
		t.Errorf("flush wrote %v, want the last values [42 %d]", values, n-1)
	}

	c.flush()
	if keys, _ := w.get(); len(keys) != 2 {
		t.Errorf("a flush with nothing pending wrote: %v", keys[2:])
	}
	c.set("tt/ticker", "again")
	c.flush()
	if keys, values := w.get(); len(keys) != 3 || values[2] != "again" {
		t.Errorf("a set after a flush, then a flush: wrote %v %v", keys, values)
	}
	var none *coalescer
	none.flush() // a page that never mounted
}

func TestCoalescerWritesOnceAfterDelay(t *testing.T) {
	var w written
	c := newCoalescer(cacheWriteDelay, w.write)
	start := time.Now()
	const n = 1000
	for i := range n {
		c.set("tt/messages/lobby", i)
	}

	deadline := time.Now().Add(cacheWriteDelay + 10*time.Second)
	for {
		keys, values := w.get()
		if len(keys) > 0 {
			if elapsed := time.Since(start); elapsed < cacheWriteDelay {
				t.Errorf("written after %v, before the delay %v", elapsed, cacheWriteDelay)
			}
			if len(keys) != 1 || values[0] != n-1 {
				t.Errorf("%d sets within the delay wrote %d times (first %v), want one write of %d", n, len(keys), values[0], n-1)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing written %v after the sets", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}

	c.mu.Lock()
	armed := c.timer != nil || len(c.pending) > 0
	c.mu.Unlock()
	if armed {
		t.Errorf("after the write the timer is still armed or something is pending")
	}
}

// countingStorage counts the writes that reach a real storage.
type countingStorage struct {
	app.BrowserStorage
	mu   sync.Mutex
	sets map[string]int
}

func (s *countingStorage) Set(k string, v any) error {
	s.mu.Lock()
	s.sets[k]++
	s.mu.Unlock()
	return s.BrowserStorage.Set(k, v)
}

func (s *countingStorage) count(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sets[k]
}

// storageOf hands out the local storage of a go-app test engine: its
// in-memory implementation, the one the page gets outside a browser.
type storageOf struct {
	app.Compo
	s app.BrowserStorage
}

func (c *storageOf) OnPreRender(ctx app.Context) { c.s = ctx.LocalStorage() }
func (c *storageOf) Render() app.UI              { return app.Div() }

func TestStoreCoalescesTheCacheOnly(t *testing.T) {
	grab := &storageOf{}
	load(t, grab)
	if grab.s == nil {
		t.Fatal("the test engine gave no local storage")
	}
	s := &countingStorage{BrowserStorage: grab.s, sets: map[string]int{}}
	st := newStore(s)

	for i := range 100 {
		st.setTicker(tt.TickerUpdate{Quotes: []tt.Quote{{Symbol: "ACME", Price: float64(100 + i)}}})
		id := fmt.Sprint(i + 1)
		st.setRoom("lobby", roomCache{LastEventID: id, Messages: []tt.ChatMessage{{ID: id, Room: "lobby", Text: "hi"}}})
	}
	st.setOutbox([]pendingMsg{{ClientID: "c1", Room: "lobby", Text: "on its way"}})
	if s.count(keyTicker) != 0 || s.Contains(keyTicker) {
		t.Errorf("the ticker was written before the delay or a flush: %d writes", s.count(keyTicker))
	}
	if s.count(keyOutbox) != 1 {
		t.Errorf("the outbox was written %d times, want at once", s.count(keyOutbox))
	}

	// A read writes what is pending first: it sees the last values.
	if u := st.ticker(); len(u.Quotes) != 1 || u.Quotes[0].Price != 199 {
		t.Errorf("ticker read back %+v, want the last one set (199)", u)
	}
	if c := st.room("lobby"); c.LastEventID != "100" || len(c.Messages) != 1 || c.Messages[0].ID != "100" {
		t.Errorf("room read back %+v, want message and last id 100", c)
	}
	for _, k := range []string{keyTicker, keyRoomFmt + "lobby"} {
		if n := s.count(k); n != 1 {
			t.Errorf("%s written %d times for 100 sets, want 1", k, n)
		}
	}

	// Dismounting the page writes what is pending.
	st.setTicker(tt.TickerUpdate{Quotes: []tt.Quote{{Symbol: "ACME", Price: 7}}})
	p := newPage()
	p.st = st
	p.dismount()
	if n := s.count(keyTicker); n != 2 {
		t.Errorf("after a set and the dismount the ticker was written %d times, want 2", n)
	}
}

func TestRoomCacheKeepsTheNewestAndSaysSo(t *testing.T) {
	grab := &storageOf{}
	load(t, grab)
	st := newStore(grab.s)
	msgs := func(n int) []tt.ChatMessage {
		out := make([]tt.ChatMessage, n)
		for i := range out {
			out[i] = tt.ChatMessage{ID: fmt.Sprint(i + 1), Room: "lobby", Text: "hi"}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		set    roomCache
		older  bool
		kept   int
		lastID string
	}{
		{"the whole room", roomCache{LastEventID: "4", Messages: msgs(4)}, false, 4, "4"},
		{"the newest of a longer room", roomCache{LastEventID: "4", Messages: msgs(4), Older: true}, true, 4, "4"},
		{"more than the cache keeps", roomCache{LastEventID: "101", Messages: msgs(maxCachedMessages + 1)}, true, maxCachedMessages, "101"},
	} {
		st.setRoom("lobby", tc.set)
		c := st.room("lobby")
		if c.Older != tc.older || len(c.Messages) != tc.kept || c.LastEventID != tc.lastID ||
			c.Messages[len(c.Messages)-1].ID != tc.set.Messages[len(tc.set.Messages)-1].ID {
			t.Errorf("%s: read back older=%v, %d messages, last id %q; want %v, the newest %d, %q",
				tc.name, c.Older, len(c.Messages), c.LastEventID, tc.older, tc.kept, tc.lastID)
		}
	}
	if c := st.room("never"); c.LastEventID != "" || len(c.Messages) != 0 || c.Older {
		t.Errorf("a room never cached reads back %+v, want nothing", c)
	}
}

func TestRoomCacheOfAnEarlierBuild(t *testing.T) {
	grab := &storageOf{}
	load(t, grab)
	st := newStore(grab.s)
	old := []tt.ChatMessage{{ID: "7", Room: "lobby", Nick: "bob", Text: "kept"}}
	st.set(legacyMessagesFmt+"lobby", old)
	st.set(legacyLastIDFmt+"lobby", "7")

	if c := st.room("lobby"); c.LastEventID != "7" || len(c.Messages) != 1 || c.Messages[0].Text != "kept" || !c.Older {
		t.Fatalf("an earlier build's cache read back as %+v, want its message and id, older unknown", c)
	}
	st.setRoom("lobby", roomCache{LastEventID: "8", Messages: append(old, tt.ChatMessage{ID: "8", Room: "lobby", Text: "new"})})
	if c := st.room("lobby"); c.LastEventID != "8" || len(c.Messages) != 2 {
		t.Fatalf("after a write the room reads back as %+v, want the new cache", c)
	}
	if grab.s.Contains(legacyMessagesFmt+"lobby") || grab.s.Contains(legacyLastIDFmt+"lobby") {
		t.Error("the earlier build's keys are still there once the room was written again")
	}
}
