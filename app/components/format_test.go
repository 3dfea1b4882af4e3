package components

import (
	"testing"
	"time"
)

func TestFormatPrice(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.00"},
		{1.005, "1.00"}, // float rounding of 1.005 is below half
		{101.234, "101.23"},
		{999.999, "1,000.00"},
		{1234567.891, "1,234,567.89"},
		{-1234.5, "-1,234.50"},
	}
	for _, tt := range tests {
		if got := formatPrice(tt.in); got != tt.want {
			t.Errorf("formatPrice(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDirectionAndArrow(t *testing.T) {
	tests := []struct {
		change     float64
		dir, glyph string
		text       string
		pct        float64
	}{
		{1.23, dirUp, "▲", "+1.23 (+1.23%)", 1.23},
		{-0.5, dirDown, "▼", "-0.50 (-0.49%)", -0.49},
		{0, dirFlat, "•", "0.00 (0.00%)", 0},
		{0.004, dirFlat, "•", "0.00 (0.00%)", 0.001},
	}
	for _, tt := range tests {
		if got := direction(tt.change); got != tt.dir {
			t.Errorf("direction(%v) = %q, want %q", tt.change, got, tt.dir)
		}
		if got := arrow(tt.change); got != tt.glyph {
			t.Errorf("arrow(%v) = %q, want %q", tt.change, got, tt.glyph)
		}
		if got := formatChange(tt.change, tt.pct); got != tt.text {
			t.Errorf("formatChange(%v, %v) = %q, want %q", tt.change, tt.pct, got, tt.text)
		}
	}
}

func TestFormatClock(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	ts := time.Date(2025, 3, 1, 22, 7, 59, 0, time.UTC)
	if got, want := formatClock(ts, paris), "23:07"; got != want {
		t.Errorf("formatClock = %q, want %q", got, want)
	}
	if got, want := formatClock(ts, time.UTC), "22:07"; got != want {
		t.Errorf("formatClock = %q, want %q", got, want)
	}
	if got := formatClock(time.Time{}, time.UTC); got != "" {
		t.Errorf("formatClock(zero) = %q, want empty", got)
	}
}
