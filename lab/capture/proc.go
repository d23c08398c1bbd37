package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrNoSocket is what ProcLookup returns when no socket has the 4-tuple:
// it closed all the way (or never existed).
var ErrNoSocket = errors.New("no such socket")

// ProcSocket is one line of /proc/net/tcp or /proc/net/tcp6: a socket
// the kernel still keeps, including those an application has closed
// (FIN_WAIT2, TIME_WAIT, LAST_ACK), which have no TCP_INFO any more.
type ProcSocket struct {
	Local, Remote    netip.AddrPort // normalised: ::ffff:127.0.0.1 is 127.0.0.1
	State            State
	TxQueue, RxQueue uint32        // bytes not acknowledged / not read (a listener: its accept queue)
	Timer            uint8         // 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero window probe
	Expires          time.Duration // until the timer fires (in clock ticks of 10 ms)
	UID              uint32
	Inode            uint64 // 0 for a TIME_WAIT entry, which is no socket
	Drops            uint64 // datagrams dropped (/proc/net/udp's last column; 0 for TCP)
}

// ProcLookup finds the socket with this local and remote address in
// /proc/net/tcp and /proc/net/tcp6 (DECISIONS 22: after close() a
// socket's state is read here). A listener's remote address is the zero
// address and port (0.0.0.0:0 or [::]:0).
func ProcLookup(local, remote netip.AddrPort) (ProcSocket, error) {
	local, remote = Normalize(local), Normalize(remote)
	all, err := ProcSockets()
	if err != nil {
		return ProcSocket{}, err
	}
	for _, s := range all {
		if s.Local == local && s.Remote == remote {
			return s, nil
		}
	}
	return ProcSocket{}, fmt.Errorf("%v ⇄ %v in /proc/net/tcp: %w", local, remote, ErrNoSocket)
}

// Lookup finds the TCP socket local ⇄ remote the way ss does (sock_diag:
// one exact lookup of one socket, taken at one instant) and, where the
// system refuses that, in /proc/net/tcp (every socket of the machine:
// 10–50 ms under load). viaProc says which one answered.
func Lookup(local, remote netip.AddrPort) (s ProcSocket, viaProc bool, err error) {
	s, err = DiagLookup(local, remote)
	if err == nil || errors.Is(err, ErrNoSocket) {
		return s, false, err
	}
	s, err = ProcLookup(local, remote)
	return s, true, err
}

// ProcState is ProcLookup's state.
func ProcState(local, remote netip.AddrPort) (State, error) {
	s, err := ProcLookup(local, remote)
	return s.State, err
}

// ParseProcNet reads the lines of /proc/net/tcp, /proc/net/tcp6,
// /proc/net/udp or /proc/net/udp6 (the UDP tables end with a drops column).
func ParseProcNet(r io.Reader) ([]ProcSocket, error) {
	var out []ProcSocket
	udp := false
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if n == 1 { // the heading
			udp = strings.HasSuffix(strings.TrimSpace(sc.Text()), " drops")
			continue
		}
		s, err := parseProcLine(sc.Text(), udp)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

const udpFields = 13

// sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//
//	0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41234 …
//
// A line of /proc/net/udp has 13 fields, the last one its drops:
//
//	sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode ref pointer drops
func parseProcLine(line string, udp bool) (ProcSocket, error) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return ProcSocket{}, fmt.Errorf("%d fields: %w", len(f), ErrMalformed)
	}
	var s ProcSocket
	var err error
	if s.Local, err = procAddr(f[1]); err != nil {
		return ProcSocket{}, fmt.Errorf("local address: %w", err)
	}
	if s.Remote, err = procAddr(f[2]); err != nil {
		return ProcSocket{}, fmt.Errorf("remote address: %w", err)
	}
	st, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil {
		return ProcSocket{}, fmt.Errorf("state: %w", err)
	}
	s.State = State(st)
	tx, rx, ok := strings.Cut(f[4], ":")
	tr, when, ok2 := strings.Cut(f[5], ":")
	if !ok || !ok2 {
		return ProcSocket{}, fmt.Errorf("queues %q, timer %q: %w", f[4], f[5], ErrMalformed)
	}
	var v [6]uint64
	for i, x := range []struct {
		s    string
		base int
		bits int
	}{{tx, 16, 32}, {rx, 16, 32}, {tr, 16, 8}, {when, 16, 32}, {f[7], 10, 32}, {f[9], 10, 64}} {
		if v[i], err = strconv.ParseUint(x.s, x.base, x.bits); err != nil {
			return ProcSocket{}, err
		}
	}
	s.TxQueue, s.RxQueue, s.Timer = uint32(v[0]), uint32(v[1]), uint8(v[2])
	s.Expires = time.Duration(v[3]) * 10 * time.Millisecond
	s.UID, s.Inode = uint32(v[4]), v[5]
	if udp {
		if len(f) != udpFields {
			return ProcSocket{}, fmt.Errorf("%d fields in a UDP line: %w", len(f), ErrMalformed)
		}
		if s.Drops, err = strconv.ParseUint(f[12], 10, 64); err != nil {
			return ProcSocket{}, fmt.Errorf("drops: %w", err)
		}
	}
	return s, nil
}

// procAddr reads "0100007F:1F90": the address as the kernel holds it in
// memory, printed 32 bits at a time in this machine's byte order, and the
// port in hex.
func procAddr(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok || (len(a) != 8 && len(a) != 32) {
		return netip.AddrPort{}, fmt.Errorf("%q: %w", s, ErrMalformed)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var b [16]byte
	for i := 0; i < len(a); i += 8 {
		w, err := strconv.ParseUint(a[i:i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, err
		}
		binary.NativeEndian.PutUint32(b[i/2:], uint32(w))
	}
	addr := netip.AddrFrom16(b)
	if len(a) == 8 {
		addr = netip.AddrFrom4([4]byte(b[:4]))
	}
	return Normalize(netip.AddrPortFrom(addr, uint16(port))), nil
}
