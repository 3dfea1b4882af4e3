package components

import (
	"regexp"
	"slices"
	"testing"

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
	box := []pendingMsg{{ClientID: "a"}, {ClientID: "b"}, {ClientID: "c"}}
	stored := []tt.ChatMessage{{ID: "7", ClientID: "b"}, {ID: "8"}}
	if got := clientIDs(reconcile(box, stored)); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("reconcile = %v, want [a c]", got)
	}
	if got := reconcile(nil, stored); len(got) != 0 {
		t.Errorf("reconcile(nil) = %v", got)
	}
}

func TestSendRequestOfPending(t *testing.T) {
	p := pendingMsg{ClientID: newClientID(), Room: "lobby", Text: "hi"}
	if _, err := p.request().Validate(); err != nil {
		t.Errorf("request of a pending message is invalid: %v", err)
	}
}
