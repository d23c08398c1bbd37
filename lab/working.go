package lab

// Working marks work a side does between socket calls, such as hashing a
// whole file, until the returned func is called: the run's idle watchdog
// holds meanwhile, since a busy program is not a hung one, however loaded
// the machine. Keep it around bounded work only.
func (s *Side) Working() (done func()) {
	if s.run.watch == nil {
		return func() {}
	}
	return s.run.watch.hold()
}
