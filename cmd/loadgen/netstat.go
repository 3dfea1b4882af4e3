package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// listenDrops reads the kernel's count of connections dropped because a
// listener's accept queue was full (TcpExt ListenOverflows) and of every
// SYN dropped at a listener (ListenDrops), from /proc/net/netstat. They
// count the whole network namespace, every listener: the storm report
// gives their difference over the storm. ok is false where they are not
// available.
func listenDrops() (overflows, drops int64, ok bool) {
	f, err := os.Open("/proc/net/netstat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		names := strings.Fields(sc.Text())
		if !sc.Scan() {
			break
		}
		values := strings.Fields(sc.Text())
		if len(names) == 0 || names[0] != "TcpExt:" || len(values) != len(names) {
			continue
		}
		n := 0
		for i, name := range names {
			switch name {
			case "ListenOverflows":
				overflows, _ = strconv.ParseInt(values[i], 10, 64)
				n++
			case "ListenDrops":
				drops, _ = strconv.ParseInt(values[i], 10, 64)
				n++
			}
		}
		return overflows, drops, n == 2
	}
	return 0, 0, false
}

// describeDrops formats a before/after pair for the report.
func describeDrops(o, d int64) string {
	return fmt.Sprintf("%d accept-queue overflows, %d SYNs dropped at listeners", o, d)
}
