package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r3labs/sse/v2"

	"tickertalk/history"
	"tickertalk/store"

	tt "tickertalk/app"
)

const benchSubscribers = 1000

// subscribe opens n raw SSE connections to path and counts the events that
// carry an id line (messages) they read.
func subscribe(b *testing.B, base, path string, n int, got *atomic.Int64) {
	b.Helper()
	addr := strings.TrimPrefix(base, "http://")
	ready := make(chan struct{}, n)
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		go func() {
			r := bufio.NewReaderSize(conn, 32<<10)
			signalled := false
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if !signalled && (bytes.HasPrefix(line, []byte(":ok")) || bytes.HasPrefix(line, []byte("\r\n"))) {
					signalled = true
					ready <- struct{}{}
				}
				if bytes.HasPrefix(line, []byte("id: ")) {
					got.Add(1)
				}
			}
		}()
	}
	for range n {
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			b.Fatal("subscribers did not connect")
		}
	}
}

func waitDeliveries(b *testing.B, got *atomic.Int64, want int64) {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for got.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", got.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkFanout measures Tickertalk's delivery of one room's messages to
// 1,000 subscribers over real loopback HTTP, every guarantee on (ordered
// ids, bounded queues, eviction). Compare deliveries/s with
// BenchmarkFanoutBareR3labs, run in the same process on the same machine.
func BenchmarkFanout(b *testing.B) {
	idx := newBenchNode(b)
	var got atomic.Int64
	subscribe(b, idx.url, "/eventstream?room=lobby", benchSubscribers, &got)
	text := strings.Repeat("x", 40) // ~100-byte JSON messages
	seq := 0
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		seq++
		if err := idx.srv.Deliver(tt.ChatMessage{ID: history.FormatID("hoqi5ze25z", uint64(seq)), Room: "lobby", Nick: "bench", Text: text, Time: time.Unix(0, 0)}); err != nil {
			b.Fatal(err)
		}
	}
	waitDeliveries(b, &got, int64(seq)*benchSubscribers)
	b.ReportMetric(float64(seq)*benchSubscribers/time.Since(start).Seconds(), "deliveries/s")
}

// BenchmarkFanoutBareR3labs is the reference: r3labs/sse alone, no replay,
// no queue, no eviction.
func BenchmarkFanoutBareR3labs(b *testing.B) {
	s := sse.New()
	s.AutoReplay = false
	s.CreateStream("lobby")
	hs := httptest.NewServer(http.HandlerFunc(s.ServeHTTP))
	b.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	var got atomic.Int64
	subscribe(b, hs.URL, "/?stream=lobby", benchSubscribers, &got)
	data := []byte(`{"id":"1","room":"lobby","nick":"bench","text":"` + strings.Repeat("x", 40) + `","time":"1970-01-01T00:00:00Z"}`)
	seq := 0
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		seq++
		s.Publish("lobby", &sse.Event{ID: []byte(strconv.Itoa(seq)), Event: []byte("message"), Data: data})
	}
	waitDeliveries(b, &got, int64(seq)*benchSubscribers)
	b.ReportMetric(float64(seq)*benchSubscribers/time.Since(start).Seconds(), "deliveries/s")
}

type benchNode struct {
	srv *Server
	url string
}

// newBenchNode is a server without a store: the benchmark feeds Deliver
// directly, so it measures the fan-out, not JetStream.
func newBenchNode(b *testing.B) benchNode {
	b.Helper()
	srv := New(Options{History: newBenchIndex(), Sessions: noSessions{}})
	hs := httptest.NewServer(srv)
	b.Cleanup(func() { srv.Close(); hs.CloseClientConnections(); hs.Close() })
	return benchNode{srv: srv, url: hs.URL}
}

func newBenchIndex() *history.Index { return history.New(tt.DefaultHistory) }

// noSessions: the benchmark's subscribers are anonymous.
type noSessions struct{}

func (noSessions) ReplaceSession(context.Context, string, string, string) error {
	return store.ErrNoSession
}
func (noSessions) Session(context.Context, string) (store.SessionInfo, error) {
	return store.SessionInfo{}, store.ErrNoSession
}
func (noSessions) DeleteSession(context.Context, string) error { return nil }
