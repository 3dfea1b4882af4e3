//go:build !wasm

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"tickertalk/config"
	"tickertalk/memlimit"
	"tickertalk/node"
)

// serve runs the server: flags and environment, then one node until
// SIGINT or SIGTERM.
func serve() {
	cfg, err := config.Parse(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tickertalk:", err)
		os.Exit(2)
	}
	log := cfg.Logger(os.Stderr)
	limit, err := memlimit.Choose(int64(cfg.MemoryLimit), os.Getenv, os.DirFS("/"))
	if err != nil {
		log.Warn("memory limit", "err", err)
	}
	memlimit.Apply(limit)
	log.Info("memory limit", "bytes", limit.Bytes, "from", limit.Source)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := node.Run(ctx, cfg, log, appOptions()...); err != nil {
		log.Error("tickertalk stopped", "err", err)
		stop()
		os.Exit(1)
	}
}

// yieldToBrowser is for the browser's start; the server has no browser.
func yieldToBrowser() {}
