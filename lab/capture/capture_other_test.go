//go:build !linux

package capture

import (
	"errors"
	"strings"
	"testing"
)

// Elsewhere than Linux, Open, Probe, Snapshot and ProcSockets say that
// they cannot, and why.
func TestUnsupported(t *testing.T) {
	_, err := Open(Config{})
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "cannot show") {
		t.Errorf("open: %v", err)
	}
	if s := Probe(); s.OK || !errors.Is(s.Err, errors.ErrUnsupported) {
		t.Errorf("probe: %+v", s)
	}
	if _, err := Snapshot(nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("snapshot: %v", err)
	}
	if _, err := ProcSockets(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("/proc/net/tcp: %v", err)
	}
}
