package memlimit

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
	"testing/fstest"
)

func TestChoose(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	// A container with its own cgroup namespace: its group is the root.
	v2Root := fstest.MapFS{"proc/self/cgroup": file("0::/\n"), "sys/fs/cgroup/memory.max": file("1073741824\n")}
	noEnv := func(string) string { return "" }
	withEnv := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "300MiB"
		}
		return ""
	}
	tests := []struct {
		name    string
		flag    int64
		getenv  func(string) string
		root    fstest.MapFS
		want    Choice
		wantErr bool
	}{
		{"flag wins", 256 << 20, withEnv, v2Root, Choice{256 << 20, "flag"}, false},
		{"cgroup v2 at the root", 0, noEnv, v2Root, Choice{966367641, "cgroup"}, false},
		{"cgroup v2, a service's group, the tightest of its ancestors", 0, noEnv, fstest.MapFS{
			"proc/self/cgroup":                                         file("0::/system.slice/tickertalk.service\n"),
			"sys/fs/cgroup/memory.max":                                 file("max\n"),
			"sys/fs/cgroup/system.slice/memory.max":                    file("2147483648\n"),
			"sys/fs/cgroup/system.slice/tickertalk.service/memory.max": file("max\n"),
		}, Choice{1932735283, "cgroup"}, false},
		{"cgroup v1", 0, noEnv, fstest.MapFS{
			"proc/self/cgroup":                                      file("12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":            file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("1073741824\n"),
		}, Choice{966367641, "cgroup"}, false},
		{"cgroup v1 inside the container: its group is the mount's root", 0, noEnv, fstest.MapFS{
			"proc/self/cgroup":                           file("4:memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("1073741824\n"),
		}, Choice{966367641, "cgroup"}, false},
		{"cgroup v1 without a limit", 0, noEnv, fstest.MapFS{
			"proc/self/cgroup":                                         file("4:memory:/process_api/x\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":               file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/process_api/memory.limit_in_bytes":   file("9223372036854771712\n"),
		}, Choice{math.MaxInt64, "none"}, false},
		{"cgroup without a limit", 0, noEnv, fstest.MapFS{"proc/self/cgroup": file("0::/\n"), "sys/fs/cgroup/memory.max": file("max\n")}, Choice{math.MaxInt64, "none"}, false},
		{"no cgroup files", 0, noEnv, fstest.MapFS{}, Choice{math.MaxInt64, "none"}, false},
		{"unreadable value", 0, noEnv, fstest.MapFS{"proc/self/cgroup": file("0::/\n"), "sys/fs/cgroup/memory.max": file("lots\n")}, Choice{math.MaxInt64, "none"}, true},
		{"an unreadable value beside a limit", 0, noEnv, fstest.MapFS{
			"proc/self/cgroup":           file("0::/a\n"),
			"sys/fs/cgroup/memory.max":   file("lots\n"),
			"sys/fs/cgroup/a/memory.max": file("1073741824\n"),
		}, Choice{966367641, "cgroup"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.flag, tc.getenv, tc.root)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("Choose = %+v, %v; want %+v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if got, _ := Choose(0, withEnv, v2Root); got.Source != "GOMEMLIMIT" || got.Bytes != debug.SetMemoryLimit(-1) {
		t.Fatalf("with GOMEMLIMIT: %+v, want the runtime's own limit", got)
	}
}

// TestChooseOnThisMachine reads the real files: whatever they say, the
// choice is a limit or none, never an error on a Linux host.
func TestChooseOnThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/self/cgroup"); err != nil {
		t.Skip("no /proc/self/cgroup: not Linux")
	}
	got, err := Choose(0, func(string) string { return "" }, os.DirFS("/"))
	if err != nil || got.Bytes <= 0 || (got.Source != "cgroup" && got.Source != "none") {
		t.Fatalf("Choose = %+v, %v", got, err)
	}
	t.Logf("this machine: %+v", got)
}

func TestApplySetsTheRuntimeLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	Apply(Choice{123 << 20, "flag"})
	if got := debug.SetMemoryLimit(-1); got != 123<<20 {
		t.Fatalf("limit = %d, want %d", got, 123<<20)
	}
}
