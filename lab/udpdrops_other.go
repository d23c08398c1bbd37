//go:build !linux

package lab

import (
	"errors"
	"net"
)

// udpDrops: only Linux says per socket how many datagrams it dropped.
func udpDrops(net.Addr) (int, error) { return 0, errors.ErrUnsupported }
