package e2e

import (
	"testing"

	"tickertalk/internal/syncbuf"
)

func TestLineFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"whole lines", []string{"keep 1\nnoise dbus/x\nkeep 2\n"}, "keep 1\nkeep 2\n"},
		{"lines split across writes", []string{"ke", "ep\nno", "ise dbus/", "y\nlast"}, "keep\n"},
		{"nothing dropped", []string{"a\n", "b\n"}, "a\nb\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out syncbuf.Buffer
			f := &lineFilter{w: &out, drop: []string{"dbus/"}}
			for _, c := range tc.chunks {
				if n, err := f.Write([]byte(c)); n != len(c) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", c, n, err)
				}
			}
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
