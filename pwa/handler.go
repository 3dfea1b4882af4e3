//go:build !wasm

package pwa

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Colours of the installed app, the page background before the stylesheet
// loads and the icons.
const (
	ThemeColor      = "#0f172a"
	BackgroundColor = "#0f172a"
)

// Paths of the icons, under the web folder.
const (
	IconDefault  = "/web/icons/icon-192.png"
	IconLarge    = "/web/icons/icon-512.png"
	IconMaskable = "/web/icons/icon-maskable-512.png"
	IconSVG      = "/web/icons/icon.svg"
	stylesheet   = "/web/app.css"
)

// ErrNoWasm reports a web folder without app.wasm: the client has not been
// built.
var ErrNoWasm = errors.New("app.wasm not found: run make build")

// Config configures [Handler].
type Config struct {
	// WebDir is the folder served under /web/: it holds app.wasm (and
	// optionally app.wasm.br and app.wasm.gz, see cmd/precompress), app.css
	// and icons/. A relative path is resolved against the working directory
	// when Handler is called; later changes of directory do not matter.
	WebDir string
	// Logger receives what the handler has to say; nil discards it.
	Logger *slog.Logger
	// Dev serves the page for development (make dev): the service worker
	// answers nothing from its cache, and the page reloads itself when
	// the server that answers [DevReloadPath] serves another build.
	// Production leaves it false and keeps go-app's update prompt.
	Dev bool
}

// Handler returns the handler of the user interface, to be mounted on every
// path that is not an API path: the pages (/, /rooms/{room}), /web/*,
// /app.js, /app-worker.js, /wasm_exec.js, /manifest.webmanifest, /app.css.
//
// It reads the web folder once: the version it derives covers app.wasm and
// the files the service worker caches as they were when Handler was called.
// A rebuilt app.wasm needs a restart (until then it is served uncached, and
// a warning is logged).
//
// It returns an error wrapping [ErrNoWasm] when WebDir lacks app.wasm. A
// missing app.css or icon is only logged: the page works, but the service
// worker cannot precache, so the app is neither offline-capable nor
// installable.
func Handler(cfg Config) (http.Handler, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.WebDir)
	if err != nil {
		return nil, fmt.Errorf("pwa: resolving web folder %q: %w", cfg.WebDir, err)
	}
	wasm, err := loadWasm(dir, log)
	if err != nil {
		return nil, err
	}
	worker := workerTemplate()
	if cfg.Dev {
		worker = devWorkerTemplate()
	}
	cached := []string{stylesheet, IconDefault, IconLarge, IconMaskable, IconSVG}
	present := make([]string, 0, len(cached))
	for _, p := range cached {
		if _, err := os.Stat(filePath(dir, p)); err != nil {
			log.Warn("pwa: web file missing: the app will not work offline nor install", "path", p, "err", err)
			continue
		}
		present = append(present, p)
	}
	var styles, extra []string
	if slices.Contains(present, stylesheet) {
		styles = []string{stylesheet}
	}
	if slices.Contains(present, IconSVG) {
		// The page's favicon; go-app precaches only the PNG icons.
		extra = []string{IconSVG}
	}
	h := &app.Handler{
		Name:            "Tickertalk",
		ShortName:       "Tickertalk",
		Title:           "Tickertalk",
		Description:     "A live market ticker and chat rooms, streamed over Server-Sent Events.",
		ThemeColor:      ThemeColor,
		BackgroundColor: BackgroundColor,
		LoadingLabel:    "Loading Tickertalk… {progress}%",
		Icon: app.Icon{
			Default:  IconDefault,
			Large:    IconLarge,
			Maskable: IconMaskable,
			SVG:      IconSVG,
		},
		Styles:             styles,
		CacheableResources: extra,
		// The loader counts the bytes fetch hands it, which the browser
		// has already decoded: the total is the uncompressed size, whatever
		// encoding travels on the wire.
		WasmContentLength:     strconv.FormatInt(wasm.size, 10),
		ServiceWorkerTemplate: worker,
	}
	if cfg.Dev {
		h.Scripts = []string{DevScriptPath}
	}
	// What the manifest and the page show is cached by the worker too.
	settings := fmt.Sprintf("%q", []string{h.Name, h.ShortName, h.Title, h.Description,
		h.ThemeColor, h.BackgroundColor, h.LoadingLabel, h.WasmContentLength})
	version, err := contentVersion(wasm.sum, worker+settings, dir, present)
	if err != nil {
		return nil, err
	}
	wasm.version = version
	h.Version = version
	h.Resources = resolver{wasmURL: wasm.url()}
	log.Info("pwa: serving the web folder", "dir", dir, "version", version,
		"wasmBytes", wasm.size, "encodings", wasm.encodings())
	u := &ui{goapp: h, static: newStatic(dir, wasm, log)}
	if cfg.Dev {
		u.dev = &devHandler{version: version}
		log.Warn("pwa: development mode: pages reload on a new build, the service worker caches nothing")
	}
	return u, nil
}

// ui sends /web/*, the wasm aliases and go-app's proxied files to the static
// half, and everything else to go-app; every answer carries the security
// headers.
type ui struct {
	goapp  *app.Handler
	static *static
	dev    *devHandler // nil but in development
}

func (u *ui) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if u.dev != nil && u.dev.serve(w, r) {
		return
	}
	if u.static.owns(r.URL.Path) {
		u.static.ServeHTTP(w, r)
		return
	}
	u.goapp.ServeHTTP(w, r)
}
