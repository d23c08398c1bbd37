package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"socketlab/lab"
)

// proxyFixture is a fixed `lab proxy --slice 1` trace: one connection whose
// client sends "hi" and half-closes, the server answers "OK", and a second
// connection that the client resets.
func proxyFixture() []lab.Event {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	p := lab.Proxy
	evs := []lab.Event{
		{T: ms(0.05), Side: p, Op: lab.OpSocket, Conn: 1, Call: "socket(AF_INET, SOCK_STREAM)"},
		{T: ms(0.1), Side: p, Op: lab.OpSetOpt, Conn: 1, Call: "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)", Detail: lab.DetailSetup},
		{T: ms(0.2), Side: p, Op: lab.OpBind, Conn: 1, Call: "bind(('127.0.0.1', 0))", Local: "127.0.0.1:40000"},
		{T: ms(0.3), Side: p, Op: lab.OpListen, Conn: 1, Call: "listen(128)", Local: "127.0.0.1:40000"},
		{T: ms(1.0), Side: p, Who: "c1", Op: lab.OpAccept, Conn: 2, Call: "accept()", Local: "127.0.0.1:40000", Peer: "127.0.0.1:50000"},
		{T: ms(1.05), Side: p, Who: "c1", Op: lab.OpSocket, Conn: 3, Call: "socket(AF_INET, SOCK_STREAM)", Peer: "127.0.0.1:9000"},
		{T: ms(1.1), Side: p, Who: "c1", Op: lab.OpConnect, Conn: 3, Call: "connect(('127.0.0.1', 9000))", Local: "127.0.0.1:50001", Peer: "127.0.0.1:9000"},
		{T: ms(1.2), Side: p, Who: "c1", Op: lab.OpRecv, Conn: 2, Call: "recv(65536)", Req: 65536, N: 2, Data: []byte("hi")},
		{T: ms(1.3), Side: p, Who: "c1", Op: lab.OpSend, Conn: 3, Call: "send()", Req: 1, N: 1, Data: []byte("h")},
		{T: ms(1.4), Side: p, Who: "c1", Op: lab.OpSend, Conn: 3, Call: "send()", Req: 1, N: 1, Data: []byte("i"), Offset: 1},
		{T: ms(1.5), Side: p, Who: "c1", Op: lab.OpRecv, Conn: 2, Call: "recv(65536)", Req: 65536, N: 0, Data: []byte{}, Offset: 2},
		{T: ms(1.6), Side: p, Who: "c1", Op: lab.OpNote, Conn: 3, Text: lab.T("the client shut down its sending side (EOF): passing it on with shutdown(SHUT_WR)", "客户端关闭了发送方向（EOF）：用 shutdown(SHUT_WR) 转告服务端")},
		{T: ms(1.7), Side: p, Who: "c1", Op: lab.OpShutdown, Conn: 3, Call: "shutdown(SHUT_WR)"},
		{T: ms(1.8), Side: p, Who: "c1", Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 2, Data: []byte("OK")},
		{T: ms(1.9), Side: p, Who: "c1", Op: lab.OpSend, Conn: 2, Call: "send()", Req: 1, N: 1, Data: []byte("O")},
		{T: ms(2.0), Side: p, Who: "c1", Op: lab.OpSend, Conn: 2, Call: "send()", Req: 1, N: 1, Data: []byte("K"), Offset: 1},
		{T: ms(2.1), Side: p, Who: "c1", Op: lab.OpRecv, Conn: 3, Call: "recv(65536)", Req: 65536, N: 0, Data: []byte{}, Offset: 2},
		{T: ms(2.2), Side: p, Who: "c1", Op: lab.OpShutdown, Conn: 2, Call: "shutdown(SHUT_WR)"},
		{T: ms(2.3), Side: p, Who: "c1", Op: lab.OpClose, Conn: 2, Call: "close()"},
		{T: ms(2.4), Side: p, Who: "c1", Op: lab.OpClose, Conn: 3, Call: "close()"},
		{T: ms(3.0), Side: p, Who: "c2", Op: lab.OpAccept, Conn: 4, Call: "accept()", Local: "127.0.0.1:40000", Peer: "127.0.0.1:50002"},
		{T: ms(3.05), Side: p, Who: "c2", Op: lab.OpSocket, Conn: 5, Call: "socket(AF_INET, SOCK_STREAM)", Peer: "127.0.0.1:9000"},
		{T: ms(3.1), Side: p, Who: "c2", Op: lab.OpConnect, Conn: 5, Call: "connect(('127.0.0.1', 9000))", Local: "127.0.0.1:50003", Peer: "127.0.0.1:9000"},
		{T: ms(3.2), Side: p, Who: "c2", Op: lab.OpRecv, Conn: 4, Call: "recv(65536)", Req: 65536, Err: "read tcp 127.0.0.1:40000->127.0.0.1:50002: read: connection reset by peer", Errno: "ECONNRESET"},
		{T: ms(3.3), Side: p, Who: "c2", Op: lab.OpNote, Conn: 4, Text: lab.T("the client reset the connection (ECONNRESET; Python: ConnectionResetError)", "客户端重置了连接（ECONNRESET；Python：ConnectionResetError）")},
		{T: ms(3.4), Side: p, Who: "c2", Op: lab.OpSetOpt, Conn: 5, Call: "setsockopt(SOL_SOCKET, SO_LINGER, struct.pack('ii', 1, 0))"},
		{T: ms(3.5), Side: p, Who: "c2", Op: lab.OpClose, Conn: 5, Call: "close()"},
		{T: ms(3.6), Side: p, Who: "c2", Op: lab.OpClose, Conn: 4, Call: "close()"},
	}
	for i := range evs {
		evs[i].Seq = i + 1
	}
	return evs
}

// TestProxyGolden: the proxy's accepted sockets are drawn in the left lane,
// its dialled sockets in the right, with arrows the way the bytes go; in
// one lane the tag says which way each socket faces.
func TestProxyGolden(t *testing.T) {
	for _, o := range []Options{
		{Lang: lab.En, Width: 120},
		{Lang: lab.Zh, Width: 120},
		{Lang: lab.En, Width: 80},
		{Lang: lab.Zh, Width: 80},
	} {
		name := fmt.Sprintf("proxy-%s-%d", o.Lang, o.Width)
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			r := NewText(&b, o)
			for _, e := range proxyFixture() {
				r.Emit(e)
			}
			r.Finish()
			golden(t, name, b.Bytes())
			for _, line := range strings.Split(b.String(), "\n") {
				if Width(line) > o.Width {
					t.Errorf("line wider than %d: %q", o.Width, line)
				}
			}
		})
	}
	var b bytes.Buffer
	md := NewMarkdown(&b, Options{Lang: lab.En})
	for _, e := range proxyFixture() {
		md.Emit(e)
	}
	md.Finish()
	golden(t, "proxy.md", b.Bytes())
}
