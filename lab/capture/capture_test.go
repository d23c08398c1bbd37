package capture

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/bpf"
)

// fakeRing is a source whose frames a test queues; like the kernel's
// ring it reuses its memory, so Drain must copy.
type fakeRing struct {
	frames [][]byte
	metas  []meta
	slot   []byte
	filter []bpf.RawInstruction
	closed bool
}

func (f *fakeRing) name() string                           { return "fake" }
func (f *fakeRing) setFilter(p []bpf.RawInstruction) error { f.filter = p; return nil }
func (f *fakeRing) wait(ctx context.Context) error         { return ctx.Err() }
func (f *fakeRing) drops() (uint64, error)                 { return 1, nil }
func (f *fakeRing) close() error                           { f.closed = true; return nil }
func (f *fakeRing) push(m meta, frame []byte) {
	f.frames, f.metas = append(f.frames, frame), append(f.metas, m)
}
func (f *fakeRing) release() { f.frames, f.metas = f.frames[1:], f.metas[1:]; clear(f.slot) }
func (f *fakeRing) next() ([]byte, meta, bool) {
	if len(f.frames) == 0 {
		return nil, meta{}, false
	}
	f.slot = append(f.slot[:0], f.frames[0]...)
	return f.slot, f.metas[0], true
}

func TestDrain(t *testing.T) {
	src := &fakeRing{}
	c := &Capture{src: src, snap: 128, frames: 100}
	t0 := time.Unix(1000, 5)
	syn := build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: SYN, opts: optsSYN})
	ack := build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: ACK, seq: 1})
	src.push(meta{time: t0, frameLen: len(syn), pktType: Outgoing}, syn)
	src.push(meta{time: t0, frameLen: len(syn), pktType: Host, ifindex: 1}, syn)
	src.push(meta{time: t0.Add(time.Microsecond), frameLen: 9000, pktType: Host, ifindex: 1}, ack)
	src.push(meta{pktType: Host}, []byte("not a packet"))

	got := c.Drain()
	if len(got) != 2 || got[0].Flags != SYN || got[1].Flags != ACK {
		t.Fatalf("drained %d packets", len(got))
	}
	if got[0].Time != t0 || got[0].Ifindex != 1 || got[0].Type != Host || got[1].FrameLen != 9000 {
		t.Errorf("meta not kept: %v %d %v %d", got[0].Time, got[0].Ifindex, got[0].Type, got[1].FrameLen)
	}
	if string(got[0].Frame) != string(syn) || got[0].Options.MSS != 65495 {
		t.Error("the packet's bytes are not its own: the ring's memory was reused")
	}
	if st := c.Stats(); st.Packets != 2 || st.Outgoing != 1 || st.Undecoded != 1 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
	if more := c.Drain(); more != nil {
		t.Errorf("drained again: %d packets", len(more))
	}

	// Drain takes at most a ring's worth of frames at once.
	c.frames = 3
	for range 5 {
		src.push(meta{}, ack)
	}
	if n := len(c.Drain()); n != 3 {
		t.Errorf("drained %d of 5 frames from a ring of 3", n)
	}

	if err := c.SetPorts(80, 443); err != nil || len(src.filter) == 0 || len(c.Ports()) != 2 {
		t.Errorf("set ports: %v, %d instructions, ports %v", err, len(src.filter), c.Ports())
	}
	if err := c.SetPorts(make([]uint16, MaxPorts+1)...); err == nil {
		t.Error("too many ports accepted")
	}
	if err := c.Close(); err != nil || !src.closed {
		t.Fatal(err)
	}
	if c.Drain() != nil || c.Close() != nil {
		t.Error("drained or failed after close")
	}
	if err := c.SetPorts(80); !errors.Is(err, net.ErrClosed) {
		t.Errorf("set ports after close: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []Config{{Snap: 63}, {Snap: 65537}, {Frames: 15}, {Frames: 1<<20 + 1}, {Ports: make([]uint16, MaxPorts+1)}} {
		if c, err := Open(cfg); err == nil {
			c.Close()
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestPrivilegeError(t *testing.T) {
	e := &PrivilegeError{Binary: "/usr/local/bin/lab", Err: os.NewSyscallError("socket(AF_PACKET)", syscall.EPERM)}
	msg := e.Error()
	for _, want := range []string{"no privilege", "cannot show", "SYN", "sudo setcap cap_net_raw+ep /usr/local/bin/lab", "operation not permitted"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if !errors.Is(e, os.ErrPermission) {
		t.Error("not os.ErrPermission")
	}
	if strings.Contains(e.Hint(), "go run") {
		t.Errorf("hint for an installed binary mentions go run: %q", e.Hint())
	}
	gorun := &PrivilegeError{Binary: "/tmp/go-build123/b001/exe/lab", Err: syscall.EPERM}
	if h := gorun.Hint(); !strings.Contains(h, "go run") || !strings.Contains(h, "go build") {
		t.Errorf("hint under go run: %q", h)
	}
	spaced := &PrivilegeError{Binary: "/home/ann/my lab's/lab", Err: syscall.EPERM}
	if got, want := spaced.Command(), `sudo setcap cap_net_raw+ep '/home/ann/my lab'\''s/lab'`; got != want {
		t.Errorf("%s, want %s", got, want)
	}
}
