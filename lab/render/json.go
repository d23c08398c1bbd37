package render

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"time"

	"socketlab/lab"
)

// JSON writes one JSON object per event and line, the trace format of
// DESIGN.md: seq, t_us, side and op on every line, then the op's fields.
// Each run starts with a run line (seq 0, op "run", the trace's version,
// the demo and its knobs); texts are written in the run's language as
// "text" and in every language as "texts", so a saved trace replays in
// either. It lists every event and every byte: the JSON trace folds and
// hides nothing.
type JSON struct {
	w    *bufio.Writer
	lang lab.Lang
	err  error
	line bytes.Buffer
	enc  *json.Encoder // into line

	// The bytes of the last data call whose hex was kept, and that hex: a
	// proxy sends what it received and a receiver receives what was sent,
	// so the next call often carries the same bytes, and its hex is a copy.
	last, lastHex []byte
}

// Calls of minReuse to maxReuse bytes keep their hex for the next call.
const (
	minReuse = 1 << 10
	maxReuse = 256 << 10
)

// NewJSON returns a JSON-lines renderer; texts are written in language l.
func NewJSON(w io.Writer, l lab.Lang) *JSON {
	j := &JSON{w: bufio.NewWriterSize(w, 256<<10), lang: l}
	j.enc = json.NewEncoder(&j.line)
	j.enc.SetEscapeHTML(false)
	return j
}

// Needs says the JSON trace needs every byte of every call.
func (j *JSON) Needs() int { return -1 }

// Err returns the first write error, if any.
func (j *JSON) Err() error { return j.err }

// Flush writes out what is buffered.
func (j *JSON) Flush() {
	if j.err == nil {
		j.err = j.w.Flush()
	}
}

// Finish ends the output.
func (j *JSON) Finish() { j.Flush() }

// Texts is a text in every language, as the JSON trace writes it.
type Texts struct {
	En string `json:"en"`
	Zh string `json:"zh"`
}

func textsOf(t lab.Text) *Texts {
	if t.IsZero() {
		return nil
	}
	return &Texts{En: t.En, Zh: t.Zh}
}

// Text is the lab.Text the JSON holds.
func (t *Texts) Text() lab.Text {
	if t == nil {
		return lab.Text{}
	}
	return lab.T(t.En, t.Zh)
}

type jsonMark struct {
	From   int    `json:"from"`
	To     int    `json:"to"`
	Label  string `json:"label"`
	Labels *Texts `json:"labels,omitempty"`
}

type jsonRun struct {
	Version int               `json:"version"`
	Lab     string            `json:"lab"`
	Command string            `json:"command,omitempty"`
	DemoID  int               `json:"demo_id,omitempty"`
	Title   *Texts            `json:"title,omitempty"`
	Brief   *Texts            `json:"brief,omitempty"`
	Params  map[string]string `json:"params"`
	Lang    lab.Lang          `json:"lang"`
}

// jsonEvent is one line; data_hex is appended after it (see Emit).
type jsonEvent struct {
	Seq         int        `json:"seq"`
	TUS         int64      `json:"t_us"`
	Side        lab.Role   `json:"side"`
	Op          string     `json:"op"`
	*jsonRun               // the run line's fields
	Conn        int        `json:"conn,omitempty"`
	Call        string     `json:"call,omitempty"`
	Local       string     `json:"local,omitempty"`
	Peer        string     `json:"peer,omitempty"`
	Req         *int       `json:"req,omitempty"`
	N           *int       `json:"n,omitempty"`
	Offset      *int64     `json:"offset,omitempty"`
	Trunc       *bool      `json:"trunc,omitempty"`
	Waited      bool       `json:"waited,omitempty"`
	Total       int64      `json:"total,omitempty"`
	Done        int64      `json:"done,omitempty"`
	Marks       []jsonMark `json:"marks,omitempty"`
	Name        string     `json:"name,omitempty"`
	Segs        *int       `json:"segs,omitempty"`
	ID          string     `json:"id,omitempty"`
	OK          *bool      `json:"ok,omitempty"`
	Text        string     `json:"text,omitempty"`
	Texts       *Texts     `json:"texts,omitempty"`
	Events      []int      `json:"events,omitempty"`
	Steps       []string   `json:"steps,omitempty"`
	Demo        string     `json:"demo,omitempty"`
	Findings    *int       `json:"findings,omitempty"`
	Err         string     `json:"err,omitempty"`
	Errno       string     `json:"errno,omitempty"`
	Who         string     `json:"who,omitempty"`
	User        string     `json:"user,omitempty"`
	Step        string     `json:"step,omitempty"`
	Key         bool       `json:"key,omitempty"`
	Detail      string     `json:"detail,omitempty"`
	*jsonPacket            // a packet's fields
}

