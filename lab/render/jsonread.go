package render

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"socketlab/lab"
)

// Reading a saved trace back: `lab replay FILE` turns the JSON lines that
// --format json wrote into events again and draws them with the same
// renderers, so a recorded run reads exactly like the live one. The reader
// is strict about what it cannot trust (a line that is not JSON, a missing
// required field, seqs that go back, a newer trace version) and says which
// line is wrong; it is lenient about what it does not need (fields it does
// not know).

// MaxTraceLine bounds one line of a trace: a single call of 64 MiB (its
// bytes in hex) fits; a longer line is refused instead of read into memory.
const MaxTraceLine = 128 << 20

// TraceError is a line of a saved trace the reader refuses.
type TraceError struct {
	Line int
	Msg  lab.Text
}

func (e *TraceError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg.En) }

// In says the error in language l.
func (e *TraceError) In(l lab.Lang) string {
	if l == lab.Zh {
		return fmt.Sprintf("第 %d 行：%s", e.Line, e.Msg.Zh)
	}
	return e.Error()
}

// TraceReader reads the events of a saved JSON trace, one line at a time.
type TraceReader struct {
	r       *bufio.Reader
	line    int
	lastSeq int
	summary bool // the last run ended with its summary
	runs    int
}

// NewTraceReader reads a trace from r.
func NewTraceReader(r io.Reader) *TraceReader {
	return &TraceReader{r: bufio.NewReaderSize(r, 64<<10), summary: true}
}

// Finished reports whether every run in the trace ended with its summary
// line (a run that was cut short, or a file that was, has none).
func (t *TraceReader) Finished() bool { return t.summary }

// jsonIn is a line as the reader decodes it: every field of jsonEvent and
// of the run line, with data_hex.
type jsonIn struct {
	Seq      *int              `json:"seq"`
	TUS      *int64            `json:"t_us"`
	Side     *lab.Role         `json:"side"`
	Op       *string           `json:"op"`
	Version  int               `json:"version"`
	Lab      string            `json:"lab"`
	Command  string            `json:"command"`
	DemoID   int               `json:"demo_id"`
	Title    *Texts            `json:"title"`
	Brief    *Texts            `json:"brief"`
	Params   map[string]string `json:"params"`
	Conn     int               `json:"conn"`
	Call     string            `json:"call"`
	Local    string            `json:"local"`
	Peer     string            `json:"peer"`
	Req      int               `json:"req"`
	N        int               `json:"n"`
	DataHex  string            `json:"data_hex"`
	Offset   int64             `json:"offset"`
	Trunc    bool              `json:"trunc"`
	Waited   bool              `json:"waited"`
	Total    int64             `json:"total"`
	Done     int64             `json:"done"`
	Marks    []jsonMark        `json:"marks"`
	Name     string            `json:"name"`
	Segs     int               `json:"segs"`
	ID       string            `json:"id"`
	OK       bool              `json:"ok"`
	Text     string            `json:"text"`
	Texts    *Texts            `json:"texts"`
	Events   []int             `json:"events"`
	Steps    []string          `json:"steps"`
	Demo     string            `json:"demo"`
	Findings int               `json:"findings"`
	Err      string            `json:"err"`
	Errno    string            `json:"errno"`
	Who      string            `json:"who"`
	User     string            `json:"user"`
	Step     string            `json:"step"`
	Key      bool              `json:"key"`
	Detail   string            `json:"detail"`
	// A packet's fields.
	Proto        string   `json:"proto"`
	Src          string   `json:"src"`
	Dst          string   `json:"dst"`
	From         lab.Role `json:"from"`
	To           lab.Role `json:"to"`
	Dir          string   `json:"dir"`
	PeerConn     int      `json:"peer_conn"`
	Flags        string   `json:"flags"`
	TCPSeq       uint32   `json:"tcp_seq"`
	TCPAck       uint32   `json:"tcp_ack"`
	Len          int      `json:"len"`
	Win          int      `json:"win"`
	Opts         string   `json:"opts"`
	TS           string   `json:"ts"`
	State        string   `json:"state"`
	NetHex       string   `json:"net_hex"`
	TransportHex string   `json:"transport_hex"`
	PayloadHex   string   `json:"payload_hex"`
	Cause        string   `json:"cause"`
	Retrans      bool     `json:"retrans"`
}

