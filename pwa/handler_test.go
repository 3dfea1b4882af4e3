//go:build !wasm

package pwa

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionIsAFunctionOfContent(t *testing.T) {
	a := fakeWasm("a")
	dirA := newWebDir(t, a, webOpts{assets: true})
	v1 := servedVersion(t, serve(t, dirA))
	if v1 == "" || len(v1) != 16 {
		t.Fatalf("version %q is not a 16-digit hash", v1)
	}
	tests := []struct {
		name string
		dir  string
		same bool
	}{
		{"restart", dirA, true},
		{"same content elsewhere", newWebDir(t, a, webOpts{assets: true, br: true}), true},
		{"other wasm", newWebDir(t, fakeWasm("b"), webOpts{assets: true}), false},
		{"without assets", newWebDir(t, a, webOpts{}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v2 := servedVersion(t, serve(t, tt.dir))
			if (v2 == v1) != tt.same {
				t.Errorf("version %q vs %q: want same=%v", v2, v1, tt.same)
			}
		})
	}

	// A changed stylesheet must change the version: the worker serves it
	// from its cache until the version moves.
	writeFile(t, filepath.Join(dirA, "app.css"), []byte("body { color: red; }\n"))
	if v2 := servedVersion(t, serve(t, dirA)); v2 == v1 {
		t.Errorf("version %q did not change with app.css", v2)
	}
}

func TestManifestHasLocalIcons(t *testing.T) {
	srv := serve(t, newWebDir(t, fakeWasm("manifest"), webOpts{assets: true}))
	resp, body := get(t, http.MethodGet, srv.URL+"/manifest.webmanifest", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var m struct {
		Name       string `json:"name"`
		ThemeColor string `json:"theme_color"`
		StartURL   string `json:"start_url"`
		Display    string `json:"display"`
		Icons      []struct {
			Src, Type, Sizes, Purpose string
		} `json:"icons"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("manifest: %v\n%s", err, body)
	}
	if m.Name != "Tickertalk" || m.ThemeColor != ThemeColor || m.StartURL != "/" || m.Display != "standalone" {
		t.Errorf("manifest = %+v", m)
	}
	want := map[string]string{
		IconDefault:  "image/png 192x192 ",
		IconLarge:    "image/png 512x512 ",
		IconMaskable: "image/png 512x512 maskable",
		IconSVG:      "image/svg+xml any ",
	}
	for _, icon := range m.Icons {
		if got := icon.Type + " " + icon.Sizes + " " + icon.Purpose; got != want[icon.Src] {
			t.Errorf("icon %s: %q, want %q", icon.Src, got, want[icon.Src])
		}
		delete(want, icon.Src)
		resp, _ := get(t, http.MethodGet, srv.URL+icon.Src, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != icon.Type {
			t.Errorf("GET %s: status %d, Content-Type %q", icon.Src, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if len(want) > 0 {
		t.Errorf("manifest lacks icons %v", want)
	}
}

func TestWebDirIndependentOfWorkingDirectory(t *testing.T) {
	wasm := fakeWasm("cwd")
	root := t.TempDir()
	abs := newWebDir(t, wasm, webOpts{assets: true})
	if err := os.Rename(abs, filepath.Join(root, "web")); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	for _, dir := range []string{"web", filepath.Join(root, "web")} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(root)
			h, err := Handler(Config{WebDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(elsewhere)
			for _, p := range []string{wasmPath, IconDefault, "/web/app.css", "/"} {
				rec := recordGet(t, h, p)
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s from another directory: status %d", p, rec.Code)
				}
			}
		})
	}
}

func TestMissingWasm(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "absent")} {
		_, err := Handler(Config{WebDir: dir})
		if !errors.Is(err, ErrNoWasm) || !strings.Contains(err.Error(), "run make build") {
			t.Errorf("Handler(%q) error = %v, want ErrNoWasm saying to run make build", dir, err)
		}
	}
}

func TestRoutes(t *testing.T) {
	srv := serve(t, newWebDir(t, fakeWasm("routes"), webOpts{assets: true}))
	tests := []struct {
		path        string
		host        string
		status      int
		contentType string
	}{
		{"/", "", http.StatusOK, "text/html"},
		{"/rooms/lobby", "", http.StatusOK, "text/html"},
		{"/app.js", "", http.StatusOK, "application/javascript"},
		{"/app-worker.js", "", http.StatusOK, "application/javascript"},
		{"/wasm_exec.js", "", http.StatusOK, "application/javascript"},
		{"/app.css", "", http.StatusOK, "text/css"},
		{"/web/app.css", "", http.StatusOK, "text/css; charset=utf-8"},
		{"/web/icons/icon.svg", "", http.StatusOK, "image/svg+xml"},
		{"/web/icons/", "", http.StatusNotFound, ""},
		{"/web/", "", http.StatusNotFound, ""},
		{"/web/nope.txt", "", http.StatusNotFound, ""},
		{"/web/../helpers_test.go", "", http.StatusNotFound, ""},
		// go-app would fetch these from the Host header's host and cache
		// the answer for everyone.
		{"/robots.txt", "attacker.invalid", http.StatusNotFound, ""},
		{"/sitemap.xml", "attacker.invalid", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = tt.path // keep dot segments as sent
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
		})
	}
}

func TestRobotsFromWebDir(t *testing.T) {
	dir := newWebDir(t, fakeWasm("robots"), webOpts{})
	writeFile(t, filepath.Join(dir, "robots.txt"), []byte("User-agent: *\nAllow: /\n"))
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := recordGet(t, h, "/robots.txt")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "User-agent") {
		t.Errorf("GET /robots.txt: status %d, body %q", rec.Code, rec.Body.String())
	}
}
