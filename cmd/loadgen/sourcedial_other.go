//go:build !linux

package main

import "syscall"

// bindAddressNoPort does nothing: the option is Linux's, and elsewhere a
// bind with port 0 keeps its cost.
func bindAddressNoPort(_, _ string, _ syscall.RawConn) error { return nil }
