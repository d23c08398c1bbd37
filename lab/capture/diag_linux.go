//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"
)

// The netlink request of DiagState: a header and an inet_diag_req_v2
// (include/uapi/linux/inet_diag.h), byte by byte:
//
//	nlmsghdr          len u32 | type u16 = SOCK_DIAG_BY_FAMILY | flags u16 | seq u32 | pid u32
//	inet_diag_req_v2  family u8 | protocol u8 | ext u8 | pad u8 | states u32
//	inet_diag_sockid  sport be16 | dport be16 | src [16]byte | dst [16]byte | if u32 | cookie [2]u32
const (
	nlHeader         = 16
	diagReq          = 56
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	netlinkSockDiag  = 4  // NETLINK_SOCK_DIAG
	noCookie         = 0xffffffff
	diagMsg          = 72 // inet_diag_msg
)

// DiagState asks the kernel, the way `ss` does (NETLINK_SOCK_DIAG), for
// the state of the TCP socket from local to remote: one exact lookup, a
// closed socket's TIME_WAIT included, fast and taken at one instant where
// /proc/net/tcp lists every socket of the machine. ErrNoSocket when the
// kernel has no such socket any more.
func DiagState(local, remote netip.AddrPort) (State, error) {
	s, err := DiagLookup(local, remote)
	return s.State, err
}

// DiagLookup is DiagState with the rest of what the kernel answers: the
// socket's queues (RxQueue: bytes received and not yet read by its
// program), its timer and owner, as ProcLookup gives them from
// /proc/net/tcp.
func DiagLookup(local, remote netip.AddrPort) (ProcSocket, error) {
	local, remote = Normalize(local), Normalize(remote)
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, netlinkSockDiag)
	if err != nil {
		return ProcSocket{}, fmt.Errorf("sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, diagRequest(local, remote), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return ProcSocket{}, fmt.Errorf("sock_diag: %w", err)
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return ProcSocket{}, fmt.Errorf("sock_diag: %w", err)
	}
	return parseDiagReply(buf[:n], local, remote)
}

// diagRequest is the exact lookup of the socket local ⇄ remote.
func diagRequest(local, remote netip.AddrPort) []byte {
	b := make([]byte, nlHeader+diagReq)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], sockDiagByFamily)
	ne.PutUint16(b[6:], syscall.NLM_F_REQUEST)
	ne.PutUint32(b[8:], 1)
	r := b[nlHeader:]
	r[0] = syscall.AF_INET6
	if local.Addr().Is4() {
		r[0] = syscall.AF_INET
	}
	r[1] = syscall.IPPROTO_TCP
	ne.PutUint32(r[4:], 0xffffffff) // every state
	binary.BigEndian.PutUint16(r[8:], local.Port())
	binary.BigEndian.PutUint16(r[10:], remote.Port())
	src, dst := local.Addr().AsSlice(), remote.Addr().AsSlice()
	copy(r[12:28], src)
	copy(r[28:44], dst)
	ne.PutUint32(r[48:], noCookie)
	ne.PutUint32(r[52:], noCookie)
	return b
}

// parseDiagReply reads the kernel's answer: an inet_diag_msg or an error
// message. The message, byte by byte:
//
//	family u8 | state u8 | timer u8 | retrans u8
//	inet_diag_sockid (48 bytes: sport be16 | dport be16 | src | dst | if | cookie)
//	expires u32 (ms) | rqueue u32 | wqueue u32 | uid u32 | inode u32
//
// The kernel's lookup falls back to the listener of the local port when no
// connection matches: a reply for another socket than local ⇄ remote
// means there is none.
func parseDiagReply(b []byte, local, remote netip.AddrPort) (ProcSocket, error) {
	if len(b) < nlHeader+4 {
		return ProcSocket{}, errors.New("sock_diag: short reply")
	}
	ne := binary.NativeEndian
	switch ne.Uint16(b[4:]) {
	case syscall.NLMSG_ERROR:
		errno := syscall.Errno(-int32(ne.Uint32(b[nlHeader:])))
		if errno == syscall.ENOENT {
			return ProcSocket{}, fmt.Errorf("sock_diag: %w", ErrNoSocket)
		}
		return ProcSocket{}, fmt.Errorf("sock_diag: %w", errno)
	case sockDiagByFamily:
		m := b[nlHeader:]
		if len(m) < diagMsg {
			return ProcSocket{}, errors.New("sock_diag: short reply")
		}
		if binary.BigEndian.Uint16(m[4:]) != local.Port() || binary.BigEndian.Uint16(m[6:]) != remote.Port() {
			return ProcSocket{}, fmt.Errorf("sock_diag: %w", ErrNoSocket)
		}
		return ProcSocket{
			Local: local, Remote: remote,
			State:   State(m[1]),
			Timer:   m[2],
			Expires: time.Duration(ne.Uint32(m[52:])) * time.Millisecond,
			RxQueue: ne.Uint32(m[56:]),
			TxQueue: ne.Uint32(m[60:]),
			UID:     ne.Uint32(m[64:]),
			Inode:   uint64(ne.Uint32(m[68:])),
		}, nil
	}
	return ProcSocket{}, fmt.Errorf("sock_diag: reply of type %d", ne.Uint16(b[4:]))
}
