package client_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/e2e"
	"tickertalk/internal/wait"
)

// TestStreamAcrossSIGKILL: the tickertalk binary is killed (SIGKILL) and
// started again on the same address and store while a client streams.
// The client reconnects by itself and resumes after its last id: every
// acknowledged message arrives once, in order, those posted before it was
// back included.
func TestStreamAcrossSIGKILL(t *testing.T) {
	srv := e2e.StartServer(t, e2e.WithFlags("--send-rate", "0", "--heartbeat", "500ms"))
	c := newClient(t, srv.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	col, _ := collect(t, c, []string{"lobby"}, client.WithHeartbeatTimeout(5*time.Second))
	want := send(t, c, "lobby", numbered("before", 1, 10)...)
	waitMessages(t, col, 15*time.Second, want)

	srv.Kill()
	srv.StartAgain()
	want = append(want, send(t, c, "lobby", numbered("after", 1, 10)...)...)
	waitMessages(t, col, 30*time.Second, want)
	if len(col.disconnected()) == 0 {
		t.Fatal("no disconnection seen across a SIGKILL")
	}
}

// TestStreamHeartbeatTimeout: a node frozen by SIGSTOP keeps its
// connections open and sends nothing; the client notices within its
// heartbeat timeout, keeps trying, and once the node is thawed (SIGCONT)
// streams again without losing or repeating a message.
func TestStreamHeartbeatTimeout(t *testing.T) {
	srv := e2e.StartServer(t, e2e.WithFlags("--send-rate", "0", "--heartbeat", "200ms"))
	c := newClient(t, srv.URL)
	if _, err := c.SetNick(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	col, _ := collect(t, c, []string{"lobby"}, client.WithHeartbeatTimeout(1500*time.Millisecond))
	want := send(t, c, "lobby", "before the freeze")
	waitMessages(t, col, 15*time.Second, want)

	srv.Signal(syscall.SIGSTOP)
	thawed := false
	t.Cleanup(func() {
		if !thawed {
			srv.Signal(syscall.SIGCONT)
		}
	})
	wait.For(t, 20*time.Second, "a heartbeat timeout", func() bool {
		for _, err := range col.disconnected() {
			if errors.Is(err, client.ErrHeartbeatTimeout) {
				return true
			}
		}
		return false
	})
	srv.Signal(syscall.SIGCONT)
	thawed = true
	want = append(want, send(t, c, "lobby", "after the thaw")...)
	waitMessages(t, col, 30*time.Second, want)
	// The stream is live again: a new presence or ticker event after the
	// message proves the client reads, not only that the message came.
	n := col.count(func(ev client.Event) bool { return ev.Kind == tt.EventUpdate })
	wait.For(t, 15*time.Second, "ticker updates after the thaw", func() bool {
		return col.count(func(ev client.Event) bool { return ev.Kind == tt.EventUpdate }) > n
	})
}
