package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name    string
		p       proxies
		remote  string
		xff     []string
		want    string
		wantKey string
	}{
		{"no proxies: the peer", nil, "192.0.2.1:5000", []string{"198.51.100.1"}, "192.0.2.1", "192.0.2.1"},
		{"untrusted peer: header ignored", trusted, "192.0.2.1:5000", []string{"198.51.100.1"}, "192.0.2.1", ""},
		{"trusted peer, one hop", trusted, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1", ""},
		{"forged left part ignored", trusted, "10.1.2.3:5000", []string{"203.0.113.5, 198.51.100.1"}, "198.51.100.1", ""},
		{"trusted hops skipped", trusted, "127.0.0.1:5000", []string{"198.51.100.1, 10.9.9.9", "10.0.0.1"}, "198.51.100.1", ""},
		{"all trusted: the left-most", trusted, "127.0.0.1:5000", []string{"10.0.0.2, 10.0.0.1"}, "10.0.0.2", ""},
		{"malformed hop: the last trusted", trusted, "10.1.2.3:5000", []string{"junk"}, "10.1.2.3", ""},
		{"no header: the proxy", trusted, "10.1.2.3:5000", nil, "10.1.2.3", ""},
		{"hop with a port", trusted, "10.1.2.3:5000", []string{"[2001:db8::7]:443"}, "2001:db8::7", "2001:db8::/64"},
		{"ipv6 peer keyed by /64", nil, "[2001:db8:1:2:3:4:5:6]:80", nil, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := tc.p.clientAddr(r)
			if got.String() != tc.want {
				t.Errorf("clientAddr = %v, want %s", got, tc.want)
			}
			if tc.wantKey != "" && limitKey(got) != tc.wantKey {
				t.Errorf("limitKey = %s, want %s", limitKey(got), tc.wantKey)
			}
		})
	}
}