// jsonPacket is what a packet line adds (DECISIONS: side "wire", op
// "packet", conn the sender's socket, peer_conn, flags as Wireshark writes
// them, seq/ack relative per direction, len, win, the raw stamp in ts).
type jsonPacket struct {
	Proto        string   `json:"proto,omitempty"`
	Src          string   `json:"src,omitempty"`
	Dst          string   `json:"dst,omitempty"`
	From         lab.Role `json:"from,omitempty"`
	To           lab.Role `json:"to,omitempty"`
	Dir          string   `json:"dir,omitempty"`
	PeerConn     int      `json:"peer_conn,omitempty"`
	Flags        string   `json:"flags,omitempty"`
	Seq          *uint32  `json:"tcp_seq,omitempty"` // "seq" is the line's own number
	Ack          *uint32  `json:"tcp_ack,omitempty"`
	Len          *int     `json:"len,omitempty"`
	Win          *int     `json:"win,omitempty"`
	Opts         string   `json:"opts,omitempty"`
	TS           string   `json:"ts,omitempty"`
	State        string   `json:"state,omitempty"`
	NetHex       string   `json:"net_hex,omitempty"`
	TransportHex string   `json:"transport_hex,omitempty"`
	PayloadHex   string   `json:"payload_hex,omitempty"`
	Cause        string   `json:"cause,omitempty"`
	Retrans      bool     `json:"retrans,omitempty"`
}

// Emit writes e as one line.
func (j *JSON) Emit(e lab.Event) {
	if j.err != nil {
		return
	}
	v := jsonEvent{
		Seq: e.Seq, TUS: e.T.Microseconds(), Side: e.Side, Op: e.Op.String(),
		Conn: e.Conn, Call: e.Call, Local: e.Local, Peer: e.Peer,
		Name: e.Name, ID: e.ID, Text: e.Text.In(j.lang), Texts: textsOf(e.Text), Demo: e.Demo, Err: e.Err, Errno: e.Errno, Who: e.Who, User: e.User,
		Step: e.Step, Key: e.Key, Detail: e.Detail,
	}
	switch e.Op {
	case lab.OpRun:
		j.runFields(&v, e)
	case lab.OpSend, lab.OpSendAll, lab.OpRecv, lab.OpSendTo, lab.OpRecvFrom:
		j.dataFields(&v, e)
	case lab.OpSegments:
		segs := e.Segs
		v.Segs = &segs
	case lab.OpPacket, lab.OpTCPInfo:
		v.jsonPacket = packetFields(e)
	case lab.OpFinding:
		ok := e.OK
		v.OK, v.Events, v.Steps = &ok, e.Evidence, e.Steps
	case lab.OpSummary:
		ok, n := e.OK && e.Err == "", e.Findings
		v.OK, v.Findings = &ok, &n
	}
	j.write(v, e)
}

// runFields are the run's own: demo, title, knobs.
func (j *JSON) runFields(v *jsonEvent, e lab.Event) {
	r := e.Run
	if r == nil {
		return
	}
	v.Demo = r.Demo
	v.jsonRun = &jsonRun{Version: r.Version, Lab: r.Lab, Command: r.Command, DemoID: r.ID,
		Title: textsOf(r.Title), Brief: textsOf(r.Brief), Params: r.Params, Lang: j.lang}
	if v.jsonRun.Params == nil {
		v.jsonRun.Params = map[string]string{}
	}
}

// dataFields are a send's or a recv's: sizes, offset, labelled ranges.
func (j *JSON) dataFields(v *jsonEvent, e lab.Event) {
	req, n, off := e.Req, e.N, e.Offset
	v.Req, v.N = &req, &n
	if e.Op == lab.OpSend || e.Op == lab.OpSendAll || e.Op == lab.OpRecv {
		v.Offset = &off
	}
	v.Waited, v.Total, v.Done = e.Waited, e.Total, e.Done
	if e.Op == lab.OpRecvFrom || e.Op == lab.OpSendTo {
		trunc := e.Trunc
		v.Trunc = &trunc
	}
	for _, m := range e.Marks {
		v.Marks = append(v.Marks, jsonMark{m.From, m.To, m.Label.In(j.lang), textsOf(m.Label)})
	}
}

