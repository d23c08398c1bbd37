package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Pcapng writes captured frames as a pcapng file (the IETF draft "PCAP
// Next Generation Capture File Format") that Wireshark and tshark open:
// one section, one interface, one enhanced packet block per frame, with
// the call that caused it as the packet's comment.
//
//	Section Header Block    byte-order magic, version 1.0, shb_userappl
//	Interface Description   LINKTYPE_ETHERNET (what AF_PACKET gives on lo),
//	                        snap length, if_name, if_tsresol = 10^-9 s
//	Enhanced Packet Block   timestamp, captured and original length, the
//	  … one per frame       bytes, opt_comment, epb_flags (direction)
//
// Every block is: type, total length, body padded to 4 bytes, options
// (code, length, value padded to 4; ended by code 0), total length again.
// Numbers are little-endian; the magic tells readers so.
type Pcapng struct {
	w   io.Writer
	err error
	buf []byte
}

// Direction is a packet's direction in epb_flags. On lo every packet is
// sent by one program and received by another: the lab writes the
// direction as seen from one end it chooses (the client, say).
type Direction uint8

// The directions of epb_flags bits 0–1.
const (
	DirUnknown  Direction = 0
	DirInbound  Direction = 1
	DirOutbound Direction = 2
)

const (
	blockSHB = 0x0a0d0d0a
	blockIDB = 0x00000001
	blockEPB = 0x00000006

	pngEnd      = 0
	pngComment  = 1
	pngEPBFlags = 2
	pngIfName   = 2
	pngTSResol  = 9
	pngUserAppl = 4

	// LinkEthernet is LINKTYPE_ETHERNET (DLT_EN10MB): Linux loopback
	// frames have an Ethernet header of zeros.
	LinkEthernet = 1
)

// NewPcapng writes the section header and the description of one
// interface (name, snap length) and returns a writer for its packets.
func NewPcapng(w io.Writer, iface string, snap int) (*Pcapng, error) {
	if snap <= 0 || snap > 1<<18 {
		return nil, fmt.Errorf("pcapng: snap length %d", snap)
	}
	p := &Pcapng{w: w}

	shb := binary.LittleEndian.AppendUint32(nil, 0x1a2b3c4d) // byte-order magic
	shb = binary.LittleEndian.AppendUint16(shb, 1)           // major version
	shb = binary.LittleEndian.AppendUint16(shb, 0)           // minor version
	shb = binary.LittleEndian.AppendUint64(shb, ^uint64(0))  // section length: not given
	shb = appendOption(shb, pngUserAppl, []byte("Socket Lab"))
	shb = appendOption(shb, pngEnd, nil)
	p.block(blockSHB, shb)

	idb := binary.LittleEndian.AppendUint16(nil, LinkEthernet)
	idb = binary.LittleEndian.AppendUint16(idb, 0) // reserved
	idb = binary.LittleEndian.AppendUint32(idb, uint32(snap))
	idb = appendOption(idb, pngIfName, []byte(iface))
	idb = appendOption(idb, pngTSResol, []byte{9}) // nanoseconds
	idb = appendOption(idb, pngEnd, nil)
	p.block(blockIDB, idb)
	return p, p.err
}

// Write adds one frame: its capture time, the bytes kept, its length
// before the snap length cut it, its direction and a comment (the call
// that caused it, e.g. "client #3 send() 5 bytes"; none if empty).
func (p *Pcapng) Write(t time.Time, frame []byte, frameLen int, dir Direction, comment string) error {
	if p.err != nil {
		return p.err
	}
	if frameLen < len(frame) {
		frameLen = len(frame)
	}
	if len(frame) > 1<<18 || len(comment) > 1<<16-1 {
		return errors.New("pcapng: frame or comment too long")
	}
	ns := uint64(t.UnixNano())
	epb := binary.LittleEndian.AppendUint32(p.buf[:0], 0) // interface 0
	epb = binary.LittleEndian.AppendUint32(epb, uint32(ns>>32))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(ns))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(len(frame)))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(frameLen))
	epb = append(epb, frame...)
	epb = append(epb, make([]byte, pad4(len(frame)))...)
	if comment != "" {
		epb = appendOption(epb, pngComment, []byte(comment))
	}
	if dir != DirUnknown {
		epb = appendOption(epb, pngEPBFlags, binary.LittleEndian.AppendUint32(nil, uint32(dir&3)))
	}
	epb = appendOption(epb, pngEnd, nil)
	p.buf = epb
	p.block(blockEPB, epb)
	return p.err
}

// WritePacket adds a captured packet: its time, bytes and length.
func (p *Pcapng) WritePacket(pk *Packet, dir Direction, comment string) error {
	return p.Write(pk.Time, pk.Frame, pk.FrameLen, dir, comment)
}

func (p *Pcapng) block(typ uint32, body []byte) {
	if p.err != nil {
		return
	}
	n := uint32(12 + len(body))
	var h [8]byte
	binary.LittleEndian.PutUint32(h[:], typ)
	binary.LittleEndian.PutUint32(h[4:], n)
	if _, p.err = p.w.Write(h[:]); p.err != nil {
		return
	}
	if _, p.err = p.w.Write(body); p.err != nil {
		return
	}
	_, p.err = p.w.Write(h[4:])
}

func appendOption(b []byte, code uint16, v []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	return append(b, make([]byte, pad4(len(v)))...)
}

func pad4(n int) int { return (4 - n%4) % 4 }
