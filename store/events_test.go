package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
)

// TestDurableEventsShareTheLog: an event of a durable kind other than
// message takes the next sequence of the one log, is delivered to Event
// in order with the messages, read back by Entries, and deduplicated by
// its dedup id; entries with a kind header that is not a declared durable
// kind, or whose payload breaks its rules or names another room, are
// skipped (the log is shared with anyone who can publish on NATS).
func TestDurableEventsShareTheLog(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	reaction := func(room, emoji string) history.Entry {
		data, _ := json.Marshal(tt.Reaction{Room: room, MessageID: "1", Emoji: emoji, On: true, Nick: "ann"})
		return history.Entry{Kind: tt.KindReaction.Name(), JSON: data,
			Msg: tt.ChatMessage{Room: room, Sender: "s1", ClientID: "c1", Time: time.Now().UTC()}}
	}
	m := publish(t, s, "a", "hello", "")
	r, dup, err := s.PublishEntry(t.Context(), reaction("a", "👍"), "d1")
	if err != nil || dup || r != m+1 {
		t.Fatalf("PublishEntry = %d %v %v, want %d", r, dup, err, m+1)
	}
	if again, dup, err := s.PublishEntry(t.Context(), reaction("a", "👍"), "d1"); err != nil || !dup || again != r {
		t.Fatalf("retry = %d %v %v, want the original %d as a duplicate", again, dup, err, r)
	}
	for _, bad := range []history.Entry{
		{Kind: tt.EventMessage, JSON: []byte(`{}`), Msg: tt.ChatMessage{Room: "a"}},
		{Kind: tt.KindTyping.Name(), JSON: []byte(`{"room":"a"}`), Msg: tt.ChatMessage{Room: "a"}},
		{Kind: "undeclared", JSON: []byte(`{}`), Msg: tt.ChatMessage{Room: "a"}},
	} {
		if _, _, err := s.PublishEntry(t.Context(), bad, ""); err == nil {
			t.Errorf("PublishEntry of kind %q was stored", bad.Kind)
		}
	}
	// Written by someone else: each is skipped.
	forged := []struct{ kind, data string }{
		{"undeclared", `{"data":{"room":"a"}}`},
		{tt.KindReaction.Name(), `{"data":{"room":"b","messageId":"1","emoji":"👍"}}`},
		{tt.KindReaction.Name(), `{"data":{"room":"a","messageId":"1","emoji":"nope"}}`},
		{tt.KindReaction.Name(), `not json`},
		{tt.KindTyping.Name(), `{"data":{"room":"a"}}`},
	}
	for _, f := range forged {
		msg := &nats.Msg{Subject: "chat.a", Data: []byte(f.data), Header: nats.Header{}}
		msg.Header.Set(kindHeader, f.kind)
		if _, err := s.js.PublishMsg(t.Context(), msg); err != nil {
			t.Fatal(err)
		}
	}
	last := publish(t, s, "a", "bye", "")

	var mu sync.Mutex
	var got []string
	var skipped []uint64
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := s.FollowWith(ctx, Hooks{
		Message: func(m tt.ChatMessage) { mu.Lock(); got = append(got, fmt.Sprint("m", seqOfID(t, m.ID))); mu.Unlock() },
		Event: func(e history.Entry) {
			mu.Lock()
			got = append(got, fmt.Sprint(e.Kind, seqOfID(t, e.Msg.ID)))
			mu.Unlock()
		},
		Skipped: func(_ string, seq uint64) { mu.Lock(); skipped = append(skipped, seq); mu.Unlock() },
	}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]string{fmt.Sprint("m", m), fmt.Sprint("reaction", r), fmt.Sprint("m", last)})
	wait.For(t, 10*time.Second, "the follower to deliver", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 3
	})
	mu.Lock()
	if fmt.Sprint(got) != want || len(skipped) != len(forged) {
		t.Errorf("delivered %v, skipped %v; want %s and %d skipped", got, skipped, want, len(forged))
	}
	mu.Unlock()

	entries, err := s.Entries(t.Context(), "a", 0, last, 100)
	if err != nil || len(entries) != 3 || entries[1].Kind != tt.KindReaction.Name() || entries[1].Seq != r ||
		entries[1].Msg.Sender != "s1" || entries[1].Msg.ClientID != "c1" {
		t.Fatalf("Entries = %+v %v", entries, err)
	}
	var public tt.Reaction
	if err := json.Unmarshal(entries[1].JSON, &public); err != nil || public.Emoji != "👍" || public.Nick != "ann" {
		t.Fatalf("reaction JSON %s: %+v %v", entries[1].JSON, public, err)
	}
}

// seqOfID is the sequence of a message id of this store's log.
func seqOfID(t *testing.T, id string) uint64 {
	t.Helper()
	seq, ok := tt.MessageSeq(id)
	if !ok {
		t.Errorf("%q is not a message id", id)
	}
	return seq
}