// packetFields are a captured packet's, or a TCP state reading's.
func packetFields(e lab.Event) *jsonPacket {
	pi := e.Packet
	if pi == nil {
		return nil
	}
	jp := &jsonPacket{Proto: pi.Proto, Src: pi.Src, Dst: pi.Dst, From: pi.From, To: pi.To, Dir: pi.Dir,
		PeerConn: pi.PeerConn, Flags: pi.Flags, Opts: pi.Opts, State: pi.State, Cause: pi.Cause, Retrans: pi.Retrans,
		NetHex: hex.EncodeToString(pi.Net), TransportHex: hex.EncodeToString(pi.Transport), PayloadHex: hex.EncodeToString(pi.Payload)}
	if e.Op == lab.OpPacket {
		seq, ack, n, win := pi.Seq, pi.Ack, pi.Len, pi.Win
		jp.Seq, jp.Ack, jp.Len, jp.Win = &seq, &ack, &n, &win
		jp.TS = pi.TS.UTC().Format(time.RFC3339Nano)
	}
	return jp
}

// write writes one event's line; a call's bytes go last, as hex.
func (j *JSON) write(v jsonEvent, e lab.Event) {
	j.line.Reset()
	if err := j.enc.Encode(v); err != nil {
		j.err = err
		return
	}
	b := bytes.TrimSuffix(j.line.Bytes(), []byte("\n"))
	if !e.Op.IsData() {
		j.w.Write(b)
		j.err = j.w.WriteByte('\n')
		return
	}
	// The bytes go straight into the buffered writer as hex, after the
	// object's other fields: no copy of the line, no escaping to scan.
	j.w.Write(b[:len(b)-1])
	j.w.WriteString(`,"data_hex":"`)
	if d := e.Data; len(d) >= minReuse && len(d) <= maxReuse {
		if !bytes.Equal(d, j.last) {
			j.last = append(j.last[:0], d...)
			j.lastHex = appendHex(j.lastHex[:0], d)
		}
		j.w.Write(j.lastHex)
	} else {
		j.writeHex(d)
	}
	_, j.err = j.w.WriteString("\"}\n")
}

// writeHex writes data as hex into the writer's own buffer, a buffer's
// worth at a time.
func (j *JSON) writeHex(data []byte) {
	for len(data) > 0 {
		if j.w.Available() < 64 {
			if j.err = j.w.Flush(); j.err != nil {
				return
			}
		}
		out := j.w.AvailableBuffer()
		n := min(len(data), cap(out)/2)
		j.w.Write(appendHex(out, data[:n]))
		data = data[n:]
	}
}

// appendHex appends src to dst in lower-case hex, as hex.AppendEncode
// does, sixteen bytes at a time: a big call's hex is most of the JSON
// renderer's work.
func appendHex(dst, src []byte) []byte {
	at := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:at+2*len(src)]
	out := dst[at:]
	i := 0
	for ; i+16 <= len(src); i += 16 {
		s, o := src[i:i+16], out[2*i:2*i+32]
		x, y := binary.LittleEndian.Uint64(s), binary.LittleEndian.Uint64(s[8:])
		binary.LittleEndian.PutUint64(o, hexNibbles(uint32(x)))
		binary.LittleEndian.PutUint64(o[8:], hexNibbles(uint32(x>>32)))
		binary.LittleEndian.PutUint64(o[16:], hexNibbles(uint32(y)))
		binary.LittleEndian.PutUint64(o[24:], hexNibbles(uint32(y>>32)))
	}
	for ; i < len(src); i++ {
		out[2*i], out[2*i+1] = hexDigit[src[i]>>4], hexDigit[src[i]&15]
	}
	return dst
}

// hexNibbles writes the four bytes of v (the first in the low bits) as
// eight hex digits, little-endian: each byte is spread into a 16-bit lane
// of its own, its high nibble in the lane's low byte (written first), and
// each nibble n becomes '0'+n, or 'a'+n-10 when n > 9 (n+6 carries into
// bit 4).
func hexNibbles(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	n := x>>4&0x000f000f000f000f | (x&0x000f000f000f000f)<<8
	over9 := (n + 0x0606060606060606) >> 4 & 0x0101010101010101
	return n + 0x3030303030303030 + over9*('a'-'0'-10)
}
