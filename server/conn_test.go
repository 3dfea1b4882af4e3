package server

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tickertalk/history"
)

// TestParseSeqAgreesWithParseID: the connection's allocation-free parser
// accepts exactly the ids history.ParseID accepts, with the same values.
func TestParseSeqAgreesWithParseID(t *testing.T) {
	for _, in := range []string{
		"0", "1", "42", "007", "", "-1", "+1", "1e3", " 1", "abc",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "123456789012345678901",
	} {
		wantN, wantOK := history.ParseID(in)
		gotN, gotOK := parseSeq([]byte(in))
		if gotN != wantN || gotOK != wantOK {
			t.Errorf("parseSeq(%q) = %d, %v; history.ParseID says %d, %v", in, gotN, gotOK, wantN, wantOK)
		}
	}
}

// TestConnFramesEventsAndKeepsNoBufferWhenIdle drives a conn as r3labs does
// (several Writes, one Flush per event): empty id lines go, replayed ids
// go, everything else reaches the socket in order; once the writer is done,
// the connection holds no event buffer.
func TestConnFramesEventsAndKeepsNoBufferWhenIdle(t *testing.T) {
	rec := httptest.NewRecorder()
	c := newConn(rec, func() {}, time.Second, 1<<20, &buffers{})
	c.delivered = prometheus.NewCounter(prometheus.CounterOpts{Name: "test_delivered"})
	c.start = func() ([]byte, uint64) { return []byte(":ok\n\nid: 3\ndata: replayed\n\n"), 3 }

	events := [][]string{
		{}, // r3labs's first Flush: the initial frames go out
		{"id: \n", "event: update\n", "data: {}\n", "\n"},
		{"id: 3\n", "data: live copy of a replayed message\n", "\n"},
		{"id: 4\n", "event: message\n", "data: new\n", "\n"},
		{": ping\n", "\n"},
	}
	for _, ev := range events {
		for _, part := range ev {
			if _, err := c.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		c.Flush()
	}
	idle := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	}
	for deadline := time.Now().Add(5 * time.Second); !idle(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writer did not finish")
		}
	}

	want := ":ok\n\nid: 3\ndata: replayed\n\n" +
		"event: update\ndata: {}\n\n" +
		"id: 4\nevent: message\ndata: new\n\n" +
		": ping\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("the socket got\n%q\nwant\n%q", got, want)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil || c.queue != nil {
		t.Errorf("an idle connection keeps buffers: cur cap %d, queue cap %d", cap(c.cur), cap(c.queue))
	}
}
