package render

import (
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// DetailBytes is how many of a call's bytes the detail of a diagram's row
// shows (the JSON trace has every byte).
const DetailBytes = 1024

// Detail is what a page shows when a row of the sequence diagram is
// clicked: the call and everything it returned, its bytes as Python prints
// them, as UTF-8 and in hex rows. It is data for a page to put in text
// nodes, never markup; both languages travel in it, so a page switches
// without asking again.
type Detail struct {
	Index  int           `json:"i"`
	Seq    int           `json:"seq,omitempty"`
	Kind   string        `json:"kind"` // the op, or "fold"
	MS     string        `json:"ms"`
	Side   Texts         `json:"side"`
	Who    string        `json:"who,omitempty"`
	Conn   int           `json:"conn,omitempty"`
	Call   string        `json:"call,omitempty"`
	Step   string        `json:"step,omitempty"`
	Key    bool          `json:"key,omitempty"`
	Local  string        `json:"local,omitempty"`
	Peer   string        `json:"peer,omitempty"`
	Data   bool          `json:"data,omitempty"` // a call that moves bytes: Req and N mean something
	Req    int           `json:"req"`
	N      int           `json:"n"`
	Offset int64         `json:"offset,omitempty"`
	Trunc  bool          `json:"trunc,omitempty"`
	Err    string        `json:"err,omitempty"`
	Errno  string        `json:"errno,omitempty"`
	Text   *Texts        `json:"text,omitempty"` // a note, or what a fold line stands for
	Repr   string        `json:"repr,omitempty"`
	UTF8   string        `json:"utf8,omitempty"`
	Hex    []string      `json:"hex,omitempty"`
	More   int           `json:"more,omitempty"` // bytes not shown
	Marks  []DetailMark  `json:"marks,omitempty"`
	Packet *DetailPacket `json:"packet,omitempty"`
}

// DetailMark is a labelled part of a call's bytes.
type DetailMark struct {
	From  int   `json:"from"`
	To    int   `json:"to"`
	Label Texts `json:"label"`
}

// DetailPacket is what the capture saw of a packet.
type DetailPacket struct {
	Proto string `json:"proto,omitempty"`
	Src   string `json:"src,omitempty"`
	Dst   string `json:"dst,omitempty"`
	Flags string `json:"flags,omitempty"`
	Seq   uint32 `json:"seq"`
	Ack   uint32 `json:"ack"`
	Len   int    `json:"len"`
	Win   int    `json:"win,omitempty"`
	Opts  string `json:"opts,omitempty"`
	State string `json:"state,omitempty"`
}

// detailEvent is the copy of an event a row keeps for its detail: at most
// DetailBytes of its bytes, in a slice of its own, so a row never holds a
// big call's buffer.
func detailEvent(e lab.Event) lab.Event {
	if len(e.Data) > 0 {
		e.Data = append([]byte(nil), e.Data[:min(len(e.Data), DetailBytes)]...)
	}
	e.Sum, e.Run = lab.Digest{}, nil
	return e
}

// detailOf is the detail of row i, which drew e (or the fold f).
func detailOf(i int, e lab.Event, f *view.Fold) Detail {
	d := Detail{Index: i, Seq: e.Seq, Kind: e.Op.String(), MS: strings.TrimSpace(timeStamp(e.T)),
		Side: Texts{En: e.Side.Name(lab.En), Zh: e.Side.Name(lab.Zh)}, Who: e.Who, Conn: e.Conn, Call: e.Call,
		Step: e.Step, Key: e.Key, Local: e.Local, Peer: e.Peer, Err: e.Err, Errno: e.Errno}
	if f != nil {
		d.Kind, d.Who, d.Conn, d.Call = "fold", f.Who, f.Conn, f.Call
		d.MS = strings.TrimSpace(timeStamp(f.T))
		d.Text = &Texts{En: FoldText(*f, lab.En), Zh: FoldText(*f, lab.Zh)}
		d.Err, d.Errno, d.Step, d.Key = "", "", "", false
		return d
	}
	if !e.Text.IsZero() {
		d.Text = textsOf(e.Text)
	}
	if p := e.Packet; p != nil {
		d.Packet = &DetailPacket{Proto: p.Proto, Src: p.Src, Dst: p.Dst, Flags: p.Flags, Seq: p.Seq, Ack: p.Ack,
			Len: p.Len, Win: p.Win, Opts: p.Opts, State: p.State}
	}
	if !e.Op.IsData() {
		return d
	}
	d.Data, d.Req, d.N, d.Offset, d.Trunc = true, e.Req, e.N, e.Offset, e.Trunc
	shown := e.Data[:min(len(e.Data), e.N, DetailBytes)]
	d.More = e.N - len(shown)
	if len(shown) > 0 {
		d.Repr = PyBytes(shown)
		if d.More > 0 {
			d.Repr = d.Repr[:len(d.Repr)-1] + "…"
		}
		if s, ok := decodedPart(shown, d.More == 0); ok {
			d.UTF8 = s
		}
		d.Hex = HexRows(shown, e.Offset, 16)
	}
	for _, m := range e.Marks {
		d.Marks = append(d.Marks, DetailMark{From: m.From, To: m.To, Label: Texts{En: m.Label.En, Zh: m.Label.Zh}})
	}
	return d
}
