package lab

import (
	"os"
	"strconv"
	"strings"
)

// SystemBacklog is the longest accept queue the system grants a listen()
// (net.core.somaxconn): a classroom server asks for it.
func SystemBacklog() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if n, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && n > 0 {
		return n
	}
	return 4096
}
