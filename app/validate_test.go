package app

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateRoom(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"lobby", true},
		{"a", true},
		{"0-day", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false},
		{"", false},
		{"-lobby", false},
		{"Lobby", false},
		{"lob by", false},
		{"lobby\r\nx", false},
		{"lobby\n", false},
		{"../etc", false},
		{"été", false},
	}
	for _, tt := range tests {
		err := ValidateRoom(tt.name)
		if got := err == nil; got != tt.ok {
			t.Errorf("ValidateRoom(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		assertCode(t, err, CodeInvalidRoom)
	}
}

func TestValidateNick(t *testing.T) {
	tests := []struct {
		nick string
		ok   bool
	}{
		{"alice", true},
		{"Zoë", true},
		{"名前", true},
		{"a.b_c-d9", true},
		{strings.Repeat("é", 24), true},
		{strings.Repeat("é", 25), false},
		{"", false},
		{"al ice", false},
		{"alice\r\n", false},
		{"<b>", false},
		{"\xff", false},
		{"山田", true},
		{"\u3164", false},       // Hangul filler: a letter that shows as nothing
		{"alice\u3164", false},  // the same after a name
		{"bob\uFFA0", false},    // halfwidth Hangul filler
		{"\u115F\u1160", false}, // Hangul choseong and jungseong fillers
	}
	for _, tt := range tests {
		err := ValidateNick(tt.nick)
		if got := err == nil; got != tt.ok {
			t.Errorf("ValidateNick(%q) = %v, want ok=%v", tt.nick, err, tt.ok)
		}
		assertCode(t, err, CodeInvalidNick)
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"hi", "hi", true},
		{"  hi \n", "hi", true},
		{"a\r\nb\rc", "a\nb\nc", true},
		{"tab\there", "tab\there", true},
		{"<script>alert(1)</script>", "<script>alert(1)</script>", true},
		{strings.Repeat("é", 2000), strings.Repeat("é", 2000), true},
		{strings.Repeat("é", 2001), "", false},
		{"", "", false},
		{" \n\t ", "", false},
		{"bell\a", "", false},
		{"nul\x00", "", false},
		{"esc\x1b[31m", "", false},
		{"del\x7f", "", false},
		{"c1\u0085x", "", false},
		{"bad\xffutf8", "", false},
		{"hello \u202egnp.exe", "", false}, // right-to-left override
		{"a\u202ab", "", false},
		{"a\u202bb", "", false},
		{"a\u202cb", "", false},
		{"a\u202db", "", false},
		{"a\u2066b", "", false}, // isolates
		{"a\u2067b", "", false},
		{"a\u2068b", "", false},
		{"a\u2069b", "", false},
		{"a\u200eb", "", false}, // marks
		{"a\u200fb", "", false},
		{"a\u061cb", "", false},
		{"שלום world", "שלום world", true},
		{"emoji 👩\u200d💻", "emoji 👩\u200d💻", true}, // a joiner is no bidi control
	}
	for _, tt := range tests {
		got, err := NormalizeText(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeText(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		assertCode(t, err, CodeInvalidText)
	}
}

func TestSendRequestValidate(t *testing.T) {
	r, err := SendRequest{Room: "lobby", Text: " hi ", ClientID: "0b7c3c1e-8c1f-4a55-9f59-6f7d3f1c2a10"}.Validate()
	if err != nil || r.Text != "hi" {
		t.Fatalf("Validate() = %+v, %v", r, err)
	}
	for _, bad := range []SendRequest{
		{Room: "", Text: "hi", ClientID: "x"},
		{Room: "lobby", Text: "", ClientID: "x"},
		{Room: "lobby", Text: "hi", ClientID: ""},
		{Room: "lobby", Text: "hi", ClientID: "a b"},
		{Room: "lobby", Text: "hi", ClientID: strings.Repeat("a", 65)},
	} {
		if _, err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) succeeded", bad)
		}
	}
}

func assertCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		return
	}
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Code != code {
		t.Errorf("error %v: want InvalidError with code %q", err, code)
	}
}
