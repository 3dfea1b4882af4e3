package market

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestValidateSymbol(t *testing.T) {
	tests := []struct {
		sym string
		ok  bool
	}{
		{"ACME", true},
		{"A", true},
		{"BRK.B", true},
		{"3M", true},
		{strings.Repeat("X", 10), true},
		{strings.Repeat("X", 11), false},
		{"", false},
		{"acme", false},
		{".A", false},
		{"AC ME", false},
		{"AC-ME", false},
		{"ÉTÉ", false},
		{"A\n", false},
	}
	for _, tc := range tests {
		err := ValidateSymbol(tc.sym)
		if got := err == nil; got != tc.ok {
			t.Errorf("ValidateSymbol(%q) = %v, want ok=%v", tc.sym, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidSymbol) {
			t.Errorf("ValidateSymbol(%q) = %v, want ErrInvalidSymbol", tc.sym, err)
		}
	}
}

func TestParseSymbols(t *testing.T) {
	many := make([]string, MaxSymbols+1)
	for i := range many {
		many[i] = fmt.Sprintf("S%d", i)
	}
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{"ACME", []string{"ACME"}, nil},
		{"ACME,GLOBEX", []string{"ACME", "GLOBEX"}, nil},
		{" ACME , GLOBEX ", []string{"ACME", "GLOBEX"}, nil},
		{strings.Join(many[:MaxSymbols], ","), many[:MaxSymbols], nil},
		{"", nil, ErrNoSymbols},
		{"  ", nil, ErrNoSymbols},
		{"ACME,", nil, ErrInvalidSymbol},
		{"ACME,,GLOBEX", nil, ErrInvalidSymbol},
		{"ACME,acme", nil, ErrInvalidSymbol},
		{"ACME,ACME", nil, ErrDuplicateSymbol},
		{strings.Join(many, ","), nil, ErrTooManySymbols},
	}
	for _, tc := range tests {
		got, err := ParseSymbols(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("ParseSymbols(%q) error = %v, want %v", tc.in, err, tc.err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ParseSymbols(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDefaultSymbolsIsFresh(t *testing.T) {
	a := DefaultSymbols()
	a[0] = "CHANGED"
	if b := DefaultSymbols(); b[0] != "ACME" {
		t.Fatalf("DefaultSymbols()[0] = %q after a caller changed its copy", b[0])
	}
	if err := ValidateSymbols(DefaultSymbols()); err != nil {
		t.Fatalf("default symbols invalid: %v", err)
	}
}