// Next returns the next event, or io.EOF after the last.
func (t *TraceReader) Next() (lab.Event, error) {
	line, err := t.readLine()
	if err != nil {
		return lab.Event{}, err
	}
	t.line++
	in, op, err := t.decode(line)
	if err != nil {
		return lab.Event{}, err
	}
	e := lab.Event{
		Seq: *in.Seq, T: time.Duration(*in.TUS) * time.Microsecond, Side: *in.Side, Op: op,
		Conn: in.Conn, Call: in.Call, Local: in.Local, Peer: in.Peer, Req: in.Req, N: in.N,
		Offset: in.Offset, Trunc: in.Trunc, Waited: in.Waited, Total: in.Total, Done: in.Done,
		Name: in.Name, Segs: in.Segs, ID: in.ID, OK: in.OK, Text: textOf(in.Texts, in.Text),
		Evidence: in.Events, Steps: in.Steps, Demo: in.Demo, Findings: in.Findings,
		Err: in.Err, Errno: in.Errno, Who: in.Who, User: in.User, Step: in.Step, Key: in.Key, Detail: in.Detail,
	}
	switch {
	case op == lab.OpRun:
		return t.run(in, e)
	case *in.Seq <= t.lastSeq:
		return e, t.bad("seq %d after seq %d: seqs only grow (was the file edited or two traces joined?)",
			"seq %d 出现在 seq %d 之后：seq 只会递增（文件被改过，或者两个跟踪被拼在一起了？）", *in.Seq, t.lastSeq)
	}
	t.lastSeq = *in.Seq
	if op.IsData() {
		if err := t.data(in, &e); err != nil {
			return e, err
		}
	}
	if op == lab.OpPacket || op == lab.OpTCPInfo {
		if e.Packet, err = t.packet(in); err != nil {
			return e, err
		}
	}
	if op == lab.OpSummary {
		t.summary = true
	}
	return e, nil
}

// bad is an error in the line just read.
func (t *TraceReader) bad(en, zh string, args ...any) error {
	return &TraceError{Line: t.line, Msg: lab.Tf(en, zh, args...)}
}

// decode reads a line as JSON, checking the fields every line has.
func (t *TraceReader) decode(line traceLine) (*jsonIn, lab.Op, error) {
	if len(bytes.TrimSpace(line.b)) == 0 {
		return nil, 0, t.bad("an empty line: a trace has one JSON object per line", "空行：跟踪文件每行是一个 JSON 对象")
	}
	var in jsonIn
	if err := json.Unmarshal(line.b, &in); err != nil {
		if line.last {
			return nil, 0, t.bad("the file ends in the middle of a line: it was cut short", "文件在一行的中间结束：它被截断了")
		}
		return nil, 0, t.bad("not a JSON object (%v): was the file edited by hand?", "不是 JSON 对象（%v）：文件被手工改过吗？", err)
	}
	if in.Seq == nil || in.TUS == nil || in.Side == nil || in.Op == nil {
		return nil, 0, t.bad("seq, t_us, side and op are required on every line", "每一行都必须有 seq、t_us、side 和 op")
	}
	op, ok := lab.ParseOp(*in.Op)
	if !ok {
		return nil, 0, t.bad("unknown op %q", "未知的 op %q", *in.Op)
	}
	return &in, op, nil
}

