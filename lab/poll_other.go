//go:build !unix

package lab

import (
	"context"
	"errors"
)

// pollReadable: the lab has no poll(2) to call on this system (Windows), so
// Select cannot show one goroutine waiting on several sockets.
func pollReadable(context.Context, []uintptr) ([]bool, error) {
	return nil, errors.ErrUnsupported
}
