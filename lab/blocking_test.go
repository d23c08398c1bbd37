package lab

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestBlockingModes: a non-blocking recv on an empty buffer fails with
// EAGAIN at once and returns the bytes once they are there; a recv under
// settimeout fails with a timeout no sooner than the timeout and leaves the
// socket usable; settimeout(None) makes it wait again. The calls are
// labelled as Python writes them.
func TestBlockingModes(t *testing.T) {
	const timeout = 30 * time.Millisecond
	var empty, timedOut error
	var got, later []byte
	var waited time.Duration
	d := pairDemo("modes",
		func(s *Side, c *Conn) error {
			if err := c.SetBlocking(false); err != nil {
				return err
			}
			_, empty = c.Recv(1024)
			s.Signal("tried")
			if err := s.Wait("sent"); err != nil {
				return err
			}
			if _, err := c.WaitQueued(5); err != nil && runtime.GOOS == "linux" {
				return err
			}
			var err error
			if got, err = c.Recv(1024); err != nil {
				return err
			}
			if err := c.SetTimeout(timeout); err != nil {
				return err
			}
			start := time.Now()
			_, timedOut = c.Recv(1024)
			waited = time.Since(start)
			s.Signal("timed-out")
			if err := c.SetTimeout(-1); err != nil {
				return err
			}
			if later, err = c.Recv(1024); err != nil { // blocks until "later"
				return err
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			if err := s.Wait("tried"); err != nil {
				return err
			}
			if err := c.SendAll([]byte("hello")); err != nil {
				return err
			}
			s.Signal("sent")
			if err := s.Wait("timed-out"); err != nil {
				return err
			}
			if err := c.SendAll([]byte("later")); err != nil {
				return err
			}
			return c.Close()
		}, nil)
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := Classify(empty); c != ClassWouldBlock {
		t.Errorf("non-blocking recv on an empty buffer: %v (%v), want EAGAIN", empty, c)
	}
	if string(got) != "hello" || string(later) != "later" {
		t.Errorf("got %q and %q", got, later)
	}
	if c := Classify(timedOut); c != ClassTimeout {
		t.Errorf("recv under settimeout: %v (%v), want a timeout", timedOut, c)
	}
	if waited < timeout {
		t.Errorf("the timeout fired after %v, before %v", waited, timeout)
	}
	var calls []string
	for _, e := range res.Trace.Calls(Server, OpSetOpt) {
		calls = append(calls, e.Call)
	}
	if want := []string{"setblocking(False)", "settimeout(0.03)", "settimeout(None)"}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
	recvs := res.Trace.Filter(func(e Event) bool { return e.Side == Server && e.Op == OpRecv })
	if len(recvs) != 4 || recvs[0].Errno != "EAGAIN" || recvs[2].Errno != "timeout" || recvs[0].N != 0 {
		t.Errorf("server recvs: %+v", recvs)
	}
	if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
		t.Error(bad)
	}
}

// TestSetTimeoutLabels: settimeout writes its argument as Python does.
func TestSetTimeoutLabels(t *testing.T) {
	d := pairDemo("labels",
		func(s *Side, c *Conn) error {
			for _, d := range []time.Duration{200 * time.Millisecond, 0, -1, 1500 * time.Millisecond} {
				if err := c.SetTimeout(d); err != nil {
					return err
				}
			}
			if err := c.SetBlocking(true); err != nil {
				return err
			}
			if d, nb := c.Timeout(); d != 0 || nb {
				t.Errorf("after setblocking(True): timeout %v, non-blocking %v", d, nb)
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error { return c.Close() }, nil)
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, e := range res.Trace.Calls(Server, OpSetOpt) {
		calls = append(calls, e.Call)
	}
	want := []string{"settimeout(0.2)", "settimeout(0)", "settimeout(None)", "settimeout(1.5)", "setblocking(True)"}
	if !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
}

// TestSignalWhenWaiting: the barrier is signalled only once the reader is
// really waiting, so the writer's send comes after the reader's "waiting"
// note; the same for a sendall into full buffers, which is marked Waited.
// A non-blocking send into the full buffers fails with EAGAIN.
func TestSignalWhenWaiting(t *testing.T) {
	var full error
	var fill int
	d := pairDemo("waiting",
		func(s *Side, c *Conn) error {
			c.SignalWhenWaiting("reader-waits")
			if b, err := c.Recv(1024); err != nil || string(b) != "hello" {
				t.Errorf("recv: %q, %v", b, err)
			}
			s.Signal("got-hello")
			if err := s.Wait("writer-waits"); err != nil {
				return err
			}
			n := 0
			for {
				b, err := c.Recv(32768)
				if err != nil {
					return err
				}
				if len(b) == 0 {
					break
				}
				n += len(b)
			}
			if n != fill+64<<10 {
				t.Errorf("read %d bytes, want %d", n, fill+64<<10)
			}
			return c.Close()
		},
		func(s *Side, c *Conn) error {
			if err := s.Wait("reader-waits"); err != nil {
				return err
			}
			if err := c.SendAll([]byte("hello")); err != nil {
				return err
			}
			if err := s.Wait("got-hello"); err != nil {
				return err
			}
			if _, err := c.SetSendBuffer(4096); err != nil {
				return err
			}
			if err := c.SetBlocking(false); err != nil {
				return err
			}
			chunk := make([]byte, 8192)
			for full == nil && fill < 64<<20 {
				var n int
				n, full = c.Send(chunk)
				fill += n
			}
			if err := c.SetBlocking(true); err != nil {
				return err
			}
			c.SignalWhenWaiting("writer-waits")
			if err := c.SendAll(make([]byte, 64<<10)); err != nil {
				return err
			}
			return c.Close()
		}, nil)
	res, err := Run(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := Classify(full); c != ClassWouldBlock {
		t.Errorf("non-blocking send into full buffers: %v (%v), want EAGAIN", full, c)
	}
	seq := func(keep func(Event) bool) int {
		for _, e := range res.Trace {
			if keep(e) {
				return e.Seq
			}
		}
		return 0
	}
	readerNote := seq(func(e Event) bool { return e.Side == Server && e.Op == OpNote && e.Name == NoteWaiting })
	hello := seq(func(e Event) bool { return e.Side == Client && e.Op == OpSendAll })
	if readerNote == 0 || hello == 0 || readerNote > hello {
		t.Errorf("the reader's waiting note (seq %d) must come before the writer's send (seq %d)", readerNote, hello)
	}
	writerNote := seq(func(e Event) bool { return e.Side == Client && e.Op == OpNote && e.Name == NoteWaiting })
	firstRead := seq(func(e Event) bool { return e.Side == Server && e.Op == OpRecv && e.Call == "recv(32768)" })
	if writerNote == 0 || firstRead == 0 || writerNote > firstRead {
		t.Errorf("the writer's waiting note (seq %d) must come before the reader reads (seq %d)", writerNote, firstRead)
	}
	all := res.Trace.Filter(func(e Event) bool { return e.Side == Client && e.Op == OpSendAll && e.Req == 64<<10 })
	if len(all) != 1 || !all[0].Waited || all[0].N != all[0].Req {
		t.Errorf("the blocking sendall: %+v, want it to have waited and sent all", all)
	}
	if bad := res.Trace.OutOfOrder(); len(bad) > 0 {
		t.Error(bad)
	}
}
