package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWatched(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"main.go", true},
		{"app/components/composer.go", true},
		{"app/components/composer_test.go", false},
		{"go.mod", true},
		{"go.sum", true},
		{"pwa/app-worker.js", true},
		{"web/app.css", true},
		{"web/icons/icon.svg", true},
		{"web/app.wasm", false},
		{"web/app.wasm.br", false},
		{"web/app.wasm.dev-tmp", false},
		{"web/.app.css.swp", false},
		{"README.md", false},
		{"docs/protocol.md", false},
		{"Makefile", false},
	}
	for _, tc := range tests {
		if got := watched(tc.path); got != tc.want {
			t.Errorf("watched(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestScanSeesSavesOnly writes a small module and checks that a save of a
// watched file is seen, and one of a test, of e2e/ or of the data
// directory is not.
func TestScanSeesSavesOnly(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "devdata")
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		// A later mtime than any earlier write, whatever the clock's grain.
		later := time.Now().Add(time.Duration(len(text)) * time.Second)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.mod", "main.go", "app/a.go", "app/a_test.go", "e2e/e.go", "devdata/x.go", "web/app.css", "web/app.wasm"} {
		write(f, "v1")
	}
	tr := tree{root: root, skip: []string{data}}
	before, err := tr.scan()
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(before))
	for k := range before {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"app/a.go", "go.mod", "main.go", "web/app.css"}; !slices.Equal(keys, want) {
		t.Fatalf("scan found %v, want %v", keys, want)
	}

	tests := []struct {
		name, path, text string
		want             []string
		build            bool
	}{
		{"a source", "app/a.go", "v2 longer", []string{"app/a.go"}, true},
		{"a new source", "app/b.go", "new", []string{"app/b.go"}, true},
		{"a test", "app/a_test.go", "v2 longer", nil, false},
		{"e2e", "e2e/e.go", "v2 longer", nil, false},
		{"the data directory", "devdata/x.go", "v2 longer", nil, false},
		{"the built wasm", "web/app.wasm", "v2 longer", nil, false},
		{"an asset", "web/app.css", "v2 longer", []string{"web/app.css"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			write(tc.path, tc.text)
			after, err := tr.scan()
			if err != nil {
				t.Fatal(err)
			}
			diff := changed(before, after)
			if !slices.Equal(diff, tc.want) {
				t.Errorf("changed = %v, want %v", diff, tc.want)
			}
			if len(diff) > 0 && needsBuild(diff) != tc.build {
				t.Errorf("needsBuild(%v) = %v, want %v", diff, !tc.build, tc.build)
			}
			before = after
		})
	}
	if err := os.Remove(filepath.Join(root, "app", "b.go")); err != nil {
		t.Fatal(err)
	}
	after, err := tr.scan()
	if err != nil {
		t.Fatal(err)
	}
	if diff := changed(before, after); !slices.Equal(diff, []string{"app/b.go"}) {
		t.Errorf("a removed source: changed = %v, want [app/b.go]", diff)
	}
}
