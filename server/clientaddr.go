package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// proxies are the reverse proxies whose forwarding headers the server
// believes (Options.TrustedProxies). Empty: none, and the address of the
// TCP peer is the client's.
type proxies []netip.Prefix

func (p proxies) trusts(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of r's TCP peer (the zero Addr if RemoteAddr
// cannot be parsed, which net/http never gives).
func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// clientAddr is the address of the person behind r. It is the TCP peer's,
// unless the peer is a trusted proxy: then it is the right-most address of
// X-Forwarded-For that is not a trusted proxy (each proxy appends the
// address it saw, so the entries left of the first untrusted one are the
// client's to forge). A malformed entry stops the walk at the last
// address a trusted proxy vouched for.
func (p proxies) clientAddr(r *http.Request) netip.Addr {
	addr := peerAddr(r)
	if len(p) == 0 || !p.trusts(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			return addr
		}
		addr = hop
		if !p.trusts(addr) {
			return addr
		}
	}
	return addr
}

// parseHop parses one X-Forwarded-For entry: an address, optionally with
// a port ("192.0.2.1:80", "[2001:db8::1]:80").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// forwardedTLS reports whether a trusted proxy in front of r says the
// client spoke HTTPS to it (X-Forwarded-Proto: https).
func (p proxies) forwardedTLS(r *http.Request) bool {
	if len(p) == 0 || !p.trusts(peerAddr(r)) {
		return false
	}
	for _, v := range strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",") {
		if strings.EqualFold(strings.TrimSpace(v), "https") {
			return true
		}
	}
	return false
}

// limitKey is the key of a client address in a per-address limiter: the
// address for IPv4, its /64 for IPv6, since one subscriber usually holds a
// whole /64 and could otherwise take a fresh address for every request.
func limitKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
