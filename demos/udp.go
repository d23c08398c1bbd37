package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"socketlab/lab"
)

// udp is demo 2: datagrams. No listen, no accept: every recvfrom returns one
// whole datagram and the address it came from.
func udp() lab.Demo {
	return lab.Demo{
		ID:    2,
		Slug:  "udp",
		Title: lab.T("UDP: datagrams, not a stream", "UDP：数据报，而不是字节流"),
		Brief: lab.T("sendto/recvfrom: no listen, no accept, an address with every datagram",
			"sendto/recvfrom：没有 listen，没有 accept，每个数据报都带着地址"),
		Knobs: []lab.Knob{
			{Name: "buf", Kind: lab.KindInt, Default: "1024", Min: 1, Max: 65535,
				Help: lab.T("the receive buffer of recvfrom(buf)", "recvfrom(buf) 的接收缓冲区大小")},
			{Name: "count", Kind: lab.KindInt, Default: "3", Min: 1, Max: 20,
				Help: lab.T("how many small datagrams the client sends first", "客户端先发送几个小数据报")},
			{Name: "size", Kind: lab.KindInt, Default: "2000", Min: 0, Max: 65507,
				Help: lab.T("the size of the big datagram (above buf, it is cut)", "大数据报的字节数（超过 buf 就会被截断）")},
		},
		Server:   udpServer,
		Client:   udpClient,
		Peer:     &lab.Peer{Serve: udpServe, Client: udpPeerClient, Try: udpTry},
		Findings: udpFindings,
	}
}

var numberWords = strings.Fields("one two three four five six seven eight nine ten " +
	"eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty")

// udpMessages are the datagrams the client sends, in order: count small
// ones, an empty one, a big one and an end marker.
func udpMessages(p lab.Params) [][]byte {
	var msgs [][]byte
	for i := range p.Int("count") {
		msgs = append(msgs, []byte(numberWords[i]))
	}
	big := bytes.Repeat([]byte("0123456789"), p.Int("size")/10+1)[:p.Int("size")]
	return append(msgs, []byte{}, big, []byte("end"))
}

func udpServer(ctx context.Context, s *lab.Side) error {
	pc, err := s.ListenPacket("127.0.0.1:0") // server.bind(('127.0.0.1', 0))
	if err != nil {
		return err
	}
	s.Signal("bound")
	// Let every datagram arrive before reading: they wait in the queue together,
	// and still each recvfrom returns exactly one.
	if err := s.Wait("all-sent"); err != nil {
		return err
	}
	buf := s.Params.Int("buf")
	for range s.Params.Int("count") {
		s.Key("one-datagram")
		data, addr, _, err := pc.RecvFrom(buf) // data, addr = server.recvfrom(1024)
		if err != nil {
			return err
		}
		if _, err := pc.SendTo(upper(data), addr); err != nil { // server.sendto(data.upper(), addr)
			return err
		}
	}
	s.Note(lab.T("next: the empty datagram. In UDP, 0 bytes is a real message, not the end of anything.",
		"接下来是空数据报。在 UDP 里，0 字节也是一条真实的消息，而不是结束。"))
	s.Key("empty-datagram")
	if _, _, _, err := pc.RecvFrom(buf); err != nil {
		return err
	}
	s.Note(lab.Tf("next: a %d-byte datagram into a %d-byte buffer.", "接下来：%d 字节的数据报读进 %d 字节的缓冲区。",
		s.Params.Int("size"), buf))
	s.KeyIf("big-datagram", func(e lab.Event) bool { return e.Trunc })
	if _, _, _, err := pc.RecvFrom(buf); err != nil {
		return err
	}
	s.Step("end-marker")
	if _, _, _, err := pc.RecvFrom(buf); err != nil { // the "end" marker
		return err
	}
	return pc.Close()
}

func udpClient(ctx context.Context, s *lab.Side) error {
	if err := s.Wait("bound"); err != nil {
		return err
	}
	server, err := net.ResolveUDPAddr("udp", s.ServerAddr())
	if err != nil {
		return err
	}
	// Python's client never calls bind(): the kernel binds it on the first
	// sendto(). Go binds when the socket is made; port 0 = "any free port".
	s.Note(lab.T("Python's UDP client skips bind(): the kernel binds it to a free port on the first sendto(). Go binds when the socket is made; port 0 means the same thing.",
		"Python 的 UDP 客户端不调用 bind()：第一次 sendto() 时内核自动绑定一个空闲端口。Go 在创建套接字时绑定；端口 0 的意思相同。"))
	pc, err := s.ListenPacket("127.0.0.1:0")
	if err != nil {
		return err
	}
	name := udpSendSteps(s)
	for _, m := range udpMessages(s.Params) {
		name()
		if _, err := pc.SendTo(m, server); err != nil { // client.sendto(msg, server_addr)
			return err
		}
	}
	s.Signal("all-sent")
	for range s.Params.Int("count") {
		if _, _, _, err := pc.RecvFrom(s.Params.Int("buf")); err != nil { // reply, addr = client.recvfrom(1024)
			return err
		}
	}
	return pc.Close()
}

