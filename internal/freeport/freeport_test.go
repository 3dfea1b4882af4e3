package freeport

import (
	"net"
	"strconv"
	"testing"
)

// TestPortsAreFreeAndOutsideTheEphemeralRange: the ports are distinct,
// can be listened on, and lie below the range the kernel hands out by
// itself, so a listen on port 0 never returns one of them.
func TestPortsAreFreeAndOutsideTheEphemeralRange(t *testing.T) {
	ports := Ports(t, 6)
	start := ephemeralStart()
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Errorf("port %d returned twice", p)
		}
		seen[p] = true
		if p < floor || p >= start {
			t.Errorf("port %d outside [%d, %d)", p, floor, start)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("port %d: %v", p, err)
			continue
		}
		ln.Close()
	}
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if seen[p] {
			t.Errorf("a listen on port 0 got port %d, one of ours", p)
		}
	}
}
