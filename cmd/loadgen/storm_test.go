package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tickertalk/internal/testnode"
)

// serverBinary returns bin/tickertalk at the module root or
// $TICKERTALK_BIN; the test is skipped when neither exists (make build
// makes it, and make test sets $TICKERTALK_BIN).
func serverBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("TICKERTALK_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../../bin/tickertalk")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no server binary (%v): run make build", err)
	}
	return bin
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a
// moment ago: a restarted server must come back on the same one.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestStormAfterSIGKILL runs the storm mode against the real server
// binary with 1,000 subscribers: the server is killed with SIGKILL and
// started again on the same store, 100 messages are posted from the
// restart on, and every subscriber must come back, resume from its last
// id and get every message once and in order.
func TestStormAfterSIGKILL(t *testing.T) { testStorm(t, "kill") }

// TestStormAfterSIGTERM is TestStormAfterSIGKILL with a graceful stop: the
// old process closes its listener, then ends its 1,000 streams, whose
// clients reconnect while it exits and the new one starts.
func TestStormAfterSIGTERM(t *testing.T) { testStorm(t, "term") }

// testStorm runs a 1,000-subscriber storm of the given kind ("kill",
// "term") against the real server binary and checks its every figure.
func testStorm(t *testing.T, storm string) {
	t.Helper()
	bin := serverBinary(t)
	web := t.TempDir()
	if err := testnode.WriteFakeWasm(web); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	c := shortRun(t, "http://"+addr)
	c.Subscribers, c.Rooms, c.Ramp = 1000, 2, 2000
	c.Storm, c.StormMessages, c.StormSpread = storm, 100, time.Second
	c.ReconnectDelay, c.StormTimeout = 500*time.Millisecond, time.Minute
	c.ServerCmd = []string{bin, "--addr", addr, "--data-dir", t.TempDir(), "--web-dir", web,
		"--send-rate", "0", "--log-level", "warn"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := runStorm(ctx, c, nil)
	var report strings.Builder
	if r != nil {
		r.writeText(&report)
	}
	if err != nil {
		t.Fatalf("storm: %v\n%s", err, report.String())
	}
	if !r.ok() {
		t.Fatalf("storm not clean:\n%s", report.String())
	}
	if r.Back != 1000 || r.Complete != 1000 || r.Acked != preStormMessages+100 {
		t.Fatalf("back %d, complete %d, acknowledged %d; want 1000, 1000, %d:\n%s", r.Back, r.Complete, r.Acked, preStormMessages+100, report.String())
	}
	// The reconnection time is 500 ms: nobody is back sooner. The upper
	// bound is generous, for a loaded machine.
	if r.AllBackSeconds < 0.5 || r.CompleteSeconds > 45 {
		t.Errorf("all back after %vs, complete after %vs; want at least 0.5 s and at most 45 s:\n%s", r.AllBackSeconds, r.CompleteSeconds, report.String())
	}
	// A stopping server closes its listener before it ends its streams:
	// no attempt may be accepted by the exiting process and dropped
	// unanswered (an EOF or a reset before the response), the only
	// failure allowed is the port found closed while no process listens.
	// The old process exits before the new one starts, and a graceful
	// stop takes at most the node's 5 s shutdown grace and the store's
	// close: the rest of the time down is the new process starting.
	if r.ServerExitSeconds <= 0 || r.ServerExitSeconds > r.ServerDownSeconds || r.ServerExitSeconds > 15 {
		t.Errorf("old process exited %vs after the signal, new one answered %vs after it; want 0 < exit <= answer, exit <= 15 s:\n%s",
			r.ServerExitSeconds, r.ServerDownSeconds, report.String())
	}
	if storm == "term" {
		for _, kind := range []string{"other", "connection reset"} {
			if n := r.FailedAttempts[kind]; n > 0 {
				t.Errorf("%d attempts failed with %q (e.g. %s); want none:\n%s", n, kind, r.FailureExample[kind], report.String())
			}
		}
	}
	if r.Health.Count == 0 {
		t.Errorf("no /healthz answer during the storm:\n%s", report.String())
	}
	t.Logf("storm:\n%s", report.String())
}

// TestStormFlags: a storm that restarts needs a command, and the command
// is only for a storm.
func TestStormFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"--storm", "kill"}, false},
		{[]string{"--storm", "term"}, false},
		{[]string{"--storm", "restart", "--server-cmd", "x"}, false},
		{[]string{"--server-cmd", "bin/tickertalk"}, false},
		{[]string{"--storm", "wait", "--storm-messages", strconv.Itoa(maxStormMessages + 1)}, false},
		{[]string{"--storm", "wait", "--storm-timeout", "0s"}, false},
		{[]string{"--storm", "wait"}, true},
		{[]string{"--storm", "kill", "--server-cmd", "bin/tickertalk --addr 127.0.0.1:8765"}, true},
	}
	for _, tc := range tests {
		var errOut strings.Builder
		c, err := parseConfig(append([]string{"--subscribers", "10"}, tc.args...), &errOut)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.args, err, tc.ok)
		}
		if err == nil && tc.args[1] == "kill" && len(c.ServerCmd) != 3 {
			t.Errorf("%q: server command %q, want 3 words", tc.args, c.ServerCmd)
		}
	}
}
