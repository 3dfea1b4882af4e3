package server

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

// TestIDFollowsTheClass: whatever id a caller passes, an event carries an
// SSE id only when its kind is durable, both as r3labs writes it (event)
// and as the server writes its own frames (appendFrame).
func TestIDFollowsTheClass(t *testing.T) {
	for _, k := range tt.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			f := newFrame(k, "log0-7", []byte(`{}`))
			if got, want := strings.HasPrefix(string(f.b), "id: log0-7\n") && f.seq == 7, k.Class == tt.Durable; got != want {
				t.Errorf("newFrame(%s, log0-7) = %q, seq %d; a %v kind must carry an id: %v", k.Name, f.b, f.seq, k.Class, want)
			}
			frame := string(appendFrame(nil, k, "7", []byte(`{}`)))
			if got, want := strings.HasPrefix(frame, "id: 7\n"), k.Class == tt.Durable; got != want {
				t.Errorf("appendFrame(%s, 7) = %q; a %v kind must carry an id: %v", k.Name, frame, k.Class, want)
			}
		})
	}
}

// TestConnDropsIDsThatAreNotLogPositions: an id line that is not a
// log position (<log>-<seq>) never reaches the browser, whose Last-Event-ID it
// would become.
func TestConnDropsIDsThatAreNotLogPositions(t *testing.T) {
	rec := httptest.NewRecorder()
	c := newConn(rec, func() {}, testConnConfig(func() ([]byte, uint64) { return []byte(":ok\n\n"), 0 }))
	for _, ev := range [][]string{
		{},
		{"id: abc\n", "event: presence\n", "data: {}\n", "\n"},
		{"id: log0-5\n", "event: message\n", "data: {}\n", "\n"},
	} {
		for _, part := range ev {
			_, _ = c.Write([]byte(part))
		}
		c.Flush()
	}
	wait.For(t, 5*time.Second, "the writer to finish", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	})
	want := ":ok\n\nevent: presence\ndata: {}\n\nid: log0-5\nevent: message\ndata: {}\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("the socket got\n%q\nwant\n%q", got, want)
	}
}
