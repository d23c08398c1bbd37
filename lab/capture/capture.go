package capture

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/bpf"
)

// DefaultSnap is the snap length Open uses unless told otherwise: room
// for the Ethernet, IPv6 and TCP headers with every option (114 bytes)
// and the first bytes of the payload. A 200 MB transfer stays cheap.
const DefaultSnap = 128

// Config says what to capture.
type Config struct {
	Interface string   // "lo" unless set
	Ports     []uint16 // TCP and UDP ports to keep, from or to; none keeps nothing until SetPorts
	Snap      int      // bytes kept of each frame, DefaultSnap unless set (at least 64)
	Frames    int      // frames the ring holds between two drains, 4,096 unless set
}

func (c *Config) defaults() error {
	if c.Interface == "" {
		c.Interface = "lo"
	}
	if c.Snap == 0 {
		c.Snap = DefaultSnap
	}
	if c.Frames == 0 {
		c.Frames = 4096
	}
	if c.Snap < 64 || c.Snap > 65536 {
		return fmt.Errorf("capture: snap length %d, want 64 to 65536", c.Snap)
	}
	if c.Frames < 16 || c.Frames > 1<<20 {
		return fmt.Errorf("capture: %d frames, want 16 to %d", c.Frames, 1<<20)
	}
	return nil
}

// Capture is an open packet capture on one interface. Its methods are safe
// for concurrent use; Waits are serialised (a second one waits for the
// first to return).
//
// A capture hands out each packet once, in the order the kernel delivered
// them: Drain just before the lab records each socket call (the segments
// that call caused are queued by the time it returns), and a goroutine
// that Waits and Drains for what timers send between calls:
//
//	for c.Wait(ctx) == nil {
//		record(c.Drain()) // under the lock the recorder's Drain takes too
//	}
type Capture struct {
	src    source
	snap   int
	frames int

	mu     sync.Mutex // serialises the ring's reader
	ports  []uint16
	stats  Stats
	closed bool

	waitMu sync.Mutex
}

// Stats counts what a capture saw.
type Stats struct {
	Packets   uint64 // decoded and handed out by Drain
	Undecoded uint64 // kept by the filter but not decoded (see Decode's errors)
	Outgoing  uint64 // outgoing copies dropped (seen only if the kernel lacks PACKET_IGNORE_OUTGOING)
	Dropped   uint64 // dropped by the kernel: the ring was full (PACKET_STATISTICS)
}

// source is what a platform gives the portable part: a ring of frames.
// next and release are called with Capture.mu held; wait is not.
type source interface {
	name() string
	setFilter(prog []bpf.RawInstruction) error
	next() (frame []byte, m meta, ok bool) // the oldest frame queued, valid until release
	release()
	wait(ctx context.Context) error // until a frame is queued; net.ErrClosed once closed
	drops() (uint64, error)
	close() error
}

// meta is what the kernel says of a frame besides its bytes.
type meta struct {
	time     time.Time
	frameLen int
	pktType  PacketType
	ifindex  int
}

// Open starts capturing cfg.Ports on cfg.Interface. Without the privilege
// it returns a *PrivilegeError; elsewhere than Linux an error that wraps
// errors.ErrUnsupported.
func Open(cfg Config) (*Capture, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	prog, err := Filter(cfg.Ports, cfg.Snap)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	src, err := openSource(cfg, prog)
	if err != nil {
		return nil, err
	}
	return &Capture{src: src, snap: cfg.Snap, frames: cfg.Frames, ports: slices.Clone(cfg.Ports)}, nil
}

// Source names where the packets come from, for a note in the trace.
func (c *Capture) Source() string { return c.src.name() }

// Snap is the snap length: how many bytes of each frame are kept.
func (c *Capture) Snap() int { return c.snap }

// SetPorts replaces the ports the capture keeps, e.g. once a listener has
// its port or a client has bound its own. Packets already queued stay.
func (c *Capture) SetPorts(ports ...uint16) error {
	prog, err := Filter(ports, c.snap)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("capture: set ports: %w", net.ErrClosed)
	}
	if err := c.src.setFilter(prog); err != nil {
		return fmt.Errorf("capture: set ports: %w", err)
	}
	c.ports = slices.Clone(ports)
	return nil
}

