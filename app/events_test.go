package app

import (
	"slices"
	"strings"
	"testing"
)

func TestBuiltinKinds(t *testing.T) {
	tests := []struct {
		name  string
		class Class
		hasID bool
	}{
		{EventUpdate, State, false},
		{EventMessage, Durable, true},
		{EventPresence, State, false},
		{EventResync, Control, false},
	}
	for _, tc := range tests {
		k, ok := LookupKind(tc.name)
		if !ok {
			t.Fatalf("%s is not declared", tc.name)
		}
		if k.Class != tc.class || k.Class.HasID() != tc.hasID {
			t.Errorf("%s: class %v (id %v), want %v (id %v)", tc.name, k.Class, k.Class.HasID(), tc.class, tc.hasID)
		}
	}
	if !slices.IsSorted(KindNames()) {
		t.Errorf("KindNames not sorted: %v", KindNames())
	}
}

func TestKindRoundTrip(t *testing.T) {
	data, err := KindMessage.Encode(ChatMessage{ID: "7", Room: "lobby", Nick: "ann", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := KindMessage.Decode(data)
	if err != nil || m.Text != "hi" || m.EventRoom() != "lobby" {
		t.Fatalf("typed decode: %+v, %v", m, err)
	}
	v, err := KindMessage.Info().Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := v.(*ChatMessage); !ok || got.ID != "7" {
		t.Fatalf("untyped decode: %T %+v", v, v)
	}
	if _, err := KindMessage.Decode([]byte(`{"room":`)); err == nil || !strings.Contains(err.Error(), "message") {
		t.Fatalf("bad data: %v", err)
	}
}

type noRoom struct{ X int }

func TestDeclareRefuses(t *testing.T) {
	tests := []struct {
		name    string
		declare func()
	}{
		{"a name taken", func() { Declare[ChatMessage](EventMessage, Durable, "") }},
		{"a bad name", func() { Declare[ChatMessage]("Bad Name", Durable, "") }},
		{"a durable kind without a room", func() { Declare[noRoom]("no-room", Durable, "") }},
		{"a signal kind without a room", func() { Declare[noRoom]("no-room-signal", Signal, "") }},
		{"a payload that is not a struct", func() { Declare[string]("text", State, "") }},
		{"an unknown class", func() { Declare[noRoom]("odd", Class(9), "") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Declare did not panic")
				}
			}()
			tc.declare()
		})
	}
}
