//go:build !linux

package server

import "errors"

var errNoLowat = errors.New("TCP_NOTSENT_LOWAT is not supported here")

func setNotSentLowat(uintptr, int) error { return errNoLowat }

func notSentLowat(uintptr) (int, error) { return 0, errNoLowat }
