package capture_test

import (
	"encoding/hex"
	"fmt"

	"socketlab/lab/capture"
)

// The handshake of a connection on lo, as AF_PACKET delivered it.
var handshake = []string{
	"00000000000000000000000008004500003c62b240004006da077f0000017f000001ee41b14fafaf60fe00000000a002ffd7fe3000000204ffd70402080a458daf27000000000103030a",
	"00000000000000000000000008004500003c0000400040063cba7f0000017f000001b14fee41fb1b0a44afaf60ffa012ffcbfe3000000204ffd70402080abfb4da20458daf270103030a",
	"00000000000000000000000008004500003462b340004006da0e7f0000017f000001ee41b14fafaf60fffb1b0a4580100040fe2800000101080a458daf27bfb4da20",
}

func ExampleDecode() {
	frame, _ := hex.DecodeString(handshake[0])
	p, err := capture.Decode(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Src, "→", p.Dst, p.Proto, p.Flags, "seq", p.Seq)
	fmt.Println(p.Options.String())
	fmt.Printf("layers: % x | %d bytes of IPv%d | %d bytes of TCP | %d of payload\n",
		p.Link[12:], len(p.Net), p.Version, len(p.Transport), len(p.Payload))
	// Output:
	// 127.0.0.1:60993 → 127.0.0.1:45391 TCP SYN seq 2947506430
	// MSS=65495 SACK_PERM TSval=1166913319 TSecr=0 WS=1024
	// layers: 08 00 | 20 bytes of IPv4 | 40 bytes of TCP | 0 of payload
}

func ExampleTracker() {
	tr := capture.NewTracker()
	for _, h := range handshake {
		frame, _ := hex.DecodeString(h)
		p, _ := capture.Decode(frame)
		s := tr.Track(&p)
		fmt.Printf("%v: %v\n", s.From, s)
	}
	// Output:
	// client: 60993 → 45391 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1166913319 TSecr=0 WS=1024
	// server: 45391 → 60993 [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM TSval=3216300576 TSecr=1166913319 WS=1024
	// client: 60993 → 45391 [ACK] Seq=1 Ack=1 Win=65536 Len=0 TSval=1166913319 TSecr=3216300576
}

func ExampleFlags_String() {
	fmt.Println(capture.SYN|capture.ACK, "|", capture.FIN|capture.ACK, "|", capture.RST)
	// Output: SYN, ACK | FIN, ACK | RST
}

func ExampleDiff() {
	before := capture.Info{State: capture.Established, SegsOut: 3, SegsIn: 2}
	after := capture.Info{State: capture.Established, SegsOut: 4, DataSegsOut: 1, SegsIn: 3, BytesSent: 5, BytesAcked: 5}
	fmt.Println(capture.Diff(before, after))
	// Output: 1 data segment out (5 bytes), 1 other segment in, 5 bytes acked
}
