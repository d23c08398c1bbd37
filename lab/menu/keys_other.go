//go:build !unix

package menu

import (
	"errors"
	"os"
)

// errWoken would end a Read that interrupt stopped; here nothing can.
var errWoken = errors.New("woken")

// newTTYSource fails here: this platform cannot stop a waiting read of the
// console, so Keys.Pause cannot keep keys from the lab while a pager runs.
func newTTYSource(*os.File) (source, error) {
	return nil, errors.New("a console read cannot be interrupted here")
}
