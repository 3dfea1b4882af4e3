//go:build ignore

// Genicons draws Tickertalk's icons into the folder it runs in: a chat bubble
// with a rising ticker line on the theme colour, as icon-192.png,
// icon-512.png, icon-maskable-512.png (full bleed, drawing inside the
// maskable safe zone) and icon.svg. Run it from the repository root with
//
//	go run ./web/icons/genicons.go -out web/icons
//
// The PNGs are committed; pwa/icons_test.go checks them.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// Colours: the theme (pwa.ThemeColor), the bubble and the ticker line.
var (
	theme  = color.NRGBA{0x0f, 0x17, 0x2a, 0xff}
	bubble = color.NRGBA{0xf8, 0xfa, 0xfc, 0xff}
	line   = color.NRGBA{0x16, 0xa3, 0x4a, 0xff}
)

// Geometry on a unit square, y down.
var (
	bubbleMin, bubbleMax = pt{0.16, 0.20}, pt{0.84, 0.68}
	bubbleRadius         = 0.10
	tail                 = [3]pt{{0.26, 0.64}, {0.44, 0.64}, {0.22, 0.84}}
	ticker               = []pt{{0.27, 0.55}, {0.39, 0.43}, {0.49, 0.50}, {0.61, 0.34}, {0.73, 0.41}}
	tickerWidth          = 0.055
	cornerRadius         = 0.20 // of the "any" icons' rounded square
	maskableScale        = 0.72 // keeps the drawing inside the safe circle of radius 0.4
)

type pt struct{ x, y float64 }

func main() {
	out := flag.String("out", ".", "folder to write the icons to")
	flag.Parse()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	write("icon-192.png", encode(draw(192, false)))
	write("icon-512.png", encode(draw(512, false)))
	write("icon-maskable-512.png", encode(draw(512, true)))
	write("icon.svg", svg())
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// draw renders the icon at size×size with 4×4 supersampling.
func draw(size int, maskable bool) *image.NRGBA {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					p := pt{(float64(x) + (float64(sx)+0.5)/ss) / float64(size), (float64(y) + (float64(sy)+0.5)/ss) / float64(size)}
					c, ok := sample(p, maskable)
					if !ok {
						continue
					}
					r += float64(c.R)
					g += float64(c.G)
					b += float64(c.B)
					a++
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(r/a + 0.5), uint8(g/a + 0.5), uint8(b/a + 0.5), uint8(a*255/(ss*ss) + 0.5)})
		}
	}
	return img
}

// sample is the colour at p, or false where the icon is transparent.
func sample(p pt, maskable bool) (color.NRGBA, bool) {
	if maskable {
		p = pt{0.5 + (p.x-0.5)/maskableScale, 0.5 + (p.y-0.5)/maskableScale}
	} else if roundedRect(p, pt{0, 0}, pt{1, 1}, cornerRadius) > 0 {
		return color.NRGBA{}, false
	}
	switch {
	case segmentsDist(p, ticker) <= tickerWidth/2:
		return line, true
	case roundedRect(p, bubbleMin, bubbleMax, bubbleRadius) <= 0 || inTriangle(p, tail):
		return bubble, true
	}
	return theme, true
}

// roundedRect is the signed distance from p to the rounded rectangle.
func roundedRect(p, min, max pt, r float64) float64 {
	cx, cy := (min.x+max.x)/2, (min.y+max.y)/2
	hx, hy := (max.x-min.x)/2-r, (max.y-min.y)/2-r
	dx, dy := math.Abs(p.x-cx)-hx, math.Abs(p.y-cy)-hy
	outside := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	return outside + math.Min(math.Max(dx, dy), 0) - r
}

func segmentsDist(p pt, pts []pt) float64 {
	d := math.Inf(1)
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		vx, vy := b.x-a.x, b.y-a.y
		t := ((p.x-a.x)*vx + (p.y-a.y)*vy) / (vx*vx + vy*vy)
		t = math.Max(0, math.Min(1, t))
		d = math.Min(d, math.Hypot(p.x-(a.x+t*vx), p.y-(a.y+t*vy)))
	}
	return d
}

func inTriangle(p pt, t [3]pt) bool {
	side := func(a, b pt) float64 { return (b.x-a.x)*(p.y-a.y) - (b.y-a.y)*(p.x-a.x) }
	d1, d2, d3 := side(t[0], t[1]), side(t[1], t[2]), side(t[2], t[0])
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// svg draws the same icon as a 512-unit vector image.
func svg() []byte {
	const s = 512
	hex := func(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
	var b bytes.Buffer
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n", s, s, s, s)
	fmt.Fprintf(&b, "  <title>Tickertalk</title>\n")
	fmt.Fprintf(&b, "  <rect width=\"%d\" height=\"%d\" rx=\"%.6g\" fill=\"%s\"/>\n", s, s, cornerRadius*s, hex(theme))
	fmt.Fprintf(&b, "  <g fill=\"%s\">\n", hex(bubble))
	fmt.Fprintf(&b, "    <rect x=\"%.6g\" y=\"%.6g\" width=\"%.6g\" height=\"%.6g\" rx=\"%.6g\"/>\n",
		bubbleMin.x*s, bubbleMin.y*s, (bubbleMax.x-bubbleMin.x)*s, (bubbleMax.y-bubbleMin.y)*s, bubbleRadius*s)
	fmt.Fprintf(&b, "    <polygon points=\"%.6g,%.6g %.6g,%.6g %.6g,%.6g\"/>\n", tail[0].x*s, tail[0].y*s, tail[1].x*s, tail[1].y*s, tail[2].x*s, tail[2].y*s)
	fmt.Fprintf(&b, "  </g>\n")
	fmt.Fprintf(&b, "  <polyline points=\"")
	for i, p := range ticker {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.6g,%.6g", p.x*s, p.y*s)
	}
	fmt.Fprintf(&b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.6g\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>\n", hex(line), tickerWidth*s)
	fmt.Fprintf(&b, "</svg>\n")
	return b.Bytes()
}