// run reads a run line, which starts a run: its seqs start again.
func (t *TraceReader) run(in *jsonIn, e lab.Event) (lab.Event, error) {
	if in.Version > lab.TraceVersion {
		return e, t.bad("this trace was written by a newer lab (trace version %d; this lab reads up to %d): update the lab",
			"这个跟踪文件由更新版本的实验台写成（跟踪版本 %d；本实验台最多读到 %d）：请更新实验台", in.Version, lab.TraceVersion)
	}
	if *in.Seq != 0 {
		return e, t.bad("a run line has seq 0, not %d", "运行行的 seq 应为 0，而不是 %d", *in.Seq)
	}
	e.Run = &lab.RunInfo{Version: in.Version, Lab: in.Lab, Command: in.Command, Demo: in.Demo, ID: in.DemoID,
		Title: in.Title.Text(), Brief: in.Brief.Text(), Params: in.Params}
	t.lastSeq, t.summary = 0, false
	t.runs++
	return e, nil
}

// data reads a data call's bytes and marks into e.
func (t *TraceReader) data(in *jsonIn, e *lab.Event) error {
	data, err := hex.DecodeString(in.DataHex)
	if err != nil {
		return t.bad("data_hex is not hex: %v", "data_hex 不是十六进制：%v", err)
	}
	if len(data) > e.N || e.N < 0 {
		return t.bad("data_hex holds %d bytes but n says %d", "data_hex 有 %d 个字节，但 n 是 %d", len(data), e.N)
	}
	e.Data = data
	for _, m := range in.Marks {
		if m.From < 0 || m.To < m.From || m.To > e.N {
			return t.bad("a mark from %d to %d does not fit the call's %d bytes", "从 %d 到 %d 的标记超出了这次调用的 %d 个字节", m.From, m.To, e.N)
		}
		e.Marks = append(e.Marks, lab.Mark{From: m.From, To: m.To, Label: textOf(m.Labels, m.Label)})
	}
	return nil
}

// packet reads a packet's fields and layers.
func (t *TraceReader) packet(in *jsonIn) (*lab.PacketInfo, error) {
	pi := &lab.PacketInfo{Proto: in.Proto, Src: in.Src, Dst: in.Dst, From: in.From, To: in.To, Dir: in.Dir,
		PeerConn: in.PeerConn, Flags: in.Flags, Seq: in.TCPSeq, Ack: in.TCPAck, Len: in.Len, Win: in.Win,
		Opts: in.Opts, State: in.State, Cause: in.Cause, Retrans: in.Retrans}
	var err error
	for _, h := range []struct {
		s   string
		dst *[]byte
	}{{in.NetHex, &pi.Net}, {in.TransportHex, &pi.Transport}, {in.PayloadHex, &pi.Payload}} {
		if *h.dst, err = hex.DecodeString(h.s); err != nil {
			return nil, t.bad("a packet's layers are not hex: %v", "报文段的各层不是十六进制：%v", err)
		}
	}
	if in.TS != "" {
		if pi.TS, err = time.Parse(time.RFC3339Nano, in.TS); err != nil {
			return nil, t.bad("ts %q is not a time", "ts %q 不是时间", in.TS)
		}
	}
	return pi, nil
}

// textOf is a text in both languages when the trace has them, else the
// one it has in both places.
func textOf(ts *Texts, text string) lab.Text {
	if ts != nil {
		return ts.Text()
	}
	return lab.T(text, text)
}

type traceLine struct {
	b    []byte
	last bool // the file ended without a newline after it
}

// readLine returns the next line without its newline, at most MaxTraceLine
// bytes.
func (t *TraceReader) readLine() (traceLine, error) {
	var b []byte
	for {
		chunk, err := t.r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > MaxTraceLine {
			return traceLine{}, &TraceError{Line: t.line + 1, Msg: lab.Tf("longer than %d MiB: not a trace this lab wrote",
				"超过 %d MiB：不是本实验台写的跟踪文件", MaxTraceLine>>20)}
		}
		switch {
		case err == nil:
			return traceLine{b: b[:len(b)-1]}, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(b) > 0:
			return traceLine{b: b, last: true}, nil
		}
		return traceLine{}, err
	}
}
