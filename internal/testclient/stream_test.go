package testclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreamLive checks the client against a real HTTP server that flushes
// events one at a time, sends a Last-Event-ID, and ends the response.
func TestStreamLive(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	gotLastID := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotLastID <- r.Header.Get("Last-Event-ID")
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ":ok\n\n")
		w.(http.Flusher).Flush()
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "id: %d\nevent: message\ndata: m%d\n\n", i, i)
			w.(http.Flusher).Flush()
			if i == 1 { // the first event must arrive before the handler goes on
				select {
				case <-release:
				case <-r.Context().Done(): // the test failed and is closing
					return
				}
			}
		}
	}))
	t.Cleanup(srv.Close)

	s := OpenStream(t, srv.URL, "0")
	if got := <-gotLastID; got != "0" {
		t.Errorf("Last-Event-ID sent = %q, want %q", got, "0")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if e, err := s.Next(ctx); err != nil || !e.IsComment() || e.Comment != "ok" {
		t.Fatalf("first = %+v, %v; want the :ok comment", e, err)
	}
	if e, err := s.NextEvent(ctx, "message"); err != nil || e.Data != "m1" || e.Received.IsZero() {
		t.Fatalf("second = %+v, %v; want m1 with the time it came", e, err)
	}
	close(release)
	for _, want := range []string{"m2", "m3"} {
		e, err := s.NextEvent(ctx)
		if err != nil || e.Data != want || e.LastEventID != strings.TrimPrefix(want, "m") {
			t.Fatalf("got %+v, %v; want %s", e, err, want)
		}
	}
	if _, err := s.Next(ctx); !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("after the end: %v, want ErrStreamClosed", err)
	}
	// Everything stays: consumed or not.
	if evs := s.Events(); len(evs) != 4 || evs[0].Comment != "ok" || evs[3].Data != "m3" {
		t.Fatalf("Events() = %+v, want the comment and the three messages", evs)
	}
}

// TestStreamSkipsWhatABrowserWouldNotDispatch: NextEvent skips comments,
// blocks without data and other names; MustNext sees all of them; WaitFor
// sees everything read, consumed or not.
func TestStreamSkipsWhatABrowserWouldNotDispatch(t *testing.T) {
	t.Parallel()
	srv := sseServer(t, ":ok\n\nid: 1\nevent: message\n\nevent: update\ndata: u\n\ndata: unnamed\n\nevent: message\ndata: m\n\n", true)

	s := OpenStream(t, srv.URL, "")
	if e := s.MustNextEvent(t, 10*time.Second, "message"); e.Data != "m" || e.LastEventID != "1" {
		t.Fatalf("MustNextEvent(message) = %+v, want the block with data m (not the one without data, not the unnamed one)", e)
	}
	s.WaitFor(t, 10*time.Second, "five things", func(evs []Event) bool { return len(evs) == 5 })

	s2 := OpenStream(t, srv.URL, "")
	e := s2.MustNext(t, 10*time.Second, func(e Event) bool { return e.HasID })
	if e.Event != "message" || e.HasData || e.ID != "1" {
		t.Fatalf("MustNext(HasID) = %+v, want the block without data", e)
	}
}

// TestStreamClose checks that Close ends a stream the server keeps open.
func TestStreamClose(t *testing.T) {
	t.Parallel()
	srv := sseServer(t, ":ok\n\n", true)
	s := OpenStream(t, srv.URL, "")
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close still waiting 5s later")
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Close returned with the stream still open")
	}
	s.Close() // twice is fine
}

// TestNextPrefersAnEndedContext: once ctx has ended Next returns its error,
// even with events waiting, so a deadline is never stretched.
func TestNextPrefersAnEndedContext(t *testing.T) {
	t.Parallel()
	srv := sseServer(t, ":ok\n\n", false)
	s := OpenStream(t, srv.URL, "")
	<-s.Done()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with an ended context = %v, want context.Canceled", err)
	}
}

func TestDialStreamStatusError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"room name is invalid","code":"invalid_room"}`)
	}))
	t.Cleanup(srv.Close)
	_, err := DialStream(context.Background(), nil, srv.URL, "")
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StatusError", err)
	}
	if got, want := se.Code, http.StatusBadRequest; got != want {
		t.Errorf("code = %d, want %d", got, want)
	}
	if got, want := se.APIError().Code, "invalid_room"; got != want {
		t.Errorf("api code = %q, want %q", got, want)
	}
}

// sseServer answers every request with body as an event stream, then ends
// the response, or with hold keeps it open until the client goes.
func sseServer(t *testing.T, body string, hold bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, body)
		w.(http.Flusher).Flush()
		if hold {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
