package main

import (
	"errors"
	"testing"
)

func TestCheckLoopbackURL(t *testing.T) {
	tests := []struct {
		url      string
		ok       bool
		loopback bool // a refusal for the host, as opposed to a malformed URL
	}{
		{"http://127.0.0.1:8000", true, true},
		{"http://127.9.8.7", true, true},
		{"http://localhost:8765", true, true},
		{"http://LOCALHOST:8765", true, true},
		{"http://[::1]:8000", true, true},
		{"http://10.0.0.1:8000", false, true},
		{"http://example.com", false, true},
		{"http://localhost.example.com", false, true},
		{"http://127.0.0.1.nip.io", false, true},
		{"http://[::ffff:10.0.0.1]:80", false, true},
		{"http://0.0.0.0:8000", false, true},
		{"https://127.0.0.1", false, false},
		{"127.0.0.1:8000", false, false},
		{"http://", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			_, err := checkLoopbackURL(tc.url)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted, want refused")
			}
			if got := errors.Is(err, ErrNotLoopback); got != tc.loopback {
				t.Errorf("errors.Is(ErrNotLoopback) = %v, want %v (%v)", got, tc.loopback, err)
			}
		})
	}
}

func TestParseSourceIPs(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		fail bool
	}{
		{"127.0.0.1", 1, false},
		{"127.0.0.1, 127.0.0.2,127.0.0.3", 3, false},
		{"::1", 1, false},
		{"10.0.0.1", 0, true},
		{"127.0.0.1,192.168.1.1", 0, true},
		{"nope", 0, true},
		{"", 0, true},
	}
	for _, tc := range tests {
		ips, err := parseSourceIPs(tc.in)
		if (err != nil) != tc.fail || len(ips) != tc.n {
			t.Errorf("parseSourceIPs(%q) = %v, %v; want %d addresses, fail %v", tc.in, ips, err, tc.n, tc.fail)
		}
	}
}

func TestMainRefusesBadFlags(t *testing.T) {
	tests := [][]string{
		{"--url", "http://10.0.0.1:8000"},
		{"--url", "http://example.com"},
		{"--subscribers", "1000000"},
		{"--duration", "11m"},
		{"--rate", "-1"},
		{"--size", "10"},
		{"--in-flight", "4"}, // --rate is 20 by default: a closed loop needs --rate 0
		{"--rate", "0", "--in-flight", "65"},
		{"--rate", "0", "--in-flight", "-1"},
		{"--source-ips", "10.1.1.1"},
	}
	for _, args := range tests {
		var out, errOut testBuffer
		if code := mainErr(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
		if errOut.Len() == 0 {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
}
