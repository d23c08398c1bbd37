package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

// wireFixture is a fixed trace with packets: a handshake under connect(),
// data and many like ACKs (folded), a FIN, a reset, a datagram, and the
// TCP_INFO fallback's line.
func wireFixture() []lab.Event {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	pkt := func(t float64, flags, dir string, seq, ack uint32, n int) lab.Event {
		from, to, conn := lab.Client, lab.Server, 2
		if dir == "s2c" {
			from, to, conn = lab.Server, lab.Client, 3
		}
		return lab.Event{T: ms(t), Side: lab.Wire, Op: lab.OpPacket, Conn: conn, N: n, Packet: &lab.PacketInfo{
			Proto: "tcp", Src: "127.0.0.1:50000", Dst: "127.0.0.1:40000", From: from, To: to, Dir: dir,
			Flags: flags, Seq: seq, Ack: ack, Len: n, Win: 65536, Opts: map[bool]string{true: "MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=1024"}[strings.Contains(flags, "SYN")],
			Net: []byte{0x45, 0, 0, 0x3c, 0, 0, 0x40, 0, 0x40, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}, Transport: bytes.Repeat([]byte{0xab}, 20)}}
	}
	evs := []lab.Event{
		{T: ms(0.1), Side: lab.System, Op: lab.OpNote, Name: "wire", Text: lab.T("packets: captured on the loopback interface", "报文段：在回环接口上抓取")},
		{T: ms(0.2), Side: lab.Client, Op: lab.OpConnect, Conn: 2, Call: "connect(('127.0.0.1', 40000))", Local: "127.0.0.1:50000", Peer: "127.0.0.1:40000"},
		pkt(0.2, "SYN", "c2s", 0, 0, 0),
		pkt(0.2, "SYN, ACK", "s2c", 0, 1, 0),
		pkt(0.2, "ACK", "c2s", 1, 1, 0),
		{T: ms(0.3), Side: lab.Server, Op: lab.OpAccept, Conn: 3, Call: "accept()", Local: "127.0.0.1:40000", Peer: "127.0.0.1:50000"},
		{T: ms(0.4), Side: lab.Client, Op: lab.OpSend, Conn: 2, Call: "send()", Req: 5, N: 5, Data: []byte("hello")},
		pkt(0.4, "PSH, ACK", "c2s", 1, 1, 5),
	}
	for i := range 7 {
		evs = append(evs, pkt(0.5+float64(i)/10, "ACK", "s2c", 1, uint32(6+i), 0))
	}
	evs = append(evs,
		lab.Event{T: ms(1.3), Side: lab.Client, Op: lab.OpClose, Conn: 2, Call: "close()"},
		pkt(1.3, "FIN, ACK", "c2s", 6, 1, 0),
		pkt(1.4, "RST", "s2c", 1, 0, 0),
		lab.Event{T: ms(1.5), Side: lab.Wire, Op: lab.OpPacket, Conn: 4, N: 5, Packet: &lab.PacketInfo{Proto: "udp", From: lab.Client, To: lab.Server, Dir: "c2s", Len: 5, Src: "127.0.0.1:50001", Dst: "127.0.0.1:40001"}},
		lab.Event{T: ms(1.6), Side: lab.Wire, Op: lab.OpTCPInfo, Conn: 3, Packet: &lab.PacketInfo{Proto: "tcp", From: lab.Server, State: "CLOSE_WAIT"},
			Text: lab.T("TCP_INFO: state CLOSE_WAIT, +1 segments in (+0 with data)", "TCP_INFO：状态 CLOSE_WAIT，收到报文段 +1（其中带数据 +0）")},
		lab.Event{T: ms(1.7), Side: lab.System, Op: lab.OpSummary, Demo: "wire", OK: true},
	)
	for i := range evs {
		evs[i].Seq = i + 1
	}
	return evs
}

// TestWireGolden: the wire lane as text (two lanes, one lane, with its
// layers under --full) and as Markdown; packets fold, never a SYN, FIN or
// RST; every line within the width.
func TestWireGolden(t *testing.T) {
	for _, o := range []Options{{Lang: lab.En, Width: 120}, {Lang: lab.Zh, Width: 80}, {Lang: lab.En, Width: 120, Full: true}} {
		name := fmt.Sprintf("wire-%s-%d", o.Lang, o.Width)
		if o.Full {
			name += "-full"
		}
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			r := NewText(&b, o)
			for _, e := range wireFixture() {
				r.Emit(e)
			}
			r.Finish()
			golden(t, name, b.Bytes())
			out := b.String()
			for _, line := range strings.Split(out, "\n") {
				if Width(line) > o.Width {
					t.Errorf("line wider than %d: %q", o.Width, line)
				}
			}
			for _, want := range []string{"[SYN]", "[SYN, ACK]", "[FIN, ACK]", "[RST]", "UDP", "CLOSE_WAIT"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %s in:\n%s", want, out)
				}
			}
			folded := strings.Contains(unwrap(out), "⋯ 3 more [ACK] segments") || strings.Contains(unwrap(out), "⋯ 又 3 个 [ACK] 报文段")
			if folded == o.Full {
				t.Errorf("folded = %v with full = %v:\n%s", folded, o.Full, out)
			}
		})
	}
	var b bytes.Buffer
	md := NewMarkdown(&b, Options{Lang: lab.En})
	for _, e := range wireFixture() {
		md.Emit(e)
	}
	md.Finish()
	golden(t, "wire.md", b.Bytes())
}
