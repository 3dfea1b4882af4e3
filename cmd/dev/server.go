package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopGrace is how long the server gets to shut down (it closes its
// streams and the store) before it is killed.
const stopGrace = 15 * time.Second

// server is the tickertalk process the watcher runs; one at a time, used
// by the watcher's goroutine only.
type server struct {
	bin  string
	args []string
	log  io.Writer

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// start runs the server; its output goes to the watcher's.
func (s *server) start() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	done := s.done
	go func() {
		err := cmd.Wait()
		if err != nil {
			fmt.Fprintf(s.log, "dev: server pid=%d exited: %v\n", cmd.Process.Pid, err)
		}
		close(done)
	}()
	fmt.Fprintf(s.log, "dev: server started pid=%d\n", cmd.Process.Pid)
	return nil
}

// stop ends the running server, if any, with SIGTERM, then SIGKILL after
// [stopGrace], and waits for it: the next one opens the same data
// directory.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		fmt.Fprintf(s.log, "dev: server pid=%d did not stop in %v: killed\n", s.cmd.Process.Pid, stopGrace)
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}
