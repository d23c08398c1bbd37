package exercise

import (
	"bytes"
	"errors"
	"net"
	"os"
	"time"

	"socketlab/lab"
)

// udp-echo-server (demo 2): every datagram answered upper-cased to its sender.

func udpEchoServer() Exercise {
	return Exercise{
		Slug: "udp-echo-server", Role: Server, Demo: 2, Proto: "udp",
		Title: lab.T("a UDP server that answers each datagram upper-cased", "把每个数据报大写后回给发送者的 UDP 服务端"),
		Task: lab.T(`Write the server of lesson 2: bind a UDP socket to port LAB_PORT (the {port}
argument); loop: data, addr = s.recvfrom(65535); s.sendto(data.upper(), addr).
No listen(), no accept(): every datagram brings its sender's address, and
each is a message of its own, the empty one too (it is not an end).

  lab sends   to your port    6f 6e 65              "one"
  you answer  to its sender   4f 4e 45              "ONE"
  lab sends                   (0 bytes)             an empty datagram
  you answer                  (0 bytes)`,
			`写出第 2 课的服务端：把 UDP 套接字绑定到端口 LAB_PORT（参数 {port}）；循环：
data, addr = s.recvfrom(65535)；s.sendto(data.upper(), addr)。没有 listen()，没有 accept()：
每个数据报都带着发送者的地址，每个都是一条独立的消息，空数据报也是（它不表示结束）。

  实验台发到你的端口   6f 6e 65              "one"
  你回给发送者         4f 4e 45              "ONE"
  实验台发送           （0 字节）            一个空数据报
  你回答               （0 字节）`),
		Cases: []Case{
			{ID: "plain", Name: lab.T("lab client 2: one, two, three, an empty datagram, 100 bytes, end", "lab client 2：one、two、three、一个空数据报、100 字节、end"),
				Hint: lab.T("answer every datagram, the empty datagram too, with sendto(data.upper(), addr) to the address recvfrom() gave",
					"对每个数据报（空数据报也一样）都用 sendto(data.upper(), addr) 回给 recvfrom() 给出的地址"),
				Client: func(t *T) error { return t.Peer(2, "size=100", "buf=65535") }},
			{ID: "two-clients", Name: lab.T("two clients, their datagrams interleaved", "两个客户端，数据报交替发送"),
				Hint: lab.T("answer each datagram with sendto() to its own sender: do not connect() the socket to the first one",
					"用 sendto() 把每个数据报回给它自己的发送者：不要把套接字 connect() 到第一个发送者"),
				Client: udpTwoClients},
			{ID: "big", Name: lab.T("one datagram of 65,507 bytes (the most UDP carries)", "一个 65507 字节的数据报（UDP 能装的最大值）"),
				Hint: lab.T("recvfrom(1024) cuts a longer datagram and the rest is lost: ask for recvfrom(65535)",
					"recvfrom(1024) 会截断更长的数据报，剩下的部分就丢了：用 recvfrom(65535)"),
				Client: func(t *T) error { return udpExchanges(t, bytes.Repeat([]byte("datagram "), 7279)[:65507]) }},
			{ID: "empty", Name: lab.T(`an empty datagram, then "still here?"`, `一个空数据报，然后 "still here?"`),
				Hint: lab.T("an empty datagram is a message, not the end of anything: answer it and keep serving (UDP has no EOF)",
					"空数据报是一条消息，不表示任何结束：回答它并继续服务（UDP 没有 EOF）"),
				Client: func(t *T) error { return udpExchanges(t, []byte{}, []byte("still here?")) }},
			{ID: "many", Name: lab.T("ten datagrams from one client", "一个客户端发来十个数据报"),
				Hint: lab.T("keep the recvfrom() loop going: one datagram is not the end", "保持 recvfrom() 循环：一个数据报之后并没有结束"),
				Client: func(t *T) error {
					var ms [][]byte
					for _, w := range []string{"a", "bb", "ccc", "dddd", "e", "ff", "g", "hh", "iii", "j"} {
						ms = append(ms, []byte(w))
					}
					return udpExchanges(t, ms...)
				}},
		},
	}
}

// udpWait is how long the lab waits for a datagram's answer: UDP never
// resends, so a missing answer is gone, not late.
const udpWait = 3 * time.Second

func (t *T) udpSocket() (*lab.PacketConn, net.Addr, error) {
	server, err := net.ResolveUDPAddr("udp", t.Addr)
	if err != nil {
		return nil, nil, err
	}
	local := "127.0.0.1:0"
	if server.IP.To4() == nil {
		local = "[::1]:0"
	}
	pc, err := t.Side.ListenPacket(local)
	return pc, server, err
}

// udpExchanges sends each datagram from one socket and wants it back upper-cased.
func udpExchanges(t *T, msgs ...[]byte) error {
	pc, server, err := t.udpSocket()
	if err != nil {
		return err
	}
	defer pc.Close()
	for _, m := range msgs {
		if err := udpExchange(pc, server, m); err != nil {
			return err
		}
	}
	return nil
}

func udpExchange(pc *lab.PacketConn, server net.Addr, m []byte) error {
	if _, err := pc.SendTo(m, server); err != nil {
		return err
	}
	pc.SetReadDeadline(time.Now().Add(udpWait))
	got, _, _, err := pc.RecvFrom(65536)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &Mismatch{What: lab.Tf("no answer within %v (UDP never resends: a datagram not answered is simply gone)", "%v 之内没有回答（UDP 从不重发：没有回答的数据报就是没了）", udpWait),
			Sent: m, Want: upper(m), Got: []byte{}}
	}
	if err != nil {
		return err
	}
	return mismatch(lab.Tf("the answer to a %d-byte datagram is wrong", "对一个 %d 字节数据报的回答不对", len(m)), m, upper(m), got)
}

func udpTwoClients(t *T) error {
	a, server, err := t.udpSocket()
	if err != nil {
		return err
	}
	defer a.Close()
	b, _, err := t.udpSocket()
	if err != nil {
		return err
	}
	defer b.Close()
	for i, step := range []struct {
		pc  *lab.PacketConn
		msg string
	}{{a, "from a"}, {b, "from b"}, {a, "a again"}, {b, "b again"}} {
		if err := udpExchange(step.pc, server, []byte(step.msg)); err != nil {
			var m *Mismatch
			if errors.As(err, &m) && i%2 == 1 {
				m.What = join(lab.T("the second client: ", "第二个客户端："), m.What)
			}
			return err
		}
	}
	return nil
}
