package lab

import (
	"net"

	"socketlab/lab/capture"
)

// udpDrops is the kernel's count of datagrams dropped for the socket bound
// to a (the drops column of /proc/net/udp).
func udpDrops(a net.Addr) (int, error) {
	local, ok := capture.AddrOf(a)
	if !ok {
		return 0, Errorf(Tf("not a UDP address: %v", "不是 UDP 地址：%v", a), nil)
	}
	n, err := capture.UDPDrops(local)
	return int(n), err
}
