package exercise

import (
	"net/netip"
	"time"

	"socketlab/lab"
	"socketlab/lab/capture"
)

// sendSliced sends b in pieces of the given sizes (the last size repeats),
// and before each next piece waits until the program has read every byte
// sent so far: its socket's receive queue in /proc/net/tcp is empty. So
// each piece reaches a separate recv() of the program, every run, not
// only when it happens to be quick. Where /proc is missing it waits 30 ms
// between pieces instead.
func sendSliced(c *lab.Conn, b []byte, sizes ...int) error {
	if len(sizes) == 0 {
		sizes = []int{1}
	}
	for i := 0; len(b) > 0; i++ {
		n := min(sizes[min(i, len(sizes)-1)], len(b))
		if err := c.SendAll(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if len(b) > 0 {
			waitRead(c)
		}
	}
	return nil
}

// waitRead waits until the program at the other end of c has read all
// that c sent (at most 2 s).
func waitRead(c *lab.Conn) {
	local, err1 := netip.ParseAddrPort(c.LocalAddr().String())
	remote, err2 := netip.ParseAddrPort(c.RemoteAddr().String())
	if err1 != nil || err2 != nil {
		time.Sleep(30 * time.Millisecond)
		return
	}
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		// The program's socket: local and remote swapped.
		s, _, err := capture.Lookup(remote, local)
		if err != nil {
			time.Sleep(30 * time.Millisecond)
			return
		}
		if s.RxQueue == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