// udpSendSteps returns a func to call before each of the client's sendto
// calls, in the order of udpMessages: it names the first datagram, the
// empty one and the big one.
func udpSendSteps(s *lab.Side) func() {
	count, i := s.Params.Int("count"), 0
	return func() {
		switch i {
		case 0:
			s.Step("first-datagram")
		case count:
			s.Step("send-empty")
		case count + 1:
			s.Step("send-big")
		}
		i++
	}
}

func udpFindings(t lab.Trace, p lab.Params) []lab.Finding {
	msgs := udpMessages(p)
	count, buf := p.Int("count"), p.Int("buf")
	got := t.Calls(lab.Server, lab.OpRecvFrom)
	sent := t.Calls(lab.Client, lab.OpSendTo)
	if len(got) != count+3 || len(sent) != count+3 {
		return []lab.Finding{check("boundaries", false, lab.Tf(
			"expected %d datagrams each way, saw %d sent and %d received",
			"预期收发各 %d 个数据报，实际发送 %d 个、接收 %d 个", count+3, len(sent), len(got))).On(sent...).On(got...)}
	}

	whole := true
	var sizes []string
	for i := range count {
		want := msgs[i][:min(len(msgs[i]), buf)]
		whole = whole && bytes.Equal(got[i].Data, want)
		sizes = append(sizes, fmt.Sprint(got[i].N))
	}
	boundaries := check("boundaries", whole, lab.Tf(
		"%d sendto() calls, %d recvfrom() calls: each returned exactly one datagram (%s bytes), although all were queued together",
		"%d 次 sendto()，%d 次 recvfrom()：每次正好返回一个数据报（%s 字节），尽管它们是一起排队的",
		count, count, strings.Join(sizes, ", "))).On(sent[:count]...).At("one-datagram")

	client := sent[0].Local
	bind := t.Calls(lab.Client, lab.OpBind)
	if len(bind) == 1 {
		client = bind[0].Local
	}
	replies := t.Calls(lab.Server, lab.OpSendTo)
	addrOK := true
	for _, e := range got {
		addrOK = addrOK && e.Peer == client
	}
	for _, e := range replies {
		addrOK = addrOK && e.Peer == client
	}
	address := check("address", addrOK, lab.Tf(
		"no connection: every datagram came with the sender's address (%s), and the server replied to it",
		"没有连接：每个数据报都带着发送者的地址（%s），服务端就按这个地址回复", client)).On(bind...).On(got...).On(replies...)

	empty := got[count]
	endMark := []byte("end")[:min(3, buf)] // the marker, as cut by a tiny buffer
	emptyOK := empty.N == 0 && empty.Err == "" && empty.Peer != "" && bytes.Equal(got[count+2].Data, endMark)
	emptyF := check("empty", emptyOK, lab.Tf(
		"the empty datagram arrived as n=0 with an address (%s), and the socket went on working: in UDP, 0 bytes is not EOF",
		"空数据报以 n=0 到达，带着地址（%s），套接字照常工作：在 UDP 里 0 字节不是 EOF", empty.Peer)).On(sent[count], empty, got[count+2])

	big, end := got[count+1], got[count+2]
	size := p.Int("size")
	var cut lab.Finding
	if size > buf {
		ok := big.Trunc && big.N == buf && bytes.Equal(end.Data, endMark)
		cut = check("truncated", ok, lab.Tf(
			"the %d-byte datagram was cut to %d bytes (MSG_TRUNC); the other %d bytes were thrown away: the next recvfrom() returned the next datagram, %q",
			"%d 字节的数据报被截断为 %d 字节（MSG_TRUNC）；其余 %d 字节被丢弃：下一次 recvfrom() 返回的是下一个数据报 %q",
			size, big.N, size-big.N, end.Data)).On(sent[count+1], big, end)
	} else {
		cut = check("truncated", false, lab.Tf(
			"the big datagram (%d bytes) fitted in the %d-byte buffer, so nothing was cut: set size above buf to see a datagram cut",
			"大数据报（%d 字节）装得进 %d 字节的缓冲区，所以没有截断：把 size 设得比 buf 大才能看到截断", size, buf)).On(sent[count+1], big)
	}
	return []lab.Finding{boundaries, address, emptyF, cut}
}

// The peer sides (lab serve, lab client).

// udpServe answers every datagram to its sender, upper-cased.
func udpServe(ctx context.Context, s *lab.Side, opt lab.PeerOptions) (lab.ServeStats, error) {
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
		s.Idle()
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

func udpPeerClient(ctx context.Context, s *lab.Side, opt lab.PeerOptions) error {
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

// udpTry is the hint of `lab serve 2`: nc in UDP mode, or one Python datagram.
func udpTry(host, port string) []string {
	return []string{
		fmt.Sprintf("nc -u %s %s", host, port),
		fmt.Sprintf(`python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'hello', ('%s', %s)); print(s.recvfrom(1024))"`, host, port),
	}
}
