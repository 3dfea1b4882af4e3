package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// ErrServerExited reports a server process that ended before it answered.
var ErrServerExited = errors.New("server process exited")

// stopTimeout bounds how long a server gets to exit after a signal before
// it is killed.
const stopTimeout = 30 * time.Second

// serverProc is the server process a storm restarts: argv run without a
// shell, its output kept in a short tail for the report of a failure. Its
// methods are for one goroutine.
type serverProc struct {
	argv []string
	out  *tailBuffer
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has been waited for
}

func newServerProc(argv []string) *serverProc {
	return &serverProc{argv: argv, out: &tailBuffer{max: 16 << 10}}
}

// start runs the command; it does not wait for the server to answer.
func (p *serverProc) start() error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	// Its own process group: a Ctrl-C meant for loadgen does not restart
	// the storm under it, loadgen stops it itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.argv[0], err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	return nil
}

// stop sends sig and waits for the process to exit, killing it after
// stopTimeout. It is a no-op when no process runs.
func (p *serverProc) stop(sig syscall.Signal) error {
	if p.cmd == nil {
		return nil
	}
	defer func() { p.cmd = nil }()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %v: %w", sig, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("server did not exit within %v of %v: killed", stopTimeout, sig)
	}
}

// exited reports whether the process has ended.
func (p *serverProc) exited() bool {
	if p.cmd == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHealthy polls url until it answers 200, the process exits or ctx
// ends.
func waitHealthy(ctx context.Context, p *serverProc, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%w; its last output:\n%s", ErrServerExited, p.out.String())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tailBuffer keeps the last max bytes written to it. Safe for concurrent
// use.
type tailBuffer struct {
	max int
	mu  sync.Mutex
	b   []byte
}

// Write keeps the tail of p; it never fails.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
