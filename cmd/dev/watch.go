package main

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// stamp is what a poll compares of a file: a save changes at least one.
type stamp struct {
	size    int64
	modTime time.Time
}

// tree is the watched files of a module: every Go source that can end up
// in the server or app.wasm (tests and the test-only e2e/ and internal/
// left out, as the Makefile's GO_SOURCES), the module files, the service
// worker source and the static assets of web/ (app.wasm itself, which the
// builds write, left out).
type tree struct {
	root string
	// skip lists absolute folders never walked: the data directory, the
	// binary's folder.
	skip []string
}

// scan returns the stamp of every watched file, by path relative to the
// root. A file that vanishes while it is walked is left out.
func (t tree) scan() (map[string]stamp, error) {
	files := make(map[string]stamp)
	err := filepath.WalkDir(t.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == t.root {
				return err
			}
			return nil // gone between listing and reading
		}
		rel, _ := filepath.Rel(t.root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != t.root && t.skipDir(path, rel, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !watched(rel) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		files[rel] = stamp{size: info.Size(), modTime: info.ModTime()}
		return nil
	})
	return files, err
}

func (t tree) skipDir(abs, rel, name string) bool {
	if strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" {
		return true
	}
	switch rel {
	case "bin", "data", "tmp", "e2e", "internal":
		return true
	}
	for _, s := range t.skip {
		if abs == s {
			return true
		}
	}
	return false
}

// watched reports whether a change to the file at rel (slash-separated,
// relative to the module root) needs a rebuild or a restart.
func watched(rel string) bool {
	base := filepath.Base(rel)
	switch {
	case rel == "go.mod" || rel == "go.sum":
		return true
	case strings.HasPrefix(rel, "web/"):
		return !strings.HasPrefix(base, "app.wasm") && !strings.HasPrefix(base, ".")
	case strings.HasSuffix(base, "_test.go"):
		return false
	case strings.HasSuffix(base, ".go"):
		return true
	case strings.HasPrefix(rel, "pwa/") && strings.HasSuffix(base, ".js"):
		return true // embedded in the server
	}
	return false
}

// changed lists the paths whose stamps differ between a and b, added and
// removed ones included, sorted.
func changed(a, b map[string]stamp) []string {
	var diff []string
	for p, s := range b {
		if old, ok := a[p]; !ok || old.size != s.size || !old.modTime.Equal(s.modTime) {
			diff = append(diff, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			diff = append(diff, p)
		}
	}
	slices.Sort(diff)
	return slices.Compact(diff)
}

// needsBuild reports whether any of the changed paths is compiled into a
// binary; a change to web/ assets only needs a restart (the server reads
// them, and derives the page's version from them, when it starts).
func needsBuild(paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return !strings.HasPrefix(p, "web/") })
}
