package capture

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/net/bpf"
)

func runFilter(t *testing.T, ports []uint16, snap int, frame []byte) int {
	t.Helper()
	prog, err := Filter(ports, snap)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(disassemble(t, prog))
	if err != nil {
		t.Fatal(err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatal(err)
	}
	return min(n, len(frame))
}

func TestFilter(t *testing.T) {
	long := make([]byte, 500)
	tcp4 := build(seg{src: "127.0.0.1:50000", dst: "127.0.0.1:8080", flags: ACK, payload: long})
	tcp6 := build(seg{src: "[::1]:8080", dst: "[::1]:50000", flags: ACK})
	udp4 := build(seg{src: "127.0.0.1:5353", dst: "127.0.0.1:8080", udp: true, payload: []byte("x")})
	udp6 := build(seg{src: "[::1]:8080", dst: "[::1]:5353", udp: true})
	edit := func(f []byte, do func([]byte)) []byte {
		f = append([]byte(nil), f...)
		do(f)
		return f
	}
	tests := []struct {
		name  string
		ports []uint16
		frame []byte
		want  int
	}{
		{"tcp4 to the port, cut", []uint16{8080}, tcp4, 128},
		{"tcp4 from the port", []uint16{50000}, tcp4, 128},
		{"tcp4 another port", []uint16{8081}, tcp4, 0},
		{"tcp6 from the port", []uint16{1, 8080, 9}, tcp6, len(tcp6)},
		{"tcp6 to the port", []uint16{50000}, tcp6, len(tcp6)},
		{"udp4", []uint16{8080}, udp4, len(udp4)},
		{"udp6", []uint16{5353}, udp6, len(udp6)},
		{"no ports", nil, tcp4, 0},
		{"repeated port", []uint16{8080, 8080}, udp4, len(udp4)},
		{"icmp", []uint16{8080}, edit(tcp4, func(f []byte) { f[23] = 1 }), 0},
		{"arp", []uint16{8080}, edit(tcp4, func(f []byte) { f[12], f[13] = 0x08, 0x06 }), 0},
		{"later fragment", []uint16{8080}, edit(tcp4, func(f []byte) { binary.BigEndian.PutUint16(f[20:], 0x0010) }), 0},
		{"first fragment", []uint16{8080}, edit(tcp4, func(f []byte) { binary.BigEndian.PutUint16(f[20:], 0x2000) }), 128},
		{"ipv4 options", []uint16{2}, build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: ACK, ipOpts: []byte{1, 1, 1, 0}}), 58},
		{"ipv6 extension header", []uint16{8080}, edit(tcp6, func(f []byte) { f[20] = extDestOpts }), 0},
		{"short", []uint16{8080}, tcp4[:30], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runFilter(t, tt.ports, 128, tt.frame); got != tt.want {
				t.Errorf("kept %d bytes, want %d", got, tt.want)
			}
		})
	}
}

// Every jump is short, so the program assembles for 0 to MaxPorts ports
// and stays within the kernel's 4,096 instructions; one more is refused.
func TestFilterSize(t *testing.T) {
	frame := build(seg{src: "127.0.0.1:50000", dst: "127.0.0.1:65535", flags: ACK})
	for _, n := range []int{0, 1, 2, 255, 256, MaxPorts - 1, MaxPorts} {
		ports := make([]uint16, n)
		for i := range ports {
			ports[i] = uint16(65535 - i)
		}
		prog, err := Filter(ports, 128)
		if err != nil {
			t.Fatalf("%d ports: %v", n, err)
		}
		if len(prog) > 4096 {
			t.Errorf("%d ports: %d instructions", n, len(prog))
		}
		if got, want := runFilter(t, ports, 128, frame), min(n, 1)*len(frame); got != want {
			t.Errorf("%d ports: kept %d, want %d", n, got, want)
		}
	}
	if _, err := Filter(make([]uint16, MaxPorts+1), 128); err == nil {
		t.Errorf("%d ports accepted", MaxPorts+1)
	}
	if _, err := Filter([]uint16{1}, 0); err == nil {
		t.Error("snap length 0 accepted")
	}
}

// FuzzFilter: the BPF program keeps exactly the packets Decode reads as
// TCP or UDP on a watched port (IPv6 without extension headers), cut to
// the snap length.
func FuzzFilter(f *testing.F) {
	fuzzSeeds(f)
	ports := []uint16{8080, 9999, 2}
	const snap = 96
	prog, err := Filter(ports, snap)
	if err != nil {
		f.Fatal(err)
	}
	vm, err := bpf.NewVM(disassemble(f, prog))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		n, err := vm.Run(frame)
		if err != nil {
			t.Fatal(err)
		}
		n = min(n, len(frame)) // what the kernel keeps of the program's answer
		if n > snap {
			t.Fatalf("kept %d bytes, snap %d", n, snap)
		}
		p, err := Decode(frame)
		if err != nil || p.Version == 6 && len(p.Net) != IPv6Len {
			return
		}
		watched := slices.Contains(ports, p.Src.Port()) || slices.Contains(ports, p.Dst.Port())
		if watched != (n > 0) || watched && n != min(snap, len(frame)) {
			t.Fatalf("%v → %v: kept %d bytes of %d", p.Src, p.Dst, n, len(frame))
		}
	})
}

func disassemble(tb testing.TB, raw []bpf.RawInstruction) []bpf.Instruction {
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		tb.Fatal("the filter does not disassemble")
	}
	return prog
}
