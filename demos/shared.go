package demos

import (
	"socketlab/lab"
)

// This file is the one place for what demo files borrow from each other
// (issue 17): a demo file then holds only its own demo and reads alone next
// to its tutorial. (Helper W gathers the other borrowed helpers here.)

// ops returns the events of kind op.
func ops(t lab.Trace, op lab.Op) lab.Trace {
	return t.Filter(func(e lab.Event) bool { return e.Op == op })
}
