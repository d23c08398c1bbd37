package lab

// Signalled reports whether the barrier called name has been signalled,
// without waiting and without a trace event: a side uses it to learn a
// decision the other side announced before an event it has already seen
// (for example a signal made before closing, checked after reading EOF).
func (s *Side) Signalled(name string) bool {
	select {
	case <-s.run.barrier(name):
		return true
	default:
		return false
	}
}
