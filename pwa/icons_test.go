//go:build !wasm

package pwa

import (
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// iconFile maps an icon URL to the committed file in web/icons.
func iconFile(urlPath string) string {
	return filepath.Join("..", "web", "icons", strings.TrimPrefix(urlPath, "/web/icons/"))
}

func decodePNG(t *testing.T, urlPath string) image.Image {
	t.Helper()
	f, err := os.Open(iconFile(urlPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", urlPath, err)
	}
	return img
}

func TestIcons(t *testing.T) {
	tests := []struct {
		path     string
		size     int
		maskable bool
	}{
		{IconDefault, 192, false},
		{IconLarge, 512, false},
		{IconMaskable, 512, true},
	}
	theme := color.NRGBA{0x0f, 0x17, 0x2a, 0xff}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			img := decodePNG(t, tt.path)
			if b := img.Bounds(); b.Dx() != tt.size || b.Dy() != tt.size {
				t.Fatalf("%v, want %dx%d", b, tt.size, tt.size)
			}
			at := func(x, y int) color.NRGBA { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) }
			center := at(tt.size/2, tt.size/2)
			if center == theme || center.A != 0xff {
				t.Errorf("centre pixel %v: no drawing", center)
			}
			if !tt.maskable {
				if c := at(0, 0); c.A != 0 {
					t.Errorf("corner %v: want transparent rounded corners", c)
				}
				return
			}
			// Maskable: full bleed, and nothing but background outside the
			// safe zone, a centred circle of radius 40% of the size.
			r := 0.4 * float64(tt.size)
			for y := 0; y < tt.size; y++ {
				for x := 0; x < tt.size; x++ {
					d := math.Hypot(float64(x)+0.5-float64(tt.size)/2, float64(y)+0.5-float64(tt.size)/2)
					if c := at(x, y); d > r && c != theme {
						t.Fatalf("pixel (%d,%d) %v outside the safe zone is not the background", x, y, c)
					}
				}
			}
		})
	}
}

func TestSVGIcon(t *testing.T) {
	data, err := os.ReadFile(iconFile(IconSVG))
	if err != nil {
		t.Fatal(err)
	}
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(data, &svg); err != nil {
		t.Fatalf("icon.svg: %v", err)
	}
	if svg.XMLName.Local != "svg" || svg.ViewBox != "0 0 512 512" {
		t.Errorf("icon.svg: root %q viewBox %q", svg.XMLName.Local, svg.ViewBox)
	}
	if !strings.Contains(string(data), ThemeColor) {
		t.Errorf("icon.svg does not use the theme colour %s", ThemeColor)
	}
}
