package grade

// Ending a program: SIGTERM to its group and every descendant, SIGKILL
// after the grace, until none is left.

import (
	"errors"
	"fmt"
	"time"
)

// Stop ends the program: SIGTERM to its group and descendants, after the
// grace SIGKILL, until none is left; then it reaps the first process,
// reads the rest of the output and releases what the lab held. It is
// idempotent and safe to call from several goroutines; every call returns
// when all is gone. The error says what could not be killed.
func (p *Program) Stop() error {
	p.stopOnce.Do(func() {
		p.stopErr = p.stop()
		close(p.done)
	})
	return p.stopErr
}

func (p *Program) stop() error {
	p.stopping.Store(true)
	p.afterCancel()
	var errs []error
	if alive, _ := p.grp.alive(); alive && p.grace > 0 && p.grp.signal(false) {
		p.until(p.grace, func() bool { a, _ := p.grp.alive(); return !a })
	}
	gone := p.until(10*time.Second, func() bool {
		a, err := p.grp.alive()
		if err != nil || !a {
			return true
		}
		p.grp.signal(true)
		return false
	})
	if !gone {
		errs = append(errs, errors.New("stop: processes of the program are left after SIGKILL for 10 s"))
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		errs = append(errs, fmt.Errorf("stop: process %d was not reaped", p.PID()))
	}
	t := time.NewTimer(time.Second)
	select {
	case <-p.read:
	case <-t.C: // a process out of reach holds the pipes: stop reading
		for _, f := range p.pipes {
			f.Close()
		}
		<-p.read
	}
	t.Stop()
	for _, f := range p.pipes {
		f.Close()
	}
	p.grp.release()
	return errors.Join(errs...)
}

// until calls done every few milliseconds until it returns true (then
// until returns true) or d has passed.
func (p *Program) until(d time.Duration, done func() bool) bool {
	end := time.Now().Add(d)
	for {
		if done() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
