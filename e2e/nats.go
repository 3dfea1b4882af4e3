package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// StartNATS runs a NATS server with JetStream in the test process, on a
// random 127.0.0.1 port with its store in a temporary directory, and
// returns its client URL. Nodes started with --nats-url share it as their
// bus and store: a node's process can then be stopped, frozen or killed
// while the bus stays up. The server stops at cleanup.
func StartNATS(tb testing.TB) string {
	tb.Helper()
	s, err := server.NewServer(&server.Options{
		ServerName: "e2e",
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   tb.TempDir(),
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		tb.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		tb.Fatal("nats server not ready within 10 s")
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return fmt.Sprintf("nats://%s", s.Addr())
}
