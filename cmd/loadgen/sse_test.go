package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// got is an event as the test compares it.
type got struct {
	Name, ID, Data, Comment string
	HasID, IsComment        bool
}

func parseAll(t *testing.T, r io.Reader, bufSize int) ([]got, error) {
	t.Helper()
	p := newSSEParser(r, bufSize)
	var out []got
	for {
		err := p.next(func(e *sseEvent) {
			out = append(out, got{Name: string(e.Name), ID: string(e.ID), Data: string(e.Data),
				Comment: string(e.Comment), HasID: e.HasID, IsComment: e.IsComment})
		})
		if err != nil {
			return out, err
		}
	}
}

func TestSSEParser(t *testing.T) {
	long := strings.Repeat("y", 10000)
	tests := []struct {
		name string
		in   string
		want []got
	}{
		{"preamble and message", ":ok\n\nid: 7\ndata: {\"a\":1}\nevent: message\n\n",
			[]got{{Comment: "ok", IsComment: true}, {Name: "message", ID: "7", HasID: true, Data: `{"a":1}`}}},
		{"default event name", "data: x\n\n", []got{{Name: "message", Data: "x"}}},
		{"crlf", "event: update\r\ndata: q\r\n\r\n", []got{{Name: "update", Data: "q"}}},
		{"no space after colon", "event:presence\ndata:p\n\n", []got{{Name: "presence", Data: "p"}}},
		{"multi-line data", "data: a\ndata: b\n\n", []got{{Name: "message", Data: "a\nb"}}},
		{"empty id line", "id:\ndata: u\nevent: update\n\n", []got{{Name: "update", HasID: true, Data: "u"}}},
		{"block without data dispatches nothing", "id: 3\nevent: message\n\ndata: z\n\n", []got{{Name: "message", Data: "z"}}},
		{"fields do not leak into the next block", "id: 1\nevent: update\ndata: a\n\ndata: b\n\n",
			[]got{{Name: "update", ID: "1", HasID: true, Data: "a"}, {Name: "message", Data: "b"}}},
		{"ping comment", ": ping\n", []got{{Comment: "ping", IsComment: true}}},
		{"unknown field ignored", "retry: 10\nfoo: bar\ndata: d\n\n", []got{{Name: "message", Data: "d"}}},
		{"line longer than the buffer", "data: " + long + "\n\n", []got{{Name: "message", Data: long}}},
		{"unterminated block discarded", "data: a\n\ndata: b\n", []got{{Name: "message", Data: "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				out, err := parseAll(t, r, 16)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("error %v, want io.EOF", err)
				}
				if len(out) != len(tc.want) {
					t.Fatalf("got %d events %+v, want %d %+v", len(out), out, len(tc.want), tc.want)
				}
				for i := range out {
					if out[i] != tc.want[i] {
						t.Errorf("event %d: got %+v, want %+v", i, out[i], tc.want[i])
					}
				}
			}
		})
	}
}

func TestSSEParserLineTooLong(t *testing.T) {
	in := strings.NewReader("data: " + strings.Repeat("z", maxLineBytes+100) + "\n\n")
	if _, err := parseAll(t, in, 4096); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("error %v, want ErrLineTooLong", err)
	}
}

// TestSSEParserRetry: a retry field of digits sets the reconnection time,
// anything else leaves it, as EventSource does.
func TestSSEParserRetry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"data: a\n\n", 0, false},
		{"retry: 1500\ndata: a\n\n", 1500 * time.Millisecond, true},
		{"retry: 200\n\nretry: 700\n\n", 700 * time.Millisecond, true},
		{"retry: 300\nretry: 3s\n\n", 300 * time.Millisecond, true},
		{"retry: -5\n\n", 0, false},
		{"retry:\n\n", 0, false},
	}
	for _, tc := range tests {
		p := newSSEParser(strings.NewReader(tc.in), 64)
		for p.next(func(*sseEvent) {}) == nil {
		}
		if got, ok := p.reconnectDelay(); got != tc.want || ok != tc.ok {
			t.Errorf("%q: reconnectDelay() = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
