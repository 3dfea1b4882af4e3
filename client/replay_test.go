package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
)

// scriptedServer answers each stream request with the next of its
// scripts, then holds the last one open, and records the Last-Event-ID of
// each request. It stands for what a Tickertalk node never sends but a
// client must survive: an event replayed twice, a kind this program does
// not know (a newer server), data that does not decode.
type scriptedServer struct {
	*httptest.Server
	mu      sync.Mutex
	scripts []string
	lastIDs []string
}

func newScriptedServer(t *testing.T, scripts ...string) *scriptedServer {
	s := &scriptedServer{scripts: scripts}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		i := len(s.lastIDs)
		s.lastIDs = append(s.lastIDs, r.Header.Get("Last-Event-ID"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		if i < len(s.scripts) {
			_, _ = io.WriteString(w, s.scripts[i])
		}
		if i >= len(s.scripts)-1 {
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptedServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lastIDs)
}

func message(id string) string {
	return fmt.Sprintf("id: %s\nevent: message\ndata: {\"id\":%q,\"room\":\"lobby\",\"nick\":\"ann\",\"text\":\"m%s\"}\n\n", id, id, id)
}

// TestStreamNeverDeliversAnIDTwice: a reconnection sends the last id seen
// and honours the retry field (the client's own first delay is an hour);
// ids the server sends again are skipped; an unknown kind comes raw, and
// data of a known kind that does not decode is an ErrBadEvent that does
// not end the stream.
func TestStreamNeverDeliversAnIDTwice(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t,
		":ok\n\nretry: 200\n"+message("1")+message("2")+message("3"),
		":ok\n\n"+message("2")+message("3")+"event: poll\ndata: {\"q\":\"tea?\"}\n\n"+
			"event: presence\ndata: [1]\n\n"+message("4"),
	)
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var ids, kinds []string
	var bad []error
	for ev, err := range c.Stream([]string{"lobby"}, client.WithBackoff(time.Hour, time.Hour)).Events(ctx) {
		switch {
		case errors.Is(err, client.ErrBadEvent):
			bad = append(bad, err)
		case err != nil:
			t.Fatal(err)
		case ev.Kind == "poll":
			if ev.Value != nil || ev.Info != nil || string(ev.Data) != `{"q":"tea?"}` {
				t.Errorf("unknown kind delivered as %+v, want raw data only", ev)
			}
		}
		kinds = append(kinds, ev.Kind)
		if m, ok := client.As(ev, tt.KindMessage); ok {
			ids = append(ids, m.ID)
			if m.ID == "4" {
				break
			}
		}
	}
	if want := []string{"1", "2", "3", "4"}; !slices.Equal(ids, want) {
		t.Errorf("delivered ids %q, want %q", ids, want)
	}
	if want := []string{"", "3"}; !slices.Equal(srv.requests(), want) {
		t.Errorf("Last-Event-ID of each request %q, want %q", srv.requests(), want)
	}
	if want := []string{"message", "message", "message", "poll", "presence", "message"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %q, want %q", kinds, want)
	}
	if len(bad) != 1 {
		t.Errorf("bad events %v, want the one presence", bad)
	}
}
