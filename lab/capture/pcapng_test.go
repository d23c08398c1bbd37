package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type pngBlock struct {
	typ  uint32
	body []byte
}

// readBlocks splits a pcapng file into blocks, checking each one's
// framing: both lengths equal, a multiple of 4, within the file.
func readBlocks(t *testing.T, b []byte) []pngBlock {
	t.Helper()
	var out []pngBlock
	for len(b) > 0 {
		if len(b) < 12 {
			t.Fatalf("%d bytes left", len(b))
		}
		n := binary.LittleEndian.Uint32(b[4:])
		if n%4 != 0 || n < 12 || int(n) > len(b) || binary.LittleEndian.Uint32(b[n-4:]) != n {
			t.Fatalf("block of type %#x: length %d (trailer %d) in %d bytes", binary.LittleEndian.Uint32(b), n, binary.LittleEndian.Uint32(b[n-4:]), len(b))
		}
		out = append(out, pngBlock{binary.LittleEndian.Uint32(b), b[8 : n-4]})
		b = b[n:]
	}
	return out
}

// options reads a block's options: code → value.
func options(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	m := map[uint16][]byte{}
	for {
		if len(b) < 4 {
			t.Fatalf("options end without opt_endofopt")
		}
		code, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		if code == pngEnd {
			if n != 0 || len(b) != 4 {
				t.Fatalf("opt_endofopt of length %d, %d bytes after", n, len(b)-4)
			}
			return m
		}
		if 4+n+pad4(n) > len(b) {
			t.Fatalf("option %d of %d bytes", code, n)
		}
		m[code] = b[4 : 4+n]
		b = b[4+n+pad4(n):]
	}
}

func TestPcapng(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapng(&buf, "lo", 128)
	if err != nil {
		t.Fatal(err)
	}
	frame := build(seg{src: "127.0.0.1:1", dst: "127.0.0.1:2", flags: PSH | ACK, payload: []byte("hello")}) // 59 bytes: padded
	ts := time.Unix(1700000000, 123456789)
	if err := w.Write(ts, frame, 1000, DirOutbound, "client #3 send() 5 bytes"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ts, frame[:54], 0, DirUnknown, ""); err != nil {
		t.Fatal(err)
	}
	blocks := readBlocks(t, buf.Bytes())
	if len(blocks) != 4 || blocks[0].typ != blockSHB || blocks[1].typ != blockIDB || blocks[2].typ != blockEPB || blocks[3].typ != blockEPB {
		t.Fatalf("%d blocks", len(blocks))
	}
	if shb := blocks[0].body; binary.LittleEndian.Uint32(shb) != 0x1a2b3c4d || binary.LittleEndian.Uint16(shb[4:]) != 1 {
		t.Errorf("section header %x", shb[:8])
	}
	idb := blocks[1].body
	if binary.LittleEndian.Uint16(idb) != LinkEthernet || binary.LittleEndian.Uint32(idb[4:]) != 128 {
		t.Errorf("interface: link type %d, snap %d", binary.LittleEndian.Uint16(idb), binary.LittleEndian.Uint32(idb[4:]))
	}
	if o := options(t, idb[8:]); string(o[pngIfName]) != "lo" || !bytes.Equal(o[pngTSResol], []byte{9}) {
		t.Errorf("interface options %v", o)
	}
	for i, want := range []struct {
		n, orig int
		comment string
		flags   []byte
	}{{len(frame), 1000, "client #3 send() 5 bytes", []byte{2, 0, 0, 0}}, {54, 54, "", nil}} {
		epb := blocks[2+i].body
		ns := uint64(binary.LittleEndian.Uint32(epb[4:]))<<32 | uint64(binary.LittleEndian.Uint32(epb[8:]))
		n, orig := int(binary.LittleEndian.Uint32(epb[12:])), int(binary.LittleEndian.Uint32(epb[16:]))
		if ns != uint64(ts.UnixNano()) || n != want.n || orig != want.orig || !bytes.Equal(epb[20:20+n], frame[:n]) {
			t.Errorf("packet %d: ts %d, %d of %d bytes", i, ns, n, orig)
		}
		o := options(t, epb[20+n+pad4(n):])
		if string(o[pngComment]) != want.comment || !bytes.Equal(o[pngEPBFlags], want.flags) {
			t.Errorf("packet %d options %v", i, o)
		}
	}
}

