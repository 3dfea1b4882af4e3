package store

import (
	"testing"

	tt "tickertalk/app"
)

// TestLogIDNamesTheStream: the chat log's identity is the stream's, not
// the node's: the same for a second node on the same NATS and after a
// restart on the same data dir, and different (and later) for a new data
// dir, whose sequences start again at 1. Message ids carry it.
func TestLogIDNamesTheStream(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	s := openTest(t, cfg)
	first := s.LogID()
	if !tt.ValidLogID(first) {
		t.Fatalf("LogID() = %q, not a log identity", first)
	}
	seq := publish(t, s, "lobby", "one", "d1")
	m, err := s.Message(t.Context(), seq)
	if err != nil {
		t.Fatal(err)
	}
	if want := (tt.MessageID{Log: first, Seq: seq}).String(); m.ID != want {
		t.Errorf("Message(%d).ID = %q, want %q", seq, m.ID, want)
	}
	if got := attachTest(t, s).LogID(); got != first {
		t.Errorf("a second node on the same NATS: LogID() = %q, want %q", got, first)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := openTest(t, cfg).LogID(); got != first {
		t.Errorf("after a restart: LogID() = %q, want %q", got, first)
	}

	other := openTest(t, testConfig(t))
	oseq := publish(t, other, "lobby", "one", "d1")
	om, err := other.Message(t.Context(), oseq)
	if err != nil {
		t.Fatal(err)
	}
	if other.LogID() == first || oseq != seq {
		t.Errorf("a new data dir: LogID() = %q (first %q), first sequence %d (first %d); want another log from 1",
			other.LogID(), first, oseq, seq)
	}
	if tt.CompareMessageIDs(m.ID, om.ID) >= 0 {
		t.Errorf("the later log's %q does not sort after %q", om.ID, m.ID)
	}
}
