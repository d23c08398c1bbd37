package demos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// Real peers: `lab serve N` runs the server side of demo N for a program the
// lab does not run (a learner's Python client, nc), and `lab client N` runs
// the client side against any server. Each speaks the tutorial's wire format
// byte for byte (see "What lab serve N speaks" in the design), serves
// clients concurrently, limits every frame it reads and gives up on a peer
// that stops making progress.

// PeerOptions configure one side of a demo facing a real program.
type PeerOptions struct {
	Addr  string // serve: where to listen; client: the server to connect to
	Count int    // serve: stop after this many connections (datagrams for udp); 0 = until stopped
	Max   int    // serve: connections open at once (lab.DefaultMaxConns when 0); more are refused
	// Backlog is serve's listen(backlog); 0 means the system's maximum.
	Backlog int
	Idle    time.Duration // drop a peer that makes no progress for this long; 0 = never
	// Timeout bounds each answer lab client waits for (a transfer still
	// coming at 1 KiB/s or more is not cut); 0 = none.
	Timeout time.Duration
	Dir     string    // file-upload: the folder uploads go into
	Peer    *lab.Side // the lane of the untraced peer; may be nil

	// Ready, if set, is called once the server listens, with its address.
	Ready func(addr net.Addr)
}

// A Peer is the part of a demo that can face a real program.
type Peer struct {
	// Knobs are --set knobs of serve and client only, beyond the demo's own.
	Knobs []lab.Knob
	// Serve runs the server side until opt.Count connections were served
	// or the session ends.
	Serve func(ctx context.Context, s *lab.Side, opt PeerOptions) (lab.ServeStats, error)
	// Client runs the client side once against opt.Addr and returns an
	// error saying what was wrong when the server's answers break the
	// demo's protocol.
	Client func(ctx context.Context, s *lab.Side, opt PeerOptions) error
	// Try returns command lines a learner can paste to talk to `lab serve`
	// at addr ("127.0.0.1:PORT" → host and port filled in).
	Try func(host, port string) []string
}

// PeerOf returns the real-peer side of a demo, if it has one.
func PeerOf(d lab.Demo) (Peer, bool) {
	p, ok := peers[d.ID]
	return p, ok
}

// PeerDemos lists the demos that have a real-peer side: "1 tcp-basic, 2 udp, …".
func PeerDemos() string {
	var names []string
	for _, d := range All() {
		if _, ok := peers[d.ID]; ok {
			names = append(names, d.Name())
		}
	}
	return strings.Join(names, ", ")
}

// peerMax is the largest frame a real-peer side reads: a length above it is
// refused before anything is allocated for it.
const peerMax = 16 << 20

// peerCommands are what `lab client` asks a command server (5, 6, 10) to
// run: harmless, with one answer longer than recv(1024).
var peerCommands = []string{"whoami", "ls -l", "pwd"}

