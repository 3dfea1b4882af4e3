// Package docs holds the documents of the repository (the protocol, the
// AsyncAPI document, the performance notes) and tests that they, and every
// other file, point only to files inside the repository.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the module root, relative to this package.
const root = ".."

// mdLink matches the target of a Markdown link or image: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// outside matches a reference to a document that users of the repository
// do not have: the design contract and the folder it lived in.
var outside = regexp.MustCompile(`DESIGN\.md|\.\./shared/|/work/shared`)

// textFiles lists the repository's files a person or a tool reads: sources,
// documents, the Makefile, scripts and styles.
func textFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "bin" || name == "data" || name == "tmp" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".md", ".js", ".css", ".html", ".json", ".yaml", ".yml", ".mod", ".svg":
			files = append(files, path)
		default:
			if name == "Makefile" {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNothingPointsOutside fails on a file that refers to the design
// contract or another file outside the repository.
func TestNothingPointsOutside(t *testing.T) {
	for _, f := range textFiles(t) {
		if strings.HasSuffix(f, "docs_test.go") {
			continue // the patterns themselves
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d refers to %q, which is not in the repository", f, i+1, m)
			}
		}
	}
}

// TestMarkdownLinksResolve fails on a relative link of a Markdown file that
// names no file or folder of the repository.
func TestMarkdownLinksResolve(t *testing.T) {
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range textFiles(t) {
		if filepath.Ext(f) != ".md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path, err := filepath.Abs(filepath.Join(filepath.Dir(f), filepath.FromSlash(target)))
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if rel, err := filepath.Rel(abs, path); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links to %s, outside the repository", f, m[1])
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, m[1])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative Markdown link checked: the link pattern is broken")
	}
}
