package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestStateSurvivesReopenAndIsShared: a saved state is read back by another
// node of the cluster at once, and by the same data dir after a reopen; a
// later save replaces it.
func TestStateSurvivesReopenAndIsShared(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := a.LoadState(ctx, "ticker"); !errors.Is(err, ErrNoState) {
		t.Fatalf("LoadState of a fresh store: %v, want ErrNoState", err)
	}
	for _, v := range []string{`{"v":1}`, `{"v":2}`} {
		if err := a.SaveState(ctx, "ticker", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	b := attachTest(t, a)
	if got, err := b.LoadState(ctx, "ticker"); err != nil || string(got) != `{"v":2}` {
		t.Fatalf("another node loads %q, %v; want the latest save", got, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	c := openTest(t, cfg)
	if got, err := c.LoadState(ctx, "ticker"); err != nil || string(got) != `{"v":2}` {
		t.Fatalf("after a reopen LoadState = %q, %v; want the latest save", got, err)
	}
}

func TestStateRefusesBadNamesAndSizes(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, name := range []string{"", "a.b", "a*", "a b", "ü", strings.Repeat("x", 65)} {
		if err := s.SaveState(ctx, name, []byte("{}")); !errors.Is(err, ErrInvalidStateName) {
			t.Errorf("SaveState(%q) = %v, want ErrInvalidStateName", name, err)
		}
		if _, err := s.LoadState(ctx, name); !errors.Is(err, ErrInvalidStateName) {
			t.Errorf("LoadState(%q) = %v, want ErrInvalidStateName", name, err)
		}
	}
	if err := s.SaveState(ctx, "big", bytes.Repeat([]byte("x"), MaxStateBytes+1)); err == nil {
		t.Error("SaveState over MaxStateBytes succeeded")
	}
	if _, err := s.LoadState(ctx, "big"); !errors.Is(err, ErrNoState) {
		t.Errorf("an oversized save left something: %v", err)
	}
	if err := s.SaveState(ctx, "Ticker_2-b", bytes.Repeat([]byte("x"), MaxStateBytes)); err != nil {
		t.Errorf("SaveState of MaxStateBytes: %v", err)
	}
}