var peers = map[int]Peer{
	1: {Serve: tcpServe(echoUpper), Client: tcpBasicPeerClient, Try: tryLine("hello")},
	2: {Serve: udpServe, Client: udpPeerClient, Try: func(host, port string) []string {
		return []string{
			fmt.Sprintf("nc -u %s %s", host, port),
			fmt.Sprintf(`python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'hello', ('%s', %s)); print(s.recvfrom(1024))"`, host, port),
		}
	}},
	3: {Serve: tcpServe(sendOneMessage), Client: smallBufferPeerClient, Try: func(host, port string) []string {
		return []string{
			fmt.Sprintf("nc %s %s", host, port),
			fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); print(list(iter(lambda: s.recv(7), b'')))"`, host, port),
		}
	}},
	4: {Serve: tcpServe(readToEOF), Client: stickyPeerClient, Try: func(host, port string) []string {
		return []string{
			fmt.Sprintf("printf 'hello' | nc -q1 %s %s", host, port),
			fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); s.send(b'hello'); s.send(b'world'); s.close()"`, host, port),
		}
	}},
	5: {Serve: tcpServe(commandServer("struct")), Client: commandClient("struct"), Try: tryCommand("struct")},
	6: {Serve: tcpServe(commandServer("json")), Client: commandClient("json"), Try: tryCommand("json")},
	7: {Serve: tcpServe(sendObject), Client: objectsPeerClient, Try: func(host, port string) []string {
		return []string{
			fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); n=int(s.recv(10)); b=b''
while len(b) < n: b += s.recv(n - len(b))
print(b)"`, host, port),
		}
	}},
	10: {Serve: tcpServe(commandServer("")), Client: commandClient(""), Try: tryCommand("")},
	14: {Serve: tcpServe(chatServe), Client: chatPeerClient, Try: tryLine("hello")},
	15: {Knobs: []lab.Knob{uploadProtoKnob}, Serve: uploadServe, Client: uploadPeerClient, Try: func(host, port string) []string {
		return []string{
			fmt.Sprintf(`python3 -c "import socket, struct, json; d=b'hello, file'; h=json.dumps({'cmd': 'put', 'filename': 'a.txt', 'filesize': len(d)}).encode(); s=socket.create_connection(('%s', %s)); s.sendall(struct.pack('i', len(h)) + h + d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
			"# with --set proto=ack, the size first, then the bytes after the acknowledgement:",
			fmt.Sprintf(`python3 -c "import socket; d=b'hello, file'; s=socket.create_connection(('%s', %s)); s.sendall(str(len(d)).encode()); print(s.recv(1024)); s.sendall(d); s.shutdown(socket.SHUT_WR); print(s.recv(1024))"`, host, port),
		}
	}},
}

// tryLine is the hint of a line-echo server: nc, or one Python round trip.
func tryLine(msg string) func(host, port string) []string {
	return func(host, port string) []string {
		return []string{
			fmt.Sprintf("nc %s %s", host, port),
			fmt.Sprintf(`python3 -c "import socket; s=socket.create_connection(('%s', %s)); s.sendall(b'%s'); print(s.recv(1024))"`, host, port, msg),
		}
	}
}

// tryCommand is the hint of a command server: one command and its framed answer.
func tryCommand(framing string) func(host, port string) []string {
	return func(host, port string) []string {
		read := `print(s.recv(1024))`
		switch framing {
		case "struct":
			read = `n=struct.unpack('i', s.recv(4))[0]; print(s.recv(n))`
		case "json":
			read = `n=struct.unpack('i', s.recv(4))[0]; h=json.loads(s.recv(n)); print(h, s.recv(h['datasize']))`
		}
		return []string{fmt.Sprintf(`python3 -c "import socket, struct, json; s=socket.create_connection(('%s', %s)); s.sendall(b'whoami'); %s"`, host, port, read)}
	}
}

// tcpServe listens on opt.Addr and serves every connection with handle.
func tcpServe(handle func(s *lab.Side, c *lab.Conn) error) func(context.Context, *lab.Side, PeerOptions) (lab.ServeStats, error) {
	return func(ctx context.Context, s *lab.Side, opt PeerOptions) (lab.ServeStats, error) {
		backlog := opt.Backlog
		if backlog <= 0 {
			backlog = lab.SystemBacklog()
		}
		ln, err := s.ListenWith(opt.Addr, lab.ListenOptions{Reuse: true, Setup: true, Backlog: backlog}) // server.bind(addr); server.listen(backlog)
		if err != nil {
			return lab.ServeStats{}, err
		}
		if opt.Ready != nil {
			opt.Ready(ln.Addr())
		}
		st, err := ln.Serve(lab.ServeOptions{Count: opt.Count, Max: opt.Max, Idle: opt.Idle, Peer: opt.Peer}, handle)
		if err != nil {
			return st, err
		}
		return st, ln.Close()
	}
}

// dialPeer connects to the server of `lab client`, giving up after the idle
// limit, and limits every later call the same way.
func dialPeer(s *lab.Side, opt PeerOptions) (*lab.Conn, error) {
	var conn *lab.Conn
	var err error
	if opt.Idle > 0 {
		conn, err = s.DialTimeout(opt.Addr, opt.Idle)
	} else {
		conn, err = s.Dial(opt.Addr)
	}
	if err != nil {
		return nil, err
	}
	conn.SetIdle(opt.Idle)
	if opt.Timeout > 0 {
		conn.PaceAnswers(lab.Pace{Total: opt.Timeout, MinRate: 1024, What: lab.T("the answer", "回答")})
	}
	if opt.Peer != nil {
		opt.Peer.Note(lab.Tf("the server at %s is a program the lab does not trace: what it sends shows where the client receives it",
			"%s 上的服务端是实验台不追踪的程序：它发来的字节显示在客户端收到它们的地方", opt.Addr))
	}
	return conn, nil
}

// recvReply reads until want bytes arrived or the server closes.
func recvReply(conn *lab.Conn, want int) ([]byte, error) {
	var got []byte
	for len(got) < want {
		data, err := conn.Recv(1024) // reply = client.recv(1024)
		if err != nil {
			return got, err
		}
		if len(data) == 0 {
			break
		}
		got = append(got, data...)
	}
	return got, nil
}

// expectEOF reads once more: the server must have closed (an empty recv).
func expectEOF(conn *lab.Conn, what string) error {
	data, err := conn.Recv(1024)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		return fmt.Errorf("%s: the server sent %d more bytes (%q) where it should have closed", what, len(data), clip(data))
	}
	return nil
}

// clip shortens bytes for an error message.
func clip(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "…"...)
	}
	return b
}

// --- 1 tcp-basic -----------------------------------------------------------

// echoUpper is demo 1's server as a communication loop: every recv(1024) is
// answered with the same bytes upper-cased, until the client closes.
func echoUpper(s *lab.Side, conn *lab.Conn) error {
	for {
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 { // if not data: break
			return conn.Close()
		}
		if err := conn.SendAll(upper(data)); err != nil { // conn.send(data.upper())
			return err
		}
	}
}

func tcpBasicPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	conn, err := dialPeer(s, opt) // client.connect((host, port))
	if err != nil {
		return err
	}
	msg := []byte(s.Params.String("msg"))
	if err := conn.SendAll(msg); err != nil { // client.send(msg.encode('utf-8'))
		return err
	}
	want := upper(msg)
	got, err := recvReply(conn, len(want))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("the server answered %q; demo 1's server answers the same bytes upper-cased, %q", clip(got), clip(want))
	}
	s.Note(lab.Tf("the answer is the message upper-cased, byte for byte: %q", "回答正是大写后的消息，逐字节一致：%q", got))
	return conn.Close()
}

// --- 2 udp -----------------------------------------------------------------

// udpServe answers every datagram to its sender, upper-cased.
func udpServe(ctx context.Context, s *lab.Side, opt PeerOptions) (lab.ServeStats, error) {
	var st lab.ServeStats
	pc, err := s.ListenPacket(opt.Addr) // server.bind(addr)
	if err != nil {
		return st, err
	}
	if opt.Ready != nil {
		opt.Ready(pc.LocalAddr())
	}
	if opt.Peer != nil {
		opt.Peer.Note(lab.T("datagrams come from programs the lab does not trace: each recvfrom shows who sent one",
			"数据报来自实验台不追踪的程序：每次 recvfrom 都显示是谁发的"))
	}
	buf := s.Params.Int("buf")
	for opt.Count <= 0 || st.Conns < opt.Count {
		data, addr, trunc, err := pc.RecvFrom(buf) // data, addr = server.recvfrom(1024)
		if err != nil {
			if ctx.Err() != nil {
				return st, context.Cause(ctx)
			}
			return st, err
		}
		st.Conns++
		if trunc {
			s.Note(lab.Tf("that datagram was longer than %d bytes: the rest is lost, so the answer is the cut bytes upper-cased",
				"那个数据报比 %d 字节长：其余部分丢失，所以回答是被截断的字节的大写", buf))
		}
		if _, err := pc.SendTo(upper(data), addr); err != nil { // server.sendto(data.upper(), addr)
			s.Fail(lab.T("could not answer that sender; the server goes on", "无法回答这个发送方；服务端继续工作"), err)
			st.Failed++
		}
	}
	return st, pc.Close()
}

func udpPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	server, err := net.ResolveUDPAddr("udp", opt.Addr)
	if err != nil {
		return err
	}
	local := ":0"
	switch {
	case server.IP.To4() != nil && server.IP.IsLoopback():
		local = "127.0.0.1:0"
	case server.IP.IsLoopback():
		local = "[::1]:0"
	}
	pc, err := s.ListenPacket(local) // Python binds on the first sendto
	if err != nil {
		return err
	}
	if opt.Peer != nil {
		opt.Peer.Note(lab.Tf("the server at %s is a program the lab does not trace", "%s 上的服务端是实验台不追踪的程序", opt.Addr))
	}
	buf := s.Params.Int("buf")
	for i, m := range udpMessages(s.Params) {
		if _, err := pc.SendTo(m, server); err != nil { // client.sendto(msg, server_addr)
			return err
		}
		if opt.Idle > 0 {
			pc.SetReadDeadline(time.Now().Add(opt.Idle))
		}
		reply, _, _, err := pc.RecvFrom(buf) // reply, addr = client.recvfrom(1024)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("datagram %d: no answer within %v (UDP never resends: a lost datagram or answer is simply gone)", i+1, opt.Idle)
		}
		if err != nil {
			return err
		}
		if len(reply) > len(m) || !bytes.Equal(reply, upper(m[:len(reply)])) {
			return fmt.Errorf("datagram %d: the server answered %q; demo 2's server answers the datagram upper-cased, %q", i+1, clip(reply), clip(upper(m)))
		}
		if len(reply) < len(m) {
			s.Note(lab.Tf("the answer has %d of the %d bytes: a buffer on the way cut the datagram, and the rest is lost",
				"回答只有 %d / %d 个字节：途中某个缓冲区截断了数据报，其余部分丢失", len(reply), len(m)))
		}
	}
	return pc.Close()
}

// --- 3 small-buffer --------------------------------------------------------

// sendOneMessage is demo 3's server: one message, then close.
func sendOneMessage(s *lab.Side, conn *lab.Conn) error {
	if err := conn.SendAll([]byte(s.Params.String("msg"))); err != nil { // conn.sendall(msg.encode('utf-8'))
		return err
	}
	return conn.Close()
}

func smallBufferPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	var all []byte
	calls := 0
	for {
		data, err := conn.Recv(buf) // data = client.recv(7)
		if err != nil {
			return err
		}
		calls++
		if len(data) == 0 {
			break
		}
		if len(all)+len(data) > peerMax {
			return fmt.Errorf("the server sent more than %d bytes without closing", peerMax)
		}
		all = append(all, data...)
	}
	if len(all) == 0 {
		return errors.New("the server closed without sending anything; demo 3's server sends one message, then closes")
	}
	text := lab.Tf("%d bytes in %d recv(%d) calls, the last one b'' (EOF); decoded after the whole message: %q",
		"%d 个字节，用了 %d 次 recv(%d)，最后一次是 b''（EOF）；整条消息收完后再解码：%q", len(all), calls, buf, all)
	if !utf8.Valid(all) {
		text = lab.Tf("%d bytes in %d recv(%d) calls; they are not valid UTF-8 even whole", "%d 个字节，用了 %d 次 recv(%d)；即使完整也不是有效的 UTF-8", len(all), calls, buf)
	}
	s.Note(text)
	return conn.Close()
}

// --- 4 sticky --------------------------------------------------------------

// readToEOF is demo 4's reader: it shows every boundary and answers nothing.
func readToEOF(s *lab.Side, conn *lab.Conn) error {
	total, calls := 0, 0
	for {
		data, err := conn.Recv(1024) // data = conn.recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		total += len(data)
		calls++
	}
	s.Note(lab.Tf("%d bytes arrived in %d recv(1024) calls: TCP kept no boundaries, so these say nothing about how many send() calls the peer made",
		"%d 个字节分 %d 次 recv(1024) 到达：TCP 不保留边界，所以这说明不了对方调用了几次 send()", total, calls))
	return conn.Close()
}

func stickyPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	for _, m := range []string{"hello", "world"} {
		if _, err := conn.Send([]byte(m)); err != nil { // client.send(b'hello'); client.send(b'world')
			return err
		}
	}
	s.Note(lab.T("two sends, no header: the server cannot tell where one ends", "两次 send，没有报头：服务端分不清一条在哪里结束"))
	return conn.Close()
}

// --- 5, 6, 10: the command server --------------------------------------------

// commandServer answers every recv(1024) with the canned output of that
// command, framed by framing ("struct", "json", or "" for the framing knob
// of demo 10, where "none" is the bug: raw output).
func commandServer(framing string) func(s *lab.Side, conn *lab.Conn) error {
	return func(s *lab.Side, conn *lab.Conn) error {
		f := framing
		if f == "" {
			f = s.Params.String("framing")
		}
		for {
			cmd, err := conn.Recv(1024) // cmd = conn.recv(1024)
			if err != nil {
				return err
			}
			if len(cmd) == 0 { // if not cmd: break
				return conn.Close()
			}
			// Never a shell: the tutorial's subprocess.Popen(cmd, shell=True)
			// becomes a look-up in a fixed table of harmless texts.
			if err := sendOutput(s, conn, f, string(cmd)); err != nil {
				return err
			}
		}
	}
}

// sendOutput sends one command's answer in a framing.
func sendOutput(s *lab.Side, conn *lab.Conn, framing, cmd string) error {
	switch framing {
	case "struct":
		out := CannedOutput(cmd)
		order := wire.Little
		if _, ok := s.Params.Knob("order"); ok {
			order = structOrder(s.Params)
		}
		head, err := wire.AppendHeader(nil, order, len(out)) // struct.pack('i', len(back_msg))
		if err != nil {
			return err
		}
		return conn.SendParts(append(head, out...),
			lab.Mark{From: 0, To: len(head), Label: labelHeader},
			lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
	case "json":
		h, out := wire.JSONHeader{}, CannedOutput(cmd)
		if _, ok := s.Params.Knob("meta"); ok {
			h, out = jsonReply(cmd, s.Params) // demo 6: a header with more fields
		}
		h.DataSize = int64(len(out))
		head, err := wire.AppendJSON(nil, h) // struct.pack('i', len(head_bytes)) + head_bytes
		if err != nil {
			return err
		}
		n := wire.HeaderSize
		return conn.SendParts(append(head, out...),
			lab.Mark{From: 0, To: n, Label: labelLength},
			lab.Mark{From: n, To: len(head), Label: labelJSON},
			lab.Mark{From: len(head), To: len(head) + len(out), Label: labelOutput})
	}
	return conn.SendAll(CannedOutput(cmd)) // conn.send(back_msg): no framing
}

// commandClient sends peerCommands one by one and reads each answer in a
// framing, checking that every frame is well formed.
func commandClient(framing string) func(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	return func(ctx context.Context, s *lab.Side, opt PeerOptions) error {
		f := framing
		if f == "" {
			f = s.Params.String("framing")
		}
		buf := 1024
		if _, ok := s.Params.Knob("buf"); ok {
			buf = s.Params.Int("buf")
		}
		conn, err := dialPeer(s, opt)
		if err != nil {
			return err
		}
		for _, cmd := range peerCommands {
			if err := conn.SendAll([]byte(cmd)); err != nil { // client.send(cmd.encode('utf-8'))
				return err
			}
			out, err := readOutput(s, conn, f, buf)
			if err != nil {
				return fmt.Errorf("the answer to %q: %w", cmd, err)
			}
			s.Note(lab.Tf("%q: %d bytes of output, read whole", "%q：%d 字节的输出，完整读到", cmd, len(out)))
		}
		if f == "none" {
			s.Note(lab.T("framing=none: each recv took whatever had arrived, so a long output spills into the next answer (run demo 10 to see it happen)",
				"framing=none：每次 recv 取走已经到达的字节，长输出会溢出到下一个回答里（运行演示 10 看它发生）"))
			// Without frames the client cannot know it has read everything:
			// half-close and read to EOF, so closing with unread bytes does not
			// reset the connection (demo 9) and the server sees an orderly end.
			if err := conn.CloseWrite(); err != nil {
				return err
			}
			for {
				rest, err := conn.Recv(buf)
				if err != nil {
					return err
				}
				if len(rest) == 0 {
					break
				}
			}
		}
		return conn.Close()
	}
}

// readOutput reads one framed answer.
func readOutput(s *lab.Side, conn *lab.Conn, framing string, buf int) ([]byte, error) {
	switch framing {
	case "struct":
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelHeader) // head = client.recv(4)
		if err != nil {
			return nil, err
		}
		order := wire.Little
		if _, ok := s.Params.Knob("order"); ok {
			order = structOrder(s.Params)
		}
		n, err := wire.ParseHeader(head, order, peerMax) // datasize = struct.unpack('i', head)[0]
		if err != nil {
			return nil, fmt.Errorf("header % x: %w%s", head, err, unframedHint(head))
		}
		return conn.RecvExactly(n, buf, labelOutput) // while recv_size < datasize: ...
	case "json":
		head, err := conn.RecvExactly(wire.HeaderSize, 0, labelLength) // head = client.recv(4)
		if err != nil {
			return nil, err
		}
		n, err := wire.ParseHeader(head, wire.Little, wire.MaxJSONHeader)
		if err != nil {
			return nil, fmt.Errorf("header length % x: %w%s", head, err, unframedHint(head))
		}
		obj, err := conn.RecvExactly(n, 0, labelJSON) // head_bytes = client.recv(headsize)
		if err != nil {
			return nil, err
		}
		h, err := wire.ParseJSON(obj, peerMax) // head = json.loads(head_bytes)
		if err != nil {
			return nil, err
		}
		body, err := conn.RecvExactly(int(h.DataSize), buf, labelOutput)
		if err != nil {
			return nil, err
		}
		if h.SHA256 != "" {
			sum := sha256.Sum256(body)
			if got := hex.EncodeToString(sum[:]); got != h.SHA256 {
				return nil, fmt.Errorf("the body's SHA-256 is %s, the header says %s", got, h.SHA256)
			}
		}
		return body, nil
	}
	return conn.Recv(buf) // res = client.recv(1024)
}

// unframedHint explains a nonsense length that is really text.
func unframedHint(head []byte) string {
	if utf8.Valid(head) && !bytes.ContainsFunc(head, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return fmt.Sprintf(" (these bytes are the text %q: is the server sending its output without a header? that is demo 10's bug)", head)
	}
	return ""
}

// --- 7 objects -------------------------------------------------------------

// sendObject is demo 7's server: one object behind the 10-character text
// header, then close.
func sendObject(s *lab.Side, conn *lab.Conn) error {
	msg, err := encodeObject(s.Params.String("codec"), objectValue()) // msg = pickle.dumps(d)
	if err != nil {
		return err
	}
	head, err := wire.AppendText(nil, len(msg)) // bytes(f"{len(msg):<10}", 'utf-8')
	if err != nil {
		return err
	}
	if err := conn.SendParts(append(head, msg...), // clientsocket.send(head + msg)
		lab.Mark{From: 0, To: len(head), Label: labelHeader},
		lab.Mark{From: len(head), To: len(head) + len(msg), Label: labelPayload}); err != nil {
		return err
	}
	return conn.Close()
}

func objectsPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	head, err := conn.RecvExactly(wire.TextHeaderSize, 0, labelHeader) // msglen = int(msg[:10])
	if err != nil {
		return err
	}
	n, err := wire.ParseText(head, maxObject)
	if err != nil {
		return fmt.Errorf("text header %q: %w", head, err)
	}
	data, err := conn.RecvExactly(n, s.Params.Int("buf"), labelPayload) // full_msg += msg
	if err != nil {
		return err
	}
	codec := s.Params.String("codec")
	v, err := decodeObject(codec, data) // pickle.loads(full_msg[10:]), made safe
	if err != nil {
		if errors.Is(err, wire.ErrUnsafePickle) {
			return fmt.Errorf("refused the server's object, and ran nothing: %w", err)
		}
		return fmt.Errorf("the %s object does not decode: %w", codec, err)
	}
	s.Note(lab.Tf("decoded with %s: %s", "用 %s 解码：%s", codec, pyRepr(v)))
	return conn.Close()
}

// --- 14 chat ---------------------------------------------------------------

// chatServe is demo 14's server: a welcome, then every message echoed with
// ",你好", until the client sends q or leaves.
func chatServe(s *lab.Side, conn *lab.Conn) error {
	if err := conn.SendAll([]byte(chatWelcome)); err != nil { // conn.sendall(bytes(welcome, encoding='utf-8'))
		return err
	}
	for {
		data, err := conn.Recv(1024) // ret = str(conn.recv(1024), encoding='utf-8')
		if err != nil {
			return err
		}
		reply, quit := chatAnswer(data)
		if quit { // if ret == 'q': break
			return conn.Close()
		}
		if err := conn.SendAll(reply); err != nil { // conn.sendall(bytes(ret + ",你好", encoding='utf-8'))
			return err
		}
	}
}

// chatAnswer is what demo 14's server answers to the bytes of one recv:
// the message + ",你好", or quit for "q" (with the line end nc sends) and
// for the end of the stream.
func chatAnswer(data []byte) (reply []byte, quit bool) {
	if len(data) == 0 || string(bytes.TrimRight(data, "\r\n")) == "q" {
		return nil, true
	}
	return slices.Concat(data, []byte(chatSuffix)), false
}

func chatPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	welcome, err := conn.Recv(1024) // print(str(client.recv(1024), encoding='utf-8'))
	if err != nil {
		return err
	}
	if len(welcome) == 0 {
		return errors.New("the server closed without a welcome")
	}
	next := chatMessages(s)
	for {
		msg, err := next()
		if err != nil {
			return err
		}
		if err := conn.SendAll([]byte(msg)); err != nil { // client.sendall(bytes(message, encoding='utf-8'))
			return err
		}
		if msg == "q" {
			break
		}
		want := []byte(msg + chatSuffix)
		got, err := recvReply(conn, len(want))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("the server answered %q to %q; demo 14's server answers the message + %q", clip(got), msg, chatSuffix)
		}
	}
	if err := expectEOF(conn, "after q"); err != nil {
		return err
	}
	return conn.Close()
}

// --- 15 file-upload ----------------------------------------------------------

// uploadProtoKnob picks the upload protocol of `lab serve 15` and `lab client 15`.
var uploadProtoKnob = lab.Knob{Name: "proto", Kind: lab.KindEnum, Default: "json", Choices: []string{"json", "ack"},
	Help: lab.T("json: a JSON header {\"cmd\": \"put\", \"filename\", \"filesize\"} then the bytes, several files per connection; ack: the size as digits, an acknowledgement, then the bytes",
		"json：JSON 报头 {\"cmd\": \"put\", \"filename\", \"filesize\"} 之后是字节，一个连接可传多个文件；ack：先发十进制的大小，等确认，再发字节")}

// uploadServe stores uploads in opt.Dir, through an os.Root that cannot
// leave it: unsafe names are refused and their bytes discarded.
func uploadServe(ctx context.Context, s *lab.Side, opt PeerOptions) (lab.ServeStats, error) {
	root, err := os.OpenRoot(opt.Dir)
	if err != nil {
		return lab.ServeStats{}, fmt.Errorf("open the upload folder: %w", err)
	}
	defer root.Close()
	start := time.Now()
	s.Note(lab.Tf("uploads go into %s", "上传的文件放进 %s", opt.Dir))
	return tcpServe(func(s *lab.Side, conn *lab.Conn) error {
		if s.Params.String("proto") == "ack" {
			return receiveWithAck(s, conn, root)
		}
		_, err := receivePuts(s, conn, root, opt.Dir, start)
		return err
	})(ctx, s, opt)
}

func uploadPeerClient(ctx context.Context, s *lab.Side, opt PeerOptions) error {
	size := int64(s.Params.Int("size"))
	sum := contentSHA(size)
	conn, err := dialPeer(s, opt)
	if err != nil {
		return err
	}
	if s.Params.String("proto") == "ack" {
		if err := conn.SendAll([]byte(strconv.FormatInt(size, 10))); err != nil { // client.sendall(bytes(str(file_size), encoding='utf-8'))
			return err
		}
		ack, err := conn.Recv(1024) // client.recv(1024): the acknowledgement
		if err != nil {
			return err
		}
		if len(ack) == 0 {
			return errors.New("the server closed instead of acknowledging the size")
		}
	} else {
		head := putHeader(s.Params.String("name"), size, sum)
		if err := conn.SendParts(head, lab.Mark{From: 0, To: wire.HeaderSize, Label: labelLength},
			lab.Mark{From: wire.HeaderSize, To: len(head), Label: labelJSON}); err != nil {
			return err
		}
	}
	if err := sendFile(conn, &content{size: size}, size); err != nil { // for line in f: client.sendall(line)
		return err
	}
	if err := conn.CloseWrite(); err != nil { // nothing more to send: the server reads EOF after the file
		return err
	}
	var answer []byte
	for {
		data, err := conn.Recv(1024)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		if answer = append(answer, data...); len(answer) > wire.MaxJSONHeader+wire.HeaderSize {
			return errors.New("the server's answer is longer than any receipt")
		}
	}
	note, err := uploadAnswer(answer, sum)
	if err != nil {
		return err
	}
	s.Note(note)
	return conn.Close()
}

// uploadAnswer reads what the server said after the file: nothing (the
// tutorial's server), a SHA-256 receipt (proto=ack) or a JSON reply. It
// returns the note that says so, or the error when the answer says the file
// did not arrive whole. Whatever the server sent is quoted, never printed as
// it is: the note and the error go to the learner's terminal.
func uploadAnswer(answer []byte, sum string) (lab.Text, error) {
	switch {
	case len(answer) == 0:
		return lab.T("the server sent no answer (the tutorial's server sends none): nothing says the file arrived whole",
			"服务端没有回答（教程的服务端就不回答）：没有任何东西说明文件完整到达"), nil
	case len(answer) == 64 && isHex(answer) && !strings.EqualFold(string(answer), sum):
		return lab.Text{}, fmt.Errorf("the server's receipt %s is not the file's SHA-256 %s", answer, sum)
	case len(answer) == 64 && isHex(answer):
		return receiptNote(strings.ToLower(string(answer)), sum), nil
	case len(answer) < wire.HeaderSize:
		return lab.Tf("the server answered %s", "服务端回答 %s", wire.PyRepr(answer, 0)), nil
	}
	h, err := wire.ReadJSONHeader(bytes.NewReader(answer), 0)
	if err != nil {
		return lab.Tf("the server answered %s", "服务端回答 %s", wire.PyRepr(answer, 0)), nil
	}
	var status, why string
	json.Unmarshal(h.Extra["status"], &status)
	json.Unmarshal(h.Extra["error"], &why)
	switch {
	case status == "refused":
		return lab.Text{}, fmt.Errorf("the server refused the upload: %s", wire.PyRepr(why, 0))
	case h.SHA256 != "" && !strings.EqualFold(h.SHA256, sum):
		return lab.Text{}, fmt.Errorf("the server stored a file whose SHA-256 is %s, not the file's %s", wire.PyRepr(h.SHA256, 80), sum)
	}
	obj := answer[wire.HeaderSize:]
	if n := int(binary.LittleEndian.Uint32(answer)); n < len(obj) {
		obj = obj[:n] // the JSON object; what follows it is not part of the reply
	}
	return lab.Tf("the server answered %s", "服务端回答 %s", wire.PyRepr(string(obj), 0)), nil
}

// parseSizeLine reads the size that comes first in demo 15's ack protocol:
// decimal digits from 0 to uploadMax, with the spaces and line end around
// them that the tutorial's int() ignores too (`echo 11 | nc` sends "11\n").
func parseSizeLine(head []byte) (int64, error) {
	digits := bytes.TrimSpace(head)
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if len(digits) == 0 || bytes.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) || err != nil || n > uploadMax {
		return 0, fmt.Errorf("%s is not a size: the decimal digits of a number from 0 to %d", wire.PyRepr(head, 80), uploadMax)
	}
	return n, nil
}

func isHex(b []byte) bool {
	_, err := hex.DecodeString(string(b))
	return err == nil
}

// --- decoders of a peer's bytes ------------------------------------------------

// An httpHead is the head of an HTTP response, as demo 16's client reads it.
type httpHead struct {
	status string   // the status line, such as "HTTP/1.1 200 OK"
	lines  []string // the header lines after it
	end    int      // where the body starts: after the blank line
	length int      // Content-Length, or -1 when there is none
}

// httpMaxBody is the longest body demo 16's client reads.
const httpMaxBody = 1 << 20

// errNoBlankLine says that the bytes so far hold no complete head.
var errNoBlankLine = errors.New("no blank line yet")

// parseHTTPHead reads the head of an HTTP response from the start of got:
// lines that end in "\r\n" (read with wire.ReadLine), the first of them
// the status line, up to the first empty line. Content-Length, if given,
// must be decimal digits and at most httpMaxBody; a second one must say
// the same. It returns errNoBlankLine while got holds no empty line yet.
func parseHTTPHead(got []byte) (httpHead, error) {
	h := httpHead{length: -1}
	r := bufio.NewReader(bytes.NewReader(got))
	for {
		line, err := wire.ReadLine(r, httpMaxHead)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h, errNoBlankLine
		}
		if err != nil {
			return h, fmt.Errorf("response head: %w", err)
		}
		if h.end += len(line) + 2; h.end > httpMaxHead {
			return h, fmt.Errorf("response head longer than %d bytes", httpMaxHead)
		}
		if len(line) == 0 {
			if h.status == "" {
				return h, errors.New("response head: an empty line where the status line should be")
			}
			return h, nil
		}
		if h.status == "" {
			h.status = string(line)
			continue
		}
		h.lines = append(h.lines, string(line))
		name, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(name), "Content-Length") {
			continue
		}
		v = bytes.Trim(v, " \t")
		n, err := strconv.Atoi(string(v))
		if len(v) == 0 || len(v) > 7 || bytes.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) || err != nil || n > httpMaxBody {
			return h, fmt.Errorf("bad Content-Length %q: want decimal digits, at most %d", clip(v), httpMaxBody)
		}
		if h.length >= 0 && n != h.length {
			return h, fmt.Errorf("two Content-Length headers, %d and %d", h.length, n)
		}
		h.length = n
	}
}
