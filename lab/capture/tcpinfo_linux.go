//go:build linux

package capture

import (
	"encoding/binary"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func fallback() string { return Fallback }

// Snapshot reads TCP_INFO of a TCP socket, such as a *net.TCPConn.
func Snapshot(c syscall.Conn) (Info, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Info{}, err
	}
	return SnapshotRaw(rc)
}

// SnapshotRaw reads TCP_INFO through a socket's RawConn.
func SnapshotRaw(rc syscall.RawConn) (Info, error) {
	var ti *unix.TCPInfo
	var err error
	if cerr := rc.Control(func(fd uintptr) {
		ti, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); cerr != nil {
		return Info{}, cerr
	}
	if err != nil {
		return Info{}, os.NewSyscallError("getsockopt(TCP_INFO)", err)
	}
	return infoOf(ti), nil
}

func infoOf(ti *unix.TCPInfo) Info {
	us := func(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
	// tcpi_snd_wscale:4 and tcpi_rcv_wscale:4 share the byte after
	// tcpi_options, which x/sys/unix leaves as padding; the first
	// bit-field takes the low bits on a little-endian machine.
	ws := (*[8]byte)(unsafe.Pointer(ti))[6]
	snd, rcv := ws&0x0f, ws>>4
	if !littleEndian {
		snd, rcv = rcv, snd
	}
	return Info{
		State:         State(ti.State),
		Retransmits:   ti.Retransmits,
		Options:       ti.Options,
		SndWScale:     snd,
		RcvWScale:     rcv,
		SndMSS:        ti.Snd_mss,
		RcvMSS:        ti.Rcv_mss,
		Unacked:       ti.Unacked,
		Lost:          ti.Lost,
		Retrans:       ti.Retrans,
		TotalRetrans:  ti.Total_retrans,
		RTT:           us(ti.Rtt),
		RTTVar:        us(ti.Rttvar),
		RTO:           us(ti.Rto),
		ATO:           us(ti.Ato),
		SndCwnd:       ti.Snd_cwnd,
		SndWnd:        ti.Snd_wnd,
		RcvWnd:        ti.Rcv_wnd,
		Unsent:        ti.Notsent_bytes,
		SegsOut:       ti.Segs_out,
		SegsIn:        ti.Segs_in,
		DataSegsOut:   ti.Data_segs_out,
		DataSegsIn:    ti.Data_segs_in,
		BytesSent:     ti.Bytes_sent,
		BytesRetrans:  ti.Bytes_retrans,
		BytesAcked:    ti.Bytes_acked,
		BytesReceived: ti.Bytes_received,
	}
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
