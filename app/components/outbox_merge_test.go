package components

import (
	"slices"
	"testing"
	"time"
)

func TestMergeOutbox(t *testing.T) {
	at := func(id string, sec int) pendingMsg {
		return pendingMsg{ClientID: id, Created: time.Unix(int64(sec), 0)}
	}
	tests := []struct {
		name         string
		stored, mine []pendingMsg
		want         []string
	}{
		{"nothing", nil, nil, []string{}},
		{"only stored: another tab's queue is kept", []pendingMsg{at("a", 1)}, nil, []string{"a"}},
		{"only mine", nil, []pendingMsg{at("a", 1)}, []string{"a"}},
		{"both tabs wrote: union in typing order", []pendingMsg{at("b", 2)}, []pendingMsg{at("a", 1), at("c", 3)}, []string{"a", "b", "c"}},
		{"the same message on both sides once", []pendingMsg{at("a", 1), at("b", 2)}, []pendingMsg{at("b", 2)}, []string{"a", "b"}},
		{"same time keeps stored then mine", []pendingMsg{at("x", 1)}, []pendingMsg{at("y", 1)}, []string{"x", "y"}},
		{"no clientId is dropped", []pendingMsg{at("", 1)}, []pendingMsg{at("a", 2)}, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stored, mine := slices.Clone(tc.stored), slices.Clone(tc.mine)
			if got := clientIDs(mergeOutbox(tc.stored, tc.mine)); !slices.Equal(got, tc.want) {
				t.Errorf("mergeOutbox = %v, want %v", got, tc.want)
			}
			if !slices.Equal(stored, tc.stored) || !slices.Equal(mine, tc.mine) {
				t.Errorf("mergeOutbox modified its input")
			}
		})
	}
}
