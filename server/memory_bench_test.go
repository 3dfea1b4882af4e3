package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	rtmetrics "runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
	"tickertalk/market"
)

const idleConns = 2000

// idleTicks is how many ticker updates each idle connection receives before
// the measurement: an idle tab still gets the ticker every second, and what
// a connection keeps between events counts.
const idleTicks = 3

// BenchmarkIdleConnMemory reports the heap and stack one idle /eventstream
// connection holds in Tickertalk's server (its HTTP server included), to
// compare with BenchmarkIdleConnMemoryBareR3labs. The measurement runs once;
// b.N does not matter (use -benchtime 1x). Run each in its own process
// (-bench 'IdleConnMemory$', then 'IdleConnMemoryBare'): a second
// measurement in the same process reuses the first one's freed memory.
func BenchmarkIdleConnMemory(b *testing.B) {
	srv := New(Options{History: newBenchIndex(), Sessions: noSessions{}})
	update := benchTickerUpdate(b)
	if err := srv.Ticker(update); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	measureIdle(b, srv, "/eventstream?room=lobby", srv.BaseContext(), func() { // served as node serves it
		if err := srv.Ticker(update); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkIdleConnMemoryBareR3labs is the reference: r3labs/sse alone.
func BenchmarkIdleConnMemoryBareR3labs(b *testing.B) {
	s := sse.New()
	s.AutoReplay = false
	// ":ok" goes out before r3labs registers the subscriber: count them,
	// so that no connection misses the first tick.
	var subscribed atomic.Int64
	s.OnSubscribe = func(string, *sse.Subscriber) { subscribed.Add(1) }
	s.CreateStream("lobby")
	b.Cleanup(s.Close)
	update := benchTickerUpdate(b)
	measureIdle(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(":ok\n\n"))
		w.(http.Flusher).Flush()
		s.ServeHTTP(w, r)
	}), "/?stream=lobby", context.Background(), func() {
		for deadline := time.Now().Add(30 * time.Second); subscribed.Load() < idleConns; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d subscribers registered", subscribed.Load(), idleConns)
			}
		}
		s.Publish("lobby", &sse.Event{Event: []byte(tt.EventUpdate), Data: update})
	})
}

// benchTickerUpdate is a ticker update of the default eight symbols.
func benchTickerUpdate(b *testing.B) []byte {
	b.Helper()
	u := tt.TickerUpdate{}
	now := time.Now()
	for i, sym := range market.DefaultSymbols() {
		u.Quotes = append(u.Quotes, tt.Quote{Symbol: sym, Price: 101.25 + float64(i), Open: 100, Change: 1.25 + float64(i), ChangePct: 1.25, Time: now})
	}
	data, err := json.Marshal(u)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// measureIdle opens idleConns streams on h (served with base as every
// request's base context), has tick publish idleTicks updates and waits for
// every connection to read them, then reports the heap and stacks held per
// connection.
func measureIdle(b *testing.B, h http.Handler, path string, base context.Context, tick func()) {
	hs := httptest.NewUnstartedServer(h)
	hs.Config.BaseContext = func(net.Listener) context.Context { return base }
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // r3labs's second WriteHeader is noise
	hs.Start()
	b.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	readers := make([]*bufio.Reader, 0, idleConns)
	for range idleConns {
		c, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		r := bufio.NewReader(c)
		readUntil(b, r, ":ok")
		readers = append(readers, r)
	}
	for range idleTicks {
		tick()
		for _, r := range readers {
			readUntil(b, r, "event: "+tt.EventUpdate)
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapInuse) - float64(before.HeapInuse)
	stack := float64(after.StackInuse) - float64(before.StackInuse)
	// The stack the runtime gives a new goroutine: the average stack in use
	// at the last GC, rounded up to a power of two. A bigger frame parked on
	// every connection's goroutine can double it, and with it the stack of
	// every goroutine the next connections start.
	start := []rtmetrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	rtmetrics.Read(start)
	for b.Loop() {
	}
	b.ReportMetric((heap+stack)/1024/idleConns, "KB/conn")
	b.ReportMetric(heap/1024/idleConns, "heapKB/conn")
	b.ReportMetric(stack/1024/idleConns, "stackKB/conn")
	if start[0].Value.Kind() == rtmetrics.KindUint64 {
		b.ReportMetric(float64(start[0].Value.Uint64()), "B/goroutine-start")
	}
}

// readUntil reads lines from r until one starts with prefix.
func readUntil(b *testing.B, r *bufio.Reader, prefix string) {
	b.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatalf("reading until %q: %v", prefix, err)
		}
		if strings.HasPrefix(line, prefix) {
			return
		}
	}
}
