package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrNotLoopback reports a target or source address outside the loopback
// range: the load generator only ever talks to this machine.
var ErrNotLoopback = errors.New("not a loopback address")

// checkLoopbackURL parses raw and accepts it only when it is an http URL
// whose host is "localhost", an IPv4 address in 127.0.0.0/8 or ::1. It
// never resolves names: any other name is refused, so that a typo or a
// DNS answer can never point the load at another machine.
func checkLoopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("url %q: scheme must be http", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("url %q: no host", raw)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("url %q: host %q: %w (use 127.0.0.0/8, ::1 or localhost)", raw, host, ErrNotLoopback)
	}
	return u, nil
}

// isLoopbackHost reports whether host (without port or brackets) is
// localhost or a loopback IP literal.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseSourceIPs parses a comma-separated list of loopback IPv4 or IPv6
// literals used as local addresses of client sockets.
func parseSourceIPs(s string) ([]net.IP, error) {
	var ips []net.IP
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ip := net.ParseIP(f)
		if ip == nil {
			return nil, fmt.Errorf("source ip %q: not an IP address", f)
		}
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("source ip %q: %w", f, ErrNotLoopback)
		}
		ips = append(ips, ip)
	}
	if len(ips) == 0 {
		return nil, errors.New("source ips: empty list")
	}
	return ips, nil
}
