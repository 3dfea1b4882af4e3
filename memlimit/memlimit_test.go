package memlimit

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestChoose(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	limited := write("limited", "1073741824\n")
	unlimited := write("unlimited", "max\n")
	garbage := write("garbage", "lots\n")
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
		path    string
		want    Choice
		wantErr bool
	}{
		{"flag wins", 256 << 20, withEnv, limited, Choice{256 << 20, "flag"}, false},
		{"cgroup", 0, noEnv, limited, Choice{966367641, "cgroup"}, false},
		{"cgroup without a limit", 0, noEnv, unlimited, Choice{math.MaxInt64, "none"}, false},
		{"no cgroup file", 0, noEnv, filepath.Join(dir, "absent"), Choice{math.MaxInt64, "none"}, false},
		{"unreadable value", 0, noEnv, garbage, Choice{math.MaxInt64, "none"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.flag, tc.getenv, tc.path)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("Choose = %+v, %v; want %+v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if got, _ := Choose(0, withEnv, limited); got.Source != "GOMEMLIMIT" || got.Bytes != debug.SetMemoryLimit(-1) {
		t.Fatalf("with GOMEMLIMIT: %+v, want the runtime's own limit", got)
	}
}

func TestApplySetsTheRuntimeLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	Apply(Choice{123 << 20, "flag"})
	if got := debug.SetMemoryLimit(-1); got != 123<<20 {
		t.Fatalf("limit = %d, want %d", got, 123<<20)
	}
}
