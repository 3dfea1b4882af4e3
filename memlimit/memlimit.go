// Package memlimit chooses the Go runtime's soft memory limit
// (debug.SetMemoryLimit) from configuration, GOMEMLIMIT or the cgroup.
package memlimit

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// CgroupMemoryMax is where cgroup v2 says how much memory the process's
// group may use.
const CgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// cgroupShare is the part of the cgroup's memory.max given to the Go heap
// and runtime: the rest is left to what the runtime does not count
// (thread stacks outside Go, the embedded NATS server's mmaps, page tables).
const cgroupShare = 0.9

// Choice is the chosen limit and where it came from.
type Choice struct {
	Bytes  int64  // the limit; math.MaxInt64 means none
	Source string // "flag", "GOMEMLIMIT", "cgroup" or "none"
}

// Choose picks the limit: flag when above 0; else none set here when
// GOMEMLIMIT is set (the runtime has read it at start); else 90% of the
// cgroup v2 memory.max read at cgroupPath, when it holds a number; else
// none. getenv reads the environment.
func Choose(flag int64, getenv func(string) string, cgroupPath string) (Choice, error) {
	switch {
	case flag > 0:
		return Choice{flag, "flag"}, nil
	case getenv("GOMEMLIMIT") != "":
		return Choice{debug.SetMemoryLimit(-1), "GOMEMLIMIT"}, nil
	}
	raw, err := os.ReadFile(cgroupPath)
	if errors.Is(err, os.ErrNotExist) {
		return Choice{math.MaxInt64, "none"}, nil
	}
	if err != nil {
		return Choice{math.MaxInt64, "none"}, fmt.Errorf("memlimit: %w", err)
	}
	v := strings.TrimSpace(string(raw))
	if v == "max" || v == "" {
		return Choice{math.MaxInt64, "none"}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return Choice{math.MaxInt64, "none"}, fmt.Errorf("memlimit: %s holds %q, not a byte count", cgroupPath, v)
	}
	return Choice{int64(float64(n) * cgroupShare), "cgroup"}, nil
}

// Apply sets c as the runtime's soft memory limit (a limit from GOMEMLIMIT
// is already in force and is left alone).
func Apply(c Choice) {
	if c.Source == "flag" || c.Source == "cgroup" {
		debug.SetMemoryLimit(c.Bytes)
	}
}
