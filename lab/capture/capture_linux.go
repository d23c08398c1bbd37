//go:build linux

package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The capture is an AF_PACKET socket with a TPACKET_V2 receive ring:
//
//	socket(AF_PACKET, SOCK_RAW, 0)   protocol 0: nothing arrives yet
//	PACKET_VERSION = TPACKET_V2
//	SO_ATTACH_FILTER                 ports, cut to the snap length
//	PACKET_IGNORE_OUTGOING           else lo shows every segment twice
//	PACKET_RX_RING + mmap            frames the kernel fills and stamps
//	bind(lo, ETH_P_ALL)              from now on
//
// Why a ring and not recvmsg with SO_TIMESTAMPNS: the kernel stamps each
// frame as it puts it in the ring, right from the first packet, while
// SO_TIMESTAMPNS on a plain packet socket gives read-time stamps for about
// 20 ms after it is turned on (a workqueue enables timestamps), which is
// the whole handshake of a short demo. TPACKET_V3 hands frames over a
// block at a time (~0.7 ms late); V2 hands each over as it lands. Reading
// the ring also needs no system call per packet. The order of the trace
// comes from draining before each call, not from these stamps.

// ring is a TPACKET_V2 receive ring. next and release run under
// Capture.mu; wait's callback only reads the status word of the frame at
// head, and never after close (os.File.Close waits for it to return).
type ring struct {
	file      *os.File
	rc        syscall.RawConn
	mem       []byte
	frameSize int
	frames    int
	head      atomic.Int32
	closed    atomic.Bool
	src       string
}

// Offsets in a ring frame: struct tpacket2_hdr, then struct sockaddr_ll
// at TPACKET_ALIGN(sizeof(tpacket2_hdr)).
const (
	sllOffset  = 32
	sllIfindex = sllOffset + 4
	sllPktType = sllOffset + 10
	// macSlack is where the kernel puts the frame in a ring slot at most:
	// TPACKET_ALIGN(TPACKET2_HDRLEN + 16), TPACKET2_HDRLEN being 52.
	macSlack = 80
)

func ringName(iface string) string { return "AF_PACKET on " + iface + ", TPACKET_V2 ring" }

func probe() (string, error) {
	fd, err := packetSocket()
	if err != nil {
		return "", err
	}
	unix.Close(fd)
	return ringName("lo"), nil
}

// packetSocket opens a packet socket that receives nothing until bound.
func packetSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		err = os.NewSyscallError("socket(AF_PACKET)", err)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return -1, newPrivilegeError(err)
		}
		return -1, fmt.Errorf("capture: %w", err)
	}
	return fd, nil
}

func openSource(cfg Config, prog []bpf.RawInstruction) (source, error) {
	ifi, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	fd, err := packetSocket()
	if err != nil {
		return nil, err
	}
	r := &ring{src: ringName(cfg.Interface)}
	if err := r.setup(fd, ifi.Index, cfg, prog); err != nil {
		if r.mem != nil {
			unix.Munmap(r.mem)
		}
		unix.Close(fd)
		return nil, fmt.Errorf("capture: %w", err)
	}
	r.file = os.NewFile(uintptr(fd), "packet:"+cfg.Interface)
	if r.rc, err = r.file.SyscallConn(); err != nil {
		r.file.Close()
		unix.Munmap(r.mem)
		return nil, fmt.Errorf("capture: %w", err)
	}
	return r, nil
}

