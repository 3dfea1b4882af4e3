// Command dev is the development loop behind `make dev`: it builds the
// server and app.wasm, runs the server with --dev, and watches the Go
// sources, the service worker and web/. On a save it rebuilds what the
// change needs, restarts the server on the same data directory, and the
// open pages reload themselves once the new build is served (see
// pwa.DevReloadPath). The chat history is in the data directory, so it
// survives every restart.
//
//	go run ./cmd/dev [--addr :8000] [--data-dir ./data] [-- server flags]
//
// It runs from the module root. A build that fails leaves the running
// server as it is and prints the compiler's errors; the next save tries
// again. SIGINT or SIGTERM stops the server and the watcher.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

// config is the watcher's command line.
type config struct {
	addr, dataDir, webDir, bin string
	ldflags                    string
	interval, settle           time.Duration
	serverArgs                 []string
}

func parse(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.addr, "addr", ":8000", "the server's listen address")
	fs.StringVar(&c.dataDir, "data-dir", "./data", "the server's data directory, kept across restarts")
	fs.StringVar(&c.webDir, "web-dir", "./web", "the web folder app.wasm is built into")
	fs.StringVar(&c.bin, "bin", "bin/tickertalk-dev", "where the server binary is built")
	fs.StringVar(&c.ldflags, "ldflags", "-w", "the server's -ldflags (-w: no DWARF, a faster link; empty to keep it for a debugger)")
	fs.DurationVar(&c.interval, "interval", 250*time.Millisecond, "how often the files are polled")
	fs.DurationVar(&c.settle, "settle", 150*time.Millisecond, "how long the files must stay unchanged before a build (an editor's save may write several)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.interval <= 0 || c.settle < 0 {
		return c, errors.New("--interval must be positive and --settle not negative")
	}
	c.serverArgs = fs.Args()
	return c, nil
}

func run(ctx context.Context, args []string, log io.Writer) error {
	cfg, err := parse(args, log)
	if err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("run from the module root: %w", err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(root, p)
	}
	b := builder{root: root, bin: abs(cfg.bin), wasm: filepath.Join(abs(cfg.webDir), "app.wasm"),
		ldflags: cfg.ldflags, log: log}
	srv := &server{bin: b.bin, log: log, args: append([]string{"--dev",
		"--addr", cfg.addr, "--data-dir", cfg.dataDir, "--web-dir", abs(cfg.webDir)}, cfg.serverArgs...)}
	defer srv.stop()
	t := tree{root: root, skip: []string{abs(cfg.dataDir), filepath.Dir(b.bin)}}

	files, err := t.scan()
	if err != nil {
		return err
	}
	if b.build(ctx) {
		if err := srv.start(); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "dev: watching %d files under %s\n", len(files), root)
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(log, "dev: stopping")
			return nil
		case <-tick.C:
		}
		now, err := t.scan()
		if err != nil {
			return err
		}
		diff := changed(files, now)
		if len(diff) == 0 {
			continue
		}
		// Wait for the save to end: the files must stay as they are for
		// the settle time.
		for {
			if !sleep(ctx, cfg.settle) {
				return nil
			}
			again, err := t.scan()
			if err != nil {
				return err
			}
			if len(changed(now, again)) == 0 {
				break
			}
			now = again
		}
		diff = changed(files, now)
		files = now
		fmt.Fprintf(log, "dev: changed: %v\n", diff)
		if needsBuild(diff) && !b.build(ctx) {
			continue // the old server keeps running; the next save retries
		}
		srv.stop()
		if err := srv.start(); err != nil {
			return err
		}
	}
}

// sleep waits for d, and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