// Ports returns the ports the capture keeps.
func (c *Capture) Ports() []uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ports)
}

// Drain returns every packet queued right now, oldest first, without
// waiting; nil when there is none or the capture is closed. Each packet's
// bytes are its own.
func (c *Capture) Drain() []Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	var out []Packet
	// At most a ring's worth: a flood cannot keep one Drain going.
	for range c.frames {
		frame, m, ok := c.src.next()
		if !ok {
			break
		}
		if m.pktType == Outgoing {
			c.stats.Outgoing++
			c.src.release()
			continue
		}
		own := slices.Clone(frame)
		c.src.release()
		p, err := Decode(own)
		if err != nil {
			c.stats.Undecoded++
			continue
		}
		p.Time, p.Type, p.Ifindex, p.FrameLen = m.time, m.pktType, m.ifindex, m.frameLen
		c.stats.Packets++
		out = append(out, p)
	}
	return out
}

// Wait blocks until a packet is queued (Drain will return it), ctx is
// done (its error) or the capture is closed (net.ErrClosed).
func (c *Capture) Wait(ctx context.Context) error {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	return c.src.wait(ctx)
}

// Stats returns the counts so far.
func (c *Capture) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		if n, err := c.src.drops(); err == nil {
			c.stats.Dropped += n
		}
	}
	return c.stats
}

// Close stops the capture. Packets not drained are lost; a Wait returns
// net.ErrClosed.
func (c *Capture) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if n, err := c.src.drops(); err == nil {
		c.stats.Dropped += n
	}
	c.closed = true
	return c.src.close()
}

// PrivilegeError is what Open returns when this process may not capture:
// it is neither root nor holds CAP_NET_RAW. Its message says what the
// trace cannot show and the command that fixes it.
type PrivilegeError struct {
	Binary string // the program that would need the capability
	Err    error  // what the kernel said (EPERM)
}

func (e *PrivilegeError) Error() string {
	return fmt.Sprintf("capture: no privilege to capture packets (%v): "+
		"the trace cannot show the TCP segments and UDP datagrams the kernel sent "+
		"(SYN, ACK, FIN, RST, retransmissions); run as root, or give the program the capability: %s",
		e.Err, e.Command())
}

// Unwrap returns the kernel's error: errors.Is(err, os.ErrPermission) holds.
func (e *PrivilegeError) Unwrap() error { return e.Err }

// Command is the command that gives the program the capability.
func (e *PrivilegeError) Command() string {
	return "sudo setcap cap_net_raw+ep " + shellQuote(e.Binary)
}

// Hint says how to fix it, for a "lab: hint:" line: the command, and
// that a capability set on a binary is lost when it is rebuilt (and that
// go run builds a new one each time).
func (e *PrivilegeError) Hint() string {
	h := e.Command() + " (run it again after every rebuild: a new binary has no capability)"
	if strings.Contains(e.Binary, "go-build") {
		h += "; go run builds a new binary each time: go build -o lab ./cmd/lab, then setcap and run ./lab"
	}
	return h
}

func newPrivilegeError(err error) *PrivilegeError {
	bin, xerr := os.Executable()
	if xerr != nil {
		bin = os.Args[0]
	}
	return &PrivilegeError{Binary: bin, Err: err}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Support says whether this process can capture, and what shows the
// segments instead when it cannot.
type Support struct {
	OK     bool   // Open will work (on lo)
	Source string // what Open captures with, or the fallback that is left
	Err    error  // why not: a *PrivilegeError, or one that wraps errors.ErrUnsupported
}

// Fallback is what the lab can show of the kernel's segments on Linux without
// capturing: counters of the socket itself.
const Fallback = "TCP_INFO counters per socket and /proc/net/tcp states (no segments)"

// Probe tries to open a packet socket (one that receives nothing) to learn
// whether capture is possible here.
func Probe() Support {
	name, err := probe()
	if err != nil {
		return Support{Source: fallback(), Err: err}
	}
	return Support{OK: true, Source: name}
}
