package components

import (
	"slices"
	"testing"

	tt "tickertalk/app"
)

func ids(msgs []tt.ChatMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func msgs(idList ...string) []tt.ChatMessage {
	out := make([]tt.ChatMessage, len(idList))
	for i, id := range idList {
		out[i] = tt.ChatMessage{ID: id, Text: "m" + id}
	}
	return out
}

func TestIDLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"9", "10", true},
		{"10", "9", false},
		{"99", "100", true},
		{"42", "42", false},
		{"", "1", true},
		{"123", "124", true},
	}
	for _, tt := range tests {
		if got := idLess(tt.a, tt.b); got != tt.want {
			t.Errorf("idLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMergeMessages(t *testing.T) {
	tests := []struct {
		name     string
		list, in []tt.ChatMessage
		want     []string
	}{
		{"append", msgs("1", "2"), msgs("3"), []string{"1", "2", "3"}},
		{"dedupe", msgs("1", "2"), msgs("2", "2"), []string{"1", "2"}},
		{"numeric order", msgs("9", "11"), msgs("10", "100", "2"), []string{"2", "9", "10", "11", "100"}},
		{"prepend page", msgs("51", "52"), msgs("1", "50"), []string{"1", "50", "51", "52"}},
		{"skip empty id", msgs("1"), []tt.ChatMessage{{Text: "no id"}}, []string{"1"}},
		{"empty", nil, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ids(tt.list)
			got := ids(mergeMessages(tt.list, tt.in...))
			if !slices.Equal(got, tt.want) {
				t.Errorf("merge = %v, want %v", got, tt.want)
			}
			if !slices.Equal(ids(tt.list), before) {
				t.Errorf("merge modified its input: %v", ids(tt.list))
			}
		})
	}
}

func TestMergeReplacesSameID(t *testing.T) {
	old := []tt.ChatMessage{{ID: "5", Text: "old"}}
	got := mergeMessages(old, tt.ChatMessage{ID: "5", Text: "new"})
	if len(got) != 1 || got[0].Text != "new" {
		t.Errorf("merge = %+v, want the newer copy", got)
	}
	if old[0].Text != "old" {
		t.Errorf("merge modified its input")
	}
}

func TestNewestAndEnds(t *testing.T) {
	list := msgs("1", "2", "3", "4")
	if got := ids(newest(list, 2)); !slices.Equal(got, []string{"3", "4"}) {
		t.Errorf("newest(2) = %v", got)
	}
	if got := ids(newest(list, 10)); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("newest(10) = %v", got)
	}
	if oldestID(list) != "1" || newestID(list) != "4" || oldestID(nil) != "" || newestID(nil) != "" {
		t.Errorf("oldestID/newestID wrong")
	}
}
