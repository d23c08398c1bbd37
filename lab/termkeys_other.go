//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package lab

import (
	"errors"
	"os"
)

// cbreak is not available here: the keys are read as lines (Enter after
// each), which is what TermKeys falls back to.
func cbreak(*os.File) (func(), error) { return nil, errors.ErrUnsupported }
