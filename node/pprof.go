//go:build !wasm

package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// ErrPprofNotLoopback reports a --pprof-addr that does not listen on a
// loopback address only: profiles expose the process's internals (command
// line, memory, goroutine stacks) and cost CPU to take.
var ErrPprofNotLoopback = errors.New("--pprof-addr must be a loopback address")

// pprofMux serves net/http/pprof's handlers under /debug/pprof/, on a mux
// of its own: importing net/http/pprof registers them on
// http.DefaultServeMux too, which the public server never uses.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// listenPprof listens on addr and checks that every address it listens on
// is a loopback one (a name such as localhost is resolved by the
// listen): it returns [ErrPprofNotLoopback] otherwise, listening on
// nothing.
func listenPprof(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%w: %q (use 127.0.0.1:6060 and an SSH tunnel to reach it)", ErrPprofNotLoopback, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-addr: listen on %s: %w", addr, err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%w: %q listens on %v", ErrPprofNotLoopback, addr, ln.Addr())
	}
	return ln, nil
}

// servePprof serves the profiles on ln until the returned function is
// called, which closes the listener and the open requests.
func servePprof(ln net.Listener, log *slog.Logger) (stop func()) {
	hs := &http.Server{
		Handler:           pprofMux(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof listener", "err", err)
		}
	}()
	log.Info("serving profiles", "url", "http://"+displayAddr(ln.Addr())+"/debug/pprof/")
	return func() {
		hs.Close()
		<-done
	}
}
