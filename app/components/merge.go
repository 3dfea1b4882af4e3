package components

import (
	"slices"

	tt "tickertalk/app"
)

// Number of messages kept per room in memory and in the offline cache.
const (
	maxShownMessages  = 500
	maxCachedMessages = 100
)

// idLess orders message ids as [tt.CompareMessageIDs] does: by sequence
// within one chat log, a later-created log's after an older one's, and
// anything that is not an id ("", a bare number cached before ids named
// their log) first.
func idLess(a, b string) bool { return tt.CompareMessageIDs(a, b) < 0 }

func idCompare(a, b string) int { return tt.CompareMessageIDs(a, b) }

// mergeMessages returns a new slice with the messages of list and in,
// without duplicate ids, sorted by numeric id. A message of in replaces the
// one of list with the same id. Neither input is modified.
func mergeMessages(list []tt.ChatMessage, in ...tt.ChatMessage) []tt.ChatMessage {
	out := make([]tt.ChatMessage, 0, len(list)+len(in))
	seen := make(map[string]int, len(list)+len(in))
	for _, m := range slices.Concat(list, in) {
		if m.ID == "" {
			continue
		}
		if i, ok := seen[m.ID]; ok {
			out[i] = m
			continue
		}
		seen[m.ID] = len(out)
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b tt.ChatMessage) int { return idCompare(a.ID, b.ID) })
	return out
}

// newest returns the last n messages of list (all of them when n exceeds
// its length), as a new slice.
func newest(list []tt.ChatMessage, n int) []tt.ChatMessage {
	return slices.Clone(list[max(0, len(list)-n):])
}

// oldestID is the id of the first message, "" when list is empty.
func oldestID(list []tt.ChatMessage) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].ID
}

// newestID is the id of the last message, "" when list is empty.
func newestID(list []tt.ChatMessage) string {
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1].ID
}

// newerThan returns the messages of list with an id above id, as a new
// slice (all of them when id is empty).
func newerThan(list []tt.ChatMessage, id string) []tt.ChatMessage {
	return slices.DeleteFunc(slices.Clone(list), func(m tt.ChatMessage) bool { return !idLess(id, m.ID) })
}
