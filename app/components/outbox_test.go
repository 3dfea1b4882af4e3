package components

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	tt "tickertalk/app"
)

func clientIDs(o []pendingMsg) []string {
	out := make([]string, len(o))
	for i, p := range o {
		out[i] = p.ClientID
	}
	return out
}

func TestNewClientID(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newClientID()
		if !v4.MatchString(id) {
			t.Fatalf("newClientID() = %q, not a UUID v4", id)
		}
		if err := tt.ValidateClientID(id); err != nil {
			t.Fatalf("server would refuse %q: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestOutboxOrderAndRemoval(t *testing.T) {
	box := []pendingMsg{
		{ClientID: "a", Room: "lobby", Text: "1"},
		{ClientID: "b", Room: "dev", Text: "2"},
		{ClientID: "c", Room: "lobby", Text: "3"},
	}
	if got := clientIDs(pendingIn(box, "lobby")); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("pendingIn(lobby) = %v, want [a c] in typing order", got)
	}
	rest, ok := withoutClientID(box, "b")
	if !ok || !slices.Equal(clientIDs(rest), []string{"a", "c"}) {
		t.Errorf("withoutClientID(b) = %v, %v", clientIDs(rest), ok)
	}
	if !slices.Equal(clientIDs(box), []string{"a", "b", "c"}) {
		t.Errorf("withoutClientID modified its input: %v", clientIDs(box))
	}
	if _, ok := withoutClientID(box, "zz"); ok {
		t.Errorf("withoutClientID(unknown) reported a removal")
	}
	if _, ok := withoutClientID(box, ""); ok {
		t.Errorf("withoutClientID(\"\") reported a removal")
	}
}

func TestReconcile(t *testing.T) {
	box := []pendingMsg{{ClientID: "a", Room: "r"}, {ClientID: "b", Room: "r"}, {ClientID: "c", Room: "r"}}
	stored := []tt.ChatMessage{{ID: "7", ClientID: "b"}, {ID: "8"}}
	got := reconcile(box, stored)
	if ids := clientIDs(pendingIn(got, "r")); !slices.Equal(ids, []string{"a", "c"}) {
		t.Errorf("pending after reconcile = %v, want [a c]", ids)
	}
	if got[1].Sent != "7" || got[1].SentAt.IsZero() {
		t.Errorf("b after reconcile = %+v, want sent as 7", got[1])
	}
	if box[1].Sent != "" {
		t.Errorf("reconcile modified its input")
	}
	if got := reconcile(nil, stored); len(got) != 0 {
		t.Errorf("reconcile(nil) = %v", got)
	}
}

// TestSentRecords: an acknowledged message stays as sent (not pending, not
// sent again) until pruned, so that another tab merging the outbox learns
// of it; the stream's copy carries no clientId to tell it.
func TestSentRecords(t *testing.T) {
	now := time.Unix(1000, 0)
	box := []pendingMsg{{ClientID: "a", Room: "r"}, {ClientID: "b", Room: "r"}}
	box = markSent(box, "a", "41", now)
	if next, ok := nextToSend(box); !ok || next.ClientID != "b" {
		t.Errorf("nextToSend = %v, %v; want b", next, ok)
	}
	if n := countPending(box); n != 1 {
		t.Errorf("countPending = %d, want 1", n)
	}
	// The other tab still holds a as pending: the merge says sent.
	other := []pendingMsg{{ClientID: "a", Room: "r"}, {ClientID: "b", Room: "r"}}
	for _, merged := range [][]pendingMsg{mergeOutbox(box, other), mergeOutbox(other, box)} {
		if ids := clientIDs(pendingIn(merged, "r")); !slices.Equal(ids, []string{"b"}) {
			t.Errorf("pending after the merge = %v, want [b]", ids)
		}
	}
	if got := markSent(nil, "z", "9", now); len(got) != 1 || got[0].Sent != "9" {
		t.Errorf("markSent of an unknown message = %+v, want a sent record", got)
	}
	if got := pruneSent(box, now.Add(keepSent+time.Second)); !slices.Equal(clientIDs(got), []string{"b"}) {
		t.Errorf("pruneSent after keepSent = %v, want [b]", clientIDs(got))
	}
	if got := pruneSent(box, now.Add(time.Minute)); len(got) != 2 {
		t.Errorf("pruneSent within keepSent = %v", clientIDs(got))
	}
	var many []pendingMsg
	for i := range maxSent + 5 {
		many = markSent(many, fmt.Sprint(i), fmt.Sprint(i), now)
	}
	many = append(many, pendingMsg{ClientID: "p"})
	got := pruneSent(many, now)
	if len(got) != maxSent+1 || got[0].ClientID != "5" || got[len(got)-1].ClientID != "p" {
		t.Errorf("pruneSent of %d sent records kept %d, from %s", maxSent+5, len(got), got[0].ClientID)
	}
}

func TestSendRequestOfPending(t *testing.T) {
	p := pendingMsg{ClientID: newClientID(), Room: "lobby", Text: "hi"}
	if _, err := p.request().Validate(); err != nil {
		t.Errorf("request of a pending message is invalid: %v", err)
	}
}

// TestUnclaimedShown: a message of ours that arrived on the stream while
// ours were pending, and that no answer claimed, hides one pending message
// with its text (the one whose answer was lost), oldest first; others stay.
func TestUnclaimedShown(t *testing.T) {
	pending := []pendingMsg{{ClientID: "a", Text: "ok"}, {ClientID: "b", Text: "hi"}, {ClientID: "c", Text: "ok"}}
	stored := []tt.ChatMessage{{ID: "5", Text: "ok"}, {ID: "6", Text: "hi"}, {ID: "7", Text: "other"}}
	tests := []struct {
		name      string
		unclaimed []string
		want      []string
	}{
		{"none unclaimed", nil, []string{"a", "b", "c"}},
		{"one ok hides the oldest ok", []string{"5"}, []string{"b", "c"}},
		{"two texts", []string{"5", "6"}, []string{"c"}},
		{"another text hides nothing", []string{"7"}, []string{"a", "b", "c"}},
		{"an id not shown hides nothing", []string{"99"}, []string{"a", "b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clientIDs(unclaimedShown(pending, stored, tc.unclaimed)); !slices.Equal(got, tc.want) {
				t.Errorf("unclaimedShown = %v, want %v", got, tc.want)
			}
		})
	}
}
