package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestThrottledConnReadsAtItsRate reads 10,000 bytes through a 5,000
// bytes/s throttle: it cannot take less than (10,000 − one burst of 500)
// / 5,000 = 1.9 s, and every byte arrives in order.
func TestThrottledConnReadsAtItsRate(t *testing.T) {
	server, client := net.Pipe()
	want := strings.Repeat("0123456789", 1000)
	go func() {
		io.WriteString(server, want)
		server.Close()
	}()
	start := time.Now()
	got, err := io.ReadAll(newThrottledConn(client, 5000))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
	if took < 1900*time.Millisecond {
		t.Errorf("10,000 bytes at 5,000 bytes/s took %v, want at least 1.9 s", took)
	}
}

// TestThrottledReaderAgainstFakeServer runs the slow-reader mode against
// the fake server: a reader at 20 KB/s keeps up with 20 messages a
// second, gets every one once and in order, and is never evicted.
func TestThrottledReaderAgainstFakeServer(t *testing.T) {
	hs := startFakeServer(t, faultNone)
	c := shortRun(t, hs.URL)
	c.Throttle, c.Rate, c.Duration, c.Rooms = 20000, 20, time.Second, 1
	r, err := runThrottled(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	r.writeText(&sb)
	if !r.ok() || r.Posted != 20 || r.Evictions != 0 {
		t.Fatalf("slow reader: want 20 of 20 received and no eviction:\n%s", sb.String())
	}
}
