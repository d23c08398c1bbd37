package demos

import (
	"bytes"
	"errors"
	"fmt"

	"socketlab/lab"
)

// This file is the one place for what demo files borrow from each other:
// the labels several demos put on byte ranges, the small helpers their
// sides and findings share, and the finding builders. A demo file holds
// only its own demo, so it reads alone next to its tutorial; anything a
// second demo needs moves here. (Other shared code has a file of its own:
// packets.go reads captured packets, peer.go the real-peer sides,
// commands.go the seed's command protocol, wiretext.go the codecs' errors.)

// The labels of framed bytes, shared by the demos that frame a header:
// a struct length and its JSON header (demos 6, 10, 15, 21, lab serve),
// a text header and a command's output (demos 7, 10, 21).
var (
	labelLength = lab.T("header length", "报头长度")
	labelJSON   = lab.T("JSON header", "JSON 报头")
	labelHeader = lab.T("header", "报头")
	labelOutput = lab.T("output", "输出")

	// structHeaderLabel is labelHeader on demo 5's 4-byte struct header,
	// and on the headers demo 21 cuts in two.
	structHeaderLabel = labelHeader
)

// check builds a finding.
func check(id string, ok bool, t lab.Text) lab.Finding {
	return lab.Finding{ID: id, OK: ok, Text: t}
}

// roleNames are a role's names in both languages, for a sentence.
func roleNames(r lab.Role) (en, zh string) { return r.Name(lab.En), r.Name(lab.Zh) }

// sentence builds a text from English and Chinese formats that take
// arguments of their own (a role's name, a list joined in each language).
func sentence(en string, enArgs []any, zh string, zhArgs []any) lab.Text {
	return lab.T(fmt.Sprintf(en, enArgs...), fmt.Sprintf(zh, zhArgs...))
}

// upper upper-cases ASCII letters only, like Python's bytes.upper().
func upper(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// handle is the communication loop for one client, the handle() method of
// a socketserver.BaseRequestHandler: answer each message upper-cased until
// the client leaves. Demo 11's servers run it, and demo 20 where it cannot
// show select() (selectFallback).
func handle(conn *lab.Conn) error {
	for {
		data, err := conn.Recv(1024) // data = self.request.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 { // the client left
			return conn.Close()
		}
		if err := conn.SendAll(upper(data)); err != nil { // self.request.sendall(data.upper())
			return err
		}
	}
}

// caught logs a connection error the way a server's except clause would and
// reports nil, so the server goes on; any other error is returned.
func caught(s *lab.Side, err error) error {
	c := lab.Classify(err)
	switch c {
	case lab.ClassReset, lab.ClassBrokenPipe, lab.ClassAborted:
		s.Note(lab.Tf("caught %s: Python raises %s (Windows: %s). The server logs it, closes this socket and serves the next client",
			"捕获到 %s：Python 抛出 %s（Windows：%s）。服务端记录下来，关闭这个套接字，继续服务下一个客户端",
			c, c.Python(), c.Windows()))
		return nil
	}
	return err
}

// endOf says how a connection ended: an empty recv (an orderly close) or the error.
func endOf(err error) string {
	if err == nil {
		return "b''"
	}
	return lab.Classify(err).String()
}

// barrier names a barrier of one part: "sent", or "sent-2" for the second
// connection.
func barrier(name string, part, parts int) string {
	if parts == 1 && part == 1 {
		return name
	}
	return fmt.Sprintf("%s-%d", name, part)
}

// unsupported reports an option or a queue reading this platform lacks
// (lab.Conn's SetCork, WaitQueued …): the demo goes on without it.
func unsupported(err error) bool { return errors.Is(err, errors.ErrUnsupported) }

// sendallData is the payload: readable, and different at every offset.
func sendallData(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString("sendall! ")
	}
	return b.Bytes()[:n]
}

// clientReads returns the client's recv events on the n-th connection it made.
func clientReads(t lab.Trace, n int) lab.Trace {
	conns := t.Calls(lab.Client, lab.OpConnect)
	if len(conns) < n {
		return nil
	}
	id := conns[n-1].Conn
	return t.Filter(func(e lab.Event) bool { return e.Side == lab.Client && e.Op == lab.OpRecv && e.Conn == id })
}

// sumOf is the Digest of the stream the events read or wrote, as the last
// of them that moved bytes recorded it; zero if none did.
func sumOf(t lab.Trace) lab.Digest {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].Sum != (lab.Digest{}) {
			return t[i].Sum
		}
	}
	return lab.Digest{}
}

// ops returns the events of kind op.
func ops(t lab.Trace, op lab.Op) lab.Trace {
	return t.Filter(func(e lab.Event) bool { return e.Op == op })
}
