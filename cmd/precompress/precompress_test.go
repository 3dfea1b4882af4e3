package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func writeInput(t *testing.T, data []byte, modTime time.Time) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "app.wasm")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, modTime, modTime); err != nil {
		t.Fatal(err)
	}
	return name
}

func readDecoded(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	switch filepath.Ext(name) {
	case ".br":
		r = brotli.NewReader(f)
	case ".gz":
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func TestPrecompressRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 tickertalk "), 10000)
	name := writeInput(t, data, time.Now().Add(-time.Hour))
	res, err := Precompress(name, Options{BrotliQuality: DefaultBrotliQuality})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Output{res.Brotli, res.Gzip} {
		if o.Skipped {
			t.Errorf("%s skipped on the first run", o.Path)
		}
		if got := readDecoded(t, o.Path); !bytes.Equal(got, data) {
			t.Errorf("%s does not decode to the input", o.Path)
		}
		if o.Size <= 0 || o.Size >= res.Size {
			t.Errorf("%s: %d bytes for %d raw", o.Path, o.Size, res.Size)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(name))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("folder holds %d files, want app.wasm, .br and .gz only (no temporary left)", len(entries))
	}
	if line := res.String(); !strings.Contains(line, "raw 200000 bytes") || !strings.Contains(line, "br ") || !strings.Contains(line, "gz ") {
		t.Errorf("report %q", line)
	}
}

func TestPrecompressSkipsUpToDate(t *testing.T) {
	name := writeInput(t, []byte("first build"), time.Now().Add(-time.Hour))
	if _, err := Precompress(name, Options{BrotliQuality: 5}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		rebuild  bool
		force    bool
		skipped  bool
		contents string
	}{
		{"unchanged input", false, false, true, "first build"},
		{"forced", false, true, false, "first build"},
		{"rebuilt input", true, false, false, "second build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rebuild {
				if err := os.WriteFile(name, []byte(tt.contents), 0o644); err != nil {
					t.Fatal(err)
				}
				future := time.Now().Add(time.Hour)
				if err := os.Chtimes(name, future, future); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Precompress(name, Options{BrotliQuality: 5, Force: tt.force})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []Output{res.Brotli, res.Gzip} {
				if o.Skipped != tt.skipped {
					t.Errorf("%s skipped = %v, want %v", o.Path, o.Skipped, tt.skipped)
				}
				if got := string(readDecoded(t, o.Path)); got != tt.contents {
					t.Errorf("%s decodes to %q, want %q", o.Path, got, tt.contents)
				}
			}
		})
	}
}

func TestPrecompressErrors(t *testing.T) {
	name := writeInput(t, []byte("x"), time.Now())
	if _, err := Precompress(name, Options{BrotliQuality: 12}); err == nil {
		t.Error("quality 12 accepted")
	}
	if _, err := Precompress(filepath.Join(t.TempDir(), "absent.wasm"), Options{BrotliQuality: 5}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing input: %v, want fs.ErrNotExist", err)
	}
	if _, err := Precompress(t.TempDir(), Options{BrotliQuality: 5}); err == nil {
		t.Error("a folder accepted as input")
	}
}
