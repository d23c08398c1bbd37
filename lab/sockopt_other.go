//go:build !linux

package lab

import (
	"errors"
	"net"
)

// Elsewhere than Linux the lab does not set TCP_CORK or TCP_QUICKACK, read
// TCP_INFO or ask SIOCINQ: each helper returns errors.ErrUnsupported and the
// caller notes in the trace what it cannot show.

func tcpCork(net.Conn, bool) error     { return errors.ErrUnsupported }
func tcpQuickAck(net.Conn, bool) error { return errors.ErrUnsupported }

func tcpSegments(net.Conn) (in, out int, err error) { return 0, 0, errors.ErrUnsupported }

func queuedBytes(net.Conn) (int, error) { return 0, errors.ErrUnsupported }
