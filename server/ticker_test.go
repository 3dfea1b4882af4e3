package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
	"tickertalk/market"
)

// TestTickerRefusesBadUpdates: what the bus carries is checked as a market
// makes it; a bad update changes nothing a client would see.
func TestTickerRefusesBadUpdates(t *testing.T) {
	n := startNode(t, "")
	good := `{"quotes":[{"symbol":"ACME","price":2,"open":1},{"symbol":"HOOLI","price":3,"open":3}]}`
	if err := n.srv.Ticker([]byte(good)); err != nil {
		t.Fatal(err)
	}
	before := string(n.srv.ticker.snapshotFrame())
	var quotes []string
	for i := range market.MaxSymbols + 1 {
		quotes = append(quotes, fmt.Sprintf(`{"symbol":"S%d","price":1,"open":1}`, i))
	}
	tooMany := `{"quotes":[` + strings.Join(quotes, ",") + `]}`
	tests := []struct{ name, data string }{
		{"no quotes", `{"quotes":[]}`},
		{"empty symbol", `{"quotes":[{"symbol":"","price":1,"open":1}]}`},
		{"symbol with a newline", `{"quotes":[{"symbol":"A\nB","price":1,"open":1}]}`},
		{"lower case symbol", `{"quotes":[{"symbol":"acme","price":1,"open":1}]}`},
		{"duplicate symbol", `{"quotes":[{"symbol":"ACME","price":1,"open":1},{"symbol":"ACME","price":1,"open":1}]}`},
		{"too many symbols", tooMany},
		{"zero price", `{"quotes":[{"symbol":"ACME","price":0,"open":1}]}`},
		{"negative open", `{"quotes":[{"symbol":"ACME","price":1,"open":-1}]}`},
		{"negative history", `{"quotes":[{"symbol":"ACME","price":1,"open":1}],"history":{"ACME":[1,-2]}}`},
	}
	for _, tc := range tests {
		err := n.srv.Ticker([]byte(tc.data))
		if !errors.Is(err, errBadUpdate) {
			t.Errorf("%s: %v, want errBadUpdate", tc.name, err)
		}
	}
	if after := string(n.srv.ticker.snapshotFrame()); after != before {
		t.Errorf("bad updates changed the snapshot:\n%s\nwas\n%s", after, before)
	}
}

// TestTickerForgetsSymbolsThatLeft: the sparklines kept are those of the
// symbols of the latest update only.
func TestTickerForgetsSymbolsThatLeft(t *testing.T) {
	ts := newTickerState(60)
	for _, data := range []string{
		`{"quotes":[{"symbol":"ACME","price":2,"open":1},{"symbol":"HOOLI","price":3,"open":3}]}`,
		`{"quotes":[{"symbol":"ACME","price":2,"open":1}]}`,
	} {
		ts.apply(decode[tt.TickerUpdate](t, data))
	}
	if _, ok := ts.history["HOOLI"]; ok || len(ts.history) != 1 {
		t.Fatalf("history keeps %d symbols, HOOLI among them: %v", len(ts.history), ts.history)
	}
}

// TestFirstFramesShareTheSnapshot: a connection's first frames do not copy
// the ticker snapshot (a few KB with the sparklines, on every connect) but
// carry the one frame every connection shares, and the conn writes it in
// its place: after the preamble and any replay, before presence. A
// ticker-only connect then allocates nothing once the buffer pool is warm.
func TestFirstFramesShareTheSnapshot(t *testing.T) {
	srv := New(Options{History: newBenchIndex(), Sessions: noSessions{}}) // no ticker of its own
	t.Cleanup(srv.Close)
	if err := srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":2,"open":1}],"history":{"ACME":[1,1.5,2]}}`)); err != nil {
		t.Fatal(err)
	}
	shared := srv.ticker.snapshotFrame()
	bufs := srv.connCfg.bufs

	f := srv.initialFrames(bufs.get(), "lobby", resume{})
	if len(f.snap) == 0 || &f.snap[0] != &shared[0] {
		t.Fatal("the first frames do not carry the shared snapshot frame")
	}
	if bytes.Contains(f.buf, shared) {
		t.Error("the snapshot was copied into the connection's own frames")
	}
	rec := httptest.NewRecorder()
	c := newConn(rec, func() {}, testConnConfig(nil))
	c.cfg.hooks = fixedFrames(f)
	c.Flush()
	wait.For(t, 5*time.Second, "the writer to finish", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	})
	preamble := string(f.buf[:f.snapAt])
	if !regexp.MustCompile(`^:ok\n\nretry: [0-9]+\n$`).MatchString(preamble) {
		t.Errorf("preamble %q, want :ok then this connection's retry field", preamble)
	}
	want := preamble + string(shared) + string(f.buf[f.snapAt:])
	if got := rec.Body.String(); got != want || !strings.Contains(got, "event: "+tt.EventPresence) {
		t.Errorf("the socket got\n%q\nwant\n%q", got, want)
	}

	if raceEnabled {
		return // sync.Pool drops items at random under the race detector
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	allocs := testing.AllocsPerRun(100, func() {
		bufs.put(srv.initialFrames(bufs.get(), "", resume{}).buf)
	})
	if allocs != 0 {
		t.Errorf("a ticker-only connection's first frames allocate %v times, want 0", allocs)
	}
}

type fixedFrames firstFrames

func (f fixedFrames) startFrames(*conn) firstFrames { return firstFrames(f) }
func (fixedFrames) evicted(*conn)                   {}
func (fixedFrames) replayFailed(*conn, error)       {}
