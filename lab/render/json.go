package render

import (
	"encoding/hex"
	"encoding/json"
	"io"

	"socketlab/lab"
)

// JSON writes one JSON object per event and line, the trace format of
// DESIGN.md: seq, t_us, side and op on every line, then the op's fields.
type JSON struct {
	enc  *json.Encoder
	lang lab.Lang
	err  error
}

// NewJSON returns a JSON-lines renderer; texts are written in language l.
func NewJSON(w io.Writer, l lab.Lang) *JSON {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSON{enc: enc, lang: l}
}

// Err returns the first write error, if any.
func (j *JSON) Err() error { return j.err }

type jsonMark struct {
	From  int    `json:"from"`
	To    int    `json:"to"`
	Label string `json:"label"`
}

type jsonEvent struct {
	Seq      int        `json:"seq"`
	TUS      int64      `json:"t_us"`
	Side     lab.Role   `json:"side"`
	Op       string     `json:"op"`
	Conn     int        `json:"conn,omitempty"`
	Call     string     `json:"call,omitempty"`
	Local    string     `json:"local,omitempty"`
	Peer     string     `json:"peer,omitempty"`
	Req      *int       `json:"req,omitempty"`
	N        *int       `json:"n,omitempty"`
	DataHex  *string    `json:"data_hex,omitempty"`
	Elided   int        `json:"elided,omitempty"` // bytes moved but not in data_hex
	Offset   *int64     `json:"offset,omitempty"`
	Trunc    *bool      `json:"trunc,omitempty"`
	Waited   bool       `json:"waited,omitempty"`
	Total    int64      `json:"total,omitempty"`
	Done     int64      `json:"done,omitempty"`
	Marks    []jsonMark `json:"marks,omitempty"`
	Name     string     `json:"name,omitempty"`
	Segs     *int       `json:"segs,omitempty"`
	ID       string     `json:"id,omitempty"`
	OK       *bool      `json:"ok,omitempty"`
	Text     string     `json:"text,omitempty"`
	Demo     string     `json:"demo,omitempty"`
	Findings *int       `json:"findings,omitempty"`
	Err      string     `json:"err,omitempty"`
	Errno    string     `json:"errno,omitempty"`
	Who      string     `json:"who,omitempty"`
}

// Emit writes e as one line.
func (j *JSON) Emit(e lab.Event) {
	if j.err != nil {
		return
	}
	v := jsonEvent{
		Seq: e.Seq, TUS: e.T.Microseconds(), Side: e.Side, Op: e.Op.String(),
		Conn: e.Conn, Call: e.Call, Local: e.Local, Peer: e.Peer,
		Name: e.Name, ID: e.ID, Text: e.Text.In(j.lang), Demo: e.Demo, Err: e.Err, Errno: e.Errno, Who: e.Who,
	}
	switch e.Op {
	case lab.OpSend, lab.OpSendAll, lab.OpRecv, lab.OpSendTo, lab.OpRecvFrom:
		req, n, off, h := e.Req, e.N, e.Offset, hex.EncodeToString(e.Data)
		v.Req, v.N, v.DataHex = &req, &n, &h
		v.Elided = e.Elided
		if e.Op == lab.OpSend || e.Op == lab.OpSendAll || e.Op == lab.OpRecv {
			v.Offset = &off
		}
		v.Waited, v.Total, v.Done = e.Waited, e.Total, e.Done
		if e.Op == lab.OpRecvFrom || e.Op == lab.OpSendTo {
			trunc := e.Trunc
			v.Trunc = &trunc
		}
		for _, m := range e.Marks {
			v.Marks = append(v.Marks, jsonMark{m.From, m.To, m.Label.In(j.lang)})
		}
	case lab.OpSegments:
		segs := e.Segs
		v.Segs = &segs
	case lab.OpFinding:
		ok := e.OK
		v.OK = &ok
	case lab.OpSummary:
		ok, n := e.OK && e.Err == "", e.Findings
		v.OK, v.Findings = &ok, &n
	}
	j.err = j.enc.Encode(v)
}
