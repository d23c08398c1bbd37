//go:build !linux

package capture

import (
	"errors"
	"fmt"
	"runtime"
)

// ProcSockets reads every TCP socket from /proc/net/tcp; not here.
func ProcSockets() ([]ProcSocket, error) {
	return nil, fmt.Errorf("capture: /proc/net/tcp is Linux's, this is %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
