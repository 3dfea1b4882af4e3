package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// builder builds the server binary and app.wasm from the module at root.
type builder struct {
	root, bin, wasm string
	// ldflags are the server's: "-w" by default, since leaving out the
	// DWARF debug information links it about a third faster (the wasm
	// linker writes none anyway).
	ldflags string
	log     io.Writer
}

// build builds both at once (the Go build cache makes the unchanged parts
// free) and reports whether both succeeded; it prints each one's time, or
// the compiler's errors. app.wasm is replaced only by a complete build.
func (b builder) build(ctx context.Context) bool {
	var wg sync.WaitGroup
	var srvErr, wasmErr error
	var srvTook, wasmTook time.Duration
	start := time.Now()
	wg.Go(func() {
		srvErr = b.goBuild(ctx, b.bin, nil, "-ldflags="+b.ldflags)
		srvTook = time.Since(start)
	})
	wg.Go(func() {
		tmp := b.wasm + ".dev-tmp"
		wasmErr = b.goBuild(ctx, tmp, []string{"GOOS=js", "GOARCH=wasm"})
		if wasmErr == nil {
			wasmErr = os.Rename(tmp, b.wasm)
		}
		wasmTook = time.Since(start)
	})
	wg.Wait()
	if srvErr != nil || wasmErr != nil {
		fmt.Fprintf(b.log, "dev: build failed (the running server is unchanged):\n")
		for _, err := range []error{srvErr, wasmErr} {
			if err != nil {
				fmt.Fprintln(b.log, err)
			}
		}
		return false
	}
	fmt.Fprintf(b.log, "dev: built server in %.1fs, app.wasm in %.1fs\n", srvTook.Seconds(), wasmTook.Seconds())
	return true
}

// goBuild runs go build -o out in the module root, with env added.
func (b builder) goBuild(ctx context.Context, out string, env []string, flags ...string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	args := append(append([]string{"build"}, flags...), "-o", out, ".")
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %v: %w\n%s", env, err, out)
	}
	return nil
}

// goTool is the go command: $GO (the Makefile's), or go on the PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
