package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lastID string
		in     string
		want   []Event
	}{
		{
			name: "preamble comment then event",
			in:   ":ok\n\nid: 7\nevent: message\ndata: {\"a\":1}\n\n",
			want: []Event{
				{Comment: "ok"},
				{Event: "message", Data: `{"a":1}`, ID: "7", HasID: true, LastEventID: "7"},
			},
		},
		{
			name: "default type and multi-line data",
			in:   "data: one\ndata:two\ndata\n\n",
			want: []Event{{Event: "message", Data: "one\ntwo\n"}},
		},
		{
			name:   "empty id line resets the last event id",
			lastID: "41",
			in:     "id: 42\ndata: a\n\nid:\nevent: update\ndata: b\n\nevent: update\ndata: c\n\n",
			want: []Event{
				{Event: "message", Data: "a", ID: "42", HasID: true, LastEventID: "42"},
				{Event: "update", Data: "b", HasID: true, LastEventID: ""},
				{Event: "update", Data: "c", LastEventID: ""},
			},
		},
		{
			name:   "no id field keeps the last event id",
			lastID: "9",
			in:     "event: update\ndata: x\n\n: ping\n\n",
			want: []Event{
				{Event: "update", Data: "x", LastEventID: "9"},
				{Comment: "ping", LastEventID: "9"},
			},
		},
		{
			name: "block without data dispatches nothing but keeps its id",
			in:   "id: 3\nevent: presence\n\ndata: y\n\n",
			want: []Event{{Event: "message", Data: "y", LastEventID: "3"}},
		},
		{
			name: "CRLF and CR line endings, BOM, retry, unknown field",
			in:   "\ufeffretry: 1500\r\nfoo: bar\r\ndata: z\r\rdata: w\r\n\r\n",
			want: []Event{
				{Event: "message", Data: "z", Retry: 1500},
				{Event: "message", Data: "w"},
			},
		},
		{
			name: "id with NUL is ignored, bad retry ignored",
			in:   "id: a\x00b\nretry: 12x\ndata: q\n\n",
			want: []Event{{Event: "message", Data: "q"}},
		},
		{
			name: "unterminated last event is dropped",
			in:   "data: done\n\ndata: partial\n",
			want: []Event{{Event: "message", Data: "done"}},
		},
		{
			name: "colon in value and no space",
			in:   "data:a: b\n\n",
			want: []Event{{Event: "message", Data: "a: b"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []Event
			p := parser{lastEventID: tc.lastID}
			err := p.parse(strings.NewReader(tc.in), func(e Event) bool {
				got = append(got, e)
				return true
			})
			if err == nil {
				t.Fatalf("parse returned nil, want io.EOF at the end of input")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

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
			if i == 1 {
				<-release // the first event must arrive before the handler goes on
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
	if e, err := s.Next(ctx); err != nil || e.Comment != "ok" {
		t.Fatalf("first = %+v, %v; want the :ok comment", e, err)
	}
	if e, err := s.NextEvent(ctx, "message"); err != nil || e.Data != "m1" {
		t.Fatalf("second = %+v, %v; want m1", e, err)
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
}

// TestStreamClose checks that Close ends a stream the server keeps open.
func TestStreamClose(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ":ok\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	s := OpenStream(t, srv.URL, "")
	s.Close()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open 5s after Close")
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
