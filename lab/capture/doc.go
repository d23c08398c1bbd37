// Package capture shows the TCP and UDP segments the kernel sent for a
// demo's sockets: it captures them on the loopback interface, decodes them
// by hand, numbers them as Wireshark does and writes them as pcapng.
//
//	socket calls of the demo           the kernel, on lo
//	 connect() ─────────────────────▶  SYN, SYN-ACK, ACK ─┐ tap (AF_PACKET,
//	 send(5)   ─────────────────────▶  PSH-ACK, ACK      ─┤ BPF port filter,
//	 close()   ─────────────────────▶  FIN-ACK, ACK      ─┘ TPACKET_V2 ring)
//	                                                       │
//	 Capture.Drain() just before a call is recorded ◀──────┘ every segment
//	   └▶ Decode ─▶ Packet ─▶ Tracker (relative seq/ack, which end sent it)
//	                            └▶ the trace (side "wire"), Pcapng (--pcap)
//
// Delivery on lo is synchronous: when connect() returns, its three segments
// are already queued on the capture, so draining it before recording each
// call puts causes before their effects without comparing clocks. Segments
// a timer sends (a delayed ACK, a retransmission) arrive between calls:
// [Capture.Wait] reports them.
//
// Capturing needs CAP_NET_RAW. Without it [Open] returns a
// [*PrivilegeError] that says what cannot be shown and how to fix it, and
// the lab can still show what a socket knows about itself: [Snapshot]
// reads TCP_INFO (state, segments, bytes acknowledged, windows, RTT) and
// [Lookup] finds a socket by its addresses, a closed one too (TIME_WAIT):
// from sock_diag, the way ss does, or from /proc/net/tcp where that is
// refused ([DiagLookup], [Sockets]). Elsewhere than Linux, Open, Snapshot
// and Lookup return errors that wrap [errors.ErrUnsupported]; decoding,
// tracking and pcapng work everywhere.
package capture
