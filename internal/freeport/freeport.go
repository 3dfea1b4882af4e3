// Package freeport finds TCP ports on 127.0.0.1 for a test to give to
// servers it starts later, such as the cluster ports that every server of
// a NATS cluster must know in advance.
//
// The ports are taken below the kernel's ephemeral range: a port there is
// never handed out by a listen on port 0 nor taken as the local end of an
// outgoing connection. A port found by listening on port 0 and closing
// the listener is not so: Linux hands a port just freed out again to one
// of the next listens on port 0 (about one time in twenty, measured), so
// a server started a moment later found its cluster port taken by another
// server's HTTP or client port, or a route dialled a port that speaks
// another protocol ("Unknown Protocol Operation").
//
// Only tests import it (internal/testclient's TestOnlyTestsImportInternal
// checks that).
package freeport

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Below the ephemeral range: the ports are drawn from [floor, its start),
// which is 32768 on Linux by default; [floor, fallbackStart) where the
// range cannot be read.
const (
	floor         = 20000
	fallbackStart = 32768
	attempts      = 200
)

// Ports returns n distinct ports on 127.0.0.1 that were free a moment ago
// (each listened on, then closed) and that the kernel does not hand out
// by itself. Two processes may still draw the same port: a server that
// cannot bind its port fails, it does not pass. It fails tb when n free
// ports are not found in a few hundred draws.
func Ports(tb testing.TB, n int) []int {
	tb.Helper()
	start := ephemeralStart()
	ports := make([]int, 0, n)
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for i := 0; len(ports) < n && i < attempts; i++ {
		p := floor + rand.IntN(start-floor)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // taken, or ours already (held open until the end)
		}
		lns = append(lns, ln)
		ports = append(ports, p)
	}
	if len(ports) < n {
		tb.Fatalf("freeport: %d free ports below %d in %d draws, want %d", len(ports), start, attempts, n)
	}
	return ports
}

// ephemeralStart is the first port of the kernel's ephemeral range, or
// fallbackStart when it cannot be read or leaves no room below it.
func ephemeralStart() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallbackStart
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return fallbackStart
	}
	lo, err := strconv.Atoi(fields[0])
	if err != nil || lo < floor+1000 {
		return fallbackStart
	}
	return lo
}
