package server

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestQueryValueAgreesWithParseQuery: queryValue finds what
// url.ParseQuery's Get would, including what ParseQuery refuses.
func TestQueryValueAgreesWithParseQuery(t *testing.T) {
	queries := []string{
		"", "room", "room=", "room=lobby", "x=1&room=lobby&room=other",
		"room=a%20b", "room=a+b", "r%6Fom=lobby", "room=%zz&room=good",
		"room=a;b&room=c", "&&room=lobby&", "lastEventId=42&room=lobby",
		"room=%", "%zz=1&room=x", "room=lobby=x",
	}
	for _, raw := range queries {
		want, _ := url.ParseQuery(raw)
		for _, key := range []string{"room", "lastEventId"} {
			_, wantPresent := want[key]
			got, present := queryValue(raw, key)
			if got != want.Get(key) || present != wantPresent {
				t.Errorf("queryValue(%q, %q) = %q, %v; ParseQuery gives %q, %v", raw, key, got, present, want.Get(key), wantPresent)
			}
		}
	}
}

// TestStreamQueryWithoutAllocating: reading a stream request's room and
// resume point builds no url.Values (r3labs parses the query it is handed
// once more, and the request then stays for the connection's life).
func TestStreamQueryWithoutAllocating(t *testing.T) {
	r := httptest.NewRequest("GET", "/eventstream?room=lobby&lastEventId=lq3k9x2a1b-42", nil)
	var res resume
	allocs := testing.AllocsPerRun(100, func() {
		if room, _ := queryValue(r.URL.RawQuery, "room"); room != "lobby" {
			t.Fatalf("room %q", room)
		}
		res = parseResume(r, "lq3k9x2a1b")
	})
	if allocs != 0 {
		t.Errorf("reading room and lastEventId allocates %v times, want 0", allocs)
	}
	if !res.requested || !res.valid || res.id != 42 {
		t.Errorf("parseResume = %+v, want id 42", res)
	}
}
