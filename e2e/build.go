package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables that point the harness at prebuilt artifacts.
const (
	// EnvBin is the absolute path of a built tickertalk binary.
	EnvBin = "TICKERTALK_BIN"
	// EnvWebDir is the absolute path of a web directory holding app.wasm
	// (and app.wasm.br / app.wasm.gz when precompressed).
	EnvWebDir = "TICKERTALK_WEB_DIR"
)

// artifacts builds the binary and the web directory at most once per test
// process, into one temporary directory that [Main] removes. It is the one
// piece of package-level state of the harness: a memo of build results that
// never changes once computed, safe for concurrent use.
var artifacts = struct {
	dir    func() (string, error)
	bin    func() (string, error)
	webDir func() (string, error)
	// tagged is the binary and web directory built with -tags e2e.
	tagged func() (taggedBuild, error)
}{}

func init() {
	artifacts.dir = sync.OnceValues(func() (string, error) {
		return os.MkdirTemp("", "tickertalk-e2e-build-")
	})
	artifacts.bin = sync.OnceValues(func() (string, error) { return buildBinary("") })
	artifacts.webDir = sync.OnceValues(func() (string, error) { return buildWebDir("") })
	artifacts.tagged = sync.OnceValues(func() (taggedBuild, error) {
		bin, err := buildBinary(TestKindsTag)
		if err != nil {
			return taggedBuild{}, err
		}
		web, err := buildWebDir(TestKindsTag)
		return taggedBuild{bin: bin, webDir: web}, err
	})
}

// TestKindsTag is the build tag that declares the test-only event kinds
// (app/probe_e2e.go) in the server and in app.wasm.
const TestKindsTag = "e2e"

// taggedBuild is a binary and a web directory built with build tags.
type taggedBuild struct{ bin, webDir string }

// TestKindsBuild returns a binary and a web directory built with
// -tags [TestKindsTag], built the first time a test asks (never taken
// from $TICKERTALK_BIN or $TICKERTALK_WEB_DIR, which lack the test kinds).
// A failed build fails tb.
func TestKindsBuild(tb testing.TB) (bin, webDir string) {
	tb.Helper()
	b, err := artifacts.tagged()
	if err != nil {
		tb.Fatalf("build with -tags %s: %v", TestKindsTag, err)
	}
	return b.bin, b.webDir
}

// Main runs the tests of m and then removes whatever the harness built into
// temporary directories. Call it from TestMain: os.Exit(e2e.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if dir, err := artifacts.dir(); err == nil {
		_ = os.RemoveAll(dir)
	}
	return code
}

// Binary returns the path of the tickertalk binary: $TICKERTALK_BIN when
// set, else one built by `go build` from the module root the first time any
// test asks (about a minute cold). A failed build fails tb.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(EnvBin); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("%s=%s: %v", EnvBin, p, err)
		}
		return p
	}
	p, err := artifacts.bin()
	if err != nil {
		tb.Fatalf("build tickertalk: %v", err)
	}
	return p
}

// WebDir returns a web directory with app.wasm built: $TICKERTALK_WEB_DIR
// when set, else a temporary copy of the module's web/ into which app.wasm
// is built with GOOS=js GOARCH=wasm and precompressed by cmd/precompress (when
// that command exists). A failed build fails tb.
func WebDir(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(EnvWebDir); p != "" {
		if _, err := os.Stat(filepath.Join(p, "app.wasm")); err != nil {
			tb.Fatalf("%s=%s has no app.wasm (run make wasm): %v", EnvWebDir, p, err)
		}
		return p
	}
	p, err := artifacts.webDir()
	if err != nil {
		tb.Fatalf("build web dir: %v", err)
	}
	return p
}

// ModuleRoot returns the directory holding go.mod, found by walking up from
// the working directory (a test's working directory is its package folder).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// buildPlaces returns where builds go and the module root, whose sources
// it has read the timestamps of.
func buildPlaces() (dir, root string, err error) {
	if dir, err = artifacts.dir(); err != nil {
		return "", "", err
	}
	if root, err = ModuleRoot(); err != nil {
		return "", "", err
	}
	statSources(root)
	return dir, root, nil
}

// buildBinary builds the server with the build tags tags ("" for none).
func buildBinary(tags string) (string, error) {
	dir, root, err := buildPlaces()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "tickertalk"+tagSuffix(tags))
	if err := goCmd(root, nil, "build", "-tags", tags, "-o", out, "."); err != nil {
		return "", err
	}
	return out, nil
}

// buildWebDir copies web/ and builds app.wasm into it with the build tags
// tags ("" for none).
func buildWebDir(tags string) (string, error) {
	dir, root, err := buildPlaces()
	if err != nil {
		return "", err
	}
	web := filepath.Join(dir, "web"+tagSuffix(tags))
	if err := copyTree(filepath.Join(root, "web"), web); err != nil {
		return "", err
	}
	wasm := filepath.Join(web, "app.wasm")
	if err := goCmd(root, []string{"GOOS=js", "GOARCH=wasm"}, "build", "-tags", tags, "-o", wasm, "."); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "precompress")); err == nil {
		if err := goCmd(root, nil, "run", "./cmd/precompress", wasm); err != nil {
			return "", err
		}
	}
	return web, nil
}

// statSources stats every Go source and module file under root. It has no
// result: go test records the files a test opens or stats, so a test that
// built the binary itself is not answered from the test cache after a
// source change.
func statSources(root string) {
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "data", "tmp", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if n := d.Name(); strings.HasSuffix(n, ".go") || n == "go.mod" || n == "go.sum" {
			_, _ = os.Stat(path)
		}
		return nil
	})
}

// goCmd runs the go command in dir with extra environment variables and
// returns its output in the error when it fails.
func goCmd(dir string, env []string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(withoutEnv(os.Environ(), "GOOS", "GOARCH"), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s (%s): %w\n%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, out)
	}
	return nil
}

// withoutEnv returns env less the variables named in names.
func withoutEnv(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// copyTree copies the regular files under src into dst, leaving out built
// wasm artifacts. A missing src gives an empty dst.
func copyTree(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("copy web dir: %w", err)
	}
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular(), strings.HasPrefix(d.Name(), "app.wasm"):
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("copy web dir: %w", err)
	}
	return nil
}

// tagSuffix names the artifacts of a tagged build apart: "-e2e".
func tagSuffix(tags string) string {
	if tags == "" {
		return ""
	}
	return "-" + strings.ReplaceAll(tags, ",", "-")
}