// tsharkFlags is tcp.flags.str as Wireshark writes it: twelve places,
// reserved bits (three), AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN.
func tsharkFlags(f Flags) string {
	const letters = "RRRACEUAPRSF"
	var b strings.Builder
	for i := range 12 {
		if bit := 11 - i; bit < 8 && f&(1<<bit) != 0 {
			b.WriteByte(letters[i])
		} else {
			b.WriteString("·")
		}
	}
	return b.String()
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: CI installs it (.ci/run)", name)
		}
		t.Skipf("%s is not installed (apt-get install -y %s); skipped outside CI", name, name)
	}
	return path
}

// tshark opens what Pcapng writes and shows each comment and the flags.
func TestPcapngTshark(t *testing.T) {
	tshark := needTool(t, "tshark")
	const c, s = "127.0.0.1:50000", "127.0.0.1:8080"
	conv := []struct {
		seg     seg
		dir     Direction
		comment string
	}{
		{seg{src: c, dst: s, flags: SYN, seq: 10, win: 65495, opts: optsSYN}, DirOutbound, "client #2 connect()"},
		{seg{src: s, dst: c, flags: SYN | ACK, seq: 20, ack: 11, win: 65483, opts: optsSYN}, DirInbound, "client #2 connect()"},
		{seg{src: c, dst: s, flags: ACK, seq: 11, ack: 21, win: 512}, DirOutbound, "client #2 connect()"},
		{seg{src: c, dst: s, flags: PSH | ACK, seq: 11, ack: 21, win: 512, payload: []byte("hello")}, DirOutbound, "client #3 send() 5 bytes"},
		{seg{src: s, dst: c, flags: ACK, seq: 21, ack: 16, win: 512}, DirInbound, "client #3 send() 5 bytes"},
		{seg{src: c, dst: s, flags: FIN | ACK, seq: 16, ack: 21, win: 512}, DirOutbound, "客户端 #4 close()"},
		{seg{src: s, dst: c, flags: RST | ACK, seq: 21, ack: 17}, DirInbound, "server #5 close(), unread data"},
		{seg{src: "127.0.0.1:5000", dst: "127.0.0.1:53", udp: true, payload: []byte("q")}, DirOutbound, "client #6 sendto() 1 byte"},
	}
	path := filepath.Join(t.TempDir(), "lab.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewPcapng(f, "lo", 128)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	start := time.Unix(1700000000, 0)
	for i, x := range conv {
		p := mustDecode(t, x.seg)
		p.Time = start.Add(time.Duration(i) * 1500 * time.Nanosecond)
		if err := w.WritePacket(p, x.dir, x.comment); err != nil {
			t.Fatal(err)
		}
		flags := ""
		if !x.seg.udp {
			flags = tsharkFlags(x.seg.flags)
		}
		dir := map[Direction]string{DirInbound: "1", DirOutbound: "2"}[x.dir]
		epoch := fmt.Sprintf("%d.%09d", p.Time.Unix(), p.Time.Nanosecond())
		want = append(want, strings.Join([]string{x.comment, flags, dir, epoch}, "\t"))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-r", path, "-T", "fields",
		"-e", "frame.comment", "-e", "tcp.flags.str", "-e", "frame.packet_flags_direction", "-e", "frame.time_epoch")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.Bytes())
	}
	var got []string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			t.Fatalf("tshark line %q", line)
		}
		if fields[2] == "0x00000001" || fields[2] == "0x00000002" {
			fields[2] = fields[2][len(fields[2])-1:]
		}
		got = append(got, strings.Join(fields, "\t"))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark shows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
