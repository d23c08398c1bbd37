//go:build !linux

package lab

import "syscall"

// bindForWire does nothing here: only Linux captures packets.
func bindForWire(string, string, syscall.RawConn) (uint16, error) { return 0, nil }
