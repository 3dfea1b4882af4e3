//go:build !wasm

package pwa

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// contentVersion derives the app version from what the service worker
// caches: the hash of app.wasm, the worker template with the page settings
// (worker), and the names and contents of the files at the given /web/
// paths in dir. The same content gives the same version on every
// start and every node; any change gives a new one, which is what makes
// clients update (the worker serves its cache first).
func contentVersion(wasmSum [32]byte, worker string, dir string, paths []string) (string, error) {
	h := sha256.New()
	h.Write(wasmSum[:])
	fmt.Fprintf(h, "worker\x00%d\x00%s", len(worker), worker)
	for _, p := range paths {
		if err := hashFile(h, p, filePath(dir, p)); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

func hashFile(w io.Writer, urlPath, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("pwa: hashing %s: %w", urlPath, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("pwa: hashing %s: %w", urlPath, err)
	}
	fmt.Fprintf(w, "\x00%s\x00%d\x00", urlPath, info.Size())
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("pwa: hashing %s: %w", urlPath, err)
	}
	return nil
}
