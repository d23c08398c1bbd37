package lab

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// udpDrops reads the drops column of /proc/net/udp (or udp6) for the
// socket bound to a.
func udpDrops(a net.Addr) (int, error) {
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("not a UDP address: %v", a)
	}
	file, want := "/proc/net/udp", ""
	if ip4 := ua.IP.To4(); ip4 != nil {
		want = fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip4), ua.Port)
	} else {
		file = "/proc/net/udp6"
		var b strings.Builder
		for i := 0; i < 16; i += 4 {
			fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ua.IP.To16()[i:i+4]))
		}
		want = fmt.Sprintf("%s:%04X", b.String(), ua.Port)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 13 || fs[1] != want {
			continue
		}
		return strconv.Atoi(fs[len(fs)-1])
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no socket bound to %v", file, a)
}
