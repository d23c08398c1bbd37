//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/net/bpf"
)

// Elsewhere than Linux there is no AF_PACKET: Open and Probe say so, and
// the trace shows the socket calls without the segments under them.

func errNoCapture() error {
	return fmt.Errorf("capture: packet capture needs Linux (AF_PACKET), this is %s: "+
		"the trace cannot show the TCP segments and UDP datagrams the kernel sent: %w",
		runtime.GOOS, errors.ErrUnsupported)
}

func probe() (string, error) { return "", errNoCapture() }

func openSource(Config, []bpf.RawInstruction) (source, error) { return nil, errNoCapture() }
