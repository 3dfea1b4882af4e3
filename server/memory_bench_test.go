package server

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/r3labs/sse/v2"
)

const idleConns = 2000

// BenchmarkIdleConnMemory reports the heap and stack one idle /eventstream
// connection holds in Tickertalk's server (its HTTP server included), to
// compare with BenchmarkIdleConnMemoryBareR3labs. The measurement runs once;
// b.N does not matter (use -benchtime 1x).
func BenchmarkIdleConnMemory(b *testing.B) {
	srv := New(Options{History: newBenchIndex(), Sessions: noSessions{}})
	if err := srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":1,"open":1}]}`)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	measureIdle(b, srv, "/eventstream?room=lobby")
}

// BenchmarkIdleConnMemoryBareR3labs is the reference: r3labs/sse alone.
func BenchmarkIdleConnMemoryBareR3labs(b *testing.B) {
	s := sse.New()
	s.AutoReplay = false
	s.CreateStream("lobby")
	b.Cleanup(s.Close)
	measureIdle(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(":ok\n\n"))
		w.(http.Flusher).Flush()
		s.ServeHTTP(w, r)
	}), "/?stream=lobby")
}

func measureIdle(b *testing.B, h http.Handler, path string) {
	hs := httptest.NewUnstartedServer(h)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // r3labs's second WriteHeader is noise
	hs.Start()
	b.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range idleConns {
		c, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(line, ":ok") {
				break
			}
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapInuse) - float64(before.HeapInuse)
	stack := float64(after.StackInuse) - float64(before.StackInuse)
	for b.Loop() {
	}
	b.ReportMetric((heap+stack)/1024/idleConns, "KB/conn")
}
