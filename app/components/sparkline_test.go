package components

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSparklinePath(t *testing.T) {
	tests := []struct {
		name   string
		prices []float64
		want   string
	}{
		{"empty", nil, ""},
		{"one point", []float64{5}, ""},
		{"rising", []float64{1, 2, 3}, "M0.0,31.0 L60.0,16.0 L120.0,1.0"},
		{"falling", []float64{3, 1}, "M0.0,1.0 L120.0,31.0"},
		{"flat", []float64{7, 7, 7}, "M0.0,16.0 L60.0,16.0 L120.0,16.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sparklinePath(tt.prices, 120, 32); got != tt.want {
				t.Errorf("sparklinePath(%v) = %q, want %q", tt.prices, got, tt.want)
			}
		})
	}
}

func TestSparklinePathStaysInBox(t *testing.T) {
	prices := []float64{100, 250.5, -3, 99, 1e6, 0}
	path := sparklinePath(prices, 120, 32)
	if got := strings.Count(path, ","); got != len(prices) {
		t.Fatalf("%d points in %q, want %d", got, path, len(prices))
	}
	for _, pt := range strings.Fields(strings.NewReplacer("M", "", "L", "").Replace(path)) {
		var x, y float64
		if _, err := fmt.Sscanf(pt, "%g,%g", &x, &y); err != nil {
			t.Fatalf("point %q: %v", pt, err)
		}
		if x < 0 || x > 120 || y < 0 || y > 32 {
			t.Errorf("point %q outside the 120×32 box", pt)
		}
	}
}

func TestAppendPrice(t *testing.T) {
	base := []float64{1, 2, 3}
	got := appendPrice(base, 4, 3)
	if want := []float64{2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("appendPrice = %v, want %v", got, want)
	}
	if want := []float64{1, 2, 3}; !slices.Equal(base, want) {
		t.Errorf("appendPrice modified its input: %v", base)
	}
	if got := appendPrice(nil, 9, 60); !slices.Equal(got, []float64{9}) {
		t.Errorf("appendPrice(nil) = %v", got)
	}
}

func TestSeriesFrom(t *testing.T) {
	tests := []struct {
		history []float64
		price   float64
		want    []float64
	}{
		{[]float64{1, 2}, 3, []float64{1, 2, 3}},
		{[]float64{1, 2, 3}, 3, []float64{1, 2, 3}}, // history already ends with the quote
		{[]float64{1, 2, 3, 4}, 5, []float64{3, 4, 5}},
		{nil, 5, []float64{5}},
	}
	for _, tt := range tests {
		if got := seriesFrom(tt.history, tt.price, 3); !slices.Equal(got, tt.want) {
			t.Errorf("seriesFrom(%v, %v) = %v, want %v", tt.history, tt.price, got, tt.want)
		}
	}
}
