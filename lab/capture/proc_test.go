package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// procHex writes an address as /proc/net/tcp does: 32 bits at a time, in
// this machine's byte order.
func procHex(ap netip.AddrPort) string {
	b := ap.Addr().AsSlice()
	var s strings.Builder
	for i := 0; i < len(b); i += 4 {
		fmt.Fprintf(&s, "%08X", binary.NativeEndian.Uint32(b[i:]))
	}
	fmt.Fprintf(&s, ":%04X", ap.Port())
	return s.String()
}

func procSample() string {
	a := netip.MustParseAddrPort
	return "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		fmt.Sprintf("   0: %s %s 0A 00000000:00000002 00:00000000 00000000  1000        0 41234 1 0000000000000000 100 0 0 10 0\n",
			procHex(a("127.0.0.1:8080")), procHex(a("0.0.0.0:0"))) +
		fmt.Sprintf("   1: %s %s 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n",
			procHex(a("127.0.0.1:50000")), procHex(a("127.0.0.1:8080"))) +
		fmt.Sprintf("   2: %s %s 08 00000000:00000005 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1\n",
			procHex(a("[::ffff:127.0.0.1]:8080")), procHex(a("[::ffff:127.0.0.1]:50001"))) +
		fmt.Sprintf("   3: %s %s 01 0000000A:00000000 01:00000014 00000000     0        0 778 1 0000000000000000 20 4 30 10 -1\n",
			procHex(a("[::1]:8080")), procHex(a("[::1]:50002")))
}

func TestParseProcNet(t *testing.T) {
	socks, err := ParseProcNet(strings.NewReader(procSample()))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddrPort
	want := []ProcSocket{
		{Local: a("127.0.0.1:8080"), Remote: a("0.0.0.0:0"), State: Listen, RxQueue: 2, UID: 1000, Inode: 41234},
		{Local: a("127.0.0.1:50000"), Remote: a("127.0.0.1:8080"), State: TimeWait, Timer: 3, Expires: 60 * time.Second},
		{Local: a("127.0.0.1:8080"), Remote: a("127.0.0.1:50001"), State: CloseWait, RxQueue: 5, Inode: 777},
		{Local: a("[::1]:8080"), Remote: a("[::1]:50002"), State: Established, TxQueue: 10, Timer: 1, Expires: 200 * time.Millisecond, Inode: 778},
	}
	if len(socks) != len(want) {
		t.Fatalf("%d sockets, want %d", len(socks), len(want))
	}
	for i := range want {
		if socks[i] != want[i] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+2, socks[i], want[i])
		}
	}

	// /proc/net/udp: its heading ends with drops, and so does each line.
	udp := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		fmt.Sprintf(" 1282: %s %s 07 00000000:00034000 00:00000000 00000000     0        0 9123 2 0000000000000000 220\n",
			procHex(a("127.0.0.1:9999")), procHex(a("0.0.0.0:0")))
	got, err := ParseProcNet(strings.NewReader(udp))
	if w := (ProcSocket{Local: a("127.0.0.1:9999"), Remote: a("0.0.0.0:0"), State: 7, RxQueue: 0x34000, Inode: 9123, Drops: 220}); err != nil || len(got) != 1 || got[0] != w {
		t.Errorf("udp: %+v %v\nwant %+v", got, err, w)
	}

	for _, bad := range []string{
		udp + " 0: 0100007F:1F90 00000000:0000 07 0:0 00:0 0 0 0 1 2 0 x\n",
		"h\n 0: 0100007F:1F90",
		"h\n 0: 0100007:1F90 00000000:0000 0A 0:0 00:0 0 0 0 1",
		"h\n 0: 0100007F:1F90 00000000:0000 0A 00000000 00:0 0 0 0 1",
		"h\n 0: 0100007F:1F90 00000000:0000 XY 0:0 00:0 0 0 0 1",
		"h\n 0: 0100007F:10000 00000000:0000 0A 0:0 00:0 0 0 0 1",
	} {
		if _, err := ParseProcNet(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{
		Established: "ESTABLISHED", SynSent: "SYN_SENT", SynRecv: "SYN_RECV",
		FinWait1: "FIN_WAIT1", FinWait2: "FIN_WAIT2", TimeWait: "TIME_WAIT",
		Closed: "CLOSE", CloseWait: "CLOSE_WAIT", LastAck: "LAST_ACK",
		Listen: "LISTEN", Closing: "CLOSING", NewSynRecv: "NEW_SYN_RECV",
		0: "state(0)", 13: "state(13)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", uint8(s), got, want)
		}
	}
	// The numbers are the kernel's: /proc/net/tcp writes them in hex.
	if Listen != 0x0a || TimeWait != 0x06 || CloseWait != 0x08 {
		t.Error("states numbered unlike include/net/tcp_states.h")
	}
}

func TestDelta(t *testing.T) {
	before := Info{State: Established, SegsOut: 3, DataSegsOut: 0, SegsIn: 2, RTT: time.Millisecond}
	after := Info{State: Established, SegsOut: 4, DataSegsOut: 1, SegsIn: 3, BytesSent: 5, BytesAcked: 5, RTT: time.Millisecond}
	d := Diff(before, after)
	if d.DataSegsOut != 1 || d.SegsOut != 1 || d.SegsIn != 1 || d.BytesSent != 5 || d.BytesAcked != 5 || d.RTT != 0 || d.Zero() {
		t.Errorf("%+v", d)
	}
	if got, want := d.String(), "1 data segment out (5 bytes), 1 other segment in, 5 bytes acked"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	closing := Diff(after, Info{State: CloseWait, SegsOut: 4, DataSegsOut: 1, SegsIn: 4, BytesSent: 5, BytesAcked: 5, RTT: 2 * time.Millisecond})
	if got, want := closing.String(), "ESTABLISHED → CLOSE_WAIT, 1 other segment in, rtt 2ms"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if d := Diff(after, after); !d.Zero() || d.String() != "no change" {
		t.Errorf("no change: %+v %q", d, d.String())
	}
}

func FuzzParseProcNet(f *testing.F) {
	f.Add(procSample())
	f.Add("h\n 0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 1")
	f.Fuzz(func(t *testing.T, text string) {
		socks, err := ParseProcNet(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, s := range socks {
			if s.Local.Addr().Is4In6() || s.Remote.Addr().Is4In6() {
				t.Fatalf("mapped address left in %+v", s)
			}
		}
	})
}
