package capture

import (
	"fmt"
	"slices"

	"golang.org/x/net/bpf"
)

// MaxPorts is how many ports one filter can watch: each costs four
// instructions, and a classic BPF program has at most 4,096.
const MaxPorts = 1000

// Filter returns the classic BPF program the capture attaches: it keeps
// TCP and UDP packets from or to any of ports, over IPv4 (not fragments
// after the first) and IPv6 (transport right after the fixed header), and
// cuts each to snap bytes. With no port it keeps nothing.
//
//	ldh [12]             Ethernet type
//	  IPv4: ldb [23] tcp/udp?  ldh [20] not a later fragment?  X = 14 + IHL*4
//	  IPv6: ldb [20] tcp/udp?                                 X = 14 + 40
//	ldh [X+0]  one port after the other: equal → ret snap
//	ldh [X+2]  the same
//	ret 0
//
// Every jump is short (a port check is "jeq port, 0, 1; ret snap"), so the
// program assembles for any number of ports up to MaxPorts.
func Filter(ports []uint16, snap int) ([]bpf.RawInstruction, error) {
	if len(ports) > MaxPorts {
		return nil, fmt.Errorf("filter: %d ports, at most %d", len(ports), MaxPorts)
	}
	if snap <= 0 {
		return nil, fmt.Errorf("filter: snap length %d", snap)
	}
	drop := bpf.RetConstant{Val: 0}
	if len(ports) == 0 {
		return bpf.Assemble([]bpf.Instruction{drop})
	}
	ports = slices.Compact(slices.Sorted(slices.Values(ports)))
	keep := bpf.RetConstant{Val: uint32(snap)}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 12, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherTypeIPv4, SkipFalse: 10}, // → IPv6
		// IPv4
		bpf.LoadAbsolute{Off: EthernetLen + 9, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(TCP), SkipTrue: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(UDP), SkipTrue: 13}, // → drop
		bpf.LoadAbsolute{Off: EthernetLen + 6, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 11}, // → drop
		bpf.LoadMemShift{Off: EthernetLen},                           // X = IHL*4
		bpf.TXA{},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: EthernetLen},
		bpf.TAX{},
		bpf.Jump{Skip: 7}, // → ports
		// IPv6
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: etherTypeIPv6, SkipTrue: 5}, // → drop
		bpf.LoadAbsolute{Off: EthernetLen + 6, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(TCP), SkipTrue: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(UDP), SkipTrue: 2}, // → drop
		bpf.LoadConstant{Dst: bpf.RegX, Val: EthernetLen + IPv6Len},
		bpf.Jump{Skip: 1}, // → ports
		drop,
		// ports: X is the offset of the transport header
	}
	for _, off := range []uint32{0, 2} {
		prog = append(prog, bpf.LoadIndirect{Off: off, Size: 2})
		for _, p := range ports {
			prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(p), SkipFalse: 1}, keep)
		}
	}
	prog = append(prog, drop)
	return bpf.Assemble(prog)
}
