package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

func mustDecode(t *testing.T, s seg) *Packet {
	t.Helper()
	p, err := Decode(build(s))
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestTracker(t *testing.T) {
	const c, s = "127.0.0.1:50000", "127.0.0.1:8080"
	const isnS = 5000
	var isnC uint32 = 0xfffffff0 // the client's numbers wrap
	sack := []byte{optNOP, optNOP, optSACK, 10, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(sack[4:], isnC+11)
	binary.BigEndian.PutUint32(sack[8:], isnC+21)
	steps := []struct {
		seg  seg
		from End
		want string
		next uint32
	}{
		{seg{src: c, dst: s, flags: SYN, seq: isnC, win: 65495, opts: optsSYN}, Client,
			"50000 → 8080 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=128", 1},
		{seg{src: s, dst: c, flags: SYN | ACK, seq: isnS, ack: isnC + 1, win: 65483, opts: optsSYN}, Server,
			"8080 → 50000 [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=128", 1},
		{seg{src: c, dst: s, flags: ACK, seq: isnC + 1, ack: isnS + 1, win: 512, opts: optsTS}, Client,
			"50000 → 8080 [ACK] Seq=1 Ack=1 Win=65536 Len=0 TSval=2 TSecr=1", 1},
		{seg{src: c, dst: s, flags: PSH | ACK, seq: isnC + 1, ack: isnS + 1, win: 512, payload: []byte("hello")}, Client,
			"50000 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=5", 6},
		{seg{src: s, dst: c, flags: ACK, seq: isnS + 1, ack: isnC + 6, win: 510, opts: sack}, Server,
			"8080 → 50000 [ACK] Seq=1 Ack=6 Win=65280 Len=0 SLE=11 SRE=21", 1},
		{seg{src: c, dst: s, flags: FIN | ACK, seq: isnC + 6, ack: isnS + 1, win: 512}, Client,
			"50000 → 8080 [FIN, ACK] Seq=6 Ack=1 Win=65536 Len=0", 7},
		{seg{src: s, dst: c, flags: FIN | ACK, seq: isnS + 1, ack: isnC + 7, win: 512}, Server,
			"8080 → 50000 [FIN, ACK] Seq=1 Ack=7 Win=65536 Len=0", 2},
		{seg{src: c, dst: s, flags: ACK, seq: isnC + 7, ack: isnS + 2, win: 512}, Client,
			"50000 → 8080 [ACK] Seq=7 Ack=2 Win=65536 Len=0", 7},
		// The port reused by a new connection: a SYN with another ISN.
		{seg{src: c, dst: s, flags: SYN, seq: 77, win: 100}, Client,
			"50000 → 8080 [SYN] Seq=0 Win=100 Len=0", 1},
		{seg{src: s, dst: c, flags: RST | ACK, ack: 78}, Server,
			"8080 → 50000 [RST, ACK] Seq=1 Ack=1 Win=0 Len=0", 1},
	}
	tr := NewTracker()
	want := Tuple{TCP, netip.MustParseAddrPort(c), netip.MustParseAddrPort(s)}
	for i, st := range steps {
		g := tr.Track(mustDecode(t, st.seg))
		if got := g.String(); got != st.want {
			t.Errorf("%d: %s\n   want %s", i, got, st.want)
		}
		if g.From != st.from || g.To() == st.from || g.Conn != want || g.Next() != st.next {
			t.Errorf("%d: from %v to %v, %v, next %d; want from %v, %v, next %d", i, g.From, g.To(), g.Conn, g.Next(), st.from, want, st.next)
		}
	}
}

// A connection first seen in the middle starts at Seq=1 Ack=1 on both
// sides; Expect says which end is the client, else the first sender is.
func TestTrackerMidstream(t *testing.T) {
	const c, s = "[::1]:50000", "[::1]:8080"
	data := seg{src: s, dst: c, flags: PSH | ACK, seq: 900, ack: 300, win: 10, payload: []byte("abc")}
	reply := seg{src: c, dst: s, flags: ACK, seq: 300, ack: 903, win: 10}

	guess := NewTracker()
	if g := guess.Track(mustDecode(t, data)); g.From != Client || g.Seq != 1 || g.Ack != 1 || g.Win != 10 {
		t.Errorf("first sender: %v seq %d ack %d win %d", g.From, g.Seq, g.Ack, g.Win)
	}
	if g := guess.Track(mustDecode(t, reply)); g.From != Server || g.Seq != 1 || g.Ack != 4 {
		t.Errorf("reply: %v seq %d ack %d", g.From, g.Seq, g.Ack)
	}

	told := NewTracker()
	told.Expect(Tuple{TCP, netip.MustParseAddrPort("[::1]:50000"), netip.MustParseAddrPort(s)})
	if g := told.Track(mustDecode(t, data)); g.From != Server || g.Conn.Client.String() != c {
		t.Errorf("expected: from %v, %v", g.From, g.Conn)
	}
	told.Forget(Tuple{TCP, netip.MustParseAddrPort(c), netip.MustParseAddrPort(s)})
	if g := told.Track(mustDecode(t, data)); g.From != Client {
		t.Errorf("forgotten: from %v", g.From)
	}

	// A SYN-ACK seen first: its sender is the server.
	synack := NewTracker()
	if g := synack.Track(mustDecode(t, seg{src: s, dst: c, flags: SYN | ACK, seq: 1, ack: 2})); g.From != Server || g.Seq != 0 || g.Ack != 1 {
		t.Errorf("SYN-ACK first: %v seq %d ack %d", g.From, g.Seq, g.Ack)
	}
}

// Windows are scaled only once both SYNs carried the option.
func TestTrackerWindowScale(t *testing.T) {
	const c, s = "127.0.0.1:1", "127.0.0.1:2"
	noWS := []byte{optMSS, 4, 0xff, 0xd7}
	tr := NewTracker()
	tr.Track(mustDecode(t, seg{src: c, dst: s, flags: SYN, seq: 1, win: 100, opts: optsSYN}))
	tr.Track(mustDecode(t, seg{src: s, dst: c, flags: SYN | ACK, seq: 1, ack: 2, win: 100, opts: noWS}))
	if g := tr.Track(mustDecode(t, seg{src: c, dst: s, flags: ACK, seq: 2, ack: 2, win: 100})); g.Win != 100 {
		t.Errorf("one side without window scale: Win=%d, want 100", g.Win)
	}
}

func TestTrackerUDP(t *testing.T) {
	tr := NewTracker()
	a := tr.Track(mustDecode(t, seg{src: "127.0.0.1:5000", dst: "127.0.0.1:53", udp: true, payload: []byte("q")}))
	b := tr.Track(mustDecode(t, seg{src: "127.0.0.1:53", dst: "127.0.0.1:5000", udp: true, payload: []byte("an")}))
	if a.From != Client || b.From != Server || a.Conn != b.Conn || a.Conn.Proto != UDP {
		t.Errorf("%v %v, %v %v", a.From, a.Conn, b.From, b.Conn)
	}
	if got := b.String(); got != "53 → 5000 Len=2" {
		t.Errorf("%q", got)
	}
}

// A segment that takes sequence numbers its sender sent before is a
// retransmission: a SYN sent again, bytes sent again, a FIN sent again;
// a bare ACK or new bytes are not.
func TestTrackerRetransmission(t *testing.T) {
	const c, s = "127.0.0.1:50001", "127.0.0.1:8080"
	const isnC, isnS = 1000, 9000
	tr := NewTracker()
	for i, st := range []struct {
		seg     seg
		retrans bool
	}{
		{seg{src: c, dst: s, flags: SYN, seq: isnC}, false},
		{seg{src: c, dst: s, flags: SYN, seq: isnC}, true}, // the full queue dropped the first
		{seg{src: s, dst: c, flags: SYN | ACK, seq: isnS, ack: isnC + 1}, false},
		{seg{src: c, dst: s, flags: ACK, seq: isnC + 1, ack: isnS + 1}, false},
		{seg{src: c, dst: s, flags: PSH | ACK, seq: isnC + 1, ack: isnS + 1, payload: []byte("hello")}, false},
		{seg{src: c, dst: s, flags: PSH | ACK, seq: isnC + 1, ack: isnS + 1, payload: []byte("hello")}, true},
		{seg{src: c, dst: s, flags: PSH | ACK, seq: isnC + 6, ack: isnS + 1, payload: []byte("world")}, false},
		{seg{src: s, dst: c, flags: ACK, seq: isnS + 1, ack: isnC + 11}, false},
		{seg{src: s, dst: c, flags: ACK, seq: isnS + 1, ack: isnC + 11}, false}, // a duplicate ACK takes no numbers
		{seg{src: c, dst: s, flags: FIN | ACK, seq: isnC + 11, ack: isnS + 1}, false},
		{seg{src: c, dst: s, flags: FIN | ACK, seq: isnC + 11, ack: isnS + 1}, true},
	} {
		if g := tr.Track(mustDecode(t, st.seg)); g.Retrans != st.retrans {
			t.Errorf("%d: %s: retransmission %v, want %v", i, g, g.Retrans, st.retrans)
		}
	}
}