func (r *ring) setup(fd, ifindex int, cfg Config, prog []bpf.RawInstruction) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V2); err != nil {
		return os.NewSyscallError("setsockopt(PACKET_VERSION)", err)
	}
	if err := attach(fd, prog); err != nil {
		return err
	}
	// Linux ≥ 4.20. Without it Drain drops the outgoing copies itself.
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil && !errors.Is(err, unix.ENOPROTOOPT) {
		return os.NewSyscallError("setsockopt(PACKET_IGNORE_OUTGOING)", err)
	}

	r.frameSize = 1
	for r.frameSize < macSlack+cfg.Snap {
		r.frameSize <<= 1
	}
	block := max(os.Getpagesize(), r.frameSize) // both powers of two
	perBlock := block / r.frameSize
	blocks := (cfg.Frames + perBlock - 1) / perBlock
	r.frames = blocks * perBlock
	req := unix.TpacketReq{
		Block_size: uint32(block),
		Block_nr:   uint32(blocks),
		Frame_size: uint32(r.frameSize),
		Frame_nr:   uint32(r.frames),
	}
	if err := unix.SetsockoptTpacketReq(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return os.NewSyscallError("setsockopt(PACKET_RX_RING)", err)
	}
	mem, err := unix.Mmap(fd, 0, block*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return os.NewSyscallError("mmap", err)
	}
	r.mem = mem

	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// attach sets fd's socket filter; a packet socket swaps it atomically.
func attach(fd int, prog []bpf.RawInstruction) error {
	f := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		f[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fp := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	return os.NewSyscallError("setsockopt(SO_ATTACH_FILTER)", unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp))
}

func (r *ring) name() string { return r.src }

func (r *ring) setFilter(prog []bpf.RawInstruction) error {
	var err error
	if cerr := r.rc.Control(func(fd uintptr) { err = attach(int(fd), prog) }); cerr != nil {
		return cerr
	}
	return err
}

// status is the tp_status word of frame i, which the kernel and this
// process hand to each other.
func (r *ring) status(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[i*r.frameSize]))
}

func (r *ring) next() ([]byte, meta, bool) {
	i := int(r.head.Load())
	if atomic.LoadUint32(r.status(i))&unix.TP_STATUS_USER == 0 {
		return nil, meta{}, false
	}
	slot := r.mem[i*r.frameSize : (i+1)*r.frameSize]
	h := (*unix.Tpacket2Hdr)(unsafe.Pointer(&slot[0]))
	m := meta{
		time:     time.Unix(int64(h.Sec), int64(h.Nsec)),
		frameLen: int(h.Len),
		pktType:  PacketType(slot[sllPktType]),
		ifindex:  int(int32(binary.NativeEndian.Uint32(slot[sllIfindex:]))),
	}
	start, n := int(h.Mac), int(h.Snaplen)
	if start > len(slot) || n > len(slot)-start {
		return nil, m, true // cannot happen; Decode refuses an empty frame
	}
	return slot[start : start+n], m, true
}

func (r *ring) release() {
	i := int(r.head.Load())
	atomic.StoreUint32(r.status(i), unix.TP_STATUS_KERNEL)
	r.head.Store(int32((i + 1) % r.frames))
}

func (r *ring) ready() bool {
	return atomic.LoadUint32(r.status(int(r.head.Load())))&unix.TP_STATUS_USER != 0
}

// wait sleeps in the Go runtime's poller: the socket is readable when a
// frame waits in the ring.
func (r *ring) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		r.file.SetReadDeadline(time.Unix(1, 0))
		close(cancelled)
	})
	err := r.rc.Read(func(uintptr) bool { return r.closed.Load() || r.ready() })
	if !stop() {
		<-cancelled
		r.file.SetReadDeadline(time.Time{})
		if err != nil {
			err = ctx.Err()
		}
	}
	if r.closed.Load() {
		return net.ErrClosed
	}
	return err
}

func (r *ring) drops() (uint64, error) {
	var st *unix.TpacketStats
	var err error
	if cerr := r.rc.Control(func(fd uintptr) {
		st, err = unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	}); cerr != nil {
		return 0, cerr
	}
	if err != nil {
		return 0, os.NewSyscallError("getsockopt(PACKET_STATISTICS)", err)
	}
	return uint64(st.Drops), nil // the kernel zeroes its counts on each read
}

func (r *ring) close() error {
	r.closed.Store(true)
	err := r.file.Close() // returns once a wait's callback is done
	if merr := unix.Munmap(r.mem); err == nil {
		err = merr
	}
	return err
}
