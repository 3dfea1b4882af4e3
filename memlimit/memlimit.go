// Package memlimit chooses the Go runtime's soft memory limit
// (debug.SetMemoryLimit) from configuration, GOMEMLIMIT or the cgroup.
package memlimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// cgroupShare is the part of the cgroup's memory limit given to the Go
// heap and runtime: the rest is left to what the runtime does not count
// (thread stacks outside Go, the embedded NATS server's mmaps, page tables).
const cgroupShare = 0.9

// v1Unlimited: cgroup v1 writes "no limit" as the largest page multiple
// below 2^63; anything this large is no limit.
const v1Unlimited = 1 << 62

// Choice is the chosen limit and where it came from.
type Choice struct {
	Bytes  int64  // the limit; math.MaxInt64 means none
	Source string // "flag", "GOMEMLIMIT", "cgroup" or "none"
}

// Choose picks the limit: flag when above 0; else none set here when
// GOMEMLIMIT is set (the runtime has read it at start); else 90% of the
// memory limit of the process's cgroup, when there is one; else none.
// getenv reads the environment; root is the file system root (os.DirFS("/")),
// where Choose reads proc/self/cgroup and, under sys/fs/cgroup, the limit
// of the process's cgroup and of each of its ancestors (every one applies):
// memory.max (cgroup v2) or memory/…/memory.limit_in_bytes (v1). An error
// says what could not be read; the choice is then made without it.
func Choose(flag int64, getenv func(string) string, root fs.FS) (Choice, error) {
	switch {
	case flag > 0:
		return Choice{flag, "flag"}, nil
	case getenv("GOMEMLIMIT") != "":
		return Choice{debug.SetMemoryLimit(-1), "GOMEMLIMIT"}, nil
	}
	limit, err := cgroupLimit(root)
	if limit <= 0 {
		return Choice{math.MaxInt64, "none"}, err
	}
	return Choice{int64(float64(limit) * cgroupShare), "cgroup"}, err
}

// cgroupLimit is the smallest memory limit of the process's cgroups and
// their ancestors, 0 when none has one.
func cgroupLimit(root fs.FS) (int64, error) {
	// The root's limit is read even when /proc/self/cgroup names no
	// cgroup: inside a container the root of the mount is its own group.
	files := []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"}
	raw, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("memlimit: %w", err)
	}
	// Lines are id:controllers:path; cgroup v2's is 0::path, v1's memory
	// controller's lists "memory".
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !path.IsAbs(parts[2]) {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = append(files, ancestors("sys/fs/cgroup", parts[2], "memory.max")...)
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			files = append(files, ancestors("sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")...)
		}
	}
	var limit int64
	var errs []error
	for _, f := range files {
		n, err := readLimit(root, f)
		if err != nil {
			errs = append(errs, err)
		}
		if n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	return limit, errors.Join(errs...)
}

// ancestors lists the file name in the cgroup dir/group and in each of
// its ancestors up to dir.
func ancestors(dir, group, name string) []string {
	var out []string
	for g := path.Clean(group); g != "/"; g = path.Dir(g) {
		out = append(out, path.Join(dir, g, name))
	}
	return out
}

// readLimit reads a limit file: 0 when it is missing or says there is no
// limit ("max", or v1's huge number).
func readLimit(root fs.FS, name string) (int64, error) {
	raw, err := fs.ReadFile(root, name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("memlimit: %w", err)
	}
	v := strings.TrimSpace(string(raw))
	if v == "max" || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("memlimit: /%s holds %q, not a byte count", name, v)
	}
	if n >= v1Unlimited {
		return 0, nil
	}
	return n, nil
}

// Apply sets c as the runtime's soft memory limit (a limit from GOMEMLIMIT
// is already in force and is left alone).
func Apply(c Choice) {
	if c.Source == "flag" || c.Source == "cgroup" {
		debug.SetMemoryLimit(c.Bytes)
	}
}
