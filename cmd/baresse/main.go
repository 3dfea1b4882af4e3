// Command baresse is the reference that Tickertalk's figures are compared
// with: r3labs/sse v2 alone, the way its README serves it, with none of
// Tickertalk's guarantees (no resume, no eviction, no validation). It
// streams the simulated market's update of eight symbols every second on
// /eventstream, after an `:ok` comment as Tickertalk does, and exposes the
// process's memory and goroutines on /metrics, and takes chat messages on
// POST /send (numbered and published, nothing stored), so that cmd/loadgen
// measures both servers the same way:
//
//	taskset -c 0 go run ./cmd/baresse --addr 127.0.0.1:8766 &
//	taskset -c 1 bin/loadgen --url http://127.0.0.1:8766 --subscribers 10000 --rate 0 --duration 10s
//
// It listens on loopback addresses only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/r3labs/sse/v2"

	tt "tickertalk/app"
	"tickertalk/market"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8766", "loopback `host:port` to listen on")
	tick := flag.Duration("tick", time.Second, "interval between ticker updates")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ready := func(a net.Addr) { log.Printf("bare r3labs/sse on http://%s%s", a, tt.PathEventStream) }
	if err := run(ctx, *addr, *tick, ready); err != nil {
		fmt.Fprintln(os.Stderr, "baresse:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready gets the address listened on.
func run(ctx context.Context, addr string, tick time.Duration, ready func(net.Addr)) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: not a loopback IP address", addr)
	}
	if tick <= 0 {
		return errors.New("--tick must be positive")
	}

	s := sse.New()
	s.AutoReplay = false
	s.CreateStream("lobby")
	defer s.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	sendHandlers(mux, s)
	mux.HandleFunc(tt.PathEventStream, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(":ok\n\n"))
		w.(http.Flusher).Flush()
		r.URL.RawQuery = "stream=lobby"
		s.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)} // r3labs writes the header again after `:ok`
	go publish(ctx, s, tick)
	go func() {
		<-ctx.Done()
		s.Close() // ends the streams, so Shutdown does not wait for them
		if err := hs.Shutdown(context.Background()); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()
	ready(ln.Addr())
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// publish streams the simulated market's updates, the same ones Tickertalk
// sends, one per tick.
func publish(ctx context.Context, s *sse.Server, tick time.Duration) {
	m, err := market.New(market.Config{Seed: 1, Tick: tick})
	if err != nil {
		log.Printf("market: %v", err)
		return
	}
	m.Run(ctx, func(u tt.TickerUpdate) {
		data, err := json.Marshal(u)
		if err != nil {
			log.Printf("encode update: %v", err)
			return
		}
		s.Publish("lobby", &sse.Event{Event: []byte(tt.EventUpdate), Data: data})
	})
}
