//go:build linux

package capture

import (
	"fmt"
	"os"
)

// ProcSockets reads every TCP socket of this network namespace from
// /proc/net/tcp and /proc/net/tcp6.
func ProcSockets() ([]ProcSocket, error) {
	var all []ProcSocket
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if os.IsNotExist(err) && name == "/proc/net/tcp6" {
			continue // IPv6 disabled
		}
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		s, err := ParseProcNet(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("capture: %s: %w", name, err)
		}
		all = append(all, s...)
	}
	return all, nil
}
